"""Quoted phrases checked word for word: their candidate passages, and each passage read once within the budget.

The index narrows a phrase to the passages holding all its words; only those are read
(at most ``bot.search.ranking.PHRASE_CHECKS`` per question), each passage and phrase
folded once, and nothing more once the question's CPU budget (bot.search.budget) runs out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bot.corpus.models import Passage
from bot.search.budget import Budget
from bot.search.index import Bm25Index
from bot.search.query import QueryError, contains_phrase, echo_value
from bot.search.tokens import tokenize, words

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]


def phrase_candidates(phrase: str, index: Bm25Index) -> IntArray:
    """Passages holding every search token of ``phrase``, ascending; QueryError if it has none."""
    tokens = sorted(dict.fromkeys(tokenize(phrase)), key=index.document_frequency)
    if not tokens:
        # "of the" has nothing to narrow by: checking it would mean reading every passage.
        raise QueryError(
            f"The phrase “{echo_value(phrase)}” has only common words such as “of” or “the”, so it "
            "cannot be searched for. Put a word that matters in the quotation marks, for "
            "example: “freedom of association”."
        )
    candidates = index.passages_with(tokens[0]).astype(np.int64)  # the rarest first: small intersections
    for token in tokens[1:]:
        if not len(candidates):
            break
        candidates = np.intersect1d(candidates, index.passages_with(token), assume_unique=True)
    return candidates


def holds_phrases(passage: Passage, phrases: Sequence[str]) -> bool:
    """Whether every phrase stands word for word in the passage's text or its lead-in."""
    return all(
        contains_phrase(passage.text, phrase) or (passage.lead is not None and contains_phrase(passage.lead, phrase))
        for phrase in phrases
    )


class PhraseReader:
    """``holds_phrases`` for one question: each passage and phrase folded once, within a budget.

    Distinct phrases of one question read the same passages: their words are kept for
    the question, not folded again for every phrase.
    """

    def __init__(self, passages: Sequence[Passage], budget: Budget) -> None:
        self.passages = passages
        self.budget = budget
        self._texts: dict[int, tuple[list[str], list[str]]] = {}
        self._needles: dict[str, list[str]] = {}
        self._verdicts: dict[tuple[int, str], bool] = {}  # what is known stays known when time is up

    def holds(self, pid: int, phrases: Sequence[str]) -> bool | None:
        """Whether passage ``pid`` holds every phrase; None when that is unknown for want of time."""
        for phrase in phrases:
            verdict = self._verdicts.get((pid, phrase))
            if verdict is None:
                if self.budget.spent():
                    return None
                verdict = self._verdicts[pid, phrase] = self._read(pid, phrase)
            if not verdict:
                return False
        return True

    def _read(self, pid: int, phrase: str) -> bool:
        folded = self._texts.get(pid)
        if folded is None:
            passage = self.passages[pid]
            folded = self._texts[pid] = (words(passage.text), words(passage.lead) if passage.lead else [])
        needle = self._needles.get(phrase)
        if needle is None:
            needle = self._needles[phrase] = words(phrase)
        return _contains(folded[0], needle) or _contains(folded[1], needle)


def _contains(hay: list[str], needle: list[str]) -> bool:
    """``contains_phrase`` on words already folded."""
    n = len(needle)
    if not n:
        return False
    first = needle[0]
    return any(hay[i] == first and hay[i : i + n] == needle for i in range(len(hay) - n + 1))


class PhraseChecker:
    """Checks passages for the unchecked phrases, each passage once, counting the checks.

    Once the question's budget is spent a passage is not checked, and not shown: a
    passage is never listed as holding a phrase that was not read in it.
    """

    def __init__(self, phrases: Sequence[str], passages: Sequence[Passage], reader: PhraseReader | None = None) -> None:
        self.phrases = tuple(phrases)
        self.passages = passages
        self._reader = reader or PhraseReader(passages, Budget())
        self.budget = self._reader.budget
        self.verdicts: dict[int, bool] = {}

    @property
    def checked(self) -> int:
        return len(self.verdicts)

    def __call__(self, pid: int) -> bool:
        verdict = self.verdicts.get(pid)
        if verdict is None:
            holds = self._reader.holds(pid, self.phrases)
            if holds is None:
                return False  # out of time: unknown, so not listed (the answer says it is incomplete)
            verdict = self.verdicts[pid] = holds
        return verdict
