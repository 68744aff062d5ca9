"""Indexes merged without re-tokenizing: segments' postings joined, removed passages dropped.

A corpus that gains a file keeps the saved index of everything else as its first
segment and tokenizes only the new file's passages into a second one; a removed or
changed file's passages are masked out of the segment that holds them. ``merge_arrays``
joins the live postings of the segments, in order, into one index, as Lucene and
tantivy merge segments. BM25's statistics are global (each term's document frequency,
the number of passages and their average length), so they are never merged: they are
recomputed from the merged postings by ``finish_arrays``, the very code that ends a
fresh build. The merged index is therefore the fresh build of the live passages in the
same order, score for score and in its ties; only the numbering of its terms may
differ (a term first seen in a removed passage), which no score depends on (see
``bm25_idf``). The work is numpy over the postings, no tokenizing: at 100,000 passages
a fraction of a second where a rebuild takes about ten.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from bot.search.index_build import (
    DEFAULT_BLOCK,
    BoolArray,
    IndexArrays,
    IntArray,
    TfArray,
    concat_ranges,
    finish_arrays,
)

logger = logging.getLogger(__name__)

# Postings handled at a time (a slice of whole terms): 16 MB per int32 temporary.
_STEP = 1 << 22
# A segment and the mask of its passages to keep (None: all of them).
Segment = tuple[IndexArrays, BoolArray | None]
# Makes the merged postings' arrays (name, length, dtype): in memory by default; in a file
# (a memory map) when a caller would not hold the largest arrays of a large merge in memory.
Allocate = Callable[[str, int, np.dtype], np.ndarray]


def _in_memory(name: str, size: int, dtype: np.dtype) -> np.ndarray:
    return np.empty(size, dtype=dtype)


def merge_arrays(
    segments: Sequence[Segment],
    k1: float = 1.5,
    b: float = 0.75,
    epsilon: float = 0.25,
    *,
    block: int = DEFAULT_BLOCK,
    big_df: int | None = None,
    allocate: Allocate = _in_memory,
) -> IndexArrays:
    """One index over the kept passages of ``segments``, in order: segment 0's first.

    Equal in every score to ``build_arrays`` over the same passages' tokens. ``allocate``
    makes the postings and their frequencies (see ``Allocate``).
    """
    kept: list[tuple[IndexArrays, BoolArray, IntArray, IntArray]] = []
    ids_of: dict[str, int] = {}
    widest = 0
    for arrays, keep in segments:
        if keep is None:
            keep = np.ones(arrays.size, dtype=bool)
        elif keep.shape != (arrays.size,):
            raise ValueError(f"keep mask has shape {keep.shape}, its segment has {arrays.size} passages")
        if keep.all():
            # Nothing masked (a new segment, or an index that only grows): its postings
            # as they are, without a mask to gather.
            live_df = np.diff(arrays.indptr)
            if arrays.tf.dtype != np.uint8 and len(arrays.tf):
                widest = max(widest, int(arrays.tf.max()))
            kept.append((arrays, keep, _global_ids(arrays.words, live_df, ids_of), live_df))
            continue
        live_df = np.zeros(len(arrays.words), dtype=np.int64)
        for first, last, live in _live_slices(arrays, keep):
            assert live is not None
            ends = np.zeros(len(live) + 1, dtype=np.int64)
            np.cumsum(live, out=ends[1:])
            lo = arrays.indptr[first]
            live_df[first:last] = ends[arrays.indptr[first + 1 : last + 1] - lo] - ends[arrays.indptr[first:last] - lo]
            if arrays.tf.dtype != np.uint8 and live.any():
                widest = max(widest, int(arrays.tf[lo : arrays.indptr[last]][live].max()))
        kept.append((arrays, keep, _global_ids(arrays.words, live_df, ids_of), live_df))
    words = list(ids_of)
    df = np.zeros(len(words), dtype=np.int64)
    for _, _, gid, live_df in kept:
        seen = live_df > 0
        df[gid[seen]] += live_df[seen]
    indptr = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    total = int(indptr[-1])
    # The fresh build's choice: uint16 only when a count needs it.
    postings = allocate("postings", total, np.dtype(np.int32))
    tf: TfArray = allocate("tf", total, np.dtype(np.uint16) if widest > 255 else np.dtype(np.uint8))
    cursor = indptr[:-1].copy()
    offset = 0
    lengths: list[IntArray] = []
    for arrays, keep, gid, live_df in kept:
        whole = bool(keep.all())
        renumber = None if whole else (np.cumsum(keep, dtype=np.int64) - 1 + offset).astype(np.int32)
        for first, last, live in _live_slices(arrays, None if whole else keep):
            # A slice of the segment's live postings, by its term ids then passage: each
            # term's run goes after the runs earlier segments wrote for the same term.
            lo, hi = arrays.indptr[first], arrays.indptr[last]
            terms = first + np.flatnonzero(live_df[first:last])
            targets = gid[terms]
            where = concat_ranges(cursor[targets], cursor[targets] + live_df[terms])
            if live is None or renumber is None:
                postings[where] = arrays.postings[lo:hi] + np.int32(offset)
                tf[where] = arrays.tf[lo:hi]
            else:
                postings[where] = renumber[arrays.postings[lo:hi][live]]
                tf[where] = arrays.tf[lo:hi][live]
            cursor[targets] += live_df[terms]
        lengths.append(np.asarray(arrays.lengths, dtype=np.int64)[keep])
        offset += int(np.count_nonzero(keep))
    all_lengths = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
    return finish_arrays(words, df, indptr, postings, tf, all_lengths, k1, b, epsilon, block=block, big_df=big_df)


def _global_ids(words: list[str], live_df: IntArray, ids_of: dict[str, int]) -> IntArray:
    """Each of a segment's terms with a live posting numbered in ``ids_of`` (new ones added
    last), -1 for the others: in order of first appearance across the segments, the order a
    fresh build of the same passages gives them when nothing was removed."""
    present = np.flatnonzero(live_df).tolist()
    gid = np.full(len(words), -1, dtype=np.int64)
    gid[present] = [ids_of.setdefault(w, len(ids_of)) for w in (words[t] for t in present)]
    return gid


def _live_slices(arrays: IndexArrays, keep: BoolArray | None) -> Iterator[tuple[int, int, BoolArray | None]]:
    """(first term, end term, which of their postings are kept, None for all), about
    ``_STEP`` postings a slice: the temporaries of a merge stay small whatever the index's size."""
    indptr = arrays.indptr
    vocab = len(indptr) - 1
    first = 0
    while first < vocab:
        last = int(np.searchsorted(indptr, indptr[first] + _STEP, side="right")) - 1
        last = min(max(last, first + 1), vocab)  # whole terms; a longer one alone
        yield first, last, None if keep is None else keep[arrays.postings[indptr[first] : indptr[last]]]
        first = last
