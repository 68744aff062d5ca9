"""Off-the-shelf rankings of the same passages, to compare the bot with on the eval set.

- ``rank_bm25_ranker``: rank-bm25's BM25Okapi over the bot's own tokens (its folding and
  stemming), the question's words as typed (no filters understood);
- ``bm25s_ranker``: bm25s with its English stop words and PyStemmer's English stemmer.

Both show a passage only when it shares a word with the question (score above zero),
which is all plain BM25 knows of "no answer". bm25s is a test/eval dependency, imported
only when asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from rank_bm25 import BM25Okapi

from bot.answers.evaluate import MRR_DEPTH, Ranked, Ranker
from bot.corpus.models import Passage
from bot.search.tokens import tokenize

logger = logging.getLogger(__name__)


def rank_bm25_ranker(passages: Sequence[Passage]) -> Ranker:
    """BM25Okapi (rank-bm25) over the bot's tokens of every passage."""
    model = BM25Okapi([tokenize(p.searchable) for p in passages])

    def rank(question: str) -> list[Ranked]:
        tokens = tokenize(question)
        if not tokens:
            return []
        scores = np.asarray(model.get_scores(tokens), dtype=np.float64)
        order = np.lexsort((np.arange(len(scores)), -scores))[:MRR_DEPTH]
        return [Ranked(passages[i].document, passages[i]) for i in order.tolist() if scores[i] > 0]

    return rank


def bm25s_ranker(passages: Sequence[Passage]) -> Ranker:
    """bm25s with English stop words and PyStemmer's English stemmer."""
    import bm25s  # type: ignore[import-untyped]
    import Stemmer

    # bm25s sets its own logger to DEBUG ("Building index from IDs objects"): quiet it.
    logging.getLogger("bm25s").setLevel(logging.WARNING)

    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    tokens = bm25s.tokenize([p.searchable for p in passages], stopwords="en", stemmer=stemmer, show_progress=False)
    retriever.index(tokens, show_progress=False)
    k = min(MRR_DEPTH, len(passages))

    def rank(question: str) -> list[Ranked]:
        query = bm25s.tokenize([question], stopwords="en", stemmer=stemmer, show_progress=False)
        if not any(len(ids) for ids in query.ids):
            return []
        try:
            ids, scores = retriever.retrieve(query, k=k, show_progress=False)
        except (ValueError, KeyError):  # no query word in the vocabulary
            return []
        found = zip(ids[0].tolist(), scores[0].tolist(), strict=True)
        return [Ranked(passages[i].document, passages[i]) for i, score in found if score > 0]

    return rank
