"""An index answered from two segments, a big saved one and a small new one, until their merge is done.

A reload after a few new, changed or removed files does not wait for the merge of
bot.search.index_merge (seconds at 10^6 passages): the saved index stays as it is
(memory-mapped) as the first segment, with its removed or changed documents masked, the
new passages are indexed in memory as a second, and ``SegmentedIndex`` answers from both
at once, as Lucene and tantivy search their segments. The merge runs in the background
(bot.search.index_store) and ``swap_in`` hands every later call to the merged index.

BM25's statistics are global, so they are recomputed for the live passages when the
segments are put together, never per segment: the number of passages, their average
length (hence every passage's norm), each term's document frequency summed over the
live passages of both segments, and from them every IDF with rank-bm25's floor
(``bm25_idf``, the build's own code, whose floor averages the IDF of every live term).
Each segment is then a plain ``Bm25Index`` whose IDF and norm arrays are those global
ones, so each weight is computed by the very operations a fresh build uses and every
score is a fresh build's, bit for bit. Passage ids are the fresh build's too: the first
segment's live passages in order, then the new ones (``index_order``'s order); a
masked passage has no id, and ties are broken by id, as in a build.

Pruning stays valid without recomputing the first segment's block maxima: a weight
``idf * tf (k1 + 1) / (tf + norm)`` grows from the old statistics to the new ones by at
most ``idf_new / idf_old`` times ``max(1, avgdl_new / avgdl_old)`` (a norm shrinks by at
most that factor when the average length grows, and ``tf / (tf + norm)`` falls with the
norm), so each term's maxima are scaled by that factor (loosened a hair for rounding).
A common term whose old IDF was not positive has its maxima recomputed instead. Masked
passages stay in the maxima, which only makes them looser, and in the bitmaps, so the
counts of the first segment are taken over its live passages (``allowed``).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
from collections.abc import Mapping, Sequence

import numpy as np

from bot.search.index import Bm25Index, select_best
from bot.search.index_build import BoolArray, FloatArray, IndexArrays, Int32Array, IntArray, bm25_idf

logger = logging.getLogger(__name__)

# Relative loosening of a scaled bound: the scaling is exact up to rounding.
_LOOSEN = 1e-9
# Postings read at a time when counting a masked passage's terms: short GIL-holding steps.
_STEP = 1 << 22


class SegmentedIndex(Bm25Index):
    """A Bm25Index over two segments until ``swap_in`` gives it the merged one.

    Every public method of Bm25Index answers as the fresh build of the live passages
    would (same passages, scores, ties and counts), before and after the swap.
    Deliberately not ``Bm25Index.__init__``: the state is one attribute, ``_state``,
    replaced in one assignment, so a query reads one consistent state.
    """

    def __init__(
        self, base: IndexArrays, keep: BoolArray | None, segment: IndexArrays,
        base_vocab: Mapping[str, int] | None = None,
    ) -> None:
        parts = _Parts(base, keep, segment, base_vocab)
        self._state: _Parts | Bm25Index = parts
        self._merged = threading.Event()
        self._used = threading.Event()
        self.size = parts.size
        self.vocab = parts.vocab  # membership is what callers read: the same after the swap

    def swap_in(self, merged: Bm25Index) -> None:
        """Answer from ``merged`` (the same passages, merged into one index) from now on."""
        if merged.size != self.size:
            raise ValueError(f"merged index has {merged.size} passages, the segments {self.size}")
        self._state = merged
        self._merged.set()

    def wait_merged(self, timeout: float | None = None) -> bool:
        """Whether the merged index was swapped in (waiting up to ``timeout`` seconds); the
        merge then starts without waiting for a question (``wait_used``)."""
        self._used.set()
        return self._merged.wait(timeout)

    def wait_used(self, timeout: float | None = None) -> bool:
        """Whether a caller asked this index anything yet (waiting up to ``timeout`` seconds).

        The merge waits for it: the first question comes once the reload that built this
        index has swapped it in, and a merge running during the rest of that reload would
        slow both it and the questions answered meanwhile."""
        return self._used.wait(timeout)

    @property
    def segmented(self) -> bool:
        return not self._merged.is_set()

    def _current(self) -> _Parts | Bm25Index:
        if not self._used.is_set():
            self._used.set()
        return self._state

    def term_ids(self, tokens: Sequence[str]) -> list[int]:
        return self._current().term_ids(tokens)

    def document_frequency(self, token: str) -> int:
        return self._current().document_frequency(token)

    def idf(self, token: str) -> float | None:
        return self._current().idf(token)

    def passages_with(self, token: str) -> Int32Array:
        return self._current().passages_with(token)

    def scores(self, tokens: Sequence[str]) -> FloatArray:
        return self._current().scores(tokens)

    def matches(self, tokens: Sequence[str]) -> tuple[IntArray, FloatArray]:
        return self._current().matches(tokens)

    def top(
        self, tokens: Sequence[str], k: int, allowed: BoolArray | None = None
    ) -> tuple[IntArray, FloatArray, int]:
        return self._current().top(tokens, k, allowed)


class _Parts:
    """The two segments under global statistics, and the passage ids across them."""

    def __init__(
        self, base: IndexArrays, keep: BoolArray | None, segment: IndexArrays, base_vocab: Mapping[str, int] | None,
    ) -> None:
        if (segment.k1, segment.b, segment.epsilon) != (base.k1, base.b, base.epsilon):
            raise ValueError("the segments were built with other BM25 parameters")
        if keep is not None and keep.shape != (base.size,):
            raise ValueError(f"keep mask has shape {keep.shape}, its segment has {base.size} passages")
        k1, b, epsilon = base.k1, base.b, base.epsilon
        if keep is not None and keep.all():
            keep = None
        self.keep = keep
        self.base_live = base.size if keep is None else int(np.count_nonzero(keep))
        self.size = self.base_live + segment.size
        # Each first-segment passage's id, -1 when masked.
        self.rank: Int32Array | None = None
        if keep is not None:
            rank = np.cumsum(keep, dtype=np.int64) - 1
            rank[~keep] = -1
            self.rank = rank.astype(np.int32)

        words = base_vocab if base_vocab is not None else {w: i for i, w in enumerate(base.words)}
        nbase = len(base.words)
        base_df = np.diff(base.indptr)
        if keep is not None:
            base_df = base_df - _masked_counts(base, ~keep)
        # The first segment's own vocabulary leaves out a term only masked passages hold:
        # all its postings are masked, and it is no term of the live corpus.
        first_vocab = dict(words)
        for tid in np.flatnonzero(base_df == 0).tolist():
            del first_vocab[base.words[tid]]
        # Segment term -> global term id: a first-segment term keeps its id, a new term
        # comes after them (the merge's numbering when nothing was removed).
        vocab = dict(first_vocab)
        gid = np.empty(len(segment.words), dtype=np.int64)
        added = 0
        for j, word in enumerate(segment.words):
            known = words.get(word)
            if known is None:
                tid = nbase + added
                added += 1
            else:
                tid = known
            vocab[word] = tid
            gid[j] = tid
        df = np.zeros(nbase + added, dtype=np.int64)
        df[:nbase] = base_df
        df[gid] += np.diff(segment.indptr)
        self.vocab = vocab
        self.df = df

        # The global statistics, as finish_arrays computes them for a fresh build.
        live = np.flatnonzero(df > 0)
        base_length = int(np.sum(base.lengths if keep is None else base.lengths[keep], dtype=np.int64))
        total_length = base_length + int(np.sum(segment.lengths, dtype=np.int64))
        idf = np.zeros(len(df))
        base_norm: FloatArray
        segment_norm: FloatArray
        if self.size and len(live):
            idf[live] = bm25_idf(df[live], self.size, epsilon)
            avgdl = total_length / self.size  # Python division, as rank-bm25 does it
            base_norm = k1 * (1 - b + b * base.lengths / avgdl)  # type: ignore[assignment]
            segment_norm = k1 * (1 - b + b * segment.lengths / avgdl)  # type: ignore[assignment]
        else:
            avgdl = 0.0
            base_norm = np.full(base.size, k1 * (1 - b))
            segment_norm = np.full(segment.size, k1 * (1 - b))
        self.idf_values = idf
        self.base = Bm25Index(_restated(base, idf[:nbase], base_norm, avgdl), vocab=first_vocab)
        self.segment = Bm25Index(_unpruned(segment, idf[gid], segment_norm))

    # ----------------------------------------------------------------- lookups

    def term_ids(self, tokens: Sequence[str]) -> list[int]:
        return [self.vocab[t] for t in tokens if t in self.vocab]

    def document_frequency(self, token: str) -> int:
        tid = self.vocab.get(token)
        return 0 if tid is None else int(self.df[tid])

    def idf(self, token: str) -> float | None:
        tid = self.vocab.get(token)
        return None if tid is None else float(self.idf_values[tid])

    def passages_with(self, token: str) -> Int32Array:
        first = self.base.passages_with(token)
        if self.rank is not None:
            first = self.rank[first]
            first = first[first >= 0]  # masked passages have no id
        second = self.segment.passages_with(token)
        if not len(second):
            return first
        return np.concatenate([first, second + np.int32(self.base_live)])

    # ----------------------------------------------------------------- scoring

    def scores(self, tokens: Sequence[str]) -> FloatArray:
        first = self.base.scores(tokens)
        if self.keep is not None:
            first = first[self.keep]
        return np.concatenate([first, self.segment.scores(tokens)])

    def matches(self, tokens: Sequence[str]) -> tuple[IntArray, FloatArray]:
        ids, scores = self.base.matches(tokens)
        if self.keep is not None:
            alive = self.keep[ids]
            ids, scores = ids[alive], scores[alive]
        more, extra = self.segment.matches(tokens)
        return np.concatenate([self._ids(ids), more + self.base_live]), np.concatenate([scores, extra])

    def top(self, tokens: Sequence[str], k: int, allowed: BoolArray | None) -> tuple[IntArray, FloatArray, int]:
        if allowed is not None and allowed.shape != (self.size,):
            raise ValueError(f"allowed mask has shape {allowed.shape}, index has {self.size} passages")
        first_allowed: BoolArray | None
        if self.keep is None:
            first_allowed = None if allowed is None else allowed[: self.base_live]
        elif allowed is None:
            first_allowed = self.keep
        else:
            first_allowed = np.zeros(len(self.keep), dtype=bool)
            first_allowed[self.keep] = allowed[: self.base_live]
        ids, scores, total = self.base.top(tokens, k, first_allowed)
        more, extra, count = self.segment.top(tokens, k, None if allowed is None else allowed[self.base_live :])
        if not len(more):
            return self._ids(ids), scores, total + count
        ids = np.concatenate([self._ids(ids), more + self.base_live])
        scores = np.concatenate([scores, extra])
        best = select_best(ids, scores, k)
        return ids[best], scores[best], total + count

    def _ids(self, first: IntArray | Int32Array) -> IntArray:
        """First-segment passage ids (live ones) as ids of the whole."""
        if self.rank is None:
            return first.astype(np.int64, copy=False)
        ids: IntArray = self.rank[first].astype(np.int64)
        return ids


def _restated(base: IndexArrays, idf: FloatArray, norm: FloatArray, avgdl: float) -> IndexArrays:
    """``base`` under the global IDF and norms, with its maxima scaled to stay upper bounds."""
    old_idf = np.asarray(base.idf)
    old_avgdl = int(np.sum(base.lengths, dtype=np.int64)) / base.size if base.size else 0.0
    lengthening = max(1.0, avgdl / old_avgdl) if old_avgdl > 0 else math.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(old_idf > 0, idf / old_idf, math.inf) * (lengthening * (1 + _LOOSEN))
    # A term whose weights are now all zero or below has a zero bound (negative IDFs
    # are scored without bounds, see Bm25Index.top); inf * 0 would be nan.
    factor[idf <= 0] = 0.0
    big_terms = np.flatnonzero(np.asarray(base.big_row) >= 0)
    with np.errstate(invalid="ignore"):  # inf * 0: replaced below
        max_weight = np.asarray(base.max_weight) * factor
        block_max = np.asarray(base.block_max) * factor[big_terms][:, None]
    redo = big_terms[~np.isfinite(factor[big_terms])]
    for tid in redo.tolist():
            row = int(base.big_row[tid])
            lo, hi = int(base.indptr[tid]), int(base.indptr[tid + 1])
            docs, tf = base.postings[lo:hi], base.tf[lo:hi]
            weights = idf[tid] * (tf * (base.k1 + 1) / (tf + norm[docs]))
            offsets = base.block_offsets[row]
            filled = np.flatnonzero(offsets[1:] > offsets[:-1])
            block_max[row] = 0.0
            block_max[row, filled] = np.maximum.reduceat(weights, offsets[:-1][filled])
            max_weight[tid] = float(weights.max(initial=0.0))
    # A term whose old IDF was not positive has no scaled bound: none (inf) for a rare
    # term (only common terms' maxima are read), recomputed below for a common one.
    max_weight[~np.isfinite(factor)] = math.inf
    return dataclasses.replace(base, idf=idf, norm=norm, max_weight=max_weight, block_max=block_max)


def _unpruned(segment: IndexArrays, idf: FloatArray, norm: FloatArray) -> IndexArrays:
    """The new segment under the global IDF and norms, without common-term tables: it is
    small, so every query scores all its postings, and no bound of its own statistics is used."""
    nblocks = segment.block_max.shape[1]
    nwords = segment.bitmaps.shape[1]
    return dataclasses.replace(
        segment, idf=idf, norm=norm, max_weight=np.zeros(len(idf)),
        big_row=np.full(len(idf), -1, dtype=np.int32),
        block_offsets=np.zeros((0, nblocks + 1), dtype=np.int64), block_max=np.zeros((0, nblocks)),
        bitmaps=np.zeros((0, nwords), dtype="<u8"), bitmap_rank=np.zeros((0, nwords), dtype=np.int32),
    )


def _masked_counts(arrays: IndexArrays, masked: BoolArray) -> IntArray:
    """Per term, how many of its postings are in ``masked`` passages (a pass over the postings)."""
    counts = np.zeros(len(arrays.words), dtype=np.int64)
    total = int(arrays.indptr[-1])
    for lo in range(0, total, _STEP):
        hit = np.flatnonzero(masked[arrays.postings[lo : lo + _STEP]]) + lo
        if len(hit):
            terms = np.searchsorted(arrays.indptr, hit, side="right") - 1
            counts += np.bincount(terms, minlength=len(counts))
    return counts
