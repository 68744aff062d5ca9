"""Telegram HTML for a quote check: the verdict at a glance, then each passage.

A journalist reads the verdict first, so it leads the reply; each passage follows with
its matched words in bold (a near miss's differences underlined and listed) and its
citation. Words that stand only in a news report or a summary are said to be that
document's wording, never the resolution's. The shared helpers (escaping, lengths,
citations) come from bot.telegram.render.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Sequence

from bot.answers.quote import NEAR_THRESHOLD, DiffOp, QuoteMatch, QuoteResult, Verdict, quoted_text
from bot.corpus.models import Document, Hit
from bot.telegram.render import (
    ELLIPSIS,
    MAX_MESSAGE,
    citation_html,
    cut,
    echo,
    esc,
    pack,
    utf16_length,
    visible_length,
)

logger = logging.getLogger(__name__)

# A mark: [start, end) in a text and the tag that wraps it ("b" matched, "u" differs).
Mark = tuple[int, int, str]
MAX_DIFF_LINES = 8
DIFF_WORDS_CHARS = 80
_SPACE_RE = re.compile(r"\s")


def quote_usage() -> str:
    return (
        "Paste the quote after the command, for example:\n"
        "<code>/quote put an end to all forms of political repression</code>\n"
        "In a private chat, a message wholly in quotation marks is checked too."
    )


def _percent(similarity: float) -> int:
    # Rounded down, so that a near miss never reads as 100%.
    return math.floor(similarity * 100)


def _marked_html(text: str, marks: Sequence[Mark]) -> str:
    """``text`` escaped, each mark's span wrapped in its tag (overlaps are clipped)."""
    parts: list[str] = []
    last = 0
    for start, end, tag in sorted(marks):
        start, end = max(start, last), min(end, len(text))
        if end <= start:
            continue
        parts += [esc(text[last:start]), f"<{tag}>{esc(text[start:end])}</{tag}>"]
        last = end
    parts.append(esc(text[last:]))
    return "".join(parts)


def _excerpt(text: str, marks: Sequence[Mark], limit: int) -> tuple[str, list[Mark]]:
    """The part of ``text`` around its marks that fits in ``limit`` UTF-16 units.

    "…" stands where text was left out, at word boundaries; the marks are moved to the
    excerpt (and clipped to it). A span longer than the limit is shown from its start.
    """
    if utf16_length(text) <= limit:
        return text, list(marks)
    if limit < 3:
        return cut(text, limit), []
    first = min((m[0] for m in marks), default=0)
    last = max((m[1] for m in marks), default=0)
    # A third of the room the marks leave goes before them: how the sentence starts.
    spare = limit - 2 - utf16_length(text[first:last])
    start = max(0, first - max(spare, 0) // 3)
    if start > 0 and not text[start - 1].isspace():
        space = _SPACE_RE.search(text, start, first)
        start = space.end() if space else start
    prefix = ELLIPSIS if start > 0 else ""
    tail = cut(text[start:], limit - len(prefix))
    kept = len(tail) - 1 if tail.endswith(ELLIPSIS) and tail != text[start:] else len(tail)
    shift = len(prefix) - start
    moved = [
        (max(s + shift, len(prefix)), min(e + shift, len(prefix) + kept), tag)
        for s, e, tag in marks
    ]
    return prefix + tail, [m for m in moved if m[1] > m[0]]


def _diff_html(diff: Sequence[DiffOp]) -> str:
    """The differences of a near miss, one per line, in plain words."""
    changes = [op for op in diff if op.kind != "same"]
    if not changes:
        return ""

    def words(text: str) -> str:
        return f"“{esc(cut(' '.join(text.split()), DIFF_WORDS_CHARS))}”"

    lines = ["<b>Differences</b>, the quote against the passage:"]
    for op in changes[:MAX_DIFF_LINES]:
        if op.kind == "add":
            lines.append(f"➕ the quote adds {words(op.quote)}")
        elif op.kind == "drop":
            lines.append(f"➖ the quote leaves out {words(op.passage)}")
        elif op.kind == "change":
            lines.append(f"✏️ the passage says {words(op.passage)}, the quote {words(op.quote)}")
        else:
            lines.append(f"✂️ cut marked in the quote: {words(op.passage)}")
    if len(changes) > MAX_DIFF_LINES:
        lines.append(f"… and {len(changes) - MAX_DIFF_LINES} more differences")
    return "\n".join(lines)


def _text_marks(match: QuoteMatch, verdict: Verdict) -> list[Mark]:
    if verdict is Verdict.near and match.diff:
        # Matched words bold; the passage words the quote leaves out or changes underlined.
        tags = {"same": "b", "drop": "u", "change": "u"}
        return [(*op.span, tags[op.kind]) for op in match.diff if op.span and op.kind in tags]
    return [(start, end, "b") for start, end in match.segments]


def render_quote_match(
    match: QuoteMatch, label: str, verdict: Verdict, limit: int = MAX_MESSAGE
) -> str:
    """One passage of a quote check: ``label``, the passage with the matched words in
    bold, the differences of a near miss, and the citation (with its wording note).

    A long passage is cut around the matched words; the citation is kept whole.
    """
    passage, document = match.passage, match.document
    citation = "\n".join(citation_html(document, Hit(0, 0.0, passage, document)))
    diff = _diff_html(match.diff) if verdict is Verdict.near else ""
    tail = f"{diff}\n{citation}" if diff else citation
    lead_html: str | None = None
    if passage.lead is not None:
        lead_marks = [(*match.lead_span, "b")] if match.lead_span else []
        lead_html = _marked_html(*_excerpt(passage.lead, lead_marks, max(limit // 4, 1)))

    def assemble(body: str) -> str:
        quote = body if lead_html is None else f"<i>{lead_html}</i>\n– {body}"
        return f"{label}\n<blockquote>{quote}</blockquote>\n{tail}"

    room = limit - visible_length(assemble(""))
    rendered = assemble(_marked_html(*_excerpt(passage.text, _text_marks(match, verdict), room)))
    if room < 1 or visible_length(rendered) > limit:
        raise ValueError(f"the citation of {document.name} alone is over {limit} characters")
    return rendered


def _kinds(documents: Iterable[Document]) -> str:
    labels = list(dict.fromkeys(f"a {d.kind_label}" for d in documents))
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def quote_header(result: QuoteResult) -> str:
    """The verdict at a glance, the quote checked, and the wording warning if any."""
    count = len(result.matches)
    places = f"{count}{'+' if result.more else ''} passage{'' if count == 1 and not result.more else 's'}"
    if result.pieces > 1:
        verdict = {
            Verdict.verbatim: "✅ <b>Verbatim, piece by piece</b>: every piece stands word for word in a passage.",
            Verdict.near: "🟡 <b>Near, piece by piece</b>: every piece stands at least nearly in a passage.",
            Verdict.not_found: "❌ <b>Not found as a whole</b>: some pieces stand in no passage.",
        }[result.verdict]
    elif result.verdict is Verdict.verbatim and result.across_units:
        first, second = (esc(m.passage.position.describe()) for m in result.matches[:2])
        verdict = f"✅ <b>Verbatim across two units</b>: the words run, in order, from {first} into {second}."
    elif result.verdict is Verdict.verbatim and result.omissions:
        verdict = f"✅ <b>Verbatim with omissions</b>: each part stands, in order, in {places}."
    elif result.verdict is Verdict.verbatim:
        verdict = f"✅ <b>Verbatim</b>: the words stand in this order in {places}."
    elif result.verdict is Verdict.near:
        verdict = (
            f"🟡 <b>Near ({_percent(result.similarity)}% similar)</b>: not word for word. "
            f"The closest passage{'s' if count > 1 else ''} and the differences:"
        )
    elif result.matches:
        verdict = "❌ <b>Not found</b>: no passage has these words in this order."
    else:
        verdict = "❌ <b>Not found</b>: no passage shares a word with this quote."
    # The echo wears its own quotation marks: a quote typed in quotes (/quote "…") is
    # shown once inside them, not as “"…"”.
    checked = quoted_text(result.quote) or result.quote
    lines = [verdict, f"<i>You checked: “{echo(checked)}”</i>"]
    if result.html_stripped:
        lines.append("<i>HTML tags were removed from the quote before checking.</i>")
    if result.pieces > 1:
        counts = [sum(v is kind for v in result.piece_verdicts) for kind in Verdict]
        lines.append(
            f"Checked in {result.pieces} pieces (a long quote spans several passages): {counts[0]} word for "
            f"word, {counts[1]} near, {counts[2]} not found. The best passage of each piece follows."
        )
    documents = {m.document.name: m.document for m in result.matches}
    in_text = result.in_resolution_text
    if result.verdict is not Verdict.not_found and in_text is not True:
        kinds = esc(_kinds(documents.values()))
        what = "these words stand" if result.verdict is Verdict.verbatim else "the closest wording stands"
        if in_text is False:  # proven: every passage of a resolution's text was checked
            lines.append(
                f"⚠️ <b>Not the resolution's text</b>: {what} only in {kinds}: "
                "that document's wording, not the resolution's."
            )
        else:
            # The check stopped early: "only" would be a claim nobody verified.
            lines.append(
                f"⚠️ <b>Not the resolution's text</b>: the passages listed are in {kinds}: "
                "that document's wording. Not every passage of the resolutions' own text "
                "could be checked, so the words may stand there too."
            )
    if result.verdict is not Verdict.not_found and len(documents) > 1:
        lines.append(f"They stand in {len(documents)} documents, each listed below.")
    return "\n".join(lines)


def _piece_verdict(similarity: float) -> Verdict:
    if similarity >= 1.0:
        return Verdict.verbatim
    return Verdict.near if similarity >= NEAR_THRESHOLD else Verdict.not_found


def render_quote(result: QuoteResult) -> list[str]:
    """The messages for a quote check: verdict, then each passage with its citation."""
    header = quote_header(result)
    # Every passage must fit in a message together with the header.
    limit = MAX_MESSAGE - visible_length(header) - 2
    blocks = [header]
    for number, match in enumerate(result.matches, start=1):
        if result.pieces > 1:  # each piece's best passage, judged on its own
            verdict = _piece_verdict(match.similarity)
            how = {Verdict.verbatim: "word for word", Verdict.near: f"{_percent(match.similarity)}% similar",
                   Verdict.not_found: f"NOT a match, {_percent(match.similarity)}% similar"}[verdict]
            blocks.append(render_quote_match(match, f"<b>{number}.</b> {how}", verdict, limit))
            continue
        if result.verdict is Verdict.not_found:
            label = (
                f"<b>Closest passage, NOT a match</b> ({_percent(match.similarity)}% similar; "
                "the closest words in bold):"
            )
        elif result.verdict is Verdict.near:
            label = f"<b>{number}.</b> {_percent(match.similarity)}% similar"
        else:
            label = f"<b>{number}.</b>"
        blocks.append(render_quote_match(match, label, result.verdict, limit))
    if result.more:
        blocks.append(f"More passages hold these words; the first {len(result.matches)} are listed.")
    return pack(blocks)
