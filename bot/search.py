"""Ranking with understanding: a parsed Query applied to the BM25 index.

Filters (references, adoption dates, quoted phrases) become the ``allowed`` mask of
``Bm25Index.top``; a date named in passing puts the passages of resolutions adopted
then first; and a passage must share at least one informative word with the question,
so that "Parliament" or "Kazakhstan" alone never makes a match.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.index import Bm25Index
from bot.models import Document, Passage
from bot.query import Query, QueryError, contains_phrase, informative, is_common
from bot.tokens import tokenize, words

logger = logging.getLogger(__name__)

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class TooGeneral(QueryError):
    """Every word of the question is in nearly every passage: nothing to pick an answer by."""


def resolution_key(document: Document) -> str:
    """What makes documents "about the same resolution": reference, else title, else the file."""
    return document.meta.reference or document.meta.title or document.name


@dataclass(frozen=True, slots=True)
class Layout:
    """Which document and resolution each passage belongs to, as arrays for masks.

    Built once per snapshot so that a filter costs one vectorised lookup per query,
    not a loop over every passage.
    """

    documents: tuple[Document, ...]
    doc_of: IntArray
    resolution_of_doc: IntArray
    resolution_keys: tuple[str, ...]

    @classmethod
    def build(cls, passages: Sequence[Passage], documents: dict[str, Document]) -> Layout:
        docs = tuple(documents.values())
        position = {d.name: i for i, d in enumerate(docs)}
        doc_of = np.fromiter((position[p.document] for p in passages), dtype=np.int64, count=len(passages))
        keys = tuple(dict.fromkeys(resolution_key(d) for d in docs))
        key_index = {k: i for i, k in enumerate(keys)}
        resolution_of_doc = np.array([key_index[resolution_key(d)] for d in docs], dtype=np.int64)
        return cls(docs, doc_of, resolution_of_doc, keys)

    def passage_mask(self, document_ok: Sequence[bool]) -> BoolArray:
        return np.asarray(document_ok, dtype=np.bool_)[self.doc_of]


def _and(mask: BoolArray | None, other: BoolArray) -> BoolArray:
    return other if mask is None else mask & other


def _postings_mask(index: Bm25Index, tokens: Sequence[str]) -> BoolArray:
    mask = np.zeros(index.size, dtype=np.bool_)
    for token in tokens:
        mask[index.passages_with(token)] = True
    return mask


def _phrase_mask(phrase: str, index: Bm25Index, passages: Sequence[Passage]) -> BoolArray:
    """Passages holding ``phrase`` word for word; the index narrows the candidates first."""
    tokens = list(dict.fromkeys(tokenize(phrase)))
    if tokens:
        candidates: IntArray | None = None
        for token in tokens:
            ids = index.passages_with(token).astype(np.int64)
            candidates = ids if candidates is None else np.intersect1d(candidates, ids)
        ids_to_check: Sequence[int] = candidates.tolist() if candidates is not None else []
    else:  # a phrase of stop words only ("to be or not"): nothing to narrow by
        ids_to_check = range(len(passages))
    mask = np.zeros(index.size, dtype=np.bool_)
    for pid in ids_to_check:
        passage = passages[pid]
        if contains_phrase(passage.text, phrase) or (passage.lead and contains_phrase(passage.lead, phrase)):
            mask[pid] = True
    return mask


def _too_general(query: Query, index: Bm25Index) -> TooGeneral:
    common = [
        w for w in dict.fromkeys(words(query.terms)) if any(is_common(t, index) for t in tokenize(w))
    ]
    if not common:
        return TooGeneral(
            "That question does not name a topic. Add what you want to know about, for "
            "example: “political prisoners” or “freedom of expression in 2016”."
        )
    shown = ", ".join(f"“{w}”" for w in common[:4])
    return TooGeneral(
        f"{shown} {'is' if len(common) == 1 else 'are'} in nearly every passage, so "
        "that alone cannot pick an answer. Add what you want to know about, for example: "
        "“political prisoners” or “freedom of expression in 2016”."
    )


@dataclass(frozen=True, slots=True)
class Plan:
    """The masks a query amounts to: what may match, and what comes first."""

    tokens: list[str]
    allowed: BoolArray | None
    preferred: BoolArray | None
    browse: bool  # no informative word: list the filtered passages rather than require a match


def plan(query: Query, index: Bm25Index, passages: Sequence[Passage], layout: Layout) -> Plan:
    """Turn a query into masks over the index; TooGeneral when there is nothing to go on."""
    allowed: BoolArray | None = None
    if query.references or query.periods:
        allowed = layout.passage_mask(
            [query.matches_reference(d.meta.reference) and query.in_periods(d.meta.adopted) for d in layout.documents]
        )
    for phrase in query.phrases:
        allowed = _and(allowed, _phrase_mask(phrase, index, passages))
    preferred = (
        layout.passage_mask([query.in_preferred(d.meta.adopted) for d in layout.documents])
        if query.preferred
        else None
    )
    topic = query.topic_tokens
    needed = informative(topic, index)
    if needed:
        return Plan(query.search_tokens, _and(allowed, _postings_mask(index, needed)), preferred, False)
    if query.has_filter:
        return Plan(query.search_tokens, allowed, preferred, True)
    if preferred is not None:
        # Only a date and common words: "what did Parliament say in 2016?" lists 2016.
        return Plan(query.search_tokens, preferred, None, True)
    raise _too_general(query, index)


def rank(
    query: Query, index: Bm25Index, passages: Sequence[Passage], layout: Layout, k: int
) -> tuple[list[int], list[float], int]:
    """The ``k`` best passage ids for ``query`` with their scores, and how many match in all."""
    p = plan(query, index, passages, layout)
    if p.browse:
        return _browse(p, index, k)
    if p.preferred is None:
        ids, scores, total = index.top(p.tokens, k, p.allowed)
        return ids.tolist(), scores.tolist(), total
    first_ids, first_scores, first_total = index.top(p.tokens, k, _and(p.allowed, p.preferred))
    rest_ids, rest_scores, rest_total = index.top(p.tokens, k, _and(p.allowed, ~p.preferred))
    ids = (first_ids.tolist() + rest_ids.tolist())[:k]
    scores = (first_scores.tolist() + rest_scores.tolist())[:k]
    return ids, scores, first_total + rest_total


def _browse(p: Plan, index: Bm25Index, k: int) -> tuple[list[int], list[float], int]:
    """Every allowed passage, best scoring first, then in corpus order."""
    candidates = np.flatnonzero(p.allowed) if p.allowed is not None else np.arange(index.size)
    scores = index.scores(p.tokens)[candidates] if p.tokens else np.zeros(len(candidates))
    if p.preferred is not None:
        first = p.preferred[candidates]
        order = np.lexsort((candidates, -scores, ~first))[:k]
    else:
        order = np.lexsort((candidates, -scores))[:k]
    return candidates[order].tolist(), scores[order].tolist(), len(candidates)


def best_per_resolution(
    query: Query, index: Bm25Index, passages: Sequence[Passage], layout: Layout
) -> list[tuple[int, float]]:
    """For each resolution with a matching passage, its best one (own text preferred).

    A passage of the text adopted beats a summary's or a news report's when both
    match, because a timeline says what the Parliament itself said.
    """
    p = plan(query, index, passages, layout)
    if p.browse or not p.tokens:
        raise QueryError("Name a topic, for example: political prisoners.")
    matched, scores = index.matches(p.tokens)
    if p.allowed is not None and len(matched):
        keep = p.allowed[matched]
        matched, scores = matched[keep], scores[keep]
    if not len(matched):
        return []
    docs = layout.doc_of[matched]
    resolutions = layout.resolution_of_doc[docs]
    own = np.array([bool(d.meta.kind and d.meta.kind.is_resolution_text) for d in layout.documents])[docs]
    order = np.lexsort((matched, -scores, ~own, resolutions))
    first = np.ones(len(order), dtype=np.bool_)
    first[1:] = resolutions[order][1:] != resolutions[order][:-1]
    best = order[first]
    return list(zip(matched[best].tolist(), scores[best].tolist(), strict=True))
