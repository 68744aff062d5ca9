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
from bot.search import Layout, best_per_resolution

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
    # False when a quoted phrase was checked only in the best-ranked passages holding
    # its words (see bot.search.PHRASE_CHECKS): other resolutions may use it too.
    complete: bool = True

    @property
    def found(self) -> bool:
        return bool(self.entries)

    def as_json(self) -> dict[str, Any]:
        return {"topic": self.topic, "entries": [e.as_json() for e in self.entries], "complete": self.complete}


def build_timeline(
    query: Query,
    index: Bm25Index,
    passages: Sequence[Passage],
    documents: dict[str, Document],
    layout: Layout,
) -> Timeline:
    """The timeline of ``query`` over one snapshot's index; raises QueryError when too vague."""
    found = best_per_resolution(query, index, passages, layout)
    entries = []
    for pid, score in found.best:
        passage = passages[pid]
        # The date and reference belong to the resolution: any of its documents may know them.
        info = layout.resolutions[int(layout.resolution_of_doc[layout.doc_of[pid]])]
        entries.append(
            TimelineEntry(
                reference=info.reference,
                title=info.title,
                adopted=info.adopted,
                hit=Hit(1, float(score), passage, documents[passage.document]),
            )
        )
    entries.sort(key=lambda e: (e.adopted is None, e.adopted or dt.date.min, e.reference or ""))
    return Timeline(query.text, tuple(entries), query, found.complete)
