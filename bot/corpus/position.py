"""The Parliament's position attached to a legislative resolution, cut into its own citations, recitals and articles.

A text adopted at first reading prints the legislative resolution ("1. Adopts its
position at first reading hereinafter set out;" …), then the position itself: a line
"P9_TC1-COD(2021)0106", the heading "Position of the European Parliament adopted at
first reading on 13 March 2024 with a view to the adoption of Regulation …", and the act
as amended: "Having regard to …," citations, "Whereas:", recitals "(1) …", "HAVE
ADOPTED THIS REGULATION:", then "Article 1", its heading, its paragraphs "1. …" and
points "(a) …", and annexes. None of these are the resolution's paragraphs. Each is cited
as the act's own numbering, inside the position: "position, recital 12", "position,
article 5(2)", "position, article 5(2), point (a)". Headings and formulas are left out
with their reason, as in the resolution.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from bot.corpus.layout import Line
from bot.corpus.models import LeftOut
from bot.corpus.units import CLOSED_RE, ROMAN, heading_like, some

logger = logging.getLogger(__name__)

POSITION = "position"
POSITION_HEADING = "position heading"
HEADING = "heading"

# Where the position begins: its number ("P9_TC1-COD(2021)0106", glued to its heading in
# some copies) or its heading alone.
_BOUNDARY_RE = re.compile(
    r"(?:P\d{1,2}_TC\d-[A-Z]{3}\(\d{4}\)\d{4}\b.*|Position of the European Parliament adopted at (?:first|second) "
    r"reading\b.*)"
)
# "AMENDMENTS BY THE EUROPEAN PARLIAMENT (*1) to the Commission proposal": amendments adopted
# when a text is referred back to committee (Rule 59(4)) restate the whole act in one amendment.
_RESTATED_RE = re.compile(r"AMENDMENTS BY THE EUROPEAN PARLIAMENT\b.*")
_CITATION_RE = re.compile(r"Having regard to\b.*")
_RECITAL_RE = re.compile(r"\((\d{1,3}[a-z]?)\)(?: (.*))?")
_ARTICLE_RE = re.compile(r"Article (\d{1,3}[a-z]?)")
_PARAGRAPH_RE = re.compile(r"(\d{1,3}[a-z]?)\.(?: (.*))?")
# A point: "(a)", "(ii)", or a definition's "(1)" in an article.
_POINT_RE = re.compile(r"\(([a-z]{1,2}|[ivx]{1,6}|\d{1,3}[a-z]?)\)(?: (.*))?")
_ANNEX_RE = re.compile(r"ANNEX(?: ([IVX]+|\d+))?")
# A part of an annex: "Section A - Information to be submitted by providers ...", "Part 2".
_SECTION_RE = re.compile(r"((?:Section|Part) (?:[A-Z]|\d{1,2}|[IVX]{1,5}))\b(?! of\b).*")


@dataclass(slots=True)
class PositionUnit:
    """One unit of the position: its citation ("recital 12", "article 5(2)"), point and text."""

    number: str
    point: str | None
    line: int
    texts: list[str] = field(default_factory=list)
    parent: PositionUnit | None = None  # a point's paragraph

    def closed(self) -> bool:
        return not self.texts or bool(CLOSED_RE.search(self.texts[-1]))


def restates_the_act(text: str) -> bool:
    """Whether ``text``, under "Amendment 1", opens a restatement of the whole proposal as amended."""
    return _RESTATED_RE.fullmatch(text) is not None


def is_boundary(text: str) -> bool:
    """Whether ``text`` (one plain line) is where an attached position begins."""
    return _BOUNDARY_RE.fullmatch(text) is not None


def read_position(lines: list[Line], left_out: list[LeftOut], heading: str = POSITION_HEADING) -> list[PositionUnit]:
    """The units of the position from its boundary line on; lines in none go to ``left_out``.

    An amendment restating the whole proposal ("AMENDMENTS BY THE EUROPEAN PARLIAMENT to
    the Commission proposal", then the act) is read the same way; ``heading`` is then the
    reason its preamble is left out with.
    """
    units: list[PositionUnit] = []
    current: PositionUnit | None = None
    paragraph: PositionUnit | None = None
    article: str | None = None
    annex: str | None = None
    levels: list[PositionUnit] = []  # the points of the paragraph so far, for nesting
    citations = 0
    recitals = False
    begun = False  # past the position's number, heading and enacting formula
    for at, line in enumerate(lines):
        text = line.text
        if not begun:
            begun = at > 0 and bool(
                _CITATION_RE.fullmatch(text) or _RECITAL_RE.fullmatch(text) or _ARTICLE_RE.fullmatch(text)
                or text == "Whereas:"
            )
            if not begun:
                left_out.append(LeftOut(line.number, text, heading))
                continue
        if current is not None and not current.texts and not _is_marker(text):
            current.texts.append(text)  # "(1a)" alone, then its text: an inserted point or recital
            continue
        free = current is None or current.closed() or line.after_blank
        unit: PositionUnit | None = None
        if (match := _ANNEX_RE.fullmatch(text)) and free:
            annex, article, paragraph, current, levels = match[1] or "", None, None, None, []
            left_out.append(LeftOut(line.number, text, HEADING))
            continue
        if annex is not None and free and (match := _SECTION_RE.fullmatch(text)):
            part = match[1][0].lower() + match[1][1:]
            annex = f"{annex.split(',')[0]}, {part}"  # "VIII, section A": its points are numbered anew
            paragraph, current, levels = None, None, []
            left_out.append(LeftOut(line.number, text, HEADING))
            continue
        if (match := _ARTICLE_RE.fullmatch(text)) and annex is None:
            article, paragraph, current, levels = match[1], None, None, []
            left_out.append(LeftOut(line.number, text, HEADING))
            continue
        if annex is not None or article is None:
            # The act's citations: "Having regard to …," and its other visas ("After
            # transmission of the draft legislative act to the national parliaments,").
            if annex is None and free and not recitals and (_CITATION_RE.fullmatch(text) or text.endswith(",")):
                citations += 1
                unit = PositionUnit(f"citation {citations}", None, line.number, [text])
            elif annex is None and (match := _RECITAL_RE.fullmatch(text)) and free:
                unit = PositionUnit(f"recital {match[1]}", None, line.number, some(match[2]))
                recitals = True
            elif current is not None and not free:
                current.texts.append(text)  # a wrapped line
            elif annex is not None and free and (match := _PARAGRAPH_RE.fullmatch(text)):
                unit = PositionUnit(f"annex {annex}, point {match[1]}", None, line.number, some(match[2]))
                paragraph, levels = unit, []
            elif annex is not None and free and paragraph is not None and (match := _POINT_RE.fullmatch(text)):
                path, parent = _nest(match[1], current, levels)
                unit = PositionUnit(paragraph.number, path, line.number, some(match[2]), parent or paragraph)
                levels.append(unit)
            elif annex is not None and not (free and heading_like(text, capital=False)):
                if current is not None and current.number.startswith("annex") and current.point is None:
                    current.texts.append(text)  # a further subparagraph of the annex's point
                else:
                    unit = PositionUnit(f"annex {annex}".rstrip(), None, line.number, [text])
            else:
                # "Whereas:", "HAVE ADOPTED THIS REGULATION:", an annex's heading.
                left_out.append(LeftOut(line.number, text, HEADING))
                current = None
        elif (match := _PARAGRAPH_RE.fullmatch(text)) and free:
            unit = PositionUnit(f"article {article}({match[1]})", None, line.number, some(match[2]))
            paragraph, levels = unit, []
        elif (match := _POINT_RE.fullmatch(text)) and free:
            number = paragraph.number if paragraph is not None else f"article {article}"
            path, parent = _nest(match[1], current, levels)
            unit = PositionUnit(number, path, line.number, some(match[2]), parent or paragraph)
            levels.append(unit)
        elif current is not None and not free:
            current.texts.append(text)  # a wrapped line
        elif free and heading_like(text, capital=False):
            left_out.append(LeftOut(line.number, text, HEADING))  # the article's title, a chapter's
        elif current is not None and current.point is None:
            current.texts.append(text)  # a further subparagraph
        elif current is not None and current.parent is not None:
            current.parent.texts.append(text)  # a paragraph's closing words, after its points
        else:
            unit = PositionUnit(f"article {article}", None, line.number, [text])
        if unit is not None:
            units.append(unit)
            current = unit
    return units


def _nest(marker: str, current: PositionUnit | None, levels: list[PositionUnit]) -> tuple[str, PositionUnit | None]:
    """A point's path ("h.i": point (i) under point (h)) and the point it stands under, if any.

    A point ending with a colon opens points under it ("(h) … unless …:" then "(i)", "(ii)");
    otherwise a marker goes on the deepest series it follows ("(b)" after "(a)"), else
    starts the paragraph's first level.
    """
    if current is not None and current.point is not None and current in levels and current.texts and (
        current.texts[-1].endswith(":")
    ):
        return f"{current.point}.{marker}", current
    for unit in reversed(levels):
        assert unit.point is not None
        above, _, own = unit.point.rpartition(".")
        if _follows(own, marker):
            parent = next((u for u in levels if u.point == above), None) if above else None
            return f"{above}.{marker}" if above else marker, parent
    return marker, None


def _follows(previous: str, marker: str) -> bool:
    """Whether ``marker`` is the next one after ``previous`` in a series of letters, numerals or numbers."""
    if previous in ROMAN and marker in ROMAN and ROMAN.index(marker) == ROMAN.index(previous) + 1:
        return True
    if previous[:1].isdigit() and marker[:1].isdigit():  # "44", "44a", "45"
        base = int("".join(ch for ch in previous if ch.isdigit()))
        number = int("".join(ch for ch in marker if ch.isdigit()))
        return number in (base, base + 1) and marker != previous
    return len(previous) == len(marker) == 1 and previous.isalpha() and ord(marker) == ord(previous) + 1


def _is_marker(text: str) -> bool:
    return any(pattern.fullmatch(text) for pattern in (_RECITAL_RE, _ARTICLE_RE, _PARAGRAPH_RE, _POINT_RE, _ANNEX_RE))


