"""BM25 over passages: rank-bm25's BM25Okapi scores, computed from flat postings.

rank-bm25 stays the definition of the score (k1, b, epsilon and its IDF floor; its own
``_calc_idf`` runs here). What changes is the layout: instead of one dict per passage,
each term owns a slice of two flat arrays (passage ids, term weights), so a query only
touches the passages that contain its terms.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25Okapi

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class _RankBm25Idf(BM25Okapi):  # type: ignore[misc]
    """BM25Okapi's IDF computation without its per-document dicts."""

    def __init__(self, corpus_size: int, doc_freqs: dict[str, int], k1: float, b: float, epsilon: float):
        # Deliberately not calling super().__init__: it would build a dict per passage.
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.corpus_size = corpus_size
        self.idf: dict[str, float] = {}
        self.average_idf = 0.0
        if doc_freqs:
            self._calc_idf(doc_freqs)


class Bm25Index:
    """Immutable BM25 index; safe to query from several threads at once."""

    def __init__(
        self,
        vocab: dict[str, int],
        indptr: IntArray,
        postings: npt.NDArray[np.int32],
        weights: FloatArray,
        size: int,
    ) -> None:
        self.vocab = vocab
        self.indptr = indptr
        self.postings = postings
        self.weights = weights
        self.size = size
        self._local = threading.local()

    @classmethod
    def build(
        cls,
        corpus: Sequence[Sequence[str]],
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
    ) -> Bm25Index:
        """Index tokenized passages, with BM25Okapi's parameters and defaults."""
        n = len(corpus)
        lengths = np.fromiter(map(len, corpus), dtype=np.int64, count=n)
        flat = list(chain.from_iterable(corpus))
        vocab = {w: i for i, w in enumerate(dict.fromkeys(flat))}
        if n == 0 or not vocab:
            empty = np.zeros(0, dtype=np.int32)
            return cls(vocab, np.zeros(len(vocab) + 1, dtype=np.int64), empty, np.zeros(0), n)
        terms = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
        docs = np.repeat(np.arange(n, dtype=np.int64), lengths)
        keys, tf = np.unique(terms * n + docs, return_counts=True)
        post_terms, post_docs = np.divmod(keys, n)
        df = np.bincount(post_terms, minlength=len(vocab))
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])

        idf_model = _RankBm25Idf(n, dict(zip(vocab, df.tolist(), strict=True)), k1, b, epsilon)
        idf = np.fromiter((idf_model.idf[w] for w in vocab), dtype=np.float64, count=len(vocab))
        avgdl = lengths.sum() / n
        norm = k1 * (1 - b + b * lengths / avgdl)
        # Same operation order as BM25Okapi.get_scores, so the floats agree closely.
        weights = idf[post_terms] * (tf * (k1 + 1) / (tf + norm[post_docs]))
        return cls(vocab, indptr, post_docs.astype(np.int32), weights, n)

    def term_ids(self, tokens: Sequence[str]) -> list[int]:
        """Ids of the known tokens, repeats kept (BM25Okapi counts a repeated term twice)."""
        return [self.vocab[t] for t in tokens if t in self.vocab]

    def document_frequency(self, token: str) -> int:
        tid = self.vocab.get(token)
        return 0 if tid is None else int(self.indptr[tid + 1] - self.indptr[tid])

    def passages_with(self, token: str) -> npt.NDArray[np.int32]:
        """Ids of the passages that contain ``token``, ascending."""
        tid = self.vocab.get(token)
        if tid is None:
            return np.zeros(0, dtype=np.int32)
        return self.postings[self.indptr[tid] : self.indptr[tid + 1]]

    def scores(self, tokens: Sequence[str]) -> FloatArray:
        """Scores of every passage; equal to ``BM25Okapi.get_scores`` (for tests and tools)."""
        out = np.zeros(self.size)
        for tid in self.term_ids(tokens):
            start, end = self.indptr[tid], self.indptr[tid + 1]
            out[self.postings[start:end]] += self.weights[start:end]
        return out

    def matches(self, tokens: Sequence[str]) -> tuple[IntArray, FloatArray]:
        """Every passage containing a query term, with its score, in passage order."""
        ids = self.term_ids(tokens)
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        buf = self._buffer()
        slices = []
        for tid in ids:
            start, end = self.indptr[tid], self.indptr[tid + 1]
            docs = self.postings[start:end]
            buf[docs] += self.weights[start:end]
            slices.append(docs)
        matched = np.unique(np.concatenate(slices)).astype(np.int64)
        scores = buf[matched].copy()
        buf[matched] = 0.0  # reset only what we touched: the buffer is reused
        return matched, scores

    def top(
        self, tokens: Sequence[str], k: int, allowed: npt.NDArray[np.bool_] | None = None
    ) -> tuple[IntArray, FloatArray, int]:
        """The ``k`` best matching passages (best first, ties in passage order) and the match count."""
        matched, scores = self.matches(tokens)
        if allowed is not None and len(matched):
            keep = allowed[matched]
            matched, scores = matched[keep], scores[keep]
        total = len(matched)
        if total > k:
            # Partial selection among matched passages only, never the whole corpus.
            # Ties at the cut are all kept so that the order below decides them.
            kth = -np.partition(-scores, k - 1)[k - 1]
            keep = scores >= kth
            matched, scores = matched[keep], scores[keep]
        order = np.lexsort((matched, -scores))[:k]
        return matched[order], scores[order], total

    def _buffer(self) -> FloatArray:
        buf: FloatArray | None = getattr(self._local, "buf", None)
        if buf is None:
            buf = np.zeros(self.size)
            self._local.buf = buf
        return buf
