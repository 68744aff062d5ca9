"""Short ids for buttons: pending admin actions are bounded and taken once; questions are forgotten and recalled."""

from __future__ import annotations

import asyncio

import pytest

from bot.telegram.pages import PendingStore, QueryStore


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


def test_forget_user_drops_only_that_user_s_questions() -> None:
    store = QueryStore()
    mine, theirs, example = store.put("political prisoners", 7), store.put("bloggers", 8), store.put("Kazakhstan")
    assert store.forget_user(7) == 1
    assert (store.get(mine), store.get(theirs), store.get(example)) == (None, "bloggers", "Kazakhstan")


async def test_a_question_from_before_a_restart_is_fetched_from_the_database() -> None:
    kept: dict[str, str] = {}
    first = QueryStore(keep=lambda key, question, owner: kept.__setitem__(key, question), recall=kept.get)
    key = first.put("political prisoners Kazakhstan", 7)
    while first._writes:
        await asyncio.sleep(0.01)
    second = QueryStore(keep=lambda key, question, owner: None, recall=kept.get)
    assert second.get(key) is None
    assert await second.fetch(key) == "political prisoners Kazakhstan"
    assert await second.fetch("unknown1") is None
