"""Metadata the body states: title, procedure reference and adoption date, when front matter lacks them.

Nothing is guessed: a field is inferred only from the explicit wordings below (a title
line, an OEIL dateline, a reference line, "adopted on"); a date merely near the word
"adopted" becomes a warning, never a value.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from typing import Any

from bot.corpus.models import (
    MAX_TITLE_CHARS,
    META_FIELDS,
    PROCEDURE_REF,
    REFERENCE_RE,
    DocumentMeta,
    Kind,
    Origin,
    Problem,
    canonical_text_id,
)
from bot.corpus.passages import clean, first_heading

logger = logging.getLogger(__name__)

_REFERENCE_RE = re.compile(rf"\b{PROCEDURE_REF}")
_MONTHS = {
    m: i
    for i, m in enumerate(
        "january february march april may june july august september october november december".split(),
        start=1,
    )
}
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE_PATTERNS = (
    (re.compile(rf"\b(\d{{1,2}}) {_MONTH} (\d{{4}})\b"), ("d", "m", "y")),
    (re.compile(rf"\b{_MONTH} (\d{{1,2}}),? (\d{{4}})\b"), ("m", "d", "y")),
    # OEIL and other EU pages write dd/mm/yyyy.
    (re.compile(r"\b(\d{2})/(\d{2})/(\d{4})\b"), ("d", "m", "y")),
)
# A date on a line that talks about adoption is only a candidate, listed in a warning:
# "Posted 20 March 2019 ... the resolution" is no adoption date.
_ADOPTION_CONTEXT_RE = re.compile(r"adopt|resolution|text adopted", re.IGNORECASE)
_TITLE_RE = re.compile(
    r"^(?:(?:European Parliament )?(?:(?:non-)?legislative )?(?:resolution|recommendation|decision)|"
    r"Amendments adopted by the European Parliament)\b", re.IGNORECASE
)
_DASH = r"\s*[-\u2013\u2014]\s*"
_REF = rf"({PROCEDURE_REF})"
# The only wordings taken as this document's own reference or adoption date. Anything
# else (a reference recalled in passing, a posting date) is not inferred.
# OEIL's dateline: "2016/2607(RSP) - 10/03/2016 - Text adopted by Parliament, ...".
_DATELINE_RE = re.compile(
    rf"^\s*{_REF}{_DASH}(\d{{2}}/\d{{2}}/\d{{4}}){_DASH}text adopted by parliament\b", re.IGNORECASE
)
# "Procedure: 2016/2607(RSP)", "Reference: ...", "Procedure reference: ..." alone on a line.
_REFERENCE_LINE_RE = re.compile(
    rf"^\s*(?:procedure(?: reference| file| number)?|reference)\s*:\s*{_REF}\s*\.?\s*$", re.IGNORECASE
)
# A title line: "European Parliament resolution of 14 March 2019 on ... (2019/2610(RSP))".
_TITLE_DATE_RE = re.compile(r"^[\s#*]*(?:European Parliament )?resolution of (.+)$", re.IGNORECASE)
# The EP title line bot.corpus.structure found: a resolution's, a recommendation's or a decision's.
_EP_TITLE_DATE_RE = re.compile(
    r"^(?:European Parliament (?:(?:non-)?legislative )?(?:resolution|recommendation|decision) of|"
    r"Amendments adopted by the European Parliament on) (.+)$"
)
# The reference closes the title's last parenthesis: "(2021/2544(RSP))", and a legislative
# title's "(COM(2021)0206 – C9-0146/2021 – 2021/0106(COD))".
_TITLE_REFERENCE_RE = re.compile(rf"\b{_REF}\)(?:\s*\(\d{{1,3}}\))?\W*$")  # "(1)": the Journal's footnote call
_TITLE_GROUP_RE = re.compile(r"\s*\((?:[^()]|\([^()]*\))*\)(?:\s*\(\d{1,3}\))?\W*$")
# "the resolution (was) adopted (by Parliament) on 10 March 2016", "text adopted on ...".
_ADOPTED_ON_RE = re.compile(
    r"\b(?:resolution|text)\s+(?:was\s+)?adopted\s+(?:by\s+(?:the\s+)?(?:European\s+)?Parliament\s+)?on\s+(.+)",
    re.IGNORECASE,
)
# A resolution recalled, not this one: "its previous resolution adopted on ...", "an earlier
# resolution", "recalling the resolution adopted on ...". Looked for in the words just before.
_RECALLED_RE = re.compile(
    r"\b(?:previous|earlier|former|prior|past|last|another|recall\w*|its|their|other|older|preceding)\W+"
    r"(?:\w+\W+){0,2}$",
    re.IGNORECASE,
)
_RECALLED_WINDOW = 60  # characters before "resolution": a few words


# A necessary part of every wording read by _stated_reference_and_date: "adopted" in the
# dateline and "adopted on", "resolution of" in a title, a reference on a reference line.
# Same flags as those patterns, so case folding (even "ſ" for "s") agrees.
_STATEMENT_HINT_RE = re.compile(r"adopted|resolution of|\d{4}/\d{4}\(", re.IGNORECASE)
# The same hints, found fast (see _hint_positions): the words in lower-cased text, and
# the part of a reference after its year (a line holding a reference holds this).
_HINT_WORDS = ("adopted", "resolution of")
_REFERENCE_HINT_RE = re.compile(r"/\d{4}\(")
# The characters that a case-insensitive regex matches to a letter of _HINT_WORDS but
# that str.lower() does not turn into it ("ſ" is an "s" to re, not to lower()).
_FOLD_EXCEPTIONS = ("\u0130", "\u0131", "\u017f")
# Line breaks of str.splitlines other than "\n" (looked for with ``in``: faster than a regex).
_OTHER_BREAKS = ("\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def complete_meta(
    name: str, meta: DocumentMeta, data: dict[str, Any], body: str, body_line: int,
    title_line: str | None = None, text_ids: tuple[str, ...] = (), ep_text: bool = False,
) -> tuple[DocumentMeta, dict[str, Origin], list[Problem]]:
    """``meta`` with the fields the body states filled in (origin "inferred"), and warnings.

    ``title_line`` is the EP title line bot.corpus.structure found ("European Parliament
    resolution of D on T (REF)"): it gives the title, the date and the reference.
    ``text_ids`` are the text numbers stated before the text (P9_TA(2021)0056): one
    number, in either notation, is inferred as the text's own. ``ep_text`` says the
    body is built as a text adopted is (its title line, "The European Parliament," and
    numbered units): its kind is then ``text_adopted``, inferred.
    """
    origins: dict[str, Origin] = {
        f: ("front matter" if getattr(meta, f) is not None else "unknown") for f in META_FIELDS
    }
    warnings: list[Problem] = []
    inferred: dict[str, Any] = {}
    own_refs, own_dates = _stated_reference_and_date(body)
    if title_line is not None and (match := _EP_TITLE_DATE_RE.match(title_line)):
        own_dates |= _dates_in(match.group(1), at_start=True)
        if ref := _TITLE_REFERENCE_RE.search(title_line):
            own_refs.add(ref.group(1))
    if meta.reference is None:
        refs = sorted(own_refs)
        if len(refs) == 1:
            inferred["reference"] = refs[0]
        elif refs:
            warnings.append(
                Problem(name, None, f"reference unknown: the text states several ({', '.join(refs)})", "warning")
            )
        elif mentioned := sorted(set(_REFERENCE_RE.findall(body))):
            warnings.append(
                Problem(
                    name, None,
                    f"reference unknown: the text mentions {', '.join(mentioned)} but never states it "
                    "as this document's procedure; give it in the front matter",
                    "warning",
                )
            )
    if meta.adopted is None:
        listed = ", ".join(d.isoformat() for d in sorted(own_dates))
        if len(own_dates) == 1:
            inferred["adopted"] = next(iter(own_dates))
        elif own_dates:
            warnings.append(
                Problem(name, None, f"adopted unknown: the text states several dates ({listed})", "warning")
            )
        elif candidates := _adoption_candidates(body):
            listed = ", ".join(d.isoformat() for d in sorted(candidates))
            warnings.append(
                Problem(
                    name, None,
                    f"adopted unknown: the text has {listed} near the word adoption or resolution "
                    "but never states it as the adoption date; give it in the front matter",
                    "warning",
                )
            )
    if meta.title is None:
        heading = _title_without_procedure(title_line) if title_line else first_heading(body)
        if heading and _TITLE_RE.match(heading) and len(heading) <= MAX_TITLE_CHARS:
            inferred["title"] = heading
    if meta.kind is None and ep_text and title_line is not None:
        inferred["kind"] = Kind.text_adopted
    if meta.text_id is None and text_ids:
        distinct = sorted({canonical_text_id(t) or t for t in text_ids})
        if len(distinct) == 1:
            inferred["text_id"] = text_ids[0]
        else:
            warnings.append(Problem(
                name, None, f"text_id unknown: the text states several ({', '.join(distinct)})", "warning"))
    for field in inferred:
        origins[field] = "inferred"
    if inferred:
        meta = meta.model_copy(update=inferred)
    if meta.reference is not None and not REFERENCE_RE.match(meta.reference):
        warnings.append(Problem(
            name, None,
            f"reference {meta.reference[:80]!r} is not of a known procedure form like 2016/2607(RSP) "
            "or 1998/0031R(NLE): cited as written",
            "warning",
        ))
    for field in ("reference", "adopted"):
        if getattr(meta, field) is None and not any(w.message.startswith(f"{field} unknown") for w in warnings):
            warnings.append(Problem(name, None, f"{field} unknown: not in front matter nor in the text", "warning"))
    return meta, origins, warnings


def _title_without_procedure(title_line: str) -> str:
    """The title line less its final "(… REF)" group, which names the procedure, not the subject."""
    if _TITLE_REFERENCE_RE.search(title_line):
        return _TITLE_GROUP_RE.sub("", title_line).strip()
    return title_line.strip()


def _stated_reference_and_date(body: str) -> tuple[set[str], set[dt.date]]:
    """References and adoption dates the text states as its own, in the explicit wordings only."""
    refs: set[str] = set()
    dates: set[dt.date] = set()
    for line in _hinted_lines(clean(body)):  # "**Procedure:** 2016/2607(RSP)" reads as "Procedure: ..."
        if match := _DATELINE_RE.match(line):
            refs.add(match.group(1))
            dates.update(_dates_in(match.group(2), at_start=True))
        elif match := _REFERENCE_LINE_RE.match(line):
            refs.add(match.group(1))
        elif match := _TITLE_DATE_RE.match(line):
            dates.update(_dates_in(match.group(1), at_start=True))
            if ref := _TITLE_REFERENCE_RE.search(line):
                refs.add(ref.group(1))
        for match in _ADOPTED_ON_RE.finditer(line):
            if _recalled(line, match.start()):
                continue  # "its previous resolution adopted on ...": not this text's date
            dates.update(_dates_in(match.group(1), at_start=True))
    return refs, dates


def _recalled(line: str, at: int) -> bool:
    """Whether the resolution named at ``at`` is a recalled one ("its previous resolution", in the same sentence)."""
    before = line[max(0, at - _RECALLED_WINDOW) : at]
    sentence = re.split(r"[.;:!?]\s", before)[-1]
    return bool(_RECALLED_RE.search(sentence))


def _hinted_lines(text: str) -> Iterable[str]:
    r"""The lines of ``text`` (as ``str.splitlines`` cuts them) that may hold a stated reference or date.

    Every wording _stated_reference_and_date looks for holds a _STATEMENT_HINT_RE match,
    so the other lines, nearly all of a long text, are skipped without running four
    regexes on each. Cleaning the whole text before cutting it gives the same non-empty
    lines as cleaning each line: removing "**" joins no line, except that "\r**\n"
    becomes one break, which drops an empty line only.
    """
    if any(c in text for c in _OTHER_BREAKS):
        # A rare break character (\r, \x85, \u2028...): cut as splitlines does, line by line.
        yield from (line for line in text.splitlines() if _STATEMENT_HINT_RE.search(line))
        return
    end = -1  # where the last line yielded ends: later hints before it are on that line
    for at in _hint_positions(text):
        if at < end:
            continue
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        if end < 0:
            end = len(text)
        yield text[start:end]


def _hint_positions(text: str) -> list[int]:
    """Ascending positions in ``text`` that cover every _STATEMENT_HINT_RE match (maybe more).

    A case-insensitive regex scans text about a hundred times slower than ``str.find``
    in the lower-cased text, which finds the same words when lowering keeps every
    character one character and the text has none of _FOLD_EXCEPTIONS.
    """
    low = text.lower()
    if len(low) != len(text) or any(c in text for c in _FOLD_EXCEPTIONS):
        return [m.start() for m in _STATEMENT_HINT_RE.finditer(text)]
    found = [m.start() for m in _REFERENCE_HINT_RE.finditer(text)]
    for word in _HINT_WORDS:
        at = low.find(word)
        while at >= 0:
            found.append(at)
            at = low.find(word, at + 1)
    found.sort()
    return found


def _adoption_candidates(body: str) -> set[dt.date]:
    """Dates on lines that speak of adoption or the resolution: for a warning, never inferred."""
    found: set[dt.date] = set()
    for line in body.splitlines():
        if _ADOPTION_CONTEXT_RE.search(line):
            found.update(_dates_in(line))
    return found


def _dates_in(text: str, at_start: bool = False) -> set[dt.date]:
    """Full dates in ``text`` (day, month and year); with ``at_start``, only one opening it."""
    found: set[dt.date] = set()
    for pattern, order in _DATE_PATTERNS:
        if at_start:
            first = pattern.match(text)
            matches = [first] if first else []
        else:
            matches = list(pattern.finditer(text))
        for match in matches:
            parts = dict(zip(order, match.groups(), strict=True))
            month = parts["m"]
            month_no = int(month) if month.isdigit() else _MONTHS[month.lower()]
            try:
                found.add(dt.date(int(parts["y"]), month_no, int(parts["d"])))
            except ValueError:
                continue
    return found
