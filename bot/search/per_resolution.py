"""Each resolution's best passage for a topic, the timeline's entries: its own text first, phrases checked."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.corpus.models import Passage
from bot.search import ranking
from bot.search.budget import Budget
from bot.search.index import Bm25Index
from bot.search.phrases import PhraseChecker, PhraseReader
from bot.search.procedural import PROCEDURAL_FACTOR, procedural_kind
from bot.search.query import Query, QueryError
from bot.search.ranking import OUT_OF_TIME, Context, OutOfTime, plan, spread_out
from bot.search.resolutions import Layout

logger = logging.getLogger(__name__)

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# Candidates looked at per step when the timeline picks each resolution's best passage.
_TIMELINE_STEP = 256
# Passages of a document matching by its title alone looked at for the timeline's entry.
_TITLED_LOOK = 32


@dataclass(frozen=True, slots=True)
class ResolutionBest:
    """Each matching resolution's best passage, and whether every resolution was looked at."""

    best: list[tuple[int, float]]  # (passage id, score), in resolution order
    complete: bool = True  # False: a quoted phrase was not checked in every candidate passage
    unmatched: tuple[str, ...] = ()  # the topic's words that occur nowhere in the corpus


def best_per_resolution(
    query: Query, index: Bm25Index, passages: Sequence[Passage], layout: Layout, budget: Budget | None = None,
    context: Context | None = None,
) -> ResolutionBest:
    """For each resolution with a matching passage, its best one (own text preferred).

    A passage of the text adopted beats a summary's or a news report's when both
    match, because a timeline says what the Parliament itself said. ``budget`` bounds
    the phrase checks and ``context`` (the titles) counts as in ``rank_passages``, so a
    topic matches, and names the words the corpus lacks, as the same question would.
    """
    budget = budget or Budget()
    reader = PhraseReader(passages, budget)
    p = plan(query, index, passages, layout, budget, reader, context)
    if p.browse or not p.tokens:
        raise QueryError("Name a topic, for example: political prisoners.")
    if spread_out(p, index, layout, context, None):
        return ResolutionBest([], True, p.unmatched)
    matched, scores = index.matches(p.tokens)
    if p.allowed is not None and len(matched):
        keep = p.allowed[matched]
        matched, scores = matched[keep], scores[keep]
    title_only = np.zeros(len(matched), dtype=np.bool_)
    if p.titled is not None and context is not None and not p.unchecked:
        # A resolution that matches by its title alone is on the timeline too, by its
        # document's first passage; its passages that hold the words come first.
        extra, extra_scores = _first_titled(p.titled, p.tokens, index, layout, context, passages)
        matched = np.concatenate([matched, extra])
        scores = np.concatenate([scores, extra_scores])
        title_only = np.concatenate([title_only, np.ones(len(extra), dtype=np.bool_)])
    if not len(matched):
        return ResolutionBest([], True, p.unmatched)
    docs = layout.doc_of[matched]
    resolutions = layout.resolution_of_doc[docs]
    own = layout.is_text[docs]
    if p.unchecked:
        order = np.lexsort((matched, -scores, ~own))
        check = PhraseChecker(p.unchecked, passages, reader)
        chosen, complete = _first_holding(order, resolutions, check, matched)
        if budget.exhausted and not chosen:
            raise OutOfTime(OUT_OF_TIME)
        chosen.sort(key=lambda i: (int(resolutions[i]), i))
        return ResolutionBest([(int(matched[i]), float(scores[i])) for i in chosen], complete, p.unmatched)
    order = np.lexsort((matched, -scores, ~own, title_only, resolutions))
    first = np.ones(len(order), dtype=np.bool_)
    first[1:] = resolutions[order][1:] != resolutions[order][:-1]
    best = order[first]
    return ResolutionBest(list(zip(matched[best].tolist(), scores[best].tolist(), strict=True)), True, p.unmatched)


def _first_titled(
    titled: BoolArray, tokens: Sequence[str], index: Bm25Index, layout: Layout, context: Context,
    passages: Sequence[Passage],
) -> tuple[IntArray, FloatArray]:
    """The first of each document's ``titled`` passages that is not on the procedure alone
    (else its first), scored by its title alone."""
    ids = np.flatnonzero(titled)
    docs = layout.doc_of[ids]
    order = np.lexsort((ids, docs))
    ids, docs = ids[order], docs[order]
    # Each document's first few passages are read (a document may have thousands), and the
    # first that is not on the procedure alone stands for it; none is: its first.
    starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
    rank = np.arange(len(ids)) - np.repeat(starts, np.diff(np.r_[starts, len(ids)]))
    ids, docs = ids[rank < _TITLED_LOOK], docs[rank < _TITLED_LOOK]
    formal = np.fromiter(
        (procedural_kind(passages[i]) is not None for i in ids.tolist()), dtype=np.bool_, count=len(ids)
    ) if PROCEDURAL_FACTOR < 1 else np.zeros(len(ids), dtype=np.bool_)
    order = np.lexsort((ids, formal, docs))
    ids, docs = ids[order], docs[order]
    first = np.ones(len(ids), dtype=np.bool_)
    first[1:] = docs[1:] != docs[:-1]
    ids, docs = ids[first], docs[first]
    scores = np.zeros(len(ids))
    for token in dict.fromkeys(tokens):
        if context.titles.document_frequency(token):
            scores += context.weight * context.scores(token, index)[docs]
    return ids.astype(np.int64), scores


def _first_holding(
    order: IntArray, resolutions: IntArray, check: PhraseChecker, matched: IntArray
) -> tuple[list[int], bool]:
    """Walk ``order`` (best first over all resolutions) and keep each resolution's first passage that passes.

    The walk restricted to one resolution is that resolution's own order, so the first
    passing passage met is its best. It stops after ranking.PHRASE_CHECKS checks (then False).
    """
    claimed = np.zeros(int(resolutions.max()) + 1, dtype=np.bool_)
    chosen: list[int] = []
    for start in range(0, len(order), _TIMELINE_STEP):
        step = order[start : start + _TIMELINE_STEP]
        step = step[~claimed[resolutions[step]]]  # resolutions settled before this step
        for i in step.tolist():
            resolution = int(resolutions[i])
            if claimed[resolution]:
                continue
            if check.checked >= ranking.PHRASE_CHECKS or check.budget.exhausted:
                return chosen, False
            if check(int(matched[i])):
                claimed[resolution] = True
                chosen.append(i)
    return chosen, True
