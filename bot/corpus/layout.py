"""The lines of a copied EP text, made plain: table cells, page furniture and web navigation recognised.

Real copies of texts adopted come as the EP's web page (navigation before the text,
a footer after it), as the Official Journal's HTML flattened to table cells (``— |``
on one line, ``having regard to …, |`` on the next), or as a PDF's text (running page
headers, document codes, page numbers). This module only says, line by line, what is
furniture and why; bot.corpus.structure decides what the remaining lines mean. A line
is recognised as furniture only by its whole wording, never by a word it contains, so
that the resolution's own sentences cannot be taken for furniture.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from bot.corpus.models import PROCEDURE_REF, LeftOut

logger = logging.getLogger(__name__)

NAVIGATION = "navigation"
PAGE_HEADER = "page header"
FOOTNOTE = "footnote"
TEXT_NUMBER = "text number"
PAGE_CHROME = "page chrome"

_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
# The EP web page (doceo, and the older sides/getDoc.do): the menus around the text.
_NAVIGATION_RE = re.compile(
    "|".join((
        r"(?:Index|Previous|Next|Full text|Top|Legal notice|Privacy policy|Cookies policy|Sitemap|Contact)",
        r"Legal notice - Privacy policy",
        r"(?:Index )?(?:Previous )?(?:Next )?Full text",
        r"Procedure ?: .*",
        r"Document stages in plenary",
        r"(?:Select a document|Document selected) ?:.*",
        r"(?:Texts tabled|Debates|Votes|Texts adopted|Explanations of votes)(?: ?:.*)?",
        r"(?:PV|CRE) \d{2}/\d{2}/\d{4}.*",
        r"(?:RC-)?[ABO]\d-\d{4}/\d{4}",
        r"PDF \d+ ?kWORD \d+ ?k",
        rf"{_WEEKDAY}, \d{{1,2}} \w+ \d{{4}} - \w+.*",
        r"Last updated: .*",
        r"Go back to the Europarl portal",
        r"Choisissez la langue de votre document ?:?",
        r"\u2022 [a-z]{2} - \w+.*",
    ))
)
# The Official Journal (EUR-Lex HTML and its table cells) and PDF page furniture.
_PAGE_HEADER_RE = re.compile(
    "|".join((
        r"\d{1,2}\.\d{1,2}\.\d{4}",  # 9.2.2018 (OJ date cell)
        r"[A-Z]{2}",  # EN (language cell)
        r"Official Journal(?: of the European Union)?",
        r"of the European Union",
        r"Series C",
        r"C \d+/\d+",  # C 50/38
        r"C/\d{4}/\d+",
        r"\(\d{4}/C \d+/\d+\)",  # (2018/C 050/05)
        r"\(C/\d{4}/\d+\)",
        r"OJ C,? .*\bp\. \d+.*",  # OJ C 67, 8.2.2022, p. 118–124 (BG, ES, ...)
        r"OJ C, C/\d{4}/\d+.*",
        r"Document \d{5}[A-Z]{2}\d{4}",  # CELEX: Document 52021IP0293
        r"ELI: \S+",
        r"ISSN \d{4}-\d{3}[\dX](?: \(\w+ edition\))?",
        r"\S*\\\d{5,}[A-Z]{2}\.docx?\b.*",  # RR\506234EN.doc EN PE506.234v02-00 ...
        r"PE\d{3}\.\d{3}(?:v\d\d-\d\d)?\b.*",
        r"(?:EN )?United in diversity(?: ?EN)?\b.*",
        r"\d{1,4}",  # a page number alone
        r"\d{1,3} ?/ ?\d{1,3}",
        r"Page \d+(?: of \d+)?",
    ))
)
# A footnote line: "(1) OJ C 93, 9.3.2016, p. 111.", "[2] Texts adopted, P9_TA(2020)0231.",
# and in a PDF's text "1 OJ C 93, ...". The reference marks inside the text stay as written.
FOOTNOTE_RE = re.compile(
    r"\[\d{1,3}[a-z]?\] \S|"  # a footnote as bot.corpus.extract sets a PDF's: "[36] Directive 2014/32/EU ..."
    r"(?:\(\d{1,3}\)|\[\d{1,3}\]|\d{1,3})\s?"
    r"(?:OJ [A-Z]\b|Texts adopted\b|ECLI\b|https?://|Judgment of\b|Case [CT]-"
    r"|(?P<act>Regulation \(|Directive \(|Council Decision\b))"
)
# The Legislative Observatory's and Parltrack's procedure pages, copied as text around a
# summary: "Progress: Procedure completed", the committees table ("Role | Committee |
# Rapporteur | Shadows |", "Lead | AFET | ..."), "Legal Basis:", "RoP 144", "RoP 47Subjects",
# "Events", "Key events", "Stage reached in procedure". Each is a whole line; a summary's
# sentences are never one (parltrack.org/dossier/..., oeil.secure.europarl.europa.eu/oeil/...).
_PAGE_CHROME_RE = re.compile(
    "|".join((
        r"Progress: [A-Z][\w ,'’()/-]{2,80}",
        r"Legal [Bb]asis:?(?: ?RoP \d{1,3}[\w-]*)?",
        r"(?:RoP|Rules of Procedure(?: EP)?) \d{1,3}(?:-p\d{1,2})?(?: ?(?:Subjects|Events))?",
        r"Lead committee dossier:.*",
        r"(?:Role|Lead|Committee Opinion|Opinion|Former Responsible Committee|Former Committee Opinion) ?\|.*",
        r"[-:| ]*\|[-:| ]*",  # a table's rule: "---|---|---|---|"
        r"(?:• ?)?(?:Events|Subjects|Activites|Activities|Key events|Basic information|Technical information"
        r"|Documentation gateway|Stage reached in procedure|Procedure completed|Procedure reference|Procedure type"
        r"|Procedure subtype|Geographical area|Lead committee dossier)",
        r"Please go to Documentation gateway for any follow-up documents\.?",
        r"[A-Z]{3} - (?:Resolutions on topical subjects|Own-initiative procedure|Ordinary legislative procedure.*"
        r"|Non-legislative enactments|Budgetary procedure|Discharge procedure|Rules of Procedure of Parliament"
        r"|Immunity|Consultation procedure|Legislative initiative procedure)",
    ))
)
# A Legislative Observatory summary's procedure line: "2014/2832(RSP) - 18/09/2014", maybe
# with the event summarised ("- Text adopted by Parliament, single reading").
OEIL_DATELINE_RE = re.compile(
    rf"{PROCEDURE_REF}\s*(?:[-–]\s*)?\d{{2}}/\d{{2}}/\d{{4}}(?:\s*[-–]\s*[A-Z][^.;]*)?"
)


def page_chrome(text: str) -> bool:
    """Whether ``text`` (one plain line) is the chrome of a procedure page copied around a summary."""
    return _PAGE_CHROME_RE.fullmatch(text) is not None


# An act named at a footnote's start is a footnote only with its Journal reference: "(70)
# Regulation (EU) 2018/1807 of the European Parliament ... encourages ..." is an act's recital.
_JOURNAL_REFERENCE_RE = re.compile(r"\bOJ [A-Z],? (?:C/|L/)?\d")


def is_footnote(text: str) -> bool:
    """Whether ``text`` (one plain line) is a footnote: "(1) OJ C 93, 9.3.2016, p. 111.", "[36] ..."."""
    match = FOOTNOTE_RE.match(text)
    return match is not None and (match["act"] is None or _JOURNAL_REFERENCE_RE.search(text) is not None)


# A line that is the text's number alone, maybe glued to its source document:
# "P9_TA(2021)0056", "P9_TA(2021)0056RC-B9-0144/2021", "P8_TA-PROV(2019)0203RC-B8-0204/2019".
_TEXT_NUMBER_RE = re.compile(r"P\d{1,2}_TA(?:-PROV)?\(\d{4}\)\d{4}(?:(?:RC-)?[ABO]\d-\d{4}/\d{4})?")
_PROCEDURE_RE = re.compile(PROCEDURE_REF)
_AMENDMENT_LINE_RE = re.compile(r"Amendment \d{1,4}")
# A running header repeats on every page; a heading seldom does, and never ends a sentence.
_MAX_HEADER_WORDS = 12
_CLOSING = (".", ",", ";", ":", "!", "?")


@dataclass(frozen=True, slots=True)
class Line:
    """One non-blank line as the structure reader sees it: whitespace runs made single spaces."""

    number: int
    text: str
    after_blank: bool  # a blank line (or the start of the body) comes before it


def furniture(text: str) -> str | None:
    """Why ``text`` (one plain line) is no part of the resolution, or None when it may be."""
    if _NAVIGATION_RE.fullmatch(text):
        return NAVIGATION
    if _PAGE_HEADER_RE.fullmatch(text):
        return PAGE_HEADER
    if is_footnote(text):
        return FOOTNOTE
    if _TEXT_NUMBER_RE.fullmatch(text):
        return TEXT_NUMBER
    return None


def plain_lines(body: str, first_line: int) -> tuple[list[Line], list[LeftOut]]:
    """The lines of ``body`` to read, and the furniture left out with its reason.

    A table cell's trailing ``|`` is removed (the Official Journal's cells); a short
    line that stands several times without ending a sentence is a running page header.
    """
    lines: list[Line] = []
    left_out: list[LeftOut] = []
    blank = True
    for number, raw in enumerate(body.splitlines(), start=first_line):
        text = " ".join(raw.split())
        if text.endswith("|"):
            text = text[:-1].rstrip()
        if not text:
            blank = True
            continue
        reason = furniture(text)
        if reason is not None:
            left_out.append(LeftOut(number, text, reason))
        else:
            lines.append(Line(number, text, blank))
        blank = False
    # What an amendment amends ("Proposal for a regulation", "Parliament's Rules of
    # Procedure") stands under every "Amendment N": a repeat, but no running header.
    amended = {line.number for before, line in pairwise(lines) if _AMENDMENT_LINE_RE.fullmatch(before.text)}
    repeated = Counter(line.text for line in lines if _may_be_header(line.text) and line.number not in amended)
    if any(count > 1 for count in repeated.values()):
        kept: list[Line] = []
        for line in lines:
            if repeated.get(line.text, 0) > 1 and line.number not in amended:
                left_out.append(LeftOut(line.number, line.text, PAGE_HEADER))
            else:
                kept.append(line)
        lines = kept
        left_out.sort(key=lambda item: item.line)
    return lines, left_out


def _may_be_header(text: str) -> bool:
    # A title line with its procedure reference is no running header, though EUR-Lex repeats it.
    return (
        not text.endswith(_CLOSING)
        and len(text.split()) <= _MAX_HEADER_WORDS
        and not text.startswith(("\u2013", "\u2014", "-", "("))
        and not _PROCEDURE_RE.search(text)
    )
