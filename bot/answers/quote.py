"""Quote check: is this quote in the corpus verbatim, with marked cuts, nearly, or not at all?

Words are compared, not characters: case, whitespace, punctuation between words,
typographic quotes, apostrophes and dashes, and markdown markers do not count. Every
span points into ``Passage.text`` exactly as stored, so what is highlighted is the text
as written. Candidates come from the BM25 index (postings of the quote's rarest
tokens), never from a scan of every passage, so a check stays fast on a large corpus.
This module reads the quote (tags, cuts) and runs the searches in turn: verbatim
(``quote_verbatim``), across two units (``quote_across``), nearly (``quote_align``),
piece by piece for a long one (``quote_pieces``); the words come from ``quote_words``.
"""

from __future__ import annotations

import html
import logging
import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.answers.quote_across import across_units
from bot.answers.quote_align import closest
from bot.answers.quote_pieces import check_pieces, pieces
from bot.answers.quote_result import (
    MAX_MATCHES,
    NEAR_THRESHOLD,
    BadQuote,
    DiffKind,
    DiffOp,
    QuoteMatch,
    QuoteResult,
    Verdict,
)
from bot.answers.quote_verbatim import verbatim
from bot.answers.quote_words import WORD_CACHE_BYTES, Words, checking, clear_word_cache, word_cache_bytes, words_of
from bot.corpus.models import Document, Passage
from bot.search.budget import Budget
from bot.search.index import Bm25Index
from bot.search.tokens import MAX_TEXT_CHARS, TextMessages, check_text

__all__ = [
    "MAX_MATCHES",
    "MAX_QUOTE_CHARS",
    "NEAR_THRESHOLD",
    "WORD_CACHE_BYTES",
    "BadQuote",
    "DiffKind",
    "DiffOp",
    "QuoteMatch",
    "QuoteResult",
    "Verdict",
    "check_quote",
    "clear_word_cache",
    "quoted_text",
    "segments",
    "validate_quote",
    "word_cache_bytes",
]

logger = logging.getLogger(__name__)

MAX_QUOTE_CHARS = MAX_TEXT_CHARS
RAREST_TOKENS = 12

# A cut marked in the quote, after folding ("…" folds to "..."): ..., [...], (...), . . .
_CUT_RE = re.compile(r"\[\s*\.{3,}\s*\]|\(\s*\.{3,}\s*\)|\.{3,}|\.\s\.\s\.")
# Quotation marks a message may be wrapped in, straight or typographic.
_OPENING = "\"'\u201c\u201e\u00ab\u2018\u201a\u201f\u300c"
_CLOSING = "\"'\u201d\u201c\u00bb\u2019\u2018\u300d"
_SEP = "\x01"  # joins folded words for a C-speed sequence search; never inside a word
# An HTML tag pasted with a quote (copied from a web page): not words of the quote.
# Only real HTML element names: "<put an end>" in a quote is words, not a tag.
_HTML_NAMES = (
    "a|abbr|article|b|blockquote|br|cite|code|del|div|em|font|footer|h[1-6]|header|hr|i|img|ins|li|mark|"
    "nav|ol|p|pre|q|s|section|small|span|strike|strong|sub|sup|table|tbody|td|th|thead|tr|u|ul"
)
_TAG_RE = re.compile(r"</?(?:" + _HTML_NAMES + r")(?:\s+[^<>]*)?\s*/?>", re.IGNORECASE)
_QUOTE_MESSAGES = TextMessages(
    empty="Please paste a quote to check: the message is empty.",
    too_long="That quote is {length:,} characters long; please check at most {limit:,} characters at a time.",
    no_words="That quote has no words to check: paste the sentence as it was written.",
    common_words=(
        "That quote has only common words, which stand almost everywhere. "
        "Paste a longer part of the sentence."
    ),
)


def quoted_text(message: str) -> str | None:
    """The inside of a message wholly in quotation marks (straight or typographic), else None."""
    text = message.strip()
    if len(text) >= 3 and text[0] in _OPENING and text[-1] in _CLOSING:
        inner = text[1:-1].strip()
        return inner or None
    return None


def validate_quote(quote: str) -> tuple[str, list[str]]:
    """The stripped quote and its search tokens, or BadQuote with a message for the user."""
    return check_text(quote, _QUOTE_MESSAGES, BadQuote)


def check_quote(
    quote: str,
    passages: Sequence[Passage],
    documents: Mapping[str, Document],
    index: Bm25Index,
    budget: Budget | None = None,
) -> QuoteResult:
    """Check ``quote`` against one consistent snapshot (passages, documents, index).

    ``budget`` (by default a fresh one) bounds the CPU time of reading and aligning
    candidates; what it leaves unread makes the result say so (``more``, or a
    resolution's text left unchecked), never a verdict it did not establish.
    """
    with checking():
        return _check(quote, passages, documents, index, budget or Budget())


def _check(
    quote: str,
    passages: Sequence[Passage],
    documents: Mapping[str, Document],
    index: Bm25Index,
    budget: Budget,
) -> QuoteResult:
    """``check_quote`` within its budget.

    HTML tags pasted with the quote are taken out first (``html_stripped`` says so). A
    quote of several paragraphs, or longer than PIECE_FROM_WORDS words, is checked piece
    by piece (``quote_pieces``), all pieces within the one budget.
    """
    stripped = _without_tags(quote)
    if stripped is not None:
        result = _check(stripped, passages, documents, index, budget)
        return replace(result, quote=quote.strip(), html_stripped=True)
    text, tokens = validate_quote(quote)
    whole = _check_one(text, tokens, passages, documents, index, budget)
    parts = pieces(text)
    if whole.verdict is Verdict.verbatim or len(parts) < 2:
        return whole
    by_pieces = check_pieces(text, parts, lambda piece: _check(piece, passages, documents, index, budget))
    if by_pieces is None:
        raise BadQuote(_QUOTE_MESSAGES.common_words)
    return by_pieces


def _without_tags(quote: str) -> str | None:
    """The quote without its HTML tags (entities decoded), or None when it has none."""
    if not _TAG_RE.search(quote):
        return None
    return html.unescape(_TAG_RE.sub(" ", quote))


def _check_one(
    text: str, tokens: list[str], passages: Sequence[Passage], documents: Mapping[str, Document], index: Bm25Index,
    budget: Budget,
) -> QuoteResult:
    q = words_of(text)
    cuts = segments(q)
    omissions = len(cuts) > 1
    rare = _rarest(index, tokens)

    found, more, unchecked = verbatim(q, cuts, rare, passages, documents, index, budget)
    if found:
        ordered = sorted(found, key=lambda m: not m.document.is_resolution_text)
        return QuoteResult(text, Verdict.verbatim, omissions, 1.0, tuple(ordered), more, unchecked)
    across = across_units(q, cuts, rare, passages, documents, index)
    if across:
        return QuoteResult(text, Verdict.verbatim, omissions, 1.0, across, across_units=True)

    # When the verbatim check stopped at its bound, candidates of a resolution's own
    # text may hold the words unread: the answer must not say "only in a report" then.
    near = closest(q, cuts, rare[:RAREST_TOKENS], passages, documents, index, budget)
    unchecked = unchecked or budget.exhausted  # out of time: a closer passage may be unread
    if near and near[0].similarity >= NEAR_THRESHOLD:
        listed = tuple(m for m in near if m.similarity >= NEAR_THRESHOLD)[:MAX_MATCHES]
        return QuoteResult(
            text, Verdict.near, omissions, listed[0].similarity, listed, resolution_text_unchecked=unchecked
        )
    if near:
        # Shown as the closest passage, not as a match: no diff to suggest it nearly is one.
        # Its segments are the words it shares with the quote, not the window between
        # them: the passage words marked must be words the quote holds.
        best = near[0]
        shared = tuple(op.span for op in best.diff if op.kind == "same" and op.span) or best.segments
        shown = QuoteMatch(
            best.passage, best.document, (shared[0][0], shared[-1][1]), shared, best.lead_span, best.similarity
        )
        return QuoteResult(
            text, Verdict.not_found, omissions, best.similarity, (shown,), resolution_text_unchecked=unchecked
        )
    return QuoteResult(text, Verdict.not_found, omissions, 0.0, (), resolution_text_unchecked=unchecked)


def segments(q: Words) -> list[tuple[int, int]]:
    """Word index ranges [i, j) of the quote's parts between marked cuts (empty parts dropped)."""
    cuts = [m.start() for m in _CUT_RE.finditer(q.folded)]
    bounds: list[tuple[int, int]] = []
    start = 0
    for cut in cuts:
        end = bisect_right(q.folded_starts, cut)
        if end > start:
            bounds.append((start, end))
        start = max(start, end)
    if len(q.words) > start:
        bounds.append((start, len(q.words)))
    return bounds


def _rarest(index: Bm25Index, tokens: list[str]) -> list[str]:
    """Distinct tokens, rarest first; a token unknown to the index comes first (df 0)."""
    return sorted(set(tokens), key=lambda t: (index.document_frequency(t), t))
