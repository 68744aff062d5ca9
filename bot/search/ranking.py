"""Ranking with understanding: a parsed Query applied to the BM25 index.

Filters (references, adoption dates, quoted phrases) become the ``allowed`` mask of
``Bm25Index.top``; a date named in passing puts the passages of resolutions adopted
then first; and a passage must share at least one informative word with the question,
so that "Parliament" or "Kazakhstan" alone never makes a match.

Every per-document fact a filter needs (adoption date, reference, whether the words are
the resolution's own) is an array in ``Layout``, built once per snapshot, so a filter
costs a few vector operations per query however many documents there are. A quoted
phrase is narrowed by the index first; when too many passages hold all its words, only
the best-ranked of them are checked word for word (at most ``PHRASE_CHECKS``), so no
question makes the bot read the whole corpus in Python. A phrase repeated is checked
once, each passage is folded once per question, and all of it stops when the
question's CPU budget (bot.search.budget) runs out: the answer is then marked
incomplete, or refused with OutOfTime when nothing was confirmed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.corpus.models import Document, Passage, canonical_text_id
from bot.search.budget import Budget
from bot.search.index import Bm25Index
from bot.search.query import (
    Period,
    Query,
    QueryError,
    contains_phrase,
    echo_value,
    informative,
    is_common,
    subject_words,
    unmatched_words,
)
from bot.search.tokens import tokenize, words

logger = logging.getLogger(__name__)

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# Adoption ordinal of a document whose date is unknown: below every date, so no period
# (not even one "before 1960", which starts at date.min) ever contains it.
UNKNOWN_DATE = -1
# Passages checked word for word for a quoted phrase per question. A check costs about
# 0.1 ms of Python (holding the GIL), so this bounds the worst case at a few tens of ms.
PHRASE_CHECKS = 256
# Candidates looked at per step when the timeline picks each resolution's best passage.
_TIMELINE_STEP = 256
# Informative words of the question a passage must share when the question has more than one.
MIN_SHARED = 2
# ... and only when some word of the question occurs nowhere in the corpus (measured on
# tests/eval/real_questions.yaml and questions.yaml: see tests/eval/README.md).
SHARED_ONLY_WITH_ABSENT = True
# Passages from which a word missing from the corpus is evidence that the question is off-topic.
ABSENCE_FROM = 100
# Weight of a passage's document title in its score (Context); measured on the eval set.
TITLE_WEIGHT = 1.0
# With titles, the text's best passages are re-scored down to this depth (the same
# figures on the eval set from 8 to 64).
CONTEXT_DEPTH = 16
# When a word that names the question's subject (a country, a person, an organisation)
# occurs nowhere in the corpus, answer with no passage rather than with passages about
# something else under a warning (measured on tests/eval/real_questions.yaml).
SUBJECT_MISS_ANSWERS_NONE = True


class OutOfTime(QueryError):
    """The question's CPU budget ran out before a single passage was confirmed."""


_OUT_OF_TIME = (
    "That question took too long to check, so I stopped before confirming a passage. "
    "Quote fewer or shorter phrases, or add a word that narrows it."
)


class TooGeneral(QueryError):
    """Every word of the question is in nearly every passage: nothing to pick an answer by."""


def resolution_key(document: Document) -> str:
    """What makes documents "about the same resolution": reference, else title, else the file."""
    return document.meta.reference or document.meta.title or document.name


def by_resolution(documents: Iterable[Document]) -> dict[str, list[Document]]:
    """Documents grouped by ``resolution_key``, groups and members in the order given."""
    groups: dict[str, list[Document]] = {}
    for document in documents:
        groups.setdefault(resolution_key(document), []).append(document)
    return groups


@dataclass(frozen=True, slots=True)
class ResolutionInfo:
    """What the documents of one resolution say about it; None where none of them knows."""

    reference: str | None
    title: str | None
    adopted: dt.date | None

    @classmethod
    def of(cls, documents: Iterable[Document]) -> ResolutionInfo:
        """The first known reference, title and date among ``documents``; never guessed."""
        metas = [d.meta for d in documents]
        return cls(
            reference=next((m.reference for m in metas if m.reference), None),
            title=next((m.title for m in metas if m.title), None),
            adopted=next((m.adopted for m in metas if m.adopted), None),
        )


def _reference_base(reference: str) -> str:
    # "2016/2607(RSP)" and "2016/2607" share "2016/2607": the candidates a filter checks.
    return reference.split("(", 1)[0]


@dataclass(frozen=True, slots=True)
class Layout:
    """Which document and resolution each passage belongs to, and per-document facts, as arrays.

    Built once per snapshot so that a filter costs one vectorised lookup per query,
    not a loop over every passage or document.
    """

    documents: tuple[Document, ...]
    doc_of: IntArray  # passage -> document
    resolution_of_doc: IntArray  # document -> resolution
    resolution_keys: tuple[str, ...]
    resolutions: tuple[ResolutionInfo, ...]  # per resolution
    resolution_documents: tuple[tuple[Document, ...], ...]  # per resolution, corpus order
    adopted: IntArray  # document -> adoption date ordinal, UNKNOWN_DATE when unknown
    reference_of_doc: IntArray  # document -> index in ``references``, -1 when unknown
    references: tuple[str, ...]
    references_by_base: dict[str, tuple[int, ...]]
    text_id_of_doc: tuple[str | None, ...]  # document -> its text number (canonical), None when unknown
    is_text: BoolArray  # document -> the resolution's own words (Document.is_resolution_text)

    @classmethod
    def build(cls, passages: Sequence[Passage], documents: dict[str, Document]) -> Layout:
        docs = tuple(documents.values())
        position = {d.name: i for i, d in enumerate(docs)}
        doc_of = np.fromiter((position[p.document] for p in passages), dtype=np.int64, count=len(passages))
        return cls._build(docs, doc_of)

    @classmethod
    def of_documents(cls, documents: dict[str, Document]) -> Layout:
        """``build`` for the passages of ``documents`` in their order, without a lookup per passage."""
        docs = tuple(documents.values())
        counts = np.fromiter((len(d.passages) for d in docs), dtype=np.int64, count=len(docs))
        return cls._build(docs, np.repeat(np.arange(len(docs), dtype=np.int64), counts))

    @classmethod
    def _build(cls, docs: tuple[Document, ...], doc_of: IntArray) -> Layout:
        groups = by_resolution(docs)
        keys = tuple(groups)
        key_index = {k: i for i, k in enumerate(keys)}
        resolution_of_doc = np.array([key_index[resolution_key(d)] for d in docs], dtype=np.int64)
        references = tuple(dict.fromkeys(d.meta.reference for d in docs if d.meta.reference))
        reference_index = {r: i for i, r in enumerate(references)}
        by_base: dict[str, list[int]] = {}
        for i, reference in enumerate(references):
            by_base.setdefault(_reference_base(reference), []).append(i)
        return cls(
            documents=docs,
            doc_of=doc_of,
            resolution_of_doc=resolution_of_doc,
            resolution_keys=keys,
            resolutions=tuple(ResolutionInfo.of(g) for g in groups.values()),
            resolution_documents=tuple(tuple(g) for g in groups.values()),
            adopted=np.array(
                [d.meta.adopted.toordinal() if d.meta.adopted else UNKNOWN_DATE for d in docs], dtype=np.int64
            ),
            reference_of_doc=np.array(
                [reference_index[d.meta.reference] if d.meta.reference else -1 for d in docs], dtype=np.int64
            ),
            references=references,
            references_by_base={b: tuple(ids) for b, ids in by_base.items()},
            text_id_of_doc=tuple(canonical_text_id(d.meta.text_id) if d.meta.text_id else None for d in docs),
            is_text=np.array([d.is_resolution_text for d in docs], dtype=np.bool_),
        )

    def passage_mask(self, document_ok: BoolArray) -> BoolArray:
        """A per-document mask spread over the passages."""
        mask: BoolArray = document_ok[self.doc_of]
        return mask

    def adopted_in(self, periods: Sequence[Period]) -> BoolArray:
        """Per document: adopted within one of ``periods`` (the vector form of ``Period.contains``).

        An unknown date is in no period: its ordinal, UNKNOWN_DATE, is below every start.
        """
        ok = np.zeros(len(self.documents), dtype=np.bool_)
        for period in periods:
            ok |= (self.adopted >= period.start.toordinal()) & (self.adopted <= period.end.toordinal())
        return ok

    def with_reference(self, query: Query) -> BoolArray:
        """Per document: its reference is one ``query`` asks for (``Query.matches_reference``).

        The rule itself is only applied to the references that share a filter's
        number, so its cost does not grow with the corpus.
        """
        accepted = np.zeros(len(self.references) + 1, dtype=np.bool_)  # last slot: unknown (-1)
        for wanted in query.references:
            for i in self.references_by_base.get(_reference_base(wanted), ()):
                accepted[i] = query.matches_reference(self.references[i])
        ok: BoolArray = accepted[self.reference_of_doc]
        if wanted_ids := set(query.text_ids):
            ok = ok | np.fromiter((t in wanted_ids for t in self.text_id_of_doc), dtype=np.bool_,
                                  count=len(self.documents))
        return ok


def _and(mask: BoolArray | None, other: BoolArray) -> BoolArray:
    return other if mask is None else mask & other


def _postings_mask(index: Bm25Index, tokens: Sequence[str]) -> BoolArray:
    mask = np.zeros(index.size, dtype=np.bool_)
    for token in tokens:
        mask[index.passages_with(token)] = True
    return mask


def _sharing(
    index: Bm25Index, needed: Sequence[str], layout: Layout | None = None, context: Context | None = None
) -> BoolArray:
    """The passages that share enough of the question's informative words to answer it.

    One shared word is enough when every informative word of the question occurs in
    the corpus. When some do not ("world cup", "situation in Venezuela", "housing crisis
    in Europe"), the question is likely about something the corpus does not hold, and
    one remaining generic word proves nothing: a passage must then share two of them.
    With ``context``, a word of the passage's document title counts as shared, but at
    least one must stand in the passage itself.
    """
    # In a corpus of a few dozen passages a missing everyday word ("judges") says nothing.
    absent = index.size >= ABSENCE_FROM and any(index.document_frequency(t) == 0 for t in needed)
    if len(needed) < 2 or MIN_SHARED < 2 or (SHARED_ONLY_WITH_ABSENT and not absent):
        return _postings_mask(index, needed)
    counts = np.zeros(index.size, dtype=np.int16)
    for token in needed:
        counts[index.passages_with(token)] += 1
    in_text: BoolArray = counts > 0
    if context is not None and layout is not None:
        # Title words count per document, spread over its passages in one step; a word in
        # both a passage and its title counts once.
        by_document = np.zeros(len(layout.documents), dtype=np.int16)
        for token in needed:
            titled = context.documents_with(token, len(layout.documents))
            if titled is None:
                continue
            by_document += titled
            held = index.passages_with(token)
            counts[held[titled[layout.doc_of[held]]]] -= 1
        if by_document.any():
            counts += by_document[layout.doc_of]
    mask: BoolArray = (counts >= MIN_SHARED) & in_text
    return mask


def _phrase_candidates(phrase: str, index: Bm25Index) -> IntArray:
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


class _Phrases:
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
class Context:
    """The documents' titles as a context field of every passage (BM25F-style).

    A paragraph of a resolution rarely repeats its country or its subject: "Which
    bloggers did Parliament want freed in Examplestan?" must find the Examplestan
    resolution's paragraph on bloggers although it never names Examplestan. The titles
    are a BM25 index of their own, one entry per document; a passage's score is its
    text's BM25 plus ``weight`` times its title's BM25 for the question's words the
    passage lacks (a word counts once, as in BM25F), and a title word counts as a word
    the passage shares with the question. Plain passage scoring (``context=None``) stays
    rank-bm25's BM25Okapi.
    """

    titles: Bm25Index  # one entry per document, in Layout order
    weight: float = 0.0  # set by build (TITLE_WEIGHT)

    @classmethod
    def build(cls, layout: Layout, weight: float | None = None) -> Context:
        tokens = [tokenize(d.meta.title or "") for d in layout.documents]
        return cls(Bm25Index.build(tokens), TITLE_WEIGHT if weight is None else weight)

    def documents_with(self, token: str, size: int) -> BoolArray | None:
        """Per document: its title holds ``token`` (None when no title does)."""
        ids = self.titles.passages_with(token)
        if not len(ids):
            return None
        mask = np.zeros(size, dtype=np.bool_)
        mask[ids] = True
        return mask


@dataclass(frozen=True, slots=True)
class Plan:
    """The masks a query amounts to: what may match, and what comes first."""

    tokens: list[str]
    allowed: BoolArray | None
    preferred: BoolArray | None
    browse: bool  # no informative word: list the filtered passages rather than require a match
    # Phrases ``allowed`` only narrows to the passages holding their words: too many to
    # check all, so a passage is checked word for word when it ranks (see PHRASE_CHECKS).
    unchecked: tuple[str, ...] = ()
    # The question's words that occur nowhere in the corpus, as the user wrote them.
    unmatched: tuple[str, ...] = ()
    # The topic's tokens (not a date's): only these make the title context look deeper.
    topic: tuple[str, ...] = ()


def plan(
    query: Query, index: Bm25Index, passages: Sequence[Passage], layout: Layout, budget: Budget | None = None,
    reader: _Phrases | None = None, context: Context | None = None,
) -> Plan:
    """Turn a query into masks over the index; TooGeneral when there is nothing to go on.

    A phrase whose candidates the ``budget`` left no time to check is left unchecked:
    its passages are then checked as they rank (by ``reader``, which keeps what this
    plan already read), as long as time remains. ``context`` (the documents' titles)
    keeps a word that stands in a title from counting as absent from the corpus.
    """
    phrases = reader or _Phrases(passages, budget or Budget())
    allowed: BoolArray | None = None
    if query.references or query.periods:
        document_ok = np.ones(len(layout.documents), dtype=np.bool_)
        if query.references:
            document_ok &= layout.with_reference(query)
        if query.periods:
            document_ok &= layout.adopted_in(query.periods)
        allowed = layout.passage_mask(document_ok)
    unchecked: list[str] = []
    for phrase in dict.fromkeys(query.phrases):  # a phrase quoted 400 times is one phrase
        candidates = _phrase_candidates(phrase, index)
        if allowed is not None:
            candidates = candidates[allowed[candidates]]
        mask = np.zeros(index.size, dtype=np.bool_)
        few = len(candidates) <= PHRASE_CHECKS
        verdicts = [phrases.holds(i, (phrase,)) for i in candidates.tolist()] if few else [None]
        if None in verdicts:  # too many to check here, or out of time: checked as they rank
            mask[candidates] = True
            unchecked.append(phrase)
        else:
            mask[candidates[np.array(verdicts, dtype=np.bool_)]] = True
        allowed = _and(allowed, mask)
    preferred = layout.passage_mask(layout.adopted_in(query.preferred)) if query.preferred else None
    topic = query.topic_tokens
    needed = informative(topic, index)
    missing = unmatched_words(query, index, context.titles if context is not None else None)
    if needed:
        if missing and SUBJECT_MISS_ANSWERS_NONE and subject_words(query.text, missing):
            # "political prisoners Uzbekistan": passages on Kazakhstan would answer another question.
            return Plan(query.search_tokens, np.zeros(index.size, dtype=np.bool_), None, False, (), missing)
        matching = _and(allowed, _sharing(index, needed, layout, context))
        return Plan(query.search_tokens, matching, preferred, False, tuple(unchecked), missing, tuple(topic))
    if query.has_filter:
        return Plan(query.search_tokens, allowed, preferred, True, tuple(unchecked), missing)
    if preferred is not None:
        # Only a date and common words: "what did Parliament say in 2016?" lists 2016.
        return Plan(query.search_tokens, preferred, None, True)
    raise _too_general(query, index)


@dataclass(frozen=True, slots=True)
class Ranking:
    """The best passages for a query, and how many match.

    ``complete`` is False when a quoted phrase was checked only in the best-ranked
    passages holding its words: ``total`` then counts the matches found among them,
    and more passages may match.
    """

    ids: list[int]
    scores: list[float]
    total: int
    complete: bool = True
    unmatched: tuple[str, ...] = ()  # the question's words that occur nowhere in the corpus


class _PhraseChecker:
    """Checks passages for the unchecked phrases, each passage once, counting the checks.

    Once the question's budget is spent a passage is not checked, and not shown: a
    passage is never listed as holding a phrase that was not read in it.
    """

    def __init__(self, phrases: Sequence[str], passages: Sequence[Passage], reader: _Phrases | None = None) -> None:
        self.phrases = tuple(phrases)
        self.passages = passages
        self._reader = reader or _Phrases(passages, Budget())
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


def rank_passages(
    query: Query,
    index: Bm25Index,
    passages: Sequence[Passage],
    layout: Layout,
    k: int,
    budget: Budget | None = None,
    context: Context | None = None,
) -> Ranking:
    """The ``k`` best passages for ``query``, with their scores and how many match.

    ``budget`` (by default a fresh one) bounds the CPU time of the phrase checks; when
    it runs out the ranking is marked incomplete. ``context`` adds the documents'
    titles as a field of their own (see _with_context).
    """
    budget = budget or Budget()
    reader = _Phrases(passages, budget)
    p = plan(query, index, passages, layout, budget, reader, context)
    if not p.unchecked:
        if context is None or context.weight <= 0 or p.browse:
            ids, scores, total = _ranked(p, index, k)
        else:
            ids, scores, total = _with_context(p, index, k, layout, context)
        return Ranking(ids, scores, total, True, p.unmatched)
    check = _PhraseChecker(p.unchecked, passages, reader)
    # Rank among the candidates, check the best, and look deeper only while too few
    # hold the phrase: top n is a prefix of top 4n, so no passage is checked twice.
    n = max(k, 1)
    while True:
        ids, scores, total = _ranked(p, index, n)
        kept = [(pid, score) for pid, score in zip(ids, scores, strict=True) if check(pid)]
        exhausted = len(ids) >= total
        if len(kept) >= k or exhausted or n >= max(k, PHRASE_CHECKS) or budget.exhausted:
            break
        n = min(4 * n, max(k, PHRASE_CHECKS))
    logger.debug("phrase checked in %d of %d candidate passages", check.checked, total)
    if budget.exhausted and not kept:
        raise OutOfTime(_OUT_OF_TIME)  # "no passage matches" would not be known
    complete = exhausted and not budget.exhausted
    return Ranking([pid for pid, _ in kept[:k]], [s for _, s in kept[:k]], len(kept), complete, p.unmatched)


def _with_context(
    p: Plan, index: Bm25Index, k: int, layout: Layout, context: Context
) -> tuple[list[int], list[float], int]:
    """``_ranked``, re-scored with the title's words each passage lacks (preferred passages still first).

    The text's best CONTEXT_DEPTH passages are re-scored, and the best ``k`` kept.
    """
    titled = {t: context.titles.scores([t]) for t in dict.fromkeys(p.tokens) if context.titles.document_frequency(t)}
    if not titled:
        return _ranked(p, index, k)
    # Only a topic word in a title is worth looking deeper for; a date's ("in 2016", in
    # every title of that year) re-orders the best passages but draws in no new ones.
    deeper = any(t in titled for t in p.topic)
    ids, scores, total = _ranked(p, index, max(k, CONTEXT_DEPTH) if deeper else k)
    if not ids:
        return ids, scores, total
    chosen = np.asarray(ids, dtype=np.int64)
    boosted = np.asarray(scores, dtype=np.float64)
    docs = layout.doc_of[chosen]
    # As in BM25F, a word counts once per passage: the title adds the question's words
    # the passage itself lacks (its country, its subject), not a second score for those
    # it already holds.
    for token, weights in titled.items():
        lacking = ~_holding(index.passages_with(token), chosen)
        boosted = boosted + context.weight * weights[docs] * lacking
    first = p.preferred[chosen] if p.preferred is not None else np.zeros(len(chosen), dtype=np.bool_)
    order = np.lexsort((chosen, -boosted, ~first))[:k]
    return chosen[order].tolist(), boosted[order].tolist(), total


def _holding(postings: npt.NDArray[np.integer[Any]], ids: IntArray) -> BoolArray:
    """Which of ``ids`` are in ``postings`` (ascending): a binary search each, not a scan of the postings."""
    if not len(postings):
        return np.zeros(len(ids), dtype=np.bool_)
    at = np.searchsorted(postings, ids)
    found: BoolArray = postings[np.minimum(at, len(postings) - 1)] == ids
    return found


def _ranked(p: Plan, index: Bm25Index, k: int) -> tuple[list[int], list[float], int]:
    """The ``k`` best passages the plan's masks allow (preferred ones first), and their count."""
    if p.browse:
        return _browse(p, index, k)
    if p.preferred is None:
        ids, scores, total = index.top(p.tokens, k, p.allowed)
        return ids.tolist(), scores.tolist(), total
    first_ids, first_scores, first_total = index.top(p.tokens, k, _and(p.allowed, p.preferred))
    # When the preferred passages fill the page, the others are only counted (k = 0).
    rest_ids, rest_scores, rest_total = index.top(p.tokens, k - len(first_ids), _and(p.allowed, ~p.preferred))
    ids = first_ids.tolist() + rest_ids.tolist()
    scores = first_scores.tolist() + rest_scores.tolist()
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
    reader = _Phrases(passages, budget)
    p = plan(query, index, passages, layout, budget, reader, context)
    if p.browse or not p.tokens:
        raise QueryError("Name a topic, for example: political prisoners.")
    matched, scores = index.matches(p.tokens)
    if p.allowed is not None and len(matched):
        keep = p.allowed[matched]
        matched, scores = matched[keep], scores[keep]
    if not len(matched):
        return ResolutionBest([], True, p.unmatched)
    docs = layout.doc_of[matched]
    resolutions = layout.resolution_of_doc[docs]
    own = layout.is_text[docs]
    if p.unchecked:
        order = np.lexsort((matched, -scores, ~own))
        check = _PhraseChecker(p.unchecked, passages, reader)
        chosen, complete = _first_holding(order, resolutions, check, matched)
        if budget.exhausted and not chosen:
            raise OutOfTime(_OUT_OF_TIME)
        chosen.sort(key=lambda i: (int(resolutions[i]), i))
        return ResolutionBest([(int(matched[i]), float(scores[i])) for i in chosen], complete, p.unmatched)
    order = np.lexsort((matched, -scores, ~own, resolutions))
    first = np.ones(len(order), dtype=np.bool_)
    first[1:] = resolutions[order][1:] != resolutions[order][:-1]
    best = order[first]
    return ResolutionBest(list(zip(matched[best].tolist(), scores[best].tolist(), strict=True)), True, p.unmatched)


def _first_holding(
    order: IntArray, resolutions: IntArray, check: _PhraseChecker, matched: IntArray
) -> tuple[list[int], bool]:
    """Walk ``order`` (best first over all resolutions) and keep each resolution's first passage that passes.

    The walk restricted to one resolution is that resolution's own order, so the first
    passing passage met is its best. It stops after PHRASE_CHECKS checks (then False).
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
            if check.checked >= PHRASE_CHECKS or check.budget.exhausted:
                return chosen, False
            if check(int(matched[i])):
                claimed[resolution] = True
                chosen.append(i)
    return chosen, True
