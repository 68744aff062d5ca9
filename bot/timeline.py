"""What the Parliament said on a topic across its resolutions, oldest first.

One entry per resolution: its adoption date, reference and its best passage on the
topic (the resolution's own text preferred over a summary or a news report). A
resolution whose adoption date is unknown comes last: its place in time is not guessed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.index import Bm25Index
from bot.models import Document, Hit, Passage
from bot.query import Query
from bot.search import Layout, best_per_resolution, resolution_key

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One resolution on the timeline and its best passage on the topic."""

    reference: str | None
    title: str | None
    adopted: dt.date | None
    hit: Hit

    def as_json(self) -> dict[str, Any]:
        return {
            "adopted": self.adopted.isoformat() if self.adopted else None,
            "reference": self.reference,
            "title": self.title,
            "hit": self.hit.as_json(),
        }


@dataclass(frozen=True, slots=True)
class Timeline:
    """A topic's entries, oldest resolution first; empty when no resolution speaks of it."""

    topic: str
    entries: tuple[TimelineEntry, ...]
    understood: Query

    @property
    def found(self) -> bool:
        return bool(self.entries)

    def as_json(self) -> dict[str, Any]:
        return {"topic": self.topic, "entries": [e.as_json() for e in self.entries]}


def build_timeline(
    query: Query,
    index: Bm25Index,
    passages: Sequence[Passage],
    documents: dict[str, Document],
    layout: Layout,
) -> Timeline:
    """The timeline of ``query`` over one snapshot's index; raises QueryError when too vague."""
    best = best_per_resolution(query, index, passages, layout)
    # The date and reference belong to the resolution: any of its documents may know them.
    by_resolution: dict[str, list[Document]] = {}
    for doc in documents.values():
        by_resolution.setdefault(resolution_key(doc), []).append(doc)
    entries = []
    for pid, score in best:
        passage = passages[pid]
        document = documents[passage.document]
        siblings = by_resolution[resolution_key(document)]
        entries.append(
            TimelineEntry(
                reference=next((d.meta.reference for d in siblings if d.meta.reference), None),
                title=next((d.meta.title for d in siblings if d.meta.title), None),
                adopted=next((d.meta.adopted for d in siblings if d.meta.adopted), None),
                hit=Hit(1, float(score), passage, document),
            )
        )
    entries.sort(key=lambda e: (e.adopted is None, e.adopted or dt.date.min, e.reference or ""))
    return Timeline(query.text, tuple(entries), query)
