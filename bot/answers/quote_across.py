"""Across units: a quote that runs, in order, from one unit of a resolution into the next"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Mapping, Sequence

from bot.answers.quote_result import QuoteMatch
from bot.answers.quote_window import head, reach, tail
from bot.answers.quote_words import SEP, Words, needle, word_offsets
from bot.corpus.models import Document, Passage
from bot.search.index import Bm25Index

logger = logging.getLogger(__name__)

# Passages holding a quote's rarest word that are paired with their neighbours to find
# a quote running across two units (see across_units); each pair costs a few us.
ACROSS_CANDIDATES = 500


def across_units(
    q: Words,
    segments: list[tuple[int, int]],
    rare: list[str],
    passages: Sequence[Passage],
    documents: Mapping[str, Document],
    index: Bm25Index,
) -> tuple[QuoteMatch, ...]:
    """The two consecutive passages of one document the quote runs across, in order; () when none.

    A quote that starts in one unit and ends in the next (a paragraph's lead-in and its
    point (a), paragraph 4 into paragraph 5), with or without a marked cut, stands in no
    single passage. Candidates are the passages holding the quote's rarest word, each
    paired with the passage before and after it (read in file order), at most
    ACROSS_CANDIDATES of them. Of a huge passage only its last (or first) stretch is
    read (quote_window.reach characters or so): a quote running across without a cut
    stands there, and one with a cut that leaves out more than that is not sought.
    """
    if len(q.words) < 2 or not rare:
        return ()
    needles = [needle(q.words[i:j]) for i, j in segments]
    tried: set[int] = set()
    for pid in index.passages_with(rare[0])[:ACROSS_CANDIDATES].tolist():
        for first in (pid - 1, pid):
            if first < 0 or first + 1 >= len(passages) or first in tried:
                continue
            tried.add(first)
            a, b = passages[first], passages[first + 1]
            if a.document != b.document:
                continue
            found = _find_across(needles, a, b, documents[a.document], reach(q))
            if found:
                return found
    return ()


def _find_across(
    needles: list[str], a: Passage, b: Passage, document: Document, width: int
) -> tuple[QuoteMatch, ...]:
    """Matches in ``a`` and ``b`` when the needles stand in order in a's text then b's, touching both."""
    wa, wb = tail(a.text, width), head(b.text, width)
    words = wa.words + wb.words
    joined = needle(words)
    offsets = word_offsets(words)
    ranges: list[tuple[int, int]] = []
    pos = 0
    for part in needles:
        at = joined.find(part, pos)
        if at < 0:
            return ()
        start = bisect_right(offsets, at) - 1
        end = start + part.count(SEP) - 1
        ranges.append((start, end))
        pos = offsets[end] if end < len(offsets) else len(joined) - 1
    split = len(wa.words)
    # The earliest match: wholly in one passage, it would have been found verbatim there.
    if ranges[0][0] >= split or ranges[-1][1] <= split:
        return ()
    in_a = [(i, min(j, split)) for i, j in ranges if i < split]
    in_b = [(max(i, split) - split, j - split) for i, j in ranges if j > split]
    return (_plain_match(a, document, wa, in_a), _plain_match(b, document, wb, in_b))


def _plain_match(passage: Passage, document: Document, w: Words, ranges: list[tuple[int, int]]) -> QuoteMatch:
    """A verbatim match from word ranges of ``passage.text`` (its lead not involved)."""
    segments = tuple((w.starts[i], w.ends[j - 1]) for i, j in ranges)
    return QuoteMatch(passage, document, (segments[0][0], segments[-1][1]), segments, None, 1.0, ())
