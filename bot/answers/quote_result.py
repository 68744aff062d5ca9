"""A quote check's outcome: the verdict, each passage's spans and word diff, as JSON too"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from bot.corpus.models import Document, Hit, Passage

logger = logging.getLogger(__name__)

# "Most words in order": a journalist's slip of a word or two in a sentence stays near.
NEAR_THRESHOLD = 0.8
MAX_MATCHES = 10


class BadQuote(ValueError):
    """A quote the bot cannot check; the message is meant for the user."""


class Verdict(StrEnum):
    """How a quote stands in the corpus."""

    verbatim = "verbatim"
    near = "near"
    not_found = "not_found"


DiffKind = Literal["same", "add", "drop", "change", "cut"]


@dataclass(frozen=True, slots=True)
class DiffOp:
    """One step of a word diff, from the quote's point of view.

    ``same``: words as in the passage; ``add``: words the quote adds; ``drop``: passage
    words the quote leaves out; ``cut``: passage words left out where the quote marks a
    cut ("…"); ``change``: passage words the quote replaces. ``quote`` is the quote's
    wording as typed, ``passage`` the passage's as written; ``span`` locates the passage
    words in ``Passage.text`` (None for ``add`` and for words of the lead-in sentence).
    """

    kind: DiffKind
    quote: str
    passage: str
    span: tuple[int, int] | None

    def as_json(self) -> dict[str, Any]:
        return {
            "op": self.kind,
            "quote": self.quote,
            "passage": self.passage,
            "span": list(self.span) if self.span else None,
        }


@dataclass(frozen=True, slots=True)
class QuoteMatch:
    """One passage where the quote stands (or the closest one, for a near miss or none).

    ``span`` is [start, end) in ``passage.text`` from the first matched word to the
    last; ``segments`` are the spans of each part of a quote with cuts (one part
    otherwise), or for the closest passage of a quote not found, the spans of the words
    it shares with the quote; ``lead_span`` is the part matched in ``passage.lead``, if any.
    """

    passage: Passage
    document: Document
    span: tuple[int, int]
    segments: tuple[tuple[int, int], ...]
    lead_span: tuple[int, int] | None
    similarity: float
    diff: tuple[DiffOp, ...] = ()

    @property
    def matched_text(self) -> str:
        return self.passage.text[self.span[0] : self.span[1]]

    def as_json(self) -> dict[str, Any]:
        # The citation keys are ask's, from Hit.as_json; rank and score belong to ask.
        data = Hit(0, 0.0, self.passage, self.document).as_json()
        del data["rank"], data["score"]
        data.update(
            {
                "span": list(self.span),
                "segments": [list(s) for s in self.segments],
                "lead_span": list(self.lead_span) if self.lead_span else None,
                "similarity": round(self.similarity, 4),
                "diff": [op.as_json() for op in self.diff],
            }
        )
        return data


@dataclass(frozen=True, slots=True)
class QuoteResult:
    """The verdict on a quote and the passages behind it.

    For ``verbatim`` the matches are every passage (up to MAX_MATCHES) holding the
    words; for ``near`` the closest passages with their diffs; for ``not_found`` the
    single closest passage, which is not a match, or none when no word is shared.
    ``more`` says more passages may hold the words than are listed;
    ``resolution_text_unchecked`` that some passage of a resolution's own text was
    never verified (the check stopped at its bound), so the words may stand there too.
    """

    quote: str
    verdict: Verdict
    omissions: bool
    similarity: float
    matches: tuple[QuoteMatch, ...]
    more: bool = False
    resolution_text_unchecked: bool = False
    # The words run, in order, from the first match's unit into the second's (two
    # consecutive units of one document, such as a paragraph and its point (a)).
    across_units: bool = False
    html_stripped: bool = False  # HTML tags were taken out of the quote before the check
    pieces: int = 1  # a long quote is checked piece by piece; matches then hold each piece's best
    piece_verdicts: tuple[Verdict, ...] = ()  # each piece's verdict, in the quote's order

    @property
    def found(self) -> bool:
        return self.verdict is Verdict.verbatim

    @property
    def in_resolution_text(self) -> bool | None:
        """Whether the words stand in a resolution's own text; None when that is unknown.

        False is a proof: every candidate passage of a resolution's text was checked
        and none holds the words, so "only in a report or summary" may be said. None
        means the check stopped before it could tell: say nothing either way.
        """
        if any(m.document.is_resolution_text for m in self.matches):
            return True
        return None if self.resolution_text_unchecked else False

    def as_json(self) -> dict[str, Any]:
        return {
            "quote": self.quote,
            "verdict": self.verdict.value,
            "omissions": self.omissions,
            "similarity": round(self.similarity, 4),
            "matches": [m.as_json() for m in self.matches],
            "more": self.more,
            "in_resolution_text": self.in_resolution_text,
            "across_units": self.across_units,
            "html_stripped": self.html_stripped,
            "pieces": self.pieces,
            "piece_verdicts": [v.value for v in self.piece_verdicts],
        }
