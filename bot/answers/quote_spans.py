"""Word ranges of a passage's searchable text turned into spans of its text and its lead-in"""

from __future__ import annotations

import logging
from bisect import bisect_right

from bot.answers.quote_result import DiffOp, QuoteMatch
from bot.answers.quote_words import Words, words_of
from bot.corpus.models import Document, Passage

logger = logging.getLogger(__name__)


def lead_word_count(passage: Passage, p: Words) -> int:
    """How many of the words of ``passage.searchable`` stand in its lead-in sentence."""
    if not passage.lead:
        return 0
    return bisect_right(p.starts, len(passage.lead))


def make_match(
    passage: Passage,
    document: Document,
    ranges: list[tuple[int, int]],
    similarity: float,
    diff: tuple[DiffOp, ...],
    p: Words | None = None,
) -> QuoteMatch:
    """A match from word ranges of ``p`` (by default ``passage.searchable``'s words), with spans into text and lead."""
    p = p or words_of(passage.searchable)
    start, end = p.starts[ranges[0][0]], p.ends[ranges[-1][1] - 1]
    shift = len(passage.lead) + 1 if passage.lead else 0
    segments = tuple(
        span
        for i, j in ranges
        if (span := text_span(p.starts[i], p.ends[j - 1], shift)) is not None
    )
    span = text_span(start, end, shift) or (0, 0)
    lead_words = lead_word_count(passage, p)
    lead_span = None
    if ranges[0][0] < lead_words:
        # From the first matched word to the last one that stands in the lead.
        lead_span = (start, p.ends[min(ranges[-1][1], lead_words) - 1])
    return QuoteMatch(passage, document, span, segments, lead_span, similarity, diff)


def text_span(start: int, end: int, shift: int) -> tuple[int, int] | None:
    """A span of ``searchable`` as a span of ``text`` (clipped), None if wholly in the lead."""
    if end <= shift:
        return None
    return max(start - shift, 0), end - shift
