"""Verbatim search: the passages holding every part of a quote, word for word and in order"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from bot.answers.quote_result import MAX_MATCHES, QuoteMatch
from bot.answers.quote_spans import lead_word_count, make_match
from bot.answers.quote_window import WINDOW_FROM, fold_whole, reach, window
from bot.answers.quote_words import SEP, Words, needle, words_of
from bot.corpus.models import Document, Passage
from bot.search.budget import Budget
from bot.search.index import Bm25Index
from bot.search.tokens import folded_text

logger = logging.getLogger(__name__)

# Verbatim candidates hold every token of the quote; reading more than this many is
# wasted work once MAX_MATCHES are listed, and bounds the time of a quote of frequent
# words. Each candidate is first screened at C speed (some 3 us for an ASCII passage),
# so the bound is set high: a quote standing word for word in a late candidate must
# not be reported as a near miss only because the check stopped before it.
MAX_VERIFIED = 5000
# Compiling the screen costs some 30 us a word, as much as reading a dozen candidates
# word by word: fewer candidates than this are read without it.
SCREEN_FROM = 16
# A passage this long (characters) is screened even when it is the only candidate.
SCREEN_LONG = 20_000
SCREEN_PARTS = 4
SCREEN_WORDS = 8
# Screen matches of a huge passage (quote_window.WINDOW_FROM characters) read in a window
# each before the passage is read whole, and how far before a match its window starts
# (a position found in text other than ASCII may be off by a little).
HUGE_TRIES = 8
HUGE_PAD = 2_000


def verbatim(
    q: Words,
    segments: list[tuple[int, int]],
    rare: list[str],
    passages: Sequence[Passage],
    documents: Mapping[str, Document],
    index: Bm25Index,
    budget: Budget,
) -> tuple[list[QuoteMatch], bool, bool]:
    """Passages holding every part of the quote in order.

    Also whether more candidates were left unread, and whether any of those is in a
    resolution's own text. Those are read first, so that when the bound stops the
    check, "only in a report" is either proven or known to be unproven.
    """
    candidates: npt.NDArray[np.int32] | None = None
    for token in rare:
        ids = index.passages_with(token)
        candidates = ids if candidates is None else np.intersect1d(candidates, ids, assume_unique=True)
        # Once few remain, checking them is cheaper than intersecting more postings.
        if len(candidates) <= 8:
            break
    if candidates is None or not len(candidates):
        return [], False, False
    own_text = {name for name, doc in documents.items() if doc.is_resolution_text}
    first: list[int] = []
    then: list[int] = []
    for pid in candidates.tolist():
        (first if passages[pid].document in own_text else then).append(pid)
    needles = [needle(q.words[i:j]) for i, j in segments]
    pattern = screen(q, segments)
    many = len(candidates) >= SCREEN_FROM
    matches: list[QuoteMatch] = []
    for checked, pid in enumerate(first + then):
        if len(matches) >= MAX_MATCHES or checked >= MAX_VERIFIED or budget.spent():
            return matches, True, checked < len(first)
        passage = passages[pid]
        if len(passage.searchable) >= WINDOW_FROM:
            huge = find_in_huge(pattern, needles, passage, reach(q))
            if huge is not None:
                matches.append(make_match(passage, documents[passage.document], huge[0], 1.0, (), huge[1]))
            continue
        # Screened when there are many candidates, and always for a long passage: its
        # words with their offsets cost seconds to make, the screen milliseconds.
        if (many or len(passage.searchable) >= SCREEN_LONG) and not may_hold(pattern, passage.searchable):
            continue
        found = find_in_order(needles, passage)
        if found is not None:
            matches.append(make_match(passage, documents[passage.document], found, 1.0, ()))
    return matches, False, False


def screen(q: Words, segments: list[tuple[int, int]]) -> re.Pattern[str]:
    """A pattern that finds, in its folded text, every passage holding the quote's parts in order.

    And a few more: it is a necessary condition. In the folded text the words are
    substrings, and every letter and digit belongs to a word, so between two words
    stands no [a-z0-9]; parts are searched in order, anywhere after each other. It is
    found at C speed with a literal prefix, without tokenizing the passage (TOKEN_RE
    costs some 30 us on a passage of 400 characters, the screen some 3 us). Only the
    first words of the first parts are in it, which is still a necessary condition:
    compiling a pattern of a 600-word quote would take 20 ms.
    """
    parts = [
        "[^a-z0-9]*".join(re.escape(w) for w in q.words[i : min(j, i + SCREEN_WORDS)])
        for i, j in segments[:SCREEN_PARTS]
    ]
    return re.compile("(?s:.*?)".join(parts))


def may_hold(pattern: re.Pattern[str], text: str) -> bool:
    """Whether ``text`` (lead included) may hold the quote's parts in order: False is a proof it does not."""
    return pattern.search(folded_text(text)) is not None


def find_in_huge(
    pattern: re.Pattern[str], needles: list[str], passage: Passage, distance: int
) -> tuple[list[tuple[int, int]], Words] | None:
    """The needles' word ranges in a huge passage, read only around where the screen finds them.

    Every match starts where the screen matches, so each screen match is read in a
    window from just before it to ``distance`` characters past it; no screen match is
    a proof that no window holds the words. After HUGE_TRIES windows without them (a cut
    leaving out more than a window, or a screen matching often), the passage is read whole.
    """
    text = passage.searchable
    whole = fold_whole(text)
    pos = 0
    for _ in range(HUGE_TRIES):
        found = pattern.search(whole.folded, pos)
        if found is None:
            return None
        p = window(text, whole.original(found.start()) - HUGE_PAD, whole.original(found.end()) + distance)
        ranges = find_in_order(needles, passage, p)
        if ranges is not None:
            return ranges, p
        pos = found.start() + 1
    p = words_of(text)
    ranges = find_in_order(needles, passage, p)
    return None if ranges is None else (ranges, p)


def find_in_order(needles: list[str], passage: Passage, p: Words | None = None) -> list[tuple[int, int]] | None:
    """Word ranges of each needle, in order, ending in the passage text (not only its lead).

    ``p`` is the words of ``passage.searchable`` (by default), or of a window of it.
    """
    p = p or words_of(passage.searchable)
    lead_words = lead_word_count(passage, p)
    first_from = 0
    while True:
        ranges: list[tuple[int, int]] = []
        pos = p.offsets[first_from] if first_from < len(p.offsets) else len(p.joined)
        for part in needles:
            at = p.joined.find(part, pos)
            if at < 0:
                return None
            start = bisect_right(p.offsets, at) - 1
            end = start + part.count(SEP) - 1
            ranges.append((start, end))
            pos = p.offsets[end] if end < len(p.offsets) else len(p.joined) - 1
        if ranges[-1][1] > lead_words:
            return ranges
        # Wholly inside the lead-in sentence, which is a passage of its own: look further.
        first_from = ranges[0][0] + 1
