"""Near misses: the candidate passages aligned word by word with a quote, with their diffs"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher

import numpy as np

from bot.answers.quote_result import NEAR_THRESHOLD, DiffKind, DiffOp, QuoteMatch
from bot.answers.quote_spans import lead_word_count, make_match, text_span
from bot.answers.quote_window import WINDOW_FROM, locator_words, reach, words_around
from bot.answers.quote_words import Words, slice_words
from bot.corpus.models import Document, Passage
from bot.search.budget import Budget
from bot.search.index import Bm25Index

logger = logging.getLogger(__name__)

# Candidates for a near miss: the BM25 best passages for the quote's rarest tokens.
NEAR_CANDIDATES = 12


def closest(
    q: Words,
    segments: list[tuple[int, int]],
    rare: list[str],
    passages: Sequence[Passage],
    documents: Mapping[str, Document],
    index: Bm25Index,
    budget: Budget,
) -> list[QuoteMatch]:
    """The BM25 candidates aligned word by word with the quote, most similar first.

    Only candidates that may matter are aligned (the alignment of a long quote is the
    cost of a check): one whose similarity cannot reach NEAR_THRESHOLD is still needed
    if it may be the closest passage, so it is skipped only when its upper bound is
    below both the threshold and a similarity already found. Candidates are aligned
    highest bound first, so that the best is found early. The list holds every
    candidate at or above the threshold and, below it, at least the most similar one,
    which is all a verdict reads. A huge passage is read only around where the quote's
    rarest words cluster (quote_window), so that no check folds 5 MB into words.
    """
    ids, _, _ = index.top(rare, NEAR_CANDIDATES)
    locators: list[str] | None = None  # made only for a huge passage: a word of the quote costs some 3 us
    cut_starts = {i for i, _ in segments[1:]}
    quote_counts = Counter(q.words)
    bounds: list[tuple[float, int, Words]] = []
    for pid in ids.tolist():  # the BM25 best first: out of time, the rest is not read
        if bounds and budget.spent():
            break
        text = passages[pid].searchable
        if locators is None and len(text) >= WINDOW_FROM:
            locators = locator_words(q, index)
        p = words_around(text, locators or [], reach(q))
        bounds.append((similarity_bound(q, quote_counts, p), pid, p))
    bounded = sorted(bounds, key=lambda item: -item[0])
    best = 0.0
    aligned: list[tuple[float, int, QuoteMatch]] = []
    for bound, pid, p in bounded:
        if bound < NEAR_THRESHOLD and bound < best:
            continue  # neither near nor the closest: its alignment would change nothing
        if aligned and budget.spent():
            break  # the best bounds came first; the caller reports the rest as unread
        passage = passages[pid]
        match = align(q, cut_starts, passage, documents[passage.document], p)
        if match is not None:
            aligned.append((match.similarity, pid, match))
            best = max(best, match.similarity)
    aligned.sort(key=lambda item: (-item[0], not item[2].document.is_resolution_text, item[1]))
    return [m for _, _, m in aligned]


def similarity_bound(q: Words, quote_counts: Counter[str], p: Words) -> float:
    """An upper bound of the similarity ``align`` gives a passage of words ``p``, from word counts.

    The similarity is 2 * same / (len(quote) + width - cut), where ``same`` words are
    matched one to one in order and the window of ``width`` passage words holds the
    ``same`` and ``cut`` words apart: the denominator is at least len(quote) + same.
    ``same`` is at most the words quote and passage share, counted with multiplicity,
    and 2x / (n + x) grows with x.
    """
    shared = sum((Counter(p.words) & quote_counts).values())
    return 2 * shared / (len(q.words) + shared)


def align(q: Words, cut_starts: set[int], passage: Passage, document: Document, p: Words) -> QuoteMatch | None:
    """The passage's best window for the quote, its similarity and the word diff.

    ``p`` is the words of ``passage.searchable``, or of the stretch of a huge one that
    quote_window chose; its offsets are into the whole text either way.
    """
    base, region = _region(q, p)
    matcher = SequenceMatcher(None, q.words, region, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if not blocks:
        return None
    # Choose the run of matching blocks with the best ratio, so that a common word far
    # away in the passage does not stretch the window over unrelated text.
    # Passage words between two blocks that meet where the quote marks a cut are the
    # cut's, not differences: "leader [...] pending" spans the words it leaves out.
    # Quote words before the run's first block (or after its last) stand opposite as
    # many passage words before (after) it: a changed first or last word is a change
    # ("oppression" for "repression"), not only a word the quote adds.
    best = (0.0, 0, 0, 0, 0)
    total = len(q.words)
    for i in range(len(blocks)):
        matched = cut = 0
        for j in range(i, len(blocks)):
            if j > i and blocks[j].a in cut_starts and blocks[j - 1].a + blocks[j - 1].size == blocks[j].a:
                cut += blocks[j].b - (blocks[j - 1].b + blocks[j - 1].size)
            matched += blocks[j].size
            start, end = base + blocks[i].b, base + blocks[j].b + blocks[j].size
            before = min(blocks[i].a, start)
            after = min(total - blocks[j].a - blocks[j].size, len(p.words) - end)
            width = end - start + before + after - cut
            ratio = 2 * matched / (total + width)
            if ratio > best[0]:
                best = (ratio, start, end, before, after)
    _, lo, hi, before, after = best
    if hi <= lead_word_count(passage, p):
        return None  # wholly in the lead-in sentence, a passage of its own
    lo, hi = lo - before, hi + after
    # A window of the whole region is the sequence already aligned: same opcodes,
    # without aligning it again.
    whole = lo == base and hi == base + len(region)
    window = matcher if whole else SequenceMatcher(None, q.words, p.words[lo:hi], autojunk=False)
    shift = len(passage.lead) + 1 if passage.lead else 0
    diff: list[DiffOp] = []
    same = cut = 0
    for tag, i1, i2, j1, j2 in _slide_to_cuts(window.get_opcodes(), cut_starts, p.words[lo:hi]):
        quote_words = slice_words(q, i1, i2)
        passage_words = slice_words(p, lo + j1, lo + j2)
        span = (
            text_span(p.starts[lo + j1], p.ends[lo + j2 - 1], shift) if j2 > j1 else None
        )
        kind: DiffKind
        if tag == "equal":
            kind = "same"
        elif tag == "delete":
            kind = "add"
        elif tag == "insert":
            kind = "cut" if i1 in cut_starts else "drop"
        else:
            kind = "change"
        diff.append(DiffOp(kind, quote_words, passage_words, span))
        same += i2 - i1 if kind == "same" else 0
        cut += j2 - j1 if kind == "cut" else 0
    # Words the quote marks as cut are not differences: they leave the ratio alone.
    similarity = 2 * same / (len(q.words) + hi - lo - cut)
    return make_match(passage, document, [(lo, hi)], similarity, tuple(diff), p)


# A passage longer than this many times the quote (and than ALIGN_MIN_WORDS) is aligned
# only in its stretch densest in the quote's words: aligning a 4,000-character quote
# with a whole 5 MB passage took minutes of CPU, holding the GIL. A near miss (similarity
# 0.8) spans at most 1.5 times the quote, so the stretch holds it.
ALIGN_WIDTH = 3
ALIGN_MIN_WORDS = 2000


def _region(q: Words, p: Words) -> tuple[int, Sequence[str]]:
    """Where to align the quote in the passage: (first word index, the words from there)."""
    width = max(ALIGN_MIN_WORDS, ALIGN_WIDTH * len(q.words))
    if len(p.words) <= width:
        return 0, p.words
    wanted = frozenset(q.words)
    hits = np.fromiter((w in wanted for w in p.words), dtype=np.int32, count=len(p.words))
    sums = np.concatenate(([0], np.cumsum(hits)))
    counts = sums[width:] - sums[:-width]  # quote words in each stretch of ``width`` words
    start = int(np.argmax(counts))
    return start, p.words[start : start + width]


Opcode = tuple[str, int, int, int, int]


def _slide_to_cuts(ops: Sequence[Opcode], cut_starts: set[int], b: Sequence[str]) -> list[Opcode]:
    """Move each left-out stretch of the passage to where the quote marks its cut.

    "authorities to ... ensure" against "authorities to quash ... and to ensure" can be
    aligned with either "to" matched; the diff should show the stretch the quote cut,
    so an insertion slides right over equal words while that keeps the same alignment.
    """
    out = list(ops)
    k = 0
    while k < len(out):
        tag, i1, _, j1, j2 = out[k]
        nxt = out[k + 1] if k + 1 < len(out) else None
        k += 1
        if tag != "insert" or i1 in cut_starts or nxt is None or nxt[0] != "equal":
            continue
        shift = 0
        while shift < nxt[2] - nxt[1] and b[j1 + shift] == b[j2 + shift]:
            shift += 1
            if i1 + shift in cut_starts:
                break
        if i1 + shift not in cut_starts:
            continue
        here = k - 1
        prev = out[here - 1] if here > 0 else None
        out[here] = ("insert", i1 + shift, i1 + shift, j1 + shift, j2 + shift)
        out[here + 1] = ("equal", nxt[1] + shift, nxt[2], nxt[3] + shift, nxt[4])
        if prev is not None and prev[0] == "equal":
            out[here - 1] = ("equal", prev[1], prev[2] + shift, prev[3], prev[4] + shift)
        else:
            out.insert(here, ("equal", i1, i1 + shift, j1, j1 + shift))
            k += 1
    return [op for op in out if op[0] != "equal" or op[2] > op[1]]
