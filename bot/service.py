"""What the bot can do, without Telegram: ask, sources, reload.

The service holds one immutable snapshot (corpus + index). Answers read whichever
snapshot is current when they start; a reload builds a new one aside and swaps the
reference in one assignment, so no answer ever sees a half-built index.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.corpus import Corpus, load_corpus
from bot.index import Bm25Index
from bot.models import Document, Hit, Passage, Problem
from bot.tokens import tokenize

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 4096
DEFAULT_TOP = 3


class BadQuestion(ValueError):
    """A question the bot cannot search for; the message is meant for the user."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One consistent state of the corpus and its index."""

    corpus: Corpus
    index: Bm25Index
    passages: tuple[Passage, ...]
    documents: dict[str, Document]
    built_at: float

    @classmethod
    def build(cls, corpus: Corpus) -> Snapshot:
        passages = tuple(p for d in corpus.documents for p in d.passages)
        index = Bm25Index.build([tokenize(p.searchable) for p in passages])
        return cls(corpus, index, passages, {d.name: d for d in corpus.documents}, time.time())


@dataclass(frozen=True, slots=True)
class Answer:
    """The passages that answer a question, best first, or none."""

    query: str
    hits: tuple[Hit, ...]
    total: int
    offset: int = 0

    @property
    def found(self) -> bool:
        return bool(self.hits)

    def as_json(self) -> dict[str, object]:
        return {"query": self.query, "hits": [h.as_json() for h in self.hits]}


@dataclass(frozen=True, slots=True)
class Resolution:
    """A resolution as the corpus knows it, with the documents about it."""

    reference: str | None
    title: str | None
    adopted: dt.date | None
    documents: tuple[Document, ...] = field(default=())


class Service:
    """The bot's logic; every public method is synchronous and thread-safe."""

    def __init__(self, corpus_dir: Path) -> None:
        self.corpus_dir = corpus_dir
        self._snapshot = Snapshot.build(load_corpus(corpus_dir))
        self._reload_lock = threading.Lock()
        for problem in self._snapshot.corpus.problems:
            logger.warning("corpus: %s", problem)
        logger.info(
            "serving %d documents, %d passages from %s",
            len(self._snapshot.corpus.documents),
            len(self._snapshot.passages),
            corpus_dir,
        )

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def ask(self, question: str, top: int = DEFAULT_TOP, offset: int = 0) -> Answer:
        """The best ``top`` passages for ``question`` after skipping ``offset`` of them."""
        tokens = validate_question(question)
        snap = self._snapshot
        ids, scores, total = snap.index.top(tokens, offset + top)
        hits = tuple(
            Hit(rank, float(score), snap.passages[pid], snap.documents[snap.passages[pid].document])
            for rank, (pid, score) in enumerate(zip(ids.tolist(), scores.tolist(), strict=True), start=1)
            if rank > offset
        )
        return Answer(question.strip(), hits, total, offset)

    def sources(self) -> list[Resolution]:
        """Every resolution in the corpus, oldest first, with the documents behind it."""
        groups: dict[str, list[Document]] = {}
        for doc in self._snapshot.corpus.documents:
            key = doc.meta.reference or doc.meta.title or doc.name
            groups.setdefault(key, []).append(doc)
        resolutions = []
        for docs in groups.values():
            meta = [d.meta for d in docs]
            resolutions.append(
                Resolution(
                    reference=next((m.reference for m in meta if m.reference), None),
                    title=next((m.title for m in meta if m.title), None),
                    adopted=next((m.adopted for m in meta if m.adopted), None),
                    documents=tuple(docs),
                )
            )
        return sorted(resolutions, key=lambda r: (r.adopted or dt.date.max, r.reference or ""))

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self._snapshot.corpus.problems


def validate_question(question: str) -> list[str]:
    """Search tokens of a question, or BadQuestion with a message for the user."""
    text = question.strip()
    if not text:
        raise BadQuestion("Please type a question: the message is empty.")
    if len(text) > MAX_QUESTION_CHARS:
        raise BadQuestion(
            f"That question is {len(text):,} characters long; "
            f"please keep it under {MAX_QUESTION_CHARS:,}."
        )
    tokens = tokenize(text)
    if not tokens:
        raise BadQuestion(
            "That question has only common words. Add the words that matter, "
            "for example: “political prisoners in Kazakhstan”."
        )
    return tokens

