"""BM25 over passages: rank-bm25's BM25Okapi scores, computed from flat postings.

rank-bm25 stays the definition of the score (k1, b, epsilon and its IDF floor; its own
``_calc_idf`` runs in the build, bot.search.index_build). What changes is the layout
and the work per query:

* each term owns a slice of two flat arrays, passage ids (int32, ascending) and term
  frequencies (uint8 or uint16); a weight is computed when it is needed, with exactly
  the operations ``get_scores`` uses, so every score is rank-bm25's to the last bits of
  its IDF (see ``bm25_idf``);
* scores are summed in query order, as ``get_scores`` sums them, so equal passages
  tie exactly and the order of the results never depends on float noise;
* a *common* term (document frequency at least ``big_df``) also has, per block of
  ``block`` consecutive passages, its postings offset and its largest weight, and a
  bitmap of its passages. ``top`` scores the passages of the rare terms first, takes
  the k-th best as a threshold, and only opens the blocks whose upper bound reaches it
  (block-max pruning), so a common term never forces a scan of its whole posting list.
  The bitmaps count the matching passages without touching the postings, and with the
  count of postings before each 64-bit word of the bitmap (a rank table) they find a
  passage's posting in O(1), where a binary search would cost log(df).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.search.index_build import (
    DEFAULT_BLOCK,
    BoolArray,
    FloatArray,
    IndexArrays,
    Int32Array,
    IntArray,
    TfArray,
    bitmap_words,
    build_arrays,
    concat_ranges,
)

logger = logging.getLogger(__name__)

__all__ = ["Bm25Index", "IndexArrays", "build_arrays", "select_best"]

# Relative slack on pruning bounds: a bound is a sum in another order than the score.
_SLACK = 1e-9
_ONE = np.uint64(1)


class Bm25Index:
    """Immutable BM25 index; safe to query from several threads at once."""

    def __init__(self, arrays: IndexArrays, *, vocab: dict[str, int] | None = None) -> None:
        """``vocab`` (token -> term id), when given, replaces the one made from ``arrays.words``:
        bot.search.segments leaves out the terms only masked passages hold."""
        self.arrays = arrays
        self.size = arrays.size
        self.vocab: dict[str, int] = {w: i for i, w in enumerate(arrays.words)} if vocab is None else vocab
        self.indptr = arrays.indptr
        self.postings = arrays.postings
        self._local = threading.local()
        self._nblocks = arrays.block_max.shape[1]
        # Plain Python lookups: a query touches these a few times, numpy scalars cost more.
        self._big: dict[int, int] = {int(t): r for r, t in enumerate(np.flatnonzero(arrays.big_row >= 0).tolist())}
        self._negative = frozenset(np.flatnonzero(arrays.idf < 0).tolist())

    # ----------------------------------------------------------------- building

    @classmethod
    def build(
        cls,
        corpus: Sequence[Sequence[str]],
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
        *,
        block: int = DEFAULT_BLOCK,
        big_df: int | None = None,
    ) -> Bm25Index:
        """Index tokenized passages, with BM25Okapi's parameters and defaults.

        ``block`` and ``big_df`` (the document frequency from which a term is common,
        default max(1024, size // 32)) only change the speed, never a score.
        """
        return cls(build_arrays(corpus, k1, b, epsilon, block=block, big_df=big_df))

    # ----------------------------------------------------------------- lookups

    def term_ids(self, tokens: Sequence[str]) -> list[int]:
        """Ids of the known tokens, repeats kept (BM25Okapi counts a repeated term twice)."""
        return [self.vocab[t] for t in tokens if t in self.vocab]

    def document_frequency(self, token: str) -> int:
        tid = self.vocab.get(token)
        return 0 if tid is None else int(self.indptr[tid + 1] - self.indptr[tid])

    def idf(self, token: str) -> float | None:
        """``token``'s IDF (rank-bm25's, floored), None for a token no passage holds."""
        tid = self.vocab.get(token)
        return None if tid is None else float(self.arrays.idf[tid])

    def passages_with(self, token: str) -> Int32Array:
        """Ids of the passages that contain ``token``, ascending."""
        tid = self.vocab.get(token)
        if tid is None:
            return np.zeros(0, dtype=np.int32)
        return self.postings[self.indptr[tid] : self.indptr[tid + 1]]

    # ----------------------------------------------------------------- scoring

    def scores(self, tokens: Sequence[str]) -> FloatArray:
        """Scores of every passage; equal to ``BM25Okapi.get_scores`` (for tests and tools)."""
        out = np.zeros(self.size)
        for tid in self.term_ids(tokens):
            docs, weights = self._term(tid)
            out[docs] += weights
        return out

    def matches(self, tokens: Sequence[str]) -> tuple[IntArray, FloatArray]:
        """Every passage containing a query term, with its score, in passage order."""
        query = self.term_ids(tokens)
        if not query:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        terms = {tid: self._term(tid) for tid in dict.fromkeys(query)}
        return self._accumulate(query, terms)

    def top(
        self, tokens: Sequence[str], k: int, allowed: BoolArray | None = None
    ) -> tuple[IntArray, FloatArray, int]:
        """The ``k`` best matching passages (best first, ties in passage order) and the match count.

        ``allowed``, a boolean mask over passages, restricts both the results and the
        count to the passages it marks.
        """
        if allowed is not None and allowed.shape != (self.size,):
            raise ValueError(f"allowed mask has shape {allowed.shape}, index has {self.size} passages")
        query = self.term_ids(tokens)
        if not query or k <= 0:
            total = self._count(query, allowed) if query else 0
            return np.zeros(0, dtype=np.int64), np.zeros(0), total
        unique = list(dict.fromkeys(query))
        big = [t for t in unique if t in self._big]
        if not big or any(t in self._negative for t in unique):
            # No common term, or a negative weight (which breaks upper bounds): the
            # postings are short enough, or the corpus tiny enough, to score them all.
            ids, scores = self.matches(tokens)
            if allowed is not None:
                keep = allowed[ids]
                ids, scores = ids[keep], scores[keep]
            best = select_best(ids, scores, k)
            return ids[best], scores[best], len(ids)
        ids, scores, rare = self._pruned(query, unique, big, k, allowed)
        best = select_best(ids, scores, k)
        return ids[best], scores[best], self._count_with(big, rare, allowed)

    # ----------------------------------------------------------------- internals

    def _weights(self, tid: int, docs: npt.NDArray[np.integer[Any]], tf: TfArray) -> FloatArray:
        # The same operations, in the same order, as BM25Okapi.get_scores.
        k1 = self.arrays.k1
        weights: FloatArray = self.arrays.idf[tid] * (tf * (k1 + 1) / (tf + self.arrays.norm[docs]))
        return weights

    def _term(self, tid: int) -> tuple[Int32Array, FloatArray]:
        start, end = self.indptr[tid], self.indptr[tid + 1]
        docs = self.postings[start:end]
        return docs, self._weights(tid, docs, self.arrays.tf[start:end])

    def _accumulate(
        self, query: list[int], terms: Mapping[int, tuple[npt.NDArray[np.integer[Any]], FloatArray]]
    ) -> tuple[IntArray, FloatArray]:
        """Sum the given postings in query order; passage ids ascending."""
        buf = self._buffer()
        for tid in query:
            docs, weights = terms[tid]
            buf[docs] += weights
        parts = [docs for docs, _ in terms.values()]
        ids = (parts[0] if len(parts) == 1 else _union(parts)).astype(np.int64)
        scores = buf[ids]
        buf[ids] = 0.0  # reset only what was touched: the buffer is reused
        return ids, scores

    def _lookup(self, tid: int, docs: IntArray) -> FloatArray:
        """The weight of ``tid`` in each of ``docs`` (sorted), 0 where it does not occur."""
        out = np.zeros(len(docs))
        row = self._big.get(tid)
        if row is not None:
            # A common term: its bitmap says whether a passage has it, and the rank table
            # plus a popcount of the lower bits says where its posting is.
            arrays = self.arrays
            word = docs >> 6
            bits = arrays.bitmaps[row][word]
            shift = (docs & 63).astype(np.uint64)
            hit = np.flatnonzero((bits >> shift) & _ONE)
            word, bits, shift = word[hit], bits[hit], shift[hit]
            where = self.indptr[tid] + arrays.bitmap_rank[row][word] + np.bitwise_count(bits & ((_ONE << shift) - _ONE))
            out[hit] = self._weights(tid, docs[hit], arrays.tf[where])
            return out
        start, end = int(self.indptr[tid]), int(self.indptr[tid + 1])
        span = self.postings[start:end]
        if not len(docs) or not len(span):
            return out
        # Same dtype as the postings, else numpy converts the whole posting list.
        pos = np.searchsorted(span, docs.astype(span.dtype))
        pos_clipped = np.minimum(pos, len(span) - 1)
        hit = span[pos_clipped] == docs
        where = start + pos_clipped[hit]
        out[hit] = self._weights(tid, docs[hit], self.arrays.tf[where])
        return out

    def _exact(self, query: list[int], unique: list[int], docs: IntArray) -> FloatArray:
        """Exact scores of ``docs`` (sorted): per-term weights summed in query order."""
        weights = {tid: self._lookup(tid, docs) for tid in unique}
        out = np.zeros(len(docs))
        for tid in query:
            out += weights[tid]
        return out

    def _pruned(
        self, query: list[int], unique: list[int], big: list[int], k: int, allowed: BoolArray | None
    ) -> tuple[IntArray, FloatArray, IntArray]:
        """Candidates that contain every passage of the top ``k``, with exact scores.

        Also returns every (allowed) passage with a rare term, for the match count.
        """
        arrays = self.arrays
        mult = {tid: query.count(tid) for tid in unique}
        small = [t for t in unique if t not in self._big]
        # 1. Passages with a rare term, and each rare term's weight in each of them
        #    (one row per term, so that the sums below follow the query's order).
        rows: dict[int, FloatArray] = {}
        if small:
            # All rare postings at once: a few numpy calls whatever the number of terms.
            spans = [(int(self.indptr[t]), int(self.indptr[t + 1])) for t in small]
            docs = np.concatenate([self.postings[a:b] for a, b in spans])
            tf = np.concatenate([arrays.tf[a:b] for a, b in spans])
            which = np.repeat(np.arange(len(small)), [b - a for a, b in spans])
            k1 = arrays.k1
            # The same operations as _weights (and get_scores), element by element.
            weights = arrays.idf[small][which] * (tf * (k1 + 1) / (tf + arrays.norm[docs]))
            cand = np.sort(docs)
            if len(cand) > 1:
                distinct = np.empty(len(cand), dtype=bool)
                distinct[0] = True
                np.not_equal(cand[1:], cand[:-1], out=distinct[1:])
                cand = cand[distinct]
            matrix = np.zeros((len(small), len(cand)))
            matrix[which, np.searchsorted(cand, docs)] = weights
            cand = cand.astype(np.int64)
            if allowed is not None:
                keep = np.flatnonzero(allowed[cand])
                cand, matrix = cand[keep], matrix[:, keep]
            rows = {t: matrix[i] for i, t in enumerate(small)}
            partial = np.zeros(len(cand))
            for tid in query:
                if tid in rows:
                    partial += rows[tid]
        else:
            cand, partial = np.zeros(0, dtype=np.int64), np.zeros(0)
        rare = cand
        # A passage scores at most its rare partial plus its block's bound.
        bound = np.zeros(self._nblocks)
        for tid in big:
            bound += mult[tid] * arrays.block_max[self._big[tid]]
        if allowed is not None and self._nblocks:
            # A block without an allowed passage has nothing to offer (year filters).
            starts = np.arange(0, self.size, arrays.block)
            bound[~np.logical_or.reduceat(allowed, starts)] = -math.inf
        # 2. The k-th best partial is a lower bound of the k-th best score: drop the rare
        #    passages that cannot reach it even with every common term at its block maximum.
        theta = _kth(partial, k)
        if len(cand) > k:
            keep = np.flatnonzero(partial + bound[cand // arrays.block] >= theta - _slack(theta))
            cand = cand[keep]
            rows = {tid: row[keep] for tid, row in rows.items()}
        for tid in big:
            rows[tid] = self._lookup(tid, cand)
        exact = np.zeros(len(cand))
        for tid in query:
            exact += rows[tid]
        theta = _kth(exact, k)
        # 3. A passage with common terms only scores at most its block's bound.
        todo = np.flatnonzero(bound >= theta - _slack(theta))
        if theta > -math.inf and not len(todo):
            return cand, exact, rare
        opened = np.zeros(self._nblocks, dtype=bool)
        results: list[tuple[IntArray, FloatArray]] = []
        seeds = 8
        while theta == -math.inf:
            # Too few rare passages for a threshold: open the most promising blocks.
            pick = np.argsort(-bound, kind="stable")[:seeds]
            pick = pick[~opened[pick] & (bound[pick] > -math.inf)]
            if not len(pick):
                break
            results.append(self._open(query, unique, pick, opened, allowed))
            opened[pick] = True
            # A rare passage in an opened block is scored there: count it once.
            outside = ~opened[cand // arrays.block]
            theta = _kth(np.concatenate([exact[outside]] + [s for _, s in results]), k)
            seeds *= 4
        todo = np.flatnonzero((bound >= theta - _slack(theta)) & (bound > -math.inf) & ~opened)
        if len(todo):
            results.append(self._open(query, unique, todo, opened, allowed, theta))
            opened[todo] = True
        # Rare passages in opened blocks were scored there too.
        outside = ~opened[cand // arrays.block]
        results.append((cand[outside], exact[outside]))
        ids = np.concatenate([r[0] for r in results])
        scores = np.concatenate([r[1] for r in results])
        return ids, scores, rare

    def _open(
        self, query: list[int], unique: list[int], blocks: IntArray,
        opened: BoolArray, allowed: BoolArray | None, theta: float = -math.inf,
    ) -> tuple[IntArray, FloatArray]:
        """Exact scores of the passages in ``blocks`` (not yet opened) that may reach ``theta``.

        MaxScore within the blocks: the common terms whose bounds sum to less than
        ``theta`` cannot lift a passage there on their own, so only the passages with
        another query term are candidates; those terms are looked up for them.
        """
        arrays = self.arrays
        blocks = np.sort(blocks)
        mult = {tid: query.count(tid) for tid in unique}
        lazy: list[int] = []
        if theta > -math.inf:
            room = theta - _slack(theta)
            for tid in sorted((t for t in unique if t in self._big),
                              key=lambda t: mult[t] * float(arrays.max_weight[t])):
                room -= mult[tid] * float(arrays.max_weight[tid])
                if room <= 0:
                    break
                lazy.append(tid)
        terms: dict[int, tuple[npt.NDArray[np.integer[Any]], FloatArray]] = {}
        member: BoolArray | None = None
        for tid in unique:
            if tid in lazy:
                continue
            row = self._big.get(tid)
            if row is not None:
                lo = arrays.block_offsets[row, blocks]
                hi = arrays.block_offsets[row, blocks + 1]
                where = int(self.indptr[tid]) + concat_ranges(lo, hi)
                docs = self.postings[where]
                terms[tid] = (docs, self._weights(tid, docs, arrays.tf[where]))
            else:
                if member is None:
                    member = np.zeros(self._nblocks, dtype=bool)
                    member[blocks] = True
                docs, weights = self._term(tid)
                keep = member[docs // arrays.block]
                terms[tid] = (docs[keep], weights[keep])
        if not lazy:
            ids, scores = self._accumulate(query, terms)
        else:
            # Upper bounds first (any order will do for a bound), exact scores for the
            # passages that pass.
            eager = [t for t in query if t in terms]
            ids, partial = self._accumulate(eager, terms)
            bound = partial
            for tid in lazy:
                bound = bound + mult[tid] * arrays.block_max[self._big[tid], ids // arrays.block]
            ids = ids[bound >= theta - _slack(theta)]
            if allowed is not None:
                ids = ids[allowed[ids]]
            return ids, self._exact(query, unique, ids)
        if allowed is not None:
            keep = allowed[ids]
            ids, scores = ids[keep], scores[keep]
        return ids, scores

    def _count(self, query: list[int], allowed: BoolArray | None) -> int:
        """How many (allowed) passages contain a query term."""
        unique = list(dict.fromkeys(query))
        small = [self.postings[self.indptr[t] : self.indptr[t + 1]] for t in unique if t not in self._big]
        docs = _union(small) if small else np.zeros(0, dtype=np.int32)
        if allowed is not None:
            docs = docs[allowed[docs]]
        return self._count_with([t for t in unique if t in self._big], docs, allowed)

    def _count_with(self, big: list[int], rare: npt.NDArray[np.integer[Any]], allowed: BoolArray | None) -> int:
        """Passages with a common term (from bitmaps) plus the ``rare`` ones not among them."""
        if not big:
            return len(rare)
        bitmaps = self.arrays.bitmaps
        bits = bitmaps[self._big[big[0]]]
        for tid in big[1:]:
            bits = bits | bitmaps[self._big[tid]]
        if allowed is not None:
            bits = bits & bitmap_words(allowed)
        in_bits = (bits[rare >> 6] >> (rare & 63).astype(np.uint64)) & _ONE
        return int(np.bitwise_count(bits).sum(dtype=np.int64)) + int(len(rare) - np.count_nonzero(in_bits))

    def _buffer(self) -> FloatArray:
        buf: FloatArray | None = getattr(self._local, "buf", None)
        if buf is None:
            buf = np.zeros(self.size)
            self._local.buf = buf
        return buf


def _union(parts: Sequence[npt.NDArray[np.integer[Any]]]) -> npt.NDArray[np.integer[Any]]:
    """Sorted distinct values of ``parts`` (np.unique's hashing is slower at these sizes)."""
    values = np.sort(np.concatenate(parts)) if len(parts) > 1 else parts[0]
    if len(parts) == 1 or not len(values):
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _slack(theta: float) -> float:
    return _SLACK * max(1.0, abs(theta)) if math.isfinite(theta) else 0.0


def _kth(scores: FloatArray, k: int) -> float:
    """The k-th largest score, or -inf when there are fewer than k."""
    if len(scores) < k:
        return -math.inf
    return float(-np.partition(-scores, k - 1)[k - 1])


def select_best(ids: IntArray, scores: FloatArray, k: int) -> IntArray:
    """Positions of the k best (score descending, passage id ascending) among candidates."""
    if len(ids) > k:
        # Partial selection among candidates only; ties at the cut are all kept so
        # that the sort below decides them by passage id.
        keep = np.flatnonzero(scores >= _kth(scores, k))
        order = np.lexsort((ids[keep], -scores[keep]))[:k]
        result: IntArray = keep[order]
        return result
    return np.lexsort((ids, -scores))
