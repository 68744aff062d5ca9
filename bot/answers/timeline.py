"""What the Parliament said on a topic across its resolutions, oldest first.

One entry per resolution: its adoption date, reference and its best passage on the
topic (the resolution's own text preferred over a summary or a news report). A
resolution whose adoption date is unknown comes last: its place in time is not guessed.

A common topic may concern thousands of resolutions, and a Telegram page shows ten:
``build_timeline`` picks each resolution's best passage in vectorised steps, orders the
resolutions by a chronological rank kept per snapshot layout, and builds entries only
for the page asked for (``offset``, ``limit``), so a page costs little whatever the total.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.corpus.models import Document, Hit, Passage
from bot.search.budget import Budget
from bot.search.index import Bm25Index
from bot.search.per_resolution import best_per_resolution
from bot.search.query import Query
from bot.search.ranking import Context
from bot.search.resolutions import Layout

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
    """One page of a topic's entries, oldest resolution first.

    ``entries`` are those from ``offset`` on (all of them by default); ``total`` counts
    every resolution that speaks of the topic, so a page can say "11–20 of 3,412".
    """

    topic: str
    entries: tuple[TimelineEntry, ...]
    understood: Query
    # False when a quoted phrase was checked only in the best-ranked passages holding
    # its words (see bot.search.ranking.PHRASE_CHECKS): other resolutions may use it too.
    complete: bool = True
    total: int | None = None  # None: the entries are the whole timeline
    offset: int = 0
    # The notes an answer has (see bot.answers.service.notes): the topic's words that occur
    # nowhere in the corpus, its language when the corpus is in another, a search stopped early.
    unmatched_terms: tuple[str, ...] = ()
    language_note: str | None = None
    stopped_early: bool = False
    # What ``ask`` also says (bot.answers.service.notes); a timeline searches no stand-in, suggests no spelling.
    read_as: tuple[str, ...] = ()
    did_you_mean: tuple[tuple[str, str], ...] = ()

    @property
    def count(self) -> int:
        """How many resolutions speak of the topic, on this page or not."""
        return len(self.entries) if self.total is None else self.total

    @property
    def found(self) -> bool:
        return self.count > 0

    def as_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "searched": self.understood.as_json(),
            "unmatched_terms": list(self.unmatched_terms),
            "language_note": self.language_note,
            "stopped_early": self.stopped_early,
            "entries": [e.as_json() for e in self.entries],
            "complete": self.complete,
        }


# Chronological rank of every resolution, per layout (one per snapshot). A Layout holds
# arrays and cannot be hashed nor weakly referenced, so the entry is keyed by the id of
# its resolution_of_doc array and holds only a weak reference to that array: a reload's
# old snapshot is never kept alive by this cache. Two entries: the snapshot being
# served and the one a reload is swapping in.
_RANKS: dict[int, tuple[weakref.ref[npt.NDArray[np.int64]], npt.NDArray[np.int64]]] = {}
_RANKS_LOCK = threading.Lock()
_RANKS_KEPT = 2


def chronological_ranks(layout: Layout) -> npt.NDArray[np.int64]:
    """Each resolution's place on a timeline: by adoption date (unknown last), then
    reference, then corpus order. Computed once per layout, then reused by every page."""
    marker = layout.resolution_of_doc
    with _RANKS_LOCK:
        cached = _RANKS.get(id(marker))
        if cached is not None and cached[0]() is marker:
            return cached[1]
    infos = layout.resolutions
    order = sorted(
        range(len(infos)),
        key=lambda r: (infos[r].adopted is None, infos[r].adopted or dt.date.min, infos[r].reference or "", r),
    )
    ranks = np.empty(len(infos), dtype=np.int64)
    ranks[np.asarray(order, dtype=np.int64)] = np.arange(len(infos), dtype=np.int64)
    with _RANKS_LOCK:
        _RANKS[id(marker)] = (weakref.ref(marker), ranks)
        while len(_RANKS) > _RANKS_KEPT:
            del _RANKS[next(iter(_RANKS))]  # the oldest: dicts keep insertion order
    return ranks


def build_timeline(
    query: Query,
    index: Bm25Index,
    passages: Sequence[Passage],
    documents: dict[str, Document],
    layout: Layout,
    offset: int = 0,
    limit: int | None = None,
    budget: Budget | None = None,
    context: Context | None = None,
) -> Timeline:
    """The timeline of ``query`` over one snapshot's index: the entries from ``offset``
    on (at most ``limit``, all by default) and how many there are in all.

    ``budget`` and ``context`` are ``rank_passages``'s. Raises QueryError when the
    query is too vague.
    """
    if offset < 0 or (limit is not None and limit < 0):
        raise ValueError(f"offset and limit must not be negative, got {offset} and {limit}")
    found = best_per_resolution(query, index, passages, layout, budget, context)
    total = len(found.best)
    if not total:
        return Timeline(query.text, (), query, found.complete, 0, offset, found.unmatched)
    ids = np.fromiter((pid for pid, _ in found.best), dtype=np.int64, count=total)
    resolutions = layout.resolution_of_doc[layout.doc_of[ids]]
    # One vectorised sort of all the topic's resolutions; entries only for the page.
    order = np.argsort(chronological_ranks(layout)[resolutions], kind="stable")
    end = total if limit is None else min(total, offset + limit)
    entries = []
    for i in order[offset:end].tolist():
        pid, score = found.best[i]
        passage = passages[pid]
        # The date and reference belong to the resolution: any of its documents may know them.
        info = layout.resolutions[int(resolutions[i])]
        entries.append(
            TimelineEntry(
                reference=info.reference,
                title=info.title,
                adopted=info.adopted,
                hit=Hit(1, float(score), passage, documents[passage.document]),
            )
        )
    return Timeline(query.text, tuple(entries), query, found.complete, total, offset, found.unmatched)
