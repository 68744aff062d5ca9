"""A document's passages held back until first asked for: a start reads none it does not serve.

At 10^6 passages, making every ``Passage`` object at start took most of a warm start
(unmarshalling their text, then a million objects); a question reads a few dozen. The
parse cache (bot.corpus.cache) therefore hands out each document's passages as a
``LazyPassages``: its length is known at once, and its passages are made, all of that
document's at once, when one of them is first read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import overload

from bot.corpus.models import Passage

logger = logging.getLogger(__name__)

# Guards every LazyPassages' (made, make, source) together; held for a few assignments only.
_STATE = threading.Lock()


class LazyPassages(Sequence[Passage]):
    """``count`` passages that ``make`` returns when first needed (then kept).

    ``source`` is whatever ``make`` reads them from, for its owner to recognise (the
    parse cache copies an unread document's stored bytes as they are). Safe to read
    from several threads: two first reads at once both make the same passages, and
    one of the results is kept; the parse cache may meanwhile ``relocate`` or
    ``release`` them (each state change under one lock, so a reader never finds neither
    the passages nor a way to make them).
    """

    __slots__ = ("_count", "_make", "_made", "source")

    def __init__(self, count: int, make: Callable[[], tuple[Passage, ...]], source: object = None) -> None:
        self._count = count
        self._make: Callable[[], tuple[Passage, ...]] | None = make
        self._made: tuple[Passage, ...] | None = None
        self.source = source

    @classmethod
    def holding(cls, passages: Sequence[Passage]) -> LazyPassages:
        """Passages already made (a file just parsed), which ``release`` can hand to their store."""
        made = tuple(passages)
        held = cls(len(made), lambda: made)
        held._made, held._make = made, None
        return held

    def release(self, make: Callable[[], tuple[Passage, ...]], source: object) -> None:
        """Forget the passages made: read with ``make`` from ``source`` when next asked for.

        The parse cache does this once it has written them: a start that parsed 10^6
        passages then holds none of them (a gigabyte), as a start from the cache does.
        A reader meanwhile gets either the passages it had or the ones read again, equal.
        """
        with _STATE:
            self._make, self.source, self._made = make, source, None

    def relocate(self, make: Callable[[], tuple[Passage, ...]], source: object) -> None:
        """Read the same passages from elsewhere from now on (a no-op once they are read)."""
        with _STATE:
            if self._made is None:
                self._make, self.source = make, source

    @property
    def made(self) -> bool:
        """Whether the passages were read already."""
        return self._made is not None

    def passages(self) -> tuple[Passage, ...]:
        """The passages, made on the first call (and kept)."""
        made = self._made
        if made is not None:
            return made
        made, make = self._read()
        if make is not None:
            with _STATE:
                # Kept unless released or relocated meanwhile: then the next read reads them again.
                if self._make is make:
                    self._made, self._make, self.source = made, None, None
        return made

    def peek(self) -> tuple[Passage, ...]:
        """The passages, made if need be but not kept: what an index build reads once.

        A build that kept every document's passages it tokenized held the corpus's text
        (a gigabyte at 10^6 passages) for the life of the process.
        """
        made = self._made
        return made if made is not None else self._read()[0]

    def _read(self) -> tuple[tuple[Passage, ...], Callable[[], tuple[Passage, ...]] | None]:
        """The passages, and the ``make`` that read them (None: they were made already).

        ``make`` runs outside the lock: reading one document's passages (a file read and
        its decoding) never holds up another's. Two first reads at once both read them.
        """
        with _STATE:
            made, make = self._made, self._make
        if made is not None:
            return made, None
        assert make is not None  # every change of state sets one of the two, under the lock
        made = make()
        if len(made) != self._count:
            raise ValueError(f"{len(made)} passages read where {self._count} were stored")
        return made, make

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Passage: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Passage]: ...

    def __getitem__(self, index: int | slice) -> Passage | Sequence[Passage]:
        return self.passages()[index]

    def __iter__(self) -> Iterator[Passage]:
        return iter(self.passages())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyPassages):
            return len(self) == len(other) and self.passages() == other.passages()
        if isinstance(other, tuple):
            return self.passages() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.passages())

    def __repr__(self) -> str:
        state = "read" if self.made else "not read yet"
        return f"LazyPassages({self._count} passages, {state})"
