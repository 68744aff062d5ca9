"""The arrays of a BM25 index (postings, IDF, norms, block maxima, bitmaps), built from tokenized passages.

A build indexes ``_CHUNK`` passages at a time and merges the chunks into flat arrays
one range of term ids at a time, so a large build peaks near the index's own size.
Every array is what ``bot.search.index.Bm25Index`` scores from and what
``bot.search.index_store`` saves; IDFs are rank-bm25's formula (``bm25_idf``), and
``finish_arrays`` is shared with ``bot.search.index_merge``.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, count, islice
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.corpus.memory import release_freed_memory

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]
UInt64Array = npt.NDArray[np.uint64]
TfArray = npt.NDArray[np.unsignedinteger[Any]]
# (terms, postings per term, local passage ids, term frequencies) of a chunk of passages
_Piece = tuple[Int32Array, IntArray, npt.NDArray[np.uint16], TfArray]

DEFAULT_BLOCK = 128
# Passages indexed per step of a build: keeps the temporaries small, and local passage
# ids fit in uint16.
_CHUNK = 32768
# Ranges of term ids a build merges one at a time (see build_arrays).
_RANGES = 16
# Passages mapped to term ids per call into C: the mapping holds the GIL, and a reload
# must not stall the threads that answer.
_MAP_STEP = 512
# Term frequencies are stored as uint16: a larger count saturates here (see _index_chunk).
MAX_TF = int(np.iinfo(np.uint16).max)


def bm25_idf(df: IntArray, n: int, epsilon: float) -> FloatArray:
    """rank-bm25's IDF (``BM25Okapi._calc_idf``): log((n - df + 0.5) / (df + 0.5)) as a
    difference of logs, a negative one floored at ``epsilon`` times the average.

    The average is summed exactly (``math.fsum``), where rank-bm25 sums in the order it
    first saw each word: the floor then does not depend on that order, so an index
    merged from segments (bot.search.index_merge) and a fresh build agree bit for bit.
    """
    if not len(df):
        return np.zeros(0)
    idf: FloatArray = np.log(n - df + 0.5) - np.log(df + 0.5)
    average = math.fsum(idf.tolist()) / len(idf)
    idf[idf < 0] = epsilon * average
    return idf


@dataclass(frozen=True, slots=True)
class IndexArrays:
    """Everything a Bm25Index is made of: plain arrays, so they can be saved and mmapped."""

    k1: float
    b: float
    epsilon: float
    size: int
    block: int
    big_df: int
    words: list[str]  # term id -> token, in rank-bm25's first-occurrence order
    indptr: IntArray  # term id -> slice of postings/tf
    postings: Int32Array  # passage ids, ascending within a term
    tf: TfArray
    norm: FloatArray  # k1 * (1 - b + b * length / avgdl), per passage
    idf: FloatArray  # rank-bm25's idf (floored), per term
    max_weight: FloatArray  # per term
    big_row: Int32Array  # term id -> row in the common-term tables, or -1
    block_offsets: IntArray  # (common terms, blocks + 1): postings offset per block
    block_max: FloatArray  # (common terms, blocks): largest weight per block
    bitmaps: UInt64Array  # (common terms, ceil(size / 64)): passage p is bit p % 64 of word p // 64
    bitmap_rank: Int32Array  # (common terms, ceil(size / 64)): the term's postings before each word
    lengths: Int32Array  # tokens per passage: what a merge recomputes the norms from

    def nbytes(self) -> int:
        arrays = (self.indptr, self.postings, self.tf, self.norm, self.idf, self.max_weight,
                  self.big_row, self.block_offsets, self.block_max, self.bitmaps, self.bitmap_rank, self.lengths)
        return sum(int(a.nbytes) for a in arrays)


def build_arrays(
    corpus: Sequence[Sequence[str]],
    k1: float = 1.5,
    b: float = 0.75,
    epsilon: float = 0.25,
    *,
    block: int = DEFAULT_BLOCK,
    big_df: int | None = None,
) -> IndexArrays:
    """The arrays of a Bm25Index over ``corpus``; see Bm25Index.build."""
    if block < 1:
        raise ValueError(f"block must be at least 1, got {block}")
    n = len(corpus)
    ids_of: defaultdict[str, int] = defaultdict(count().__next__)
    lengths = np.zeros(n, dtype=np.int64)
    # chunks[c][r]: chunk c's postings of the terms in range r, or None once merged.
    chunks: list[list[_Piece | None]] = []
    bounds: IntArray | None = None
    for first in range(0, n, _CHUNK):
        part = corpus[first : first + _CHUNK]
        terms, runs, local, freq = _index_chunk(part, ids_of, lengths[first : first + len(part)])
        if bounds is None:
            bounds = _termconcat_ranges(terms, runs)
        chunks.append(_split(terms, runs, local, freq, bounds))
        del terms, runs, local, freq
    words = list(ids_of)
    del ids_of
    vocab_size = len(words)
    pieces = [p for c in chunks for p in c if p is not None]
    df = np.zeros(vocab_size, dtype=np.int64)
    for terms, runs, _, _ in pieces:
        df[terms] += runs
    indptr = np.zeros(vocab_size + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    total = int(indptr[-1])
    wide = any(p[3].dtype == np.uint16 for p in pieces)
    del pieces
    # np.empty commits no memory until written, and a range of terms fills one stretch
    # of these arrays: merged range by range, the finished stretches grow as the chunks
    # are freed, so the build peaks near the index's own size, not at twice its postings.
    postings = np.empty(total, dtype=np.int32)
    tf: TfArray = np.empty(total, dtype=np.uint16) if wide else np.empty(total, dtype=np.uint8)
    cursor = indptr[:-1].copy()
    for r in range(_RANGES):
        for number, chunk in enumerate(chunks):
            piece, chunk[r] = chunk[r], None
            if piece is None:
                continue
            terms, runs, local, freq = piece
            where = concat_ranges(cursor[terms], cursor[terms] + runs)
            postings[where] = local.astype(np.int32) + number * _CHUNK
            tf[where] = freq
            cursor[terms] += runs
            del piece, terms, runs, local, freq, where
        release_freed_memory()

    return finish_arrays(words, df, indptr, postings, tf, lengths, k1, b, epsilon, block=block, big_df=big_df)


def finish_arrays(
    words: list[str], df: IntArray, indptr: IntArray, postings: Int32Array, tf: TfArray, lengths: IntArray,
    k1: float, b: float, epsilon: float, *, block: int = DEFAULT_BLOCK, big_df: int | None = None,
) -> IndexArrays:
    """The index over finished postings: IDF, norms, maxima and the common terms' tables.

    Shared by a build and a merge, so that both make the same arrays from the same postings.
    """
    if block < 1:
        raise ValueError(f"block must be at least 1, got {block}")
    n, vocab_size = len(lengths), len(words)
    big = max(1024, n // 32) if big_df is None else max(1, big_df)
    if n == 0 or vocab_size == 0:
        # rank-bm25 divides by zero here; an index with no terms simply matches nothing.
        idf = np.zeros(vocab_size)
        norm = np.full(n, k1 * (1 - b))
    else:
        idf = bm25_idf(df, n, epsilon)
        avgdl = int(lengths.sum()) / n  # Python division, as rank-bm25 does it
        norm = k1 * (1 - b + b * lengths / avgdl)
    max_weight = _max_weights(indptr, postings, tf, idf, norm, k1)
    release_freed_memory()

    big_terms = np.flatnonzero(df >= big).astype(np.int32)
    big_row = np.full(vocab_size, -1, dtype=np.int32)
    big_row[big_terms] = np.arange(len(big_terms), dtype=np.int32)
    nblocks = -(-n // block)
    block_offsets = np.zeros((len(big_terms), nblocks + 1), dtype=np.int64)
    block_max = np.zeros((len(big_terms), nblocks))
    nwords = -(-n // 64)
    bitmaps = np.zeros((len(big_terms), nwords), dtype="<u8")
    bitmap_rank = np.zeros((len(big_terms), nwords), dtype=np.int32)
    starts = np.arange(nblocks + 1, dtype=np.int64) * block
    word_starts = np.arange(nwords, dtype=np.int64) * 64
    for row, tid in enumerate(big_terms.tolist()):
        docs = postings[indptr[tid] : indptr[tid + 1]]
        weights = idf[tid] * (tf[indptr[tid] : indptr[tid + 1]] * (k1 + 1)
                              / (tf[indptr[tid] : indptr[tid + 1]] + norm[docs]))
        offsets = np.searchsorted(docs, starts)
        block_offsets[row] = offsets
        filled = offsets[1:] > offsets[:-1]
        block_max[row, filled] = np.maximum.reduceat(weights, offsets[:-1][filled])
        member = np.zeros(n, dtype=bool)
        member[docs] = True
        bitmaps[row] = bitmap_words(member)
        bitmap_rank[row] = np.searchsorted(docs, word_starts)
    release_freed_memory()
    return IndexArrays(
        k1=k1, b=b, epsilon=epsilon, size=n, block=block, big_df=big, words=words,
        indptr=indptr, postings=postings, tf=tf, norm=norm, idf=idf, max_weight=max_weight,
        big_row=big_row, block_offsets=block_offsets, block_max=block_max, bitmaps=bitmaps,
        bitmap_rank=bitmap_rank, lengths=lengths.astype(np.int32),
    )


def _termconcat_ranges(terms: Int32Array, runs: IntArray) -> IntArray:
    """First term ids of ranges 2.._RANGES, splitting one chunk's postings about evenly.

    Term ids are given in order of first occurrence, so the terms a later chunk brings
    are rare ones, and they all fall in the last range.
    """
    if not len(terms):
        return np.zeros(0, dtype=np.int64)
    cumulative = np.cumsum(runs)
    targets = cumulative[-1] * np.arange(1, _RANGES) // _RANGES
    # Ascending; a repeated bound only makes an empty range (np.unique would import numpy.ma: 30 ms).
    bounds: IntArray = terms[np.minimum(np.searchsorted(cumulative, targets), len(terms) - 1)].astype(np.int64)
    return bounds


def _split(terms: Int32Array, runs: IntArray, local: npt.NDArray[np.uint16], freq: TfArray,
           bounds: IntArray) -> list[_Piece | None]:
    """A chunk cut into one piece per range of term ids (copies: a view would keep it whole)."""
    edges = np.concatenate([[0], np.searchsorted(terms, bounds), [len(terms)]]).tolist()
    ends = np.concatenate([[0], np.cumsum(runs)])
    out: list[_Piece | None] = [None] * _RANGES
    for r in range(len(edges) - 1):
        a, b = edges[r], edges[r + 1]
        pa, pb = int(ends[a]), int(ends[b])
        out[r] = (terms[a:b].copy(), runs[a:b].copy(), local[pa:pb].copy(), freq[pa:pb].copy())
    return out


def _index_chunk(
    part: Sequence[Sequence[str]], ids_of: defaultdict[str, int], lengths: IntArray
) -> _Piece:
    """(terms, postings per term, local passage ids, term frequencies), sorted by term."""
    lengths[:] = np.fromiter(map(len, part), dtype=np.int64, count=len(part))
    flat = np.empty(int(lengths.sum()), dtype=np.int64)
    get = ids_of.__getitem__
    done = 0
    for first in range(0, len(part), _MAP_STEP):
        # Term ids in first-occurrence order: the order rank-bm25 sums its IDFs in.
        step = int(lengths[first : first + _MAP_STEP].sum())
        tokens = chain.from_iterable(islice(part, first, first + _MAP_STEP))
        flat[done : done + step] = np.fromiter(map(get, tokens), dtype=np.int64, count=step)
        done += step
    span = len(part)
    keys = flat * span + np.repeat(np.arange(span, dtype=np.int64), lengths)
    del flat
    keys.sort()
    if not len(keys):
        empty = np.zeros(0, dtype=np.int64)
        return empty.astype(np.int32), empty, empty.astype(np.uint16), empty.astype(np.uint8)
    new = np.empty(len(keys), dtype=bool)
    new[0] = True
    np.not_equal(keys[1:], keys[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    freq = np.diff(np.append(starts, len(keys)))
    pairs = keys[starts]
    del keys, new
    term_of, local = np.divmod(pairs, span)
    term_new = np.empty(len(term_of), dtype=bool)
    term_new[0] = True
    np.not_equal(term_of[1:], term_of[:-1], out=term_new[1:])
    term_starts = np.flatnonzero(term_new)
    runs = np.diff(np.append(term_starts, len(term_of)))
    most = int(freq.max())
    freq_dtype = np.uint8 if most <= np.iinfo(np.uint8).max else np.uint16
    if most > MAX_TF:
        # One file repeating a word 65,536 times must not stop a start or a reload: the
        # count saturates. BM25's weight is flat long before (tf / (tf + norm) ~ 1), so
        # the score moves by less than one part in 10^4, and only for such a passage.
        logger.warning("a token occurs %d times in one passage: counted as %d", most, MAX_TF)
        np.minimum(freq, MAX_TF, out=freq)
    return (term_of[term_starts].astype(np.int32), runs, local.astype(np.uint16), freq.astype(freq_dtype))


def _max_weights(
    indptr: IntArray, postings: Int32Array, tf: TfArray,
    idf: FloatArray, norm: FloatArray, k1: float,
) -> FloatArray:
    """The largest weight of each term, computed in slices to bound the temporaries."""
    vocab_size = len(indptr) - 1
    out = np.zeros(vocab_size)
    step = 1 << 18  # postings a slice: 2 MB per temporary
    first = 0
    while first < vocab_size:
        # Whole terms, about ``step`` postings at a time (a longer single term alone).
        last = int(np.searchsorted(indptr, indptr[first] + step, side="right")) - 1
        last = min(max(last, first + 1), vocab_size)
        lo, hi = int(indptr[first]), int(indptr[last])
        freq = tf[lo:hi]
        terms = np.repeat(np.arange(first, last), np.diff(indptr[first : last + 1]))
        weights = idf[terms] * (freq * (k1 + 1) / (freq + norm[postings[lo:hi]]))
        out[first:last] = np.maximum.reduceat(weights, indptr[first:last] - lo)
        first = last
    return out


def concat_ranges(lo: IntArray, hi: IntArray) -> IntArray:
    """Concatenation of arange(lo[i], hi[i]) for every i, without a Python loop."""
    lengths = hi - lo
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    out: IntArray = np.arange(total, dtype=np.int64) + np.repeat(lo - (ends - lengths), lengths)
    return out


def bitmap_words(mask: BoolArray) -> UInt64Array:
    """A boolean mask over passages as bitmap words (passage p is bit p % 64 of word p // 64)."""
    padded = np.zeros(-(-len(mask) // 64) * 64, dtype=bool)
    padded[: len(mask)] = mask
    words: UInt64Array = np.packbits(padded, bitorder="little").view("<u8")
    return words
