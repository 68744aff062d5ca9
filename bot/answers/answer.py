"""What an answer holds (the passages, what was searched, what the corpus lacks) and the notes said above it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from bot.corpus.models import NO_MATCH, Hit
from bot.search.query import Query

logger = logging.getLogger(__name__)

# Said when a question used its CPU budget: what is shown was checked, but not all was.
STOPPED_EARLY = (
    "This question asked for more checking than one question may take, so the search stopped "
    "early: more passages may match. Fewer quoted phrases make it quicker."
)


def nothing_mentions(terms: tuple[str, ...]) -> str:
    """The named miss shown above an answer: the question's words no document contains."""
    return "Nothing in the corpus mentions: " + ", ".join(terms)


class Noted(Protocol):
    """An answer or a timeline: what its notes are made of."""

    @property
    def stopped_early(self) -> bool: ...
    @property
    def language_note(self) -> str | None: ...
    @property
    def unmatched_terms(self) -> tuple[str, ...]: ...
    @property
    def read_as(self) -> tuple[str, ...]: ...
    @property
    def did_you_mean(self) -> tuple[tuple[str, str], ...]: ...


def notes(result: Noted) -> list[str]:
    """The notes said above an answer or a timeline, in the order said: that the search
    stopped early (the CPU budget), what was searched as something else ("Searched
    “Podgorica” as “Montenegro” …"), a "Did you mean", the question's language when the
    corpus does not hold it, else the words no document contains ("Nothing in the corpus
    mentions: …")."""
    said = [STOPPED_EARLY] if result.stopped_early else []
    if result.read_as:
        said.append("Searched " + "; ".join(result.read_as) + ".")
    if result.did_you_mean:
        said.append("Did you mean: " + ", ".join(f"“{right}” for “{wrong}”" for wrong, right in result.did_you_mean)
                    + "?")
    if result.language_note:
        said.append(result.language_note)
    elif result.unmatched_terms:
        said.append(nothing_mentions(result.unmatched_terms))
    return said


@dataclass(frozen=True, slots=True)
class Answer:
    """The passages that answer a question, best first, or none."""

    query: str
    hits: tuple[Hit, ...]
    total: int
    offset: int = 0
    understood: Query | None = None  # the filters read from the question, for the reply
    # False when a phrase had too many candidates to check them all: ``total`` is then
    # a lower bound ("at least"), and more pages may exist.
    total_complete: bool = True
    # The question's words that occur nowhere in the corpus: "Nothing in the corpus mentions: …"
    unmatched_terms: tuple[str, ...] = ()
    # Set when the question is in a language or script the corpus does not hold.
    language_note: str | None = None
    # The question used its CPU budget (bot.search.budget): the search stopped early, so
    # passages past those shown may match and ``total`` is a lower bound.
    stopped_early: bool = False
    # Absent names searched as words the corpus has: "“Podgorica” as “Montenegro” (the capital of Montenegro)".
    read_as: tuple[str, ...] = ()
    # (word as written, a corpus word it may misspell), for "Did you mean: release?"
    did_you_mean: tuple[tuple[str, str], ...] = ()
    # Why no passage is shown, when the service knows: "nothing adopted in 2016 mentions journalists".
    empty_reason: str | None = None

    @property
    def found(self) -> bool:
        return bool(self.hits)

    @property
    def no_match(self) -> str:
        """What a reply with no passage says, on the command line and in Telegram alike."""
        return f"No passage matches: {self.empty_reason}." if self.empty_reason else NO_MATCH

    def as_json(self) -> dict[str, object]:
        return {
            "query": self.query,
            "searched": self.understood.as_json() if self.understood is not None else None,
            "unmatched_terms": list(self.unmatched_terms),
            "language_note": self.language_note,
            "stopped_early": self.stopped_early,
            "read_as": list(self.read_as),
            "did_you_mean": [{"word": wrong, "corpus_word": right} for wrong, right in self.did_you_mean],
            "hits": [h.as_json() for h in self.hits],
        }
