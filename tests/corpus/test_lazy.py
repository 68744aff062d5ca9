"""A document's passages made when first read, and let go or moved meanwhile by the parse cache."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from bot.corpus.lazy import LazyPassages
from bot.corpus.models import Passage, Position

PASSAGES = tuple(Passage("d.md", Position(i + 1, None, i + 1), f"paragraph {i}") for i in range(3))


def _counted(reads: list[int]) -> Callable[[], tuple[Passage, ...]]:
    """A ``make`` that notes each read in ``reads``."""

    def make() -> tuple[Passage, ...]:
        reads.append(1)
        return tuple(PASSAGES)

    return make


def test_passages_are_made_once_and_kept() -> None:
    reads: list[int] = []
    lazy = LazyPassages(3, _counted(reads))
    assert not lazy.made and len(lazy) == 3 and reads == []
    assert list(lazy) == list(PASSAGES) and lazy[1] == PASSAGES[1]
    assert lazy.made and len(reads) == 1


def test_peek_reads_without_keeping_and_release_lets_go() -> None:
    reads: list[int] = []
    make = _counted(reads)
    lazy = LazyPassages(3, make)
    assert lazy.peek() == PASSAGES and lazy.peek() == PASSAGES
    assert not lazy.made and len(reads) == 2
    held = LazyPassages.holding(PASSAGES)
    assert held.made and held.peek() == PASSAGES
    held.release(make, "the shard")
    assert not held.made and held.source == "the shard"
    assert tuple(held) == PASSAGES and held.made


def test_a_release_while_other_threads_read_never_leaves_them_without_passages() -> None:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: the window is a few bytecodes
    lazy = LazyPassages.holding(PASSAGES)
    failures: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        try:
            while not done.is_set():
                assert lazy.passages() == PASSAGES
                assert lazy.peek() == PASSAGES
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    try:
        for reader in readers:
            reader.start()
        for _ in range(20_000):
            lazy.release(lambda: tuple(PASSAGES), None)
            lazy.relocate(lambda: tuple(PASSAGES), None)
    finally:
        done.set()
        for reader in readers:
            reader.join()
        sys.setswitchinterval(before)
    assert failures == []
    assert lazy.passages() == PASSAGES


def test_a_release_during_a_read_is_honoured() -> None:
    lazy = LazyPassages(3, lambda: tuple(PASSAGES))
    moved: list[str] = []

    def first_read() -> tuple[Passage, ...]:
        lazy.release(lambda: (moved.append("read from the new shard"), tuple(PASSAGES))[1], "new shard")
        return tuple(PASSAGES)

    lazy._make = first_read  # the parse cache writes the shard while this read runs
    assert lazy.passages() == PASSAGES
    assert not lazy.made and lazy.source == "new shard"  # not kept: the released state stands
    assert lazy.passages() == PASSAGES and moved == ["read from the new shard"] and lazy.made
