"""Which document and resolution each passage belongs to, and the per-document facts filters read, as arrays.

A ``Layout`` is built once per snapshot, so that a filter on adoption dates,
references or text numbers costs a few vector operations per query however many
documents there are.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from bot.corpus.models import Document, Kind, Passage, canonical_text_id
from bot.search.query import Period, Query

_AUTHORITY = {Kind.text_adopted: 2, Kind.summary: 1, Kind.news_report: 0}
_IS_TEXT = {kind: kind.is_resolution_text for kind in Kind}

logger = logging.getLogger(__name__)

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

# Adoption ordinal of a document whose date is unknown: below every date, so no period
# (not even one "before 1960", which starts at date.min) ever contains it.
UNKNOWN_DATE = -1


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
        if len(metas) == 1:  # most resolutions: one document (10,000 at a start, without generators)
            (meta,) = metas
            return cls(meta.reference or None, meta.title or None, meta.adopted or None)
        return cls(
            reference=next((m.reference for m in metas if m.reference), None),
            title=next((m.title for m in metas if m.title), None),
            adopted=next((m.adopted for m in metas if m.adopted), None),
        )


def _reference_base(reference: str) -> str:
    # "2016/2607(RSP)" and "2016/2607" share "2016/2607": the candidates a filter checks.
    return reference.split("(", 1)[0]


def reference_groups(references: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """The positions in ``references`` of each base (``Layout.references_by_base``)."""
    by_base: dict[str, list[int]] = {}
    for i, reference in enumerate(references):
        by_base.setdefault(_reference_base(reference), []).append(i)
    return {base: tuple(ids) for base, ids in by_base.items()}


@dataclass(frozen=True, slots=True)
class Layout:
    """Which document and resolution each passage belongs to, and per-document facts, as arrays.

    Built once per snapshot so that a filter costs one vectorised lookup per query,
    not a loop over every passage or document.
    """

    documents: tuple[Document, ...]
    doc_of: IntArray  # passage -> document
    resolution_of_doc: IntArray  # document -> resolution (numbered by first appearance)
    resolution_keys: tuple[str, ...]
    adopted: IntArray  # document -> adoption date ordinal, UNKNOWN_DATE when unknown
    reference_of_doc: IntArray  # document -> index in ``references``, -1 when unknown
    references: tuple[str, ...]
    text_id_of_doc: tuple[str | None, ...]  # document -> its text number (canonical), None when unknown
    is_text: BoolArray  # document -> the resolution's own words (Document.is_resolution_text)
    # document -> 2 the text adopted, 1 a summary, 0 a news report or a kind unknown: which source
    # comes first when two answer about as well (bot.search.ranking.AUTHORITY_MARGIN).
    authority: IntArray
    # ``resolution_documents``, ``resolutions`` and ``references_by_base``, made when first
    # asked for (/sources, a timeline, a reference filter): most questions need none of
    # them, and a start from a saved layout (bot.search.layout_store) would otherwise read
    # every document's metadata for them. A list each, so the frozen layout can hold them;
    # two threads making one at once make equal values.
    _documents_of: list[tuple[tuple[Document, ...], ...]] = field(default_factory=list, compare=False, repr=False)
    _infos: list[tuple[ResolutionInfo, ...]] = field(default_factory=list, compare=False, repr=False)
    _by_base: list[dict[str, tuple[int, ...]]] = field(default_factory=list, compare=False, repr=False)

    @property
    def resolution_documents(self) -> tuple[tuple[Document, ...], ...]:
        """Per resolution, its documents in corpus order."""
        if not self._documents_of:
            groups: list[list[Document]] = [[] for _ in self.resolution_keys]
            for document, at in zip(self.documents, self.resolution_of_doc.tolist(), strict=True):
                groups[at].append(document)
            self._documents_of.append(tuple(map(tuple, groups)))
        return self._documents_of[0]

    @property
    def references_by_base(self) -> dict[str, tuple[int, ...]]:
        """The positions in ``references`` of each reference's base (made on the first reference filter)."""
        if not self._by_base:
            self._by_base.append(reference_groups(self.references))
        return self._by_base[0]

    @property
    def resolutions(self) -> tuple[ResolutionInfo, ...]:
        """Per resolution, what its documents say about it (``ResolutionInfo.of``)."""
        if not self._infos:
            self._infos.append(tuple(ResolutionInfo.of(group) for group in self.resolution_documents))
        return self._infos[0]

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
        # One pass over the documents, each one's metadata read once: a reload builds
        # this again, and at 20,000 documents every attribute read counts.
        groups: dict[str, list[Document]] = {}
        key_index: dict[str, int] = {}
        resolution_of_doc: list[int] = []
        reference_index: dict[str, int] = {}
        reference_of_doc: list[int] = []
        adopted: list[int] = []
        text_ids: list[str | None] = []
        authority: list[int] = []
        is_text: list[bool] = []
        for document in docs:
            meta = document.meta
            key = meta.reference or meta.title or document.name  # resolution_key
            position = key_index.get(key)
            if position is None:
                position = key_index[key] = len(key_index)
                groups[key] = [document]
            else:
                groups[key].append(document)
            resolution_of_doc.append(position)
            reference = meta.reference
            reference_of_doc.append(reference_index.setdefault(reference, len(reference_index)) if reference else -1)
            adopted.append(meta.adopted.toordinal() if meta.adopted else UNKNOWN_DATE)
            text_ids.append(canonical_text_id(meta.text_id) if meta.text_id else None)
            kind = meta.kind
            authority.append(_AUTHORITY.get(kind, 0) if kind else 0)
            is_text.append(_IS_TEXT[kind] if kind else False)  # Document.is_resolution_text, read once per kind
        references = tuple(reference_index)
        return cls(
            documents=docs,
            doc_of=doc_of,
            resolution_of_doc=np.array(resolution_of_doc, dtype=np.int64),
            resolution_keys=tuple(groups),
            adopted=np.array(adopted, dtype=np.int64),
            reference_of_doc=np.array(reference_of_doc, dtype=np.int64),
            references=references,
            text_id_of_doc=tuple(text_ids),
            is_text=np.array(is_text, dtype=np.bool_),
            authority=np.array(authority, dtype=np.int64),
            _documents_of=[tuple(tuple(g) for g in groups.values())],  # made already: kept
        )

    def extended(self, added: Sequence[Document]) -> Layout:
        """This layout with ``added`` after its documents: ``of_documents`` of them all, made
        without a pass over the documents it already holds.

        A reload after a few new files (their passages come last in the index, see
        bot.search.segments) would otherwise read the metadata of every document again:
        0.1-0.25 s at 10,000 documents, of a reload that should take under a second.
        """
        if not added:
            return self
        tail = Layout.of_documents({d.name: d for d in added})
        start = len(self.documents)
        keys = {key: i for i, key in enumerate(self.resolution_keys)}
        groups = list(self.resolution_documents)
        resolution_of_tail: list[int] = []
        grown: set[int] = set()
        for position, key in enumerate(tail.resolution_keys):
            at = keys.get(key)
            if at is None:
                at = keys[key] = len(groups)
                groups.append(tail.resolution_documents[position])
            else:
                groups[at] = groups[at] + tail.resolution_documents[position]
                grown.add(at)
            resolution_of_tail.append(at)
        infos: list[tuple[ResolutionInfo, ...]] = []
        if self._infos:  # made already (/sources was asked): only the grown and new ones again
            made = list(self._infos[0])
            made.extend(ResolutionInfo.of(group) for group in groups[len(made):])
            for at in grown:
                made[at] = ResolutionInfo.of(groups[at])
            infos.append(tuple(made))
        references = dict.fromkeys(self.references)
        references.update(dict.fromkeys(tail.references))
        reference_ids = {r: i for i, r in enumerate(references)}
        tail_reference_map = np.array([reference_ids[r] for r in tail.references] + [-1], dtype=np.int64)
        by_bases: list[dict[str, tuple[int, ...]]] = []
        if self._by_base:  # made already: the new references added to it
            by_base = dict(self._by_base[0])
            for reference in list(references)[len(self.references):]:
                base = _reference_base(reference)
                by_base[base] = (*by_base.get(base, ()), reference_ids[reference])
            by_bases.append(by_base)
        return Layout(
            documents=self.documents + tail.documents,
            doc_of=np.concatenate([self.doc_of, tail.doc_of + start]),
            resolution_of_doc=np.concatenate(
                [self.resolution_of_doc, np.array(resolution_of_tail, dtype=np.int64)[tail.resolution_of_doc]]
            ),
            resolution_keys=tuple(keys),
            adopted=np.concatenate([self.adopted, tail.adopted]),
            # -1 (unknown) indexes the map's last slot, which keeps it -1.
            reference_of_doc=np.concatenate([self.reference_of_doc, tail_reference_map[tail.reference_of_doc]]),
            references=tuple(references),
            text_id_of_doc=self.text_id_of_doc + tail.text_id_of_doc,
            is_text=np.concatenate([self.is_text, tail.is_text]),
            authority=np.concatenate([self.authority, tail.authority]),
            _documents_of=[tuple(groups)],
            _infos=infos,
            _by_base=by_bases,
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
