"""Hits arranged for reading: one citation header per resolution, each wording once.

Ranked hits often come from the same resolution (a summary and a news report about it)
and sometimes repeat the same words (a news report quoting the text). ``group_hits``
puts the hits of one resolution under one header and shows wording that stands in
several documents once, listing every document it stands in. Renderers (the CLI, the
Telegram layer) only lay this data out; they decide nothing about it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.corpus.models import Document, Hit
from bot.search.resolutions import ResolutionInfo, resolution_key
from bot.search.tokens import words

logger = logging.getLogger(__name__)

# Shorter wording is too common to say that one document quotes another.
MIN_SHARED_WORDS = 8


@dataclass(frozen=True, slots=True)
class SharedWording:
    """One wording and every ranked hit it stands in, best hit first.

    ``text`` and ``lead`` are as written in the first hit's document; they stand word
    for word in every hit of ``hits`` (a longer passage may hold them inside more text).
    """

    text: str
    lead: str | None
    hits: tuple[Hit, ...]
    # The number shown: wordings are numbered in reading order (1., 2., 3. down the
    # answer, continuing from the page's first rank), never 1., 3., then 2.
    number: int = 0

    @property
    def rank(self) -> int:
        return self.hits[0].rank

    @property
    def score(self) -> float:
        return self.hits[0].score

    @property
    def documents(self) -> tuple[Document, ...]:
        return tuple(h.document for h in self.hits)

    @property
    def wording_note(self) -> str | None:
        """None when the resolution's own text carries these words, else the best hit's note."""
        if any(h.document.is_resolution_text for h in self.hits):
            return None
        return self.hits[0].document.wording_note


@dataclass(frozen=True, slots=True)
class HitGroup:
    """The hits from one resolution, under one citation header."""

    reference: str | None
    title: str | None
    adopted: dt.date | None
    wordings: tuple[SharedWording, ...]

    @property
    def rank(self) -> int:
        return self.wordings[0].rank

    @property
    def documents(self) -> tuple[Document, ...]:
        """Every document the group's hits come from, each once, in rank order."""
        return tuple({d.name: d for w in self.wordings for d in w.documents}.values())

    def header(self) -> list[str]:
        """Citation header lines in plain text; unknown fields say so."""
        reference = self.reference or "reference unknown"
        # The text number, as Document.citation shows it: only a text adopted has one.
        for text_id in dict.fromkeys(d.meta.text_id for d in self.documents if d.meta.text_id):
            reference += f" · {text_id}"
        adopted = f"adopted {self.adopted.isoformat()}" if self.adopted else "adoption date unknown"
        sources = "; ".join(
            dict.fromkeys(f"{d.kind_label}, {d.meta.source or 'source unknown'}" for d in self.documents)
        )
        return [self.title or "Title unknown", f"{reference} · {adopted} · {sources}"]


def _word_key(text: str) -> str:
    # Padded so that a containment test matches whole words only.
    return f" {' '.join(words(text))} "


def group_hits(hits: Sequence[Hit]) -> list[HitGroup]:
    """Group ranked hits by resolution (best group first); merge identical wording."""
    by_resolution: dict[str, list[Hit]] = {}
    for hit in sorted(hits, key=lambda h: h.rank):
        by_resolution.setdefault(resolution_key(hit.document), []).append(hit)
    groups = []
    number = min((h.rank for h in hits), default=1)
    for members in by_resolution.values():
        info = ResolutionInfo.of(h.document for h in members)
        wordings = []
        for wording in _merge_wordings(members):
            wordings.append(replace(wording, number=number))
            number += 1
        groups.append(HitGroup(info.reference, info.title, info.adopted, tuple(wordings)))
    return groups


def _merge_wordings(hits: list[Hit]) -> list[SharedWording]:
    """Hits whose wording is the same, or stands whole inside another's, become one."""
    merged: list[tuple[str, Hit, list[Hit]]] = []  # (word key of the shown text, shown hit, hits)
    for hit in hits:
        key = _word_key(hit.passage.text)
        for i, (shown_key, shown, members) in enumerate(merged):
            if any(m.document.name == hit.document.name for m in members):
                continue  # one document's passages are never merged with each other
            shorter = min(key, shown_key, key=len)
            longer = shown_key if shorter is key else key
            if shorter == longer or (len(shorter.split()) >= MIN_SHARED_WORDS and shorter in longer):
                # Show the shorter wording: it stands word for word in both documents.
                new_shown = hit if shorter is key and key != shown_key else shown
                merged[i] = (_word_key(new_shown.passage.text), new_shown, members + [hit])
                break
        else:
            merged.append((key, hit, [hit]))
    return [
        SharedWording(shown.passage.text, shown.passage.lead, tuple(sorted(members, key=lambda h: h.rank)))
        for _, shown, members in sorted(merged, key=lambda m: min(h.rank for h in m[2]))
    ]
