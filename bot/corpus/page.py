"""A published page read as one resolution: where its text starts and ends, and what it states about itself.

Input is extracted lines (bot.corpus.extract); output is the body to keep and the
metadata the page states, each field with the wording it came from. The page must be
a text adopted (a dated title line "European Parliament resolution of ...", then the
resolution's structure) or a Legislative Observatory summary ("Resolution on ...", its
procedure line, "The European Parliament adopted ..."). Anything else is refused with
the reason. Nothing is guessed: a field the page does not state stays unknown.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from bot.corpus import structure
from bot.corpus.models import PROCEDURE_REF, Kind, find_text_number
from bot.corpus.structure import OPENING_RE

logger = logging.getLogger(__name__)

TEXTS_ADOPTED = "European Parliament, texts adopted"
OFFICIAL_JOURNAL = "Official Journal of the European Union"
OEIL = "Legislative Observatory (OEIL)"

_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_DATE = rf"(\d{{1,2}}) ({'|'.join(_MONTHS)}) (\d{{4}})"
_REF = PROCEDURE_REF
# "European Parliament resolution of 11 February 2021 on ..." and its kin (legislative,
# non-legislative resolution, recommendation, decision), with the adoption date.
TITLE_RE = re.compile(
    rf"^(?:European Parliament (?:(?:non-)?legislative )?(?:resolution|recommendation|decision) of|"
    rf"Amendments adopted by the European Parliament on) {_DATE}\b",
)
# A title without a date is a motion or a draft, not a text adopted.
_UNDATED_TITLE_RE = re.compile(
    r"^(?:Motion for an? )?(?:European Parliament|Draft European Parliament) "
    r"(?:(?:non-)?legislative )?(?:resolution|recommendation|decision)\b",
    re.IGNORECASE,
)
_ANY_REF_RE = re.compile(_REF)
# What a doceo page of a tabled document says it is, in its first line: "JOINT MOTION FOR
# A RESOLUTION on ...", "REPORT on ...", "RECOMMENDATION FOR SECOND READING ...".
_TABLED_RE = re.compile(
    r"^(JOINT MOTION FOR A RESOLUTION|MOTION FOR A RESOLUTION|REPORT|RECOMMENDATION FOR SECOND READING|"
    r"RECOMMENDATION|AMENDMENTS?|DRAFT AGENDA|MINUTES)\b"
)
_TABLED_KINDS = {
    "JOINT MOTION FOR A RESOLUTION": "a joint motion for a resolution (what the groups tabled)",
    "MOTION FOR A RESOLUTION": "a motion for a resolution (what was tabled)",
    "REPORT": "a committee report (what the committee tabled)",
    "RECOMMENDATION FOR SECOND READING": "a committee recommendation for second reading",
    "RECOMMENDATION": "a committee recommendation (what the committee tabled)",
    "AMENDMENT": "tabled amendments",
    "AMENDMENTS": "tabled amendments",
    "DRAFT AGENDA": "a draft agenda",
    "MINUTES": "the minutes of a sitting",
}
# "Corrigendum to the position of the European Parliament adopted at first reading on ..."
_CORRIGENDUM_RE = re.compile(r"^Corrigendum\b")
# EUR-Lex's banner on every page, its texts and its information pages alike.
_EURLEX_MARK = "This document is an excerpt from the EUR-Lex website"
# doceo's box of links to the stages of a document: "Texts adopted :", then the number.
_TEXTS_ADOPTED_BOX_RE = re.compile(r"^Texts adopted\s*:\s*$")
_PROCEDURE_LINE_RE = re.compile(rf"^Procedure\s*:\s*({_REF})\s*$")
# "Thursday, 11 February 2021 - Brussels" (doceo's date line).
_DATE_LINE_RE = re.compile(rf"^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), {_DATE} - ")
# The Journal's page reference in its header: "C 50/38" (a cell of its own, or run into
# the other header cells in a text copy), "C/2023/399" in the series since October 2023.
_OJ_REF_RE = re.compile(r"(?<![\w/])(C \d{1,4}/\d{1,4}|C/\d{4}/\d+)(?![\w/])")
_OJ_LINE_RE = re.compile(r"^OJ C[ ,]")
# Lines set between the title and the text in the Official Journal: "(2018/C 050/05)", "(C/2023/399)".
_OJ_NUMBER_RE = re.compile(r"^\((?:\d{4}/C \d{1,4}/\d{1,3}|C/\d{4}/\d+)\)$")
# Where a doceo page's own text ends: its footer.
_FOOTER_RE = re.compile(r"^(?:Last updated:|Legal notice\b|Top\s*$|Go back to the Europarl portal)")
# OEIL's summary pages, in every layout they have had. A heading (the resolution's
# "Resolution on ...", or for a legislative resolution the file's title), then a
# dateline: "2021/2540(RSP) 11/02/2021" (today's document-summary page, two spans),
# "2016/2607(RSP) - 10/03/2016", "2014/2832(RSP) - 18/09/2014 - Text adopted by
# Parliament, single reading", or the reference alone with the date on the next line.
_OEIL_DATELINE_RE = re.compile(
    rf"^({_REF})(?:\s*(?:[-\u2013]\s*)?(\d{{2}})/(\d{{2}})/(\d{{4}}))?(?:\s*[-\u2013]\s*(.*?))?\s*$"
)
_OEIL_DATE_RE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})(?:\s*[-\u2013]\s*(.*?))?\s*$")
# The event summarised, as OEIL labels it under the summary ("• Text adopted by
# Parliament, single reading") or on the old dateline. Its date is the text's adoption
# date only for "Text adopted by Parliament"; a debate's or a committee's date never is.
_OEIL_EVENT_RE = re.compile(
    r"^\u2022\s*((?:Text adopted by Parliament|Debate in Parliament|Committee report tabled|Decision by Parliament"
    r"|Commission|Legislative proposal|Results of vote|Council|Document|Summary)\b.*)$"
)
# A procedure file (not a summary): its section headings, each a line of its own.
_OEIL_FILE_HEADINGS = frozenset({"Basic information", "Key events", "Technical information", "Documentation gateway"})
# A text adopted as a procedure file lists it: "T9-0054/2021" is TA-9-2021-0054.
_OEIL_TEXT_NUMBER_RE = re.compile(r"^T(\d{1,2})-(\d{4})/(\d{4})$")
# How far below its dateline a summary's first sentence stands.
_OEIL_ADOPTED_WINDOW = 8
_OEIL_ADOPTED_RE = re.compile(r"^The European Parliament adopted\b")
# A dashed list item of a summary: "- increase pressure on the Tatmadaw ...;".
_OEIL_ITEM_RE = re.compile(r"^[-\u2013\u2022]\s+\S")
# A block that ends a sentence: the next block starts a new one (after a comma it may go on).
_SENTENCE_END_RE = re.compile(r"[.;:!?][\"\u201d\u2019')\]]*$")


class NotAResolution(ValueError):
    """The page is not one resolution's text nor an OEIL summary; the message says why."""


@dataclass(frozen=True, slots=True)
class PageReading:
    """What a page holds: the body lines to keep and the fields it states (with where from)."""

    kind: Kind
    body: tuple[str, ...]
    title: str
    reference: str | None
    adopted: dt.date | None
    text_id: str | None
    provisional: bool
    source: str
    # field -> the wording it was read from, for the import report.
    evidence: dict[str, str]
    dropped_before: int
    dropped_after: int
    dropped_inside: int


def text_id_from_page(value: str) -> tuple[str, bool] | None:
    """("TA-9-2021-0056", provisional) from the number the page prints, maybe glued to its
    source document ("P9_TA(2021)0056RC-B9-0144/2021", "P8_TA-PROV(2019)0203"); None when absent."""
    found = find_text_number(value)
    return (found.dashed, found.provisional) if found is not None else None


def read_page(lines: tuple[str, ...] | list[str], url: str | None = None, text_adopted: bool = False) -> PageReading:
    """Read extracted lines as a text adopted or an OEIL summary, or raise NotAResolution.

    ``text_adopted`` says the page was asked for, or is named, by a text adopted's number
    (TA-5-2003-0307): its title may then be undated, as the Parliament's older pages
    print it ("European Parliament decision on the request for waiver of the immunity of
    ..."), the date standing in the page's date line if anywhere.
    """
    if _looks_like_oeil(lines, url):
        return _read_oeil(lines)
    return _read_text_adopted(lines, text_adopted)


def _read_text_adopted(lines: tuple[str, ...] | list[str], known: bool = False) -> PageReading:
    titles = [i for i, line in enumerate(lines) if TITLE_RE.match(line)]
    if not titles and known:
        titles = [i for i, line in enumerate(lines) if _UNDATED_TITLE_RE.match(line) and line[:1] == "E"][:1]
    if corrigendum := next((line for line in lines[:12] if _CORRIGENDUM_RE.match(line)), None):
        raise NotAResolution(
            f"a corrigendum ({_short(corrigendum, 60)}): it corrects a text already adopted and is not "
            "imported; import the text it corrects"
        )
    if not titles:
        pointer = _adopted_pointer(lines)
        if kind := next((m.group(1) for line in lines[:3] if (m := _TABLED_RE.match(line))), None):
            noun = _TABLED_KINDS.get(kind.upper(), kind.lower())
            raise NotAResolution(f"{noun}, not a text adopted{pointer}")
        if any(line.startswith(_EURLEX_MARK) for line in lines[:5]) and not any(
            OPENING_RE.fullmatch(line.strip()) for line in lines
        ):
            raise NotAResolution(
                "a EUR-Lex information page (a document's or a procedure's metadata), not the text: "
                "import the Official Journal text (legal-content/EN/TXT/HTML/?uri=...) or the text adopted"
            )
        undated = next((line for line in lines if _UNDATED_TITLE_RE.match(line)), None)
        if undated is not None:
            raise NotAResolution(
                f"not a text adopted: the title line has no adoption date ({_short(undated)}); "
                f"a motion or draft is not imported{pointer}"
            )
        raise NotAResolution(
            "not a resolution: no title line such as 'European Parliament resolution of <date> on ...' "
            "(English pages only)"
        )
    distinct = {lines[i] for i in titles}
    if len(distinct) > 1:
        references = {tuple(_ANY_REF_RE.findall(split_procedure(line)[1])) for line in distinct}
        if len(references) == 1 and (shared := next(iter(references))):
            # A discharge text adopted: its decisions and the resolution "with observations
            # forming an integral part of the decision", on one page, one procedure.
            raise NotAResolution(
                f"the text holds {len(distinct)} acts of one procedure, {shared[0]} (a discharge's decisions and "
                "resolution?): a text of several acts is not imported yet"
            )
        raise NotAResolution(
            f"the page holds {len(distinct)} resolutions (a sitting's index?); import each by its text number"
        )
    # EUR-Lex repeats the title above the Official Journal header: the text starts at the
    # last title line before "The European Parliament,".
    opening = next((i for i, line in enumerate(lines) if OPENING_RE.fullmatch(line.strip())), len(lines))
    start = ([i for i in titles if i < opening] or titles)[-1]
    title_line = lines[start]
    end = next((i for i in range(start + 1, len(lines)) if _FOOTER_RE.match(lines[i])), len(lines))
    body: list[str] = []
    dropped_inside = 0
    for line in lines[start:end]:
        if _OJ_NUMBER_RE.match(line) or (line in distinct and body):
            dropped_inside += 1  # the OJ's "(2018/C 050/05)", or the title repeated
            continue
        body.append(line)
    # The corpus's own reader decides, so that what is imported is what the corpus will cut into units.
    if not structure.read("page", "\n\n".join(body), kind=Kind.text_adopted).structured:
        raise NotAResolution(
            "not a resolution: after the title there is no citation, recital, numbered paragraph "
            "or amendment to cite"
        )
    evidence: dict[str, str] = {}
    before = lines[:start]
    adopted: dt.date | None = None
    if title_match := TITLE_RE.match(title_line):
        try:
            adopted = _date(*title_match.groups())
        except ValueError:
            raise NotAResolution(f"the title's date is not a real date: {_short(title_line)}") from None
        evidence["adopted"] = "title line"
        if not _agrees_with_date_line(before, adopted):
            raise NotAResolution(
                f"the page's date line does not match the title's date {adopted.isoformat()}; check the page"
            )
    elif (sitting := _date_line(before)[1]) is not None:
        adopted = sitting  # an undated title: the text is dated by the sitting that adopted it
        evidence["adopted"] = "the page's date line (the sitting)"
    title, tail = split_procedure(title_line)
    evidence["title"] = "title line"
    reference = None
    if len(refs := _ANY_REF_RE.findall(tail)) == 1:
        reference = refs[0]
        evidence["reference"] = "title line"
    if reference is None:
        procedures = {m.group(1) for line in before if (m := _PROCEDURE_LINE_RE.match(line))}
        if len(procedures) == 1:
            reference = procedures.pop()
            evidence["reference"] = "'Procedure :' line"
    text_id, provisional = None, False
    # The number printed with the text: before the title on doceo and OJ pages, just
    # after it on a sitting's index page.
    numbers = {found for line in [*before[-6:], *lines[start + 1 : start + 2]] if (found := text_id_from_page(line))}
    if len(numbers) == 1:
        (text_id, provisional), = numbers
        evidence["text_id"] = "text number printed with the text"
    source = TEXTS_ADOPTED
    evidence["source"] = "default for a text adopted"
    if any(OFFICIAL_JOURNAL in line for line in before) or any(_OJ_LINE_RE.match(line) for line in before):
        oj = next((m.group(1) for line in before if (m := _OJ_REF_RE.search(line))), None)
        source = f"{OFFICIAL_JOURNAL}, {oj}" if oj else OFFICIAL_JOURNAL
        evidence["source"] = "Official Journal header on the page"
    elif provisional:
        source = f"{TEXTS_ADOPTED} (provisional edition)"
        evidence["source"] = "provisional text number (TA-PROV)"
    return PageReading(
        Kind.text_adopted, tuple(body), title, reference, adopted, text_id, provisional, source, evidence,
        dropped_before=sum(1 for line in before if line.strip()),
        dropped_after=sum(1 for line in lines[end:] if line.strip()),
        dropped_inside=dropped_inside,
    )


def _adopted_pointer(lines: tuple[str, ...] | list[str]) -> str:
    """"; the page lists its text adopted, P10_TA(2025)0096: import TA-10-2025-0096", or "".

    A doceo page of a motion or a report links the text the plenary adopted from it in
    its "Texts adopted :" box; the admin is told which number to import instead.
    """
    for at, line in enumerate(lines[:-1]):
        if _TEXTS_ADOPTED_BOX_RE.match(line) and (found := text_id_from_page(lines[at + 1])):
            return f"; the page lists its text adopted, {lines[at + 1].strip()[:40]}: import {found[0]}"
    return ""


# A footnote call after a title's closing parenthesis, as the Official Journal sets it.
_TRAILING_CALL_RE = re.compile(r"(?<=\))\s*(?:\(\d{1,3}\)|\[\d{1,3}\])$")


def split_procedure(title_line: str) -> tuple[str, str]:
    """("title", "(procedure)") when the line ends with a parenthesis, balanced, else (line, "").

    "... (2021/2544(RSP))" and "... (COM(2021)0206 – C9-0146/2021 – 2021/0106(COD))" both
    lose the whole final group; the body keeps the title line as written.
    """
    text = _TRAILING_CALL_RE.sub("", title_line.rstrip())  # the Journal's footnote call: "... (COD)) (1)"
    if not text.endswith(")"):
        return text, ""
    depth = 0
    for at in range(len(text) - 1, -1, -1):
        if text[at] == ")":
            depth += 1
        elif text[at] == "(":
            depth -= 1
            if depth == 0:
                # "… Cohn-Bendit ((2000/2109/(IMM))": an unbalanced opening goes with the group.
                return text[:at].rstrip(" ("), text[at:]
    return text, ""


def _date_line(before: list[str] | tuple[str, ...]) -> tuple[bool, dt.date | None]:
    """Whether the page has a date line ("Thursday, 11 February 2021 - Brussels"), and its date if real."""
    for line in before:
        if match := _DATE_LINE_RE.match(line):
            try:
                return True, _date(*match.groups())
            except ValueError:
                return True, None
    return False, None


def _agrees_with_date_line(before: list[str] | tuple[str, ...], adopted: dt.date) -> bool:
    """No date line, or one giving ``adopted``: a date line with an impossible date never agrees."""
    found, sitting = _date_line(before)
    return not found or sitting == adopted


def _looks_like_oeil(lines: tuple[str, ...] | list[str], url: str | None) -> bool:
    if any(TITLE_RE.match(line) for line in lines):
        return False
    if url and "oeil" in url.lower():
        return True
    return _oeil_file_texts(lines) is not None or _oeil_dateline(lines) is not None


def _oeil_dateline(lines: tuple[str, ...] | list[str]) -> tuple[int, re.Match[str]] | None:
    """Where a summary's dateline stands (a heading above it, "The European Parliament adopted" below)."""
    for at, line in enumerate(lines):
        if at == 0 or (match := _OEIL_DATELINE_RE.match(line)) is None:
            continue
        if any(_OEIL_ADOPTED_RE.match(later) for later in lines[at + 1 : at + 1 + _OEIL_ADOPTED_WINDOW]):
            return at, match
    return None


def _oeil_file_texts(lines: tuple[str, ...] | list[str]) -> list[str] | None:
    """The texts adopted a procedure file lists (TA-9-2021-0054...), or None when it is no procedure file."""
    headings = _OEIL_FILE_HEADINGS.intersection(line.strip() for line in lines)
    if len(headings) < 3:
        return None
    found = (m.groups() for line in lines if (m := _OEIL_TEXT_NUMBER_RE.match(line.strip())))
    return list(dict.fromkeys(f"TA-{int(term)}-{year}-{number}" for term, number, year in found))


def _read_oeil(lines: tuple[str, ...] | list[str]) -> PageReading:
    texts = _oeil_file_texts(lines)
    if texts is not None:
        listed = f": import the text adopted ({', '.join(texts)}) or its summary" if texts else (
            ": it lists no text adopted")
        raise NotAResolution(f"a Legislative Observatory procedure file, not a summary nor a text{listed}")
    found = _oeil_dateline(lines)
    if found is None:
        if not any(_OEIL_ADOPTED_RE.match(line) for line in lines):
            raise NotAResolution(
                "not a summary of a text adopted: no 'The European Parliament adopted ...' sentence"
            )
        raise NotAResolution(
            "Legislative Observatory page without a procedure line (like 2021/2540(RSP) 11/02/2021) under its title"
        )
    at, match = found
    start = at - 1  # the heading: "Resolution on ...", or the procedure's title
    reference = match.group(1)
    date = match.groups()[1:4]
    first = at + 1
    event = match.group(5)
    if date[0] is None and first < len(lines) and (on_next := _OEIL_DATE_RE.match(lines[first])):
        date, event = on_next.groups()[:3], on_next.group(4)
        first += 1
    end = next((i for i in range(first, len(lines)) if _FOOTER_RE.match(lines[i])), len(lines))
    label = next((i for i in range(first, end) if _OEIL_EVENT_RE.match(lines[i])), None)
    if label is not None:
        event = event or _OEIL_EVENT_RE.match(lines[label]).group(1)  # type: ignore[union-attr]
        end = label  # the page's label of the event summarised is no part of the summary
    evidence = {"title": "summary heading", "reference": "procedure line under the heading",
                "source": "Legislative Observatory page"}
    adopted = None
    if date[0] is not None and (not event or event.lower().startswith("text adopted")):
        try:
            adopted = dt.date(int(date[2]), int(date[1]), int(date[0]))
            evidence["adopted"] = "date on the procedure line" + (f" ({event})" if event else "")
        except ValueError:
            adopted = None  # "31/02/2014" states no date: unknown
    # The heading is marked as one ("# "), as the page's own heading is: a long title such as
    # "Business in Europe: Framework for Income Taxation (BEFIT)" is no passage of the summary.
    body = (f"# {lines[start].strip()}", *lines[at:first], *_rejoined(lines[first:end]))
    return PageReading(
        Kind.summary, body, lines[start].strip(), reference, adopted, None, False, OEIL, evidence,
        dropped_before=sum(1 for line in lines[:start] if line.strip()),
        dropped_after=sum(1 for line in lines[end:] if line.strip()),
        dropped_inside=0,
    )


def _rejoined(lines: tuple[str, ...] | list[str]) -> list[str]:
    """Blocks of a summary: a sentence split over two blocks made one ("... extend targeted
    sanctions to the entire leadership and to the" + "legal entities directly owned ...;"),
    and the dashed items under a lead-in ("The EU ... are urged to:") kept in its block."""
    out: list[str] = []
    for line in lines:
        if out and line[:1].islower() and not _SENTENCE_END_RE.search(out[-1]):
            out[-1] = f"{out[-1]} {line}"
        elif out and _OEIL_ITEM_RE.match(line) and (out[-1].endswith(":") or _OEIL_ITEM_RE.match(
            out[-1].rsplit("\n", 1)[-1]
        )):
            out[-1] = f"{out[-1]}\n{line}"
        else:
            out.append(line)
    return out


def _date(day: str, month: str, year: str) -> dt.date:
    return dt.date(int(year), _MONTHS.index(month) + 1, int(day))


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
