"""Short ids for buttons: pending admin actions are bounded, and taken once."""

from __future__ import annotations

import pytest

from bot.telegram.pages import PendingStore


def test_an_entry_is_taken_once() -> None:
    store: PendingStore[str] = PendingStore()
    key = store.put("replace x.md", 10)
    assert len(key) == 8 and len(f"adm:yes:{key}".encode()) <= 64
    assert store.pop(key) == "replace x.md"
    assert store.pop(key) is None  # a double tap cannot act twice
    assert store.pop("nonsense") is None


def test_the_oldest_are_forgotten_beyond_the_count() -> None:
    store: PendingStore[int] = PendingStore(capacity=3)
    keys = [store.put(i) for i in range(5)]
    assert len(store) == 3
    assert [store.pop(k) for k in keys] == [None, None, 2, 3, 4]


def test_the_oldest_are_forgotten_beyond_the_byte_budget() -> None:
    store: PendingStore[str] = PendingStore(capacity=10, max_bytes=100)
    first, second = store.put("a", 60), store.put("b", 30)
    third = store.put("c", 50)  # 140 bytes: the oldest goes
    assert (store.pop(first), store.pop(second), store.pop(third)) == (None, "b", "c")
    huge = store.put("d", 500)  # alone over the budget, the newest still stays
    assert store.pop(huge) == "d" and len(store) == 0


def test_a_store_needs_room() -> None:
    with pytest.raises(ValueError):
        PendingStore(capacity=0)
