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

from bot.corpus.models import PROCEDURE_REF, Kind

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
    rf"^European Parliament (?:(?:non-)?legislative )?(?:resolution|recommendation|decision) of {_DATE}\b",
)
# A title without a date is a motion or a draft, not a text adopted.
_UNDATED_TITLE_RE = re.compile(
    r"^(?:Motion for an? )?(?:European Parliament|Draft European Parliament) "
    r"(?:(?:non-)?legislative )?(?:resolution|recommendation|decision)\b",
    re.IGNORECASE,
)
_ANY_REF_RE = re.compile(_REF)
_PROCEDURE_LINE_RE = re.compile(rf"^Procedure\s*:\s*({_REF})\s*$")
# The text number as the page writes it: P9_TA(2021)0056, P8_TA-PROV(2019)0203, glued
# to the document it adopts ("P9_TA(2021)0056RC-B9-0144/2021").
PAGE_TEXT_ID_RE = re.compile(r"\bP(\d{1,2})_TA(-PROV)?\((\d{4})\)(\d{4})")
# "Thursday, 11 February 2021 - Brussels" (doceo's date line).
_DATE_LINE_RE = re.compile(rf"^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), {_DATE} - ")
# The Journal's page reference in its header: "C 50/38" (a cell of its own, or run into
# the other header cells in a text copy), "C/2023/399" in the series since October 2023.
_OJ_REF_RE = re.compile(r"(?<![\w/])(C \d{1,4}/\d{1,4}|C/\d{4}/\d+)(?![\w/])")
_OJ_LINE_RE = re.compile(r"^OJ C[ ,]")
# Lines set between the title and the text in the Official Journal: "(2018/C 050/05)", "(C/2023/399)".
_OJ_NUMBER_RE = re.compile(r"^\((?:\d{4}/C \d{1,4}/\d{1,3}|C/\d{4}/\d+)\)$")
_OPENING_RE = re.compile(r"^The European Parliament,?\s*$")
_STRUCTURE_RE = re.compile(
    r"^(?:[\u2013\u2014\u2012-]\s*having regard|having regard|[A-Z]{1,2}\.\s+[Ww]hereas|\d{1,3}\.\s+\S)"
)
# Where a doceo page's own text ends: its footer.
_FOOTER_RE = re.compile(r"^(?:Last updated:|Legal notice\b|Top\s*$|Go back to the Europarl portal)")
# OEIL: "Resolution on ...", then "2016/2607(RSP)" or "2014/2832(RSP) - 18/09/2014".
_OEIL_TITLE_RE = re.compile(r"^Resolution on \S")
# The date is the event summarised: taken as the adoption date only alone or before
# "Text adopted by Parliament" (as OEIL's summary datelines read), never before "Debate".
_OEIL_PROCEDURE_RE = re.compile(
    rf"^({_REF})(?:\s*-\s*(\d{{2}})/(\d{{2}})/(\d{{4}}))?(?:\s*-\s*(.*?))?\s*$"
)
_OEIL_ADOPTED_RE = re.compile(r"^The European Parliament adopted\b")


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
    """("TA-9-2021-0056", provisional) from "P9_TA(2021)0056", None when absent."""
    match = PAGE_TEXT_ID_RE.search(value)
    if match is None:
        return None
    term, prov, year, number = match.groups()
    return f"TA-{int(term)}-{year}-{number}", prov is not None


def read_page(lines: tuple[str, ...] | list[str], url: str | None = None) -> PageReading:
    """Read extracted lines as a text adopted or an OEIL summary, or raise NotAResolution."""
    if _looks_like_oeil(lines, url):
        return _read_oeil(lines)
    return _read_text_adopted(lines)


def _read_text_adopted(lines: tuple[str, ...] | list[str]) -> PageReading:
    titles = [i for i, line in enumerate(lines) if TITLE_RE.match(line)]
    if not titles:
        undated = next((line for line in lines if _UNDATED_TITLE_RE.match(line)), None)
        if undated is not None:
            raise NotAResolution(
                f"not a text adopted: the title line has no adoption date ({_short(undated)}); "
                "a motion or draft is not imported"
            )
        raise NotAResolution(
            "not a resolution: no title line such as 'European Parliament resolution of <date> on ...' "
            "(English pages only)"
        )
    distinct = {lines[i] for i in titles}
    if len(distinct) > 1:
        raise NotAResolution(
            f"the page holds {len(distinct)} resolutions (a sitting's index?); import each by its text number"
        )
    # EUR-Lex repeats the title above the Official Journal header: the text starts at the
    # last title line before "The European Parliament,".
    opening = next((i for i, line in enumerate(lines) if _OPENING_RE.match(line)), len(lines))
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
    if not any(_OPENING_RE.match(line) or _STRUCTURE_RE.match(line) for line in body[1:]):
        raise NotAResolution(
            "not a resolution: after the title there is no 'The European Parliament,' "
            "nor any citation, recital or numbered paragraph"
        )
    evidence: dict[str, str] = {}
    title_match = TITLE_RE.match(title_line)
    assert title_match is not None
    try:
        adopted = _date(*title_match.groups())
    except ValueError:
        raise NotAResolution(f"the title's date is not a real date: {_short(title_line)}") from None
    evidence["adopted"] = "title line"
    title, tail = split_procedure(title_line)
    evidence["title"] = "title line"
    reference = None
    if len(refs := _ANY_REF_RE.findall(tail)) == 1:
        reference = refs[0]
        evidence["reference"] = "title line"
    before = lines[:start]
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
    if not _agrees_with_date_line(before, adopted):
        raise NotAResolution(
            f"the page's date line does not match the title's date {adopted.isoformat()}; check the page"
        )
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


def split_procedure(title_line: str) -> tuple[str, str]:
    """("title", "(procedure)") when the line ends with a parenthesis, balanced, else (line, "").

    "... (2021/2544(RSP))" and "... (COM(2021)0206 – C9-0146/2021 – 2021/0106(COD))" both
    lose the whole final group; the body keeps the title line as written.
    """
    text = title_line.rstrip()
    if not text.endswith(")"):
        return text, ""
    depth = 0
    for at in range(len(text) - 1, -1, -1):
        if text[at] == ")":
            depth += 1
        elif text[at] == "(":
            depth -= 1
            if depth == 0:
                return text[:at].rstrip(), text[at:]
    return text, ""


def _agrees_with_date_line(before: list[str] | tuple[str, ...], adopted: dt.date) -> bool:
    for line in before:
        if match := _DATE_LINE_RE.match(line):
            try:
                return _date(*match.groups()) == adopted
            except ValueError:
                return False
    return True


def _looks_like_oeil(lines: tuple[str, ...] | list[str], url: str | None) -> bool:
    if any(TITLE_RE.match(line) for line in lines):
        return False
    if url and "oeil" in url.lower():
        return True
    first = next((i for i, line in enumerate(lines) if _OEIL_TITLE_RE.match(line)), None)
    if first is None:
        return False
    window = lines[first + 1 : first + 4]
    return any(_OEIL_PROCEDURE_RE.match(line) for line in window) and any(
        _OEIL_ADOPTED_RE.match(line) for line in lines[first + 1 : first + 8]
    )


def _read_oeil(lines: tuple[str, ...] | list[str]) -> PageReading:
    start = next((i for i, line in enumerate(lines) if _OEIL_TITLE_RE.match(line)), None)
    if start is None:
        raise NotAResolution("not a Legislative Observatory summary of a resolution: no 'Resolution on ...' title")
    procedure = next(
        ((i, m) for i in range(start + 1, min(start + 4, len(lines))) if (m := _OEIL_PROCEDURE_RE.match(lines[i]))),
        None,
    )
    if procedure is None:
        raise NotAResolution("Legislative Observatory page without a procedure line under its title")
    if not any(_OEIL_ADOPTED_RE.match(line) for line in lines[start:]):
        raise NotAResolution(
            "not a summary of a text adopted: no 'The European Parliament adopted ...' sentence"
        )
    end = next((i for i in range(start + 1, len(lines)) if _FOOTER_RE.match(lines[i])), len(lines))
    _, match = procedure
    reference = match.group(1)
    evidence = {"title": "summary title line", "reference": "procedure line under the title",
                "source": "Legislative Observatory page"}
    adopted = None
    event = match.group(5)
    if match.group(2) and (not event or event.lower().startswith("text adopted")):
        # The old OEIL layout dates the event summarised, here the text's adoption.
        try:
            adopted = dt.date(int(match.group(4)), int(match.group(3)), int(match.group(2)))
            evidence["adopted"] = "date on the procedure line"
        except ValueError:
            adopted = None  # "31/02/2014" states no date: unknown
    body = tuple(lines[start:end])
    return PageReading(
        Kind.summary, body, lines[start].strip(), reference, adopted, None, False, OEIL, evidence,
        dropped_before=sum(1 for line in lines[:start] if line.strip()),
        dropped_after=sum(1 for line in lines[end:] if line.strip()),
        dropped_inside=0,
    )


def _date(day: str, month: str, year: str) -> dt.date:
    return dt.date(int(year), _MONTHS.index(month) + 1, int(day))


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
