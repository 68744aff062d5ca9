"""An EP text adopted cut into its own units: citations, recitals, paragraphs, points and annexes.

The Parliament's texts adopted read: a title line ("European Parliament resolution of
11 February 2021 on … (2021/2544(RSP))"), "The European Parliament,", citations
("– having regard to …,", numbered 1…n in order), recitals ("A. whereas …;" to "Z.",
then "AA.", "AB."…), numbered paragraphs ("1. Calls on …;") and points under them
("(a)", "(b)" or "(i)", "(ii)"), maybe annexes. Each unit becomes one passage labelled as
the Parliament's amendment forms cite it: "citation 3", "recital AA", "paragraph 5,
point (b)". The reader works line by line on bot.corpus.layout's plain lines, so a unit
per line, units between blank lines, a marker and its text in two table cells, and a
unit hard-wrapped over several lines all read the same. A body that shows no such
structure is cut into the file's paragraphs (bot.corpus.passages), as before.

Nothing is dropped silently: every line that is in no passage is listed with its
reason, and a gap or a repeat in the numbering is a warning (the document is served).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from bot.corpus.layout import Line, plain_lines
from bot.corpus.models import CITATION_OPENING, TEXT_ID_RE, Kind, LeftOut, Passage, Position, Problem
from bot.corpus.passages import clean, last_sentence, split_passages
from bot.corpus.position import POSITION, PositionUnit, is_boundary, read_position, restates_the_act
from bot.corpus.units import CLOSED_RE, ROMAN, describe_units, heading_like, some, unit_counts

logger = logging.getLogger(__name__)

TITLE_LINE = "title line"
OPENING = "opening formula"
# The part of words that stand in no numbered unit (before the first citation, say).
UNNUMBERED = "unnumbered"
HEADING = "heading"
BEFORE_TEXT = "before the title line"
NO_TEXT = "marker without text"
RESTATED_HEADING = "heading of the act as amended"

# One of these in a body's first HINT_CHARS is needed for it to show EP structure: a
# cheap test that spares the line-by-line reading of every other file (news reports,
# summaries). "hereas" is "whereas" and "Whereas"; amendments adopted have none of
# these but their title. A text adopted opens with its citations or recitals well
# within that, navigation and cover pages included.
_HINTS = ("having regard", "Parliament,", "hereas", "Amendments adopted by")
HINT_CHARS = 50_000
_TITLE_RE = re.compile(
    r"(?:European Parliament (?:(?:non-)?legislative )?(?:resolution|recommendation|decision)|"
    r"Resolution of the European Parliament|Amendments adopted by the European Parliament on)\b.*"
)
OPENING_RE = re.compile(r"The European Parliament,?")  # fullmatch a line: the opening formula
_DASHES = "\u2013\u2014-"
_CITATION_RE = re.compile(rf"(?:[{_DASHES}]\s?)?({CITATION_OPENING}.*)")
_DASH_ONLY_RE = re.compile(rf"[{_DASHES}]")
_RECITAL_RE = re.compile(r"([A-Z]{1,2})\.(?: (.*))?")
_PARAGRAPH_RE = re.compile(r"(\d{1,3})\.(?: (.*))?")
_POINT_RE = re.compile(r"\(([a-z]{1,2}|[ivxl]{1,6})\)(?: (.*))?")
# "Amendment 12" (doceo sets two no-break spaces): the amendment's number, alone on its line.
_AMENDMENT_RE = re.compile(r"Amendment (\d{1,4})")
# The resolution's annex after the position: "ANNEX TO THE LEGISLATIVE RESOLUTION" (a joint statement).
_RESOLUTION_ANNEX_RE = re.compile(r"(?:ANNEX|Annex) (?:TO|to) THE (?:LEGISLATIVE )?RESOLUTION\b.*|"
                                  r"Annex to the (?:legislative )?resolution\b.*")
_ANNEX_RE = re.compile(r"(?:ANNEX|Annex)(?: ([IVX]+|\d+))?(?: (?:to|TO) [^.;,]*)?:?")
_HYPHEN_BREAK_RE = re.compile(r"[^\W\d_]-$")
# A document code broken after its hyphen: "A9-" + "0188/2023" is "A9-0188/2023".
_CODE_BREAK_RE = re.compile(r"\b(?:RC-)?[A-Z]\d{1,2}-$")
_MAX_TITLE_LINES = 4


@dataclass(slots=True)
class _Unit:
    part: str | None
    number: str | None
    point: str | None
    line: int
    texts: list[str] = field(default_factory=list)
    parent: _Unit | None = None  # a point's paragraph (or recital)
    marker: str = ""  # the marker as written, for the report of a unit without text
    dash_line: int = 0  # the line of the last lone list dash in the unit's texts

    def closed(self) -> bool:
        return not self.texts or bool(CLOSED_RE.search(self.texts[-1]))

    def text(self) -> str:
        if self.part == "amendment":
            # An amendment's blocks (what it amends, each column's text) stay one a line.
            return clean("\n".join(self.texts))
        return clean(join_lines(self.texts))


@dataclass(frozen=True, slots=True)
class Reading:
    """What the reader found in one body: passages, left-out lines, counts and warnings."""

    passages: list[Passage]
    left_out: list[LeftOut]
    warnings: list[Problem]
    structured: bool
    parts: dict[str, int] = field(default_factory=dict)
    title_line: str | None = None
    text_ids: tuple[str, ...] = ()  # text numbers stated before the text, as written

    def parts_summary(self) -> str:
        """"7 citations, 28 recitals (A–AB), 12 paragraphs (1–12), 7 points", or why there are none."""
        if not self.structured:
            return "no EP structure found: cut into the file's paragraphs"
        return describe_units(self.passages)


def join_lines(texts: list[str]) -> str:
    """The lines of one unit as one text: a word hyphenated across lines rejoined.

    "situa-" + "tion" gives "situation"; "EU-" + "Kazakhstan" keeps its hyphen (an upper-case
    or digit start is a compound's second half). A hyphen that was a real one before a
    lower-case word ("non-" + "governmental") cannot be told apart and is joined too.
    """
    out = texts[0]
    for text in texts[1:]:
        if _CODE_BREAK_RE.search(out) and text[:1].isdigit():
            out += text
        elif _HYPHEN_BREAK_RE.search(out):
            out = out[:-1] + text if text[:1].islower() and out[-2:-1].islower() else out + text
        else:
            out = f"{out} {text}"
    return out


def read(name: str, body: str, first_line: int = 1, kind: Kind | None = None) -> Reading:
    """The passages of ``body``: EP units when it shows the structure, else the file's paragraphs.

    A summary or a news report is read as EP units only when it quotes the text itself,
    from its opening "The European Parliament," on: its own numbered lists are not the
    Parliament's paragraphs.
    """
    if any(body.find(hint, 0, HINT_CHARS) >= 0 for hint in _HINTS):
        about = kind is not None and not kind.is_resolution_text
        reading = _read_structure(name, body, first_line, needs_opening=about)
        if reading is not None:
            return reading
    left_out: list[LeftOut] = []
    passages = split_passages(name, body, first_line, left_out)
    return Reading(passages, left_out, [], structured=False)


def _read_structure(name: str, body: str, first_line: int, needs_opening: bool) -> Reading | None:
    lines, left_out = plain_lines(body, first_line)
    start = _start(lines)
    if start is None:
        return None
    title_at, begin = start
    front_end = begin if title_at is None else title_at
    title_text = None if title_at is None else lines[title_at].text
    left_out.extend(
        # EUR-Lex shows the title line again above the Official Journal's header.
        LeftOut(line.number, line.text, TITLE_LINE) if line.text == title_text else _before(line)
        for line in lines[:front_end]
    )
    title_line = None
    if title_at is not None:
        end = _title_end(lines, title_at, begin)
        title_line = join_lines([line.text for line in lines[title_at:end]])
        left_out.extend(LeftOut(line.number, line.text, TITLE_LINE) for line in lines[title_at:end])
        left_out.extend(_before(line) for line in lines[end:begin])  # an OJ number, a short title
        begin = max(begin, end)
    stated_before = min(
        (line.number for line in lines[begin:]), default=lines[-1].number + 1
    )
    text_ids = tuple(dict.fromkeys(
        m.group(0) for item in left_out if item.line < stated_before for m in TEXT_ID_RE.finditer(item.text)
    ))
    units = _units(lines[begin:], left_out)
    counted = sum(1 for u in units if u.part in ("citation", "recital", "paragraph", "amendment"))
    opened = any(item.reason == OPENING for item in left_out)
    if counted == 0 or (counted < 2 and title_line is None and not opened) or (needs_opening and not opened):
        return None
    warnings = _numbering(name, units)
    passages: list[Passage] = []
    for unit in units:
        if unit.part == UNNUMBERED:
            warnings.append(Problem(
                name, unit.line, "text outside any citation, recital or paragraph: cited as unnumbered text",
                "warning"))
        if len(unit.texts) > 1 and _DASH_ONLY_RE.fullmatch(unit.texts[-1]):
            # A list dash with no item after it (the text ends): reported, not served.
            dash = unit.texts.pop()
            warnings.append(Problem(name, unit.dash_line, f"a list dash in {_label(unit)} has no text", "warning"))
            left_out.append(LeftOut(unit.dash_line, dash, NO_TEXT))
        if not unit.texts:
            warnings.append(Problem(name, unit.line, f"{_label(unit)} has no text", "warning"))
            left_out.append(LeftOut(unit.line, unit.marker, NO_TEXT))
            continue
        lead = _lead(unit)
        position = Position(len(passages) + 1, None, unit.line, unit.part, unit.number, unit.point)
        passages.append(Passage(name, position, unit.text(), lead))
    left_out.sort(key=lambda item: item.line)
    return Reading(passages, left_out, warnings, True, dict(unit_counts(passages)), title_line, text_ids)


def _start(lines: list[Line]) -> tuple[int | None, int] | None:
    """Index of the title line (the last before the text: EUR-Lex repeats it) and of where units may begin."""
    title_at = None
    for index, line in enumerate(lines):
        text = line.text
        if OPENING_RE.fullmatch(text) or _CITATION_RE.match(text) or (
            _RECITAL_RE.match(text) and "whereas" in text.lower()
        ) or (title_at is not None and _AMENDMENT_RE.fullmatch(text)):
            return title_at, index
        if _TITLE_RE.match(text):
            title_at = index
    return None if title_at is None else (title_at, title_at)


def _title_end(lines: list[Line], title_at: int, begin: int) -> int:
    """Where the title line ends: a PDF wraps it, the next line going on in lower case, up to its "(REF)"."""
    end = title_at + 1
    limit = begin if begin > title_at else len(lines)
    while (
        end < limit
        and end - title_at < _MAX_TITLE_LINES
        and not lines[end - 1].text.endswith("))")
        and (lines[end].text[:1].islower() or lines[end].text.endswith("))"))
    ):
        end += 1
    return end


def _before(line: Line) -> LeftOut:
    return LeftOut(line.number, line.text, HEADING if heading_like(line.text) else BEFORE_TEXT)


def _units(lines: list[Line], left_out: list[LeftOut]) -> list[_Unit]:
    """The units of the text from its opening on; lines in none go to ``left_out``."""
    units: list[_Unit] = []
    current: _Unit | None = None
    parent: _Unit | None = None
    point: _Unit | None = None  # the paragraph's last lettered point: (i), (ii) may stand under it
    citations = 0
    seen_paragraph = seen_recital = False
    annex: str | None = None  # the annex being read ("" when it has no number)
    amending = False  # inside an amendment: every line is its text, until the next one
    opened = False
    skip_to = 0  # past the position, once read
    for index, line in enumerate(lines):
        if index < skip_to:
            continue
        text = line.text
        if not opened and OPENING_RE.fullmatch(text):
            left_out.append(LeftOut(line.number, text, OPENING))
            opened = True
            continue
        if seen_paragraph and is_boundary(text):
            # The position runs to the resolution's own annex, if any, or to the end.
            skip_to = next((i for i in range(index + 1, len(lines)) if _RESOLUTION_ANNEX_RE.fullmatch(lines[i].text)),
                           len(lines))
            units.extend(_from_position(read_position(lines[index:skip_to], left_out)))
            current = parent = point = None
            amending = False
            continue
        if (match := _AMENDMENT_RE.fullmatch(text)) and index + 1 < len(lines) and restates_the_act(
            lines[index + 1].text
        ):
            # One amendment restating the act: cited by the act's own numbering inside it.
            skip_to = next((i for i in range(index + 1, len(lines))
                            if _AMENDMENT_RE.fullmatch(lines[i].text) or _RESOLUTION_ANNEX_RE.fullmatch(lines[i].text)),
                           len(lines))
            left_out.append(LeftOut(line.number, text, HEADING))
            restated = read_position(lines[index + 1 : skip_to], left_out, heading=RESTATED_HEADING)
            units.extend(_from_position(restated, part="amendment", prefix=f"{match[1]}, "))
            current = parent = point = None
            amending = False
            continue
        if match := _AMENDMENT_RE.fullmatch(text):
            current = _Unit("amendment", match[1], None, line.number, marker=text)
            units.append(current)
            parent = point = None
            amending = True
            continue
        if amending and current is not None:
            if _ANNEX_RE.fullmatch(text) and current.texts:
                amending = False  # "ANNEX TO THE LEGISLATIVE RESOLUTION": read below as an annex
            else:
                current.texts.append(text)
                continue
        if current is not None and not current.texts and _text_of_marker(text, current):
            current.texts.append(text)  # the text cell after a marker cell (Official Journal)
            continue
        free = current is None or current.closed() or line.after_blank
        unit: _Unit | None = None
        # Citations come first: once a recital or a paragraph has begun, "having regard" (a
        # wrapped line, a quoted act) or a lone dash (a list cell) goes on the unit before.
        citing = not seen_paragraph and not seen_recital
        if annex is None:
            if (match := _CITATION_RE.fullmatch(text)) and citing:
                explicit = text[:1] in _DASHES
                if explicit or free:
                    citations += 1
                    unit = _Unit("citation", str(citations), None, line.number, [match[1]], marker=text)
            elif _DASH_ONLY_RE.fullmatch(text) and free and citing:
                citations += 1
                unit = _Unit("citation", str(citations), None, line.number, marker=text)
            elif (match := _RECITAL_RE.fullmatch(text)) and free and not seen_paragraph:
                seen_recital = True
                unit = _Unit("recital", match[1], None, line.number, some(match[2]), marker=text)
            elif (match := _PARAGRAPH_RE.fullmatch(text)) and free:
                seen_paragraph = True
                unit = _Unit("paragraph", match[1], None, line.number, some(match[2]), marker=text)
            elif (match := _POINT_RE.fullmatch(text)) and free and parent is not None:
                if _is_sub_point(match[1], point, current):
                    assert point is not None and point.point is not None
                    unit = _Unit(parent.part, parent.number, f"{point.point}.{match[1]}", line.number,
                                 some(match[2]), point, text)
                else:
                    unit = _Unit(parent.part, parent.number, match[1], line.number, some(match[2]), parent, text)
                    point = unit
            elif seen_paragraph and free and (match := _ANNEX_RE.fullmatch(text)):
                annex = match[1] or ""
                left_out.append(LeftOut(line.number, text, HEADING))
                current = None
                continue
        if unit is not None:
            if unit.point is None:
                parent, point = unit, None
            units.append(unit)
            current = unit
            continue
        if free and heading_like(text):
            left_out.append(LeftOut(line.number, text, HEADING))
        elif annex is not None and free:
            current = _Unit("annex", annex or None, None, line.number, [text])
            units.append(current)
        elif current is None:
            # Words after the opening and before any unit: served, but with no EP label to
            # give them, and never with the file's count, which could read as an EP one.
            current = _Unit(UNNUMBERED, None, None, line.number, [text])
            units.append(current)
        else:
            current.texts.append(text)
            if _DASH_ONLY_RE.fullmatch(text):
                current.dash_line = line.number
    return units


def _from_position(found: list[PositionUnit], part: str = POSITION, prefix: str = "") -> list[_Unit]:
    """The position's units as the reader's own, a point keeping its paragraph for its lead-in.

    An amendment restating the act gives ``part`` "amendment" and ``prefix`` "1, ": its
    units are cited "amendment 1, recital 12", "amendment 1, article 5(2)".
    """
    made: dict[int, _Unit] = {}
    out: list[_Unit] = []
    for unit in found:
        parent = made.get(id(unit.parent)) if unit.parent is not None else None
        converted = _Unit(part, f"{prefix}{unit.number}", unit.point, unit.line, unit.texts, parent)
        made[id(unit)] = converted
        out.append(converted)
    return out


def _is_sub_point(marker: str, point: _Unit | None, current: _Unit | None) -> bool:
    """Whether "(i)", "(ii)"… stand under the lettered ``point`` before them, as in
    "(a) act as follows: (i) …; (ii) …;": the series opens right after a point that ends
    with a colon, and goes on while the numerals follow one another."""
    if point is None or current is None or marker not in ROMAN:
        return False
    if current is point:
        return marker == "i" and point.text().endswith(":")
    previous = (current.point or "").partition(".")[2]
    return current.parent is point and previous in ROMAN and ROMAN.index(marker) == ROMAN.index(previous) + 1


def _lead(unit: _Unit) -> str | None:
    """A point's lead-in: its paragraph's last sentence, and for a sub-point its point's words too."""
    parent = unit.parent
    if parent is None or not parent.texts:
        return None
    if parent.point is not None:  # a sub-point: "Urges the Commission to: act as follows:"
        above = _lead(parent)
        return f"{above} {parent.text()}" if above else parent.text()
    return last_sentence(parent.text())


def _text_of_marker(text: str, unit: _Unit) -> bool:
    """Whether ``text``, after a marker standing alone, is that marker's text rather than another unit."""
    if unit.part == "citation" and unit.point is None and _CITATION_RE.fullmatch(text):
        return text[:1] not in _DASHES
    return not any(
        pattern.fullmatch(text) for pattern in (_CITATION_RE, _DASH_ONLY_RE, _RECITAL_RE, _PARAGRAPH_RE, _POINT_RE)
    )




def _label(unit: _Unit) -> str:
    return Position(0, None, unit.line, unit.part, unit.number, unit.point).describe()


def _numbering(name: str, units: list[_Unit]) -> list[Problem]:
    """Warnings for a gap, a repeat or a step back in the recitals', paragraphs' and points' numbering."""
    warnings: list[Problem] = []
    last: dict[str, tuple[int, _Unit, bool]] = {}  # series -> (value, unit, roman numerals)
    for unit in units:
        if unit.part not in ("recital", "paragraph") or unit.number is None:
            continue
        roman = False
        if unit.point is not None:
            above, _, own = unit.point.rpartition(".")  # "a.ii": point (ii) under point (a)
            series = f"{unit.part} {unit.number} points {above}"
            previous = last.get(series)
            value, roman = _point_value(own, previous)
            if previous is not None and previous[2] != roman:
                previous = None  # a new series (points (i), (ii) under a lettered point)
        else:
            series = unit.part
            previous = last.get(series)
            value = _letters_value(unit.number) if unit.part == "recital" else int(unit.number)
        last[series] = (value, unit, roman)
        label = _label(unit)
        if previous is None:
            if value != 1:
                warnings.append(Problem(name, unit.line, f"numbering starts at {label}", "warning"))
            continue
        before, earlier, _ = previous
        if value == before:
            message = f"{label} twice (lines {earlier.line} and {unit.line})"
        elif value < before:
            message = f"{label} after {_label(earlier)} (line {earlier.line}): out of order"
        elif value > before + 1:
            message = f"numbering gap: {_label(earlier)} (line {earlier.line}) then {label}"
        else:
            continue
        warnings.append(Problem(name, unit.line, message, "warning"))
    return warnings


def _letters_value(letters: str) -> int:
    """A, B … Z, AA, AB …: 1, 2 … 26, 27, 28 … (bijective base 26, as the EP letters recitals)."""
    value = 0
    for letter in letters.upper():
        value = value * 26 + ord(letter) - ord("A") + 1
    return value


def _point_value(point: str, previous: tuple[int, _Unit, bool] | None) -> tuple[int, bool]:
    """A point's place in its series and whether the series is of roman numerals.

    "(i)" is a numeral unless it follows "(h)" in a lettered series; "(v)" and "(x)" likewise.
    """
    letter = _letters_value(point)
    if point in ROMAN and (previous is None or previous[2] or letter != previous[0] + 1):
        return ROMAN.index(point) + 1, True
    return letter, False
