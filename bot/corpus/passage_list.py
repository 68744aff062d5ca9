"""The passages of several documents as one sequence, by global id, without making them all.

The index numbers passages across the whole corpus; ``PassageList`` finds passage ``i``
in its document (a binary search over the documents' first ids) and asks that document
for it, so a document's passages are only made (bot.corpus.lazy) when one is read.
"""

from __future__ import annotations

import bisect
import itertools
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

from bot.corpus.lazy import LazyPassages
from bot.corpus.models import Document, Passage

logger = logging.getLogger(__name__)


class PassageList(Sequence[Passage]):
    """Every passage of ``documents``, in their order: what ``tuple(chain(...))`` would hold."""

    __slots__ = ("_documents", "_starts", "_size", "_keep")

    def __init__(self, documents: Iterable[Document]) -> None:
        self._documents = tuple(documents)
        self._keep = True  # False in an ``unkept`` view
        counts = [len(d.passages) for d in self._documents]
        # The first global id of each document; documents without passages never hold one.
        self._starts = list(itertools.accumulate(counts, initial=0))[:-1]
        self._size = sum(counts)

    def unkept(self) -> PassageList:
        """The same passages, read without their documents keeping them (``LazyPassages.peek``),
        as an index build reads each once; it shares this list's offsets rather than
        counting every document's passages again."""
        view = PassageList.__new__(PassageList)
        view._documents, view._starts, view._size, view._keep = self._documents, self._starts, self._size, False
        return view

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> Passage: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Passage]: ...

    def __getitem__(self, index: int | slice) -> Passage | Sequence[Passage]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._size)
            if step != 1:
                return tuple(self[i] for i in range(start, stop, step))
            # A document at a time: a build reads slices of 50,000, and unkept each
            # look-up of a passage would make its document's passages again.
            found: list[Passage] = []
            d = bisect.bisect_right(self._starts, start) - 1 if start < stop else len(self._documents)
            while start < stop:
                first, passages = self._starts[d], self._of(d)
                end = min(stop, first + len(passages))
                found.extend(passages[start - first : end - first])
                start, d = max(start, end), d + 1
            return tuple(found)
        i = index.__index__()
        if i < 0:
            i += self._size
        if not 0 <= i < self._size:
            raise IndexError(f"passage {index} of {self._size}")
        d = bisect.bisect_right(self._starts, i) - 1
        return self._of(d)[i - self._starts[d]]

    def __iter__(self) -> Iterator[Passage]:
        return itertools.chain.from_iterable(self._of(d) for d in range(len(self._documents)))

    def _of(self, d: int) -> Sequence[Passage]:
        passages = self._documents[d].passages
        if not self._keep and isinstance(passages, LazyPassages):
            return passages.peek()
        return passages

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (PassageList, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # compared by content, like a list

    def __repr__(self) -> str:
        return f"PassageList({self._size} passages in {len(self._documents)} documents)"
