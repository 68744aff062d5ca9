"""The per-user question limit and the short ids behind buttons."""

from __future__ import annotations

import asyncio

import pytest

from bot.telegram.pages import QueryStore
from bot.telegram.ratelimit import RateLimiter, Turns


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limit_per_user_in_a_sliding_minute() -> None:
    clock = Clock()
    limiter = RateLimiter(3, 60.0, clock)
    for _ in range(3):
        assert limiter.acquire(1) == 0.0
        clock.now += 10
    assert limiter.acquire(1) == pytest.approx(30.0)  # at 1030: the one of 1000 leaves at 1060
    assert limiter.acquire(2) == 0.0  # other users are not affected
    clock.now += 30
    assert limiter.acquire(1) == 0.0  # the first question has left the window
    assert limiter.acquire(1) == pytest.approx(10.0)


def test_refused_questions_do_not_count_and_users_are_bounded() -> None:
    clock = Clock()
    limiter = RateLimiter(1, 60.0, clock, max_users=2)
    assert limiter.acquire(1) == 0.0
    for _ in range(5):
        assert limiter.acquire(1) == pytest.approx(60.0)
    clock.now += 60
    assert limiter.acquire(1) == 0.0
    limiter.acquire(2)
    limiter.acquire(3)  # user 1 is the least recently seen: forgotten
    assert limiter.acquire(1) == 0.0


def test_bad_limits_are_refused_with_the_value() -> None:
    with pytest.raises(ValueError, match="got 0"):
        RateLimiter(0)


def test_query_store_ids_are_short_and_bounded() -> None:
    store = QueryStore(capacity=2)
    first = store.put("a" * 4096)
    assert len(first) == 8 and store.get(first) == "a" * 4096
    second = store.put("b")
    store.get(first)  # recently used: kept
    store.put("c")
    assert store.get(second) is None
    assert store.get(first) == "a" * 4096
    assert len(store) == 2
    assert store.get("unknown") is None


async def test_a_users_questions_take_turns_while_others_go_on() -> None:
    turns = Turns()
    running: dict[int, int] = {1: 0, 2: 0}
    most: dict[int, int] = {1: 0, 2: 0}
    order: list[tuple[int, int]] = []

    async def question(user: int, n: int) -> None:
        async with turns.turn(user):
            running[user] += 1
            most[user] = max(most[user], running[user])
            await asyncio.sleep(0.01)
            running[user] -= 1
            order.append((user, n))

    await asyncio.gather(*(question(1, n) for n in range(5)), question(2, 0))
    assert most == {1: 1, 2: 1}
    # User 2 did not wait for user 1's queue: answered right after user 1's first.
    assert order.index((2, 0)) <= 1
    assert [n for user, n in order if user == 1] == [0, 1, 2, 3, 4]  # in the order asked
    assert turns.waiting(1) == 0  # idle users are forgotten


async def test_a_failed_question_releases_the_turn() -> None:
    turns = Turns()
    with pytest.raises(RuntimeError):
        async with turns.turn(7):
            raise RuntimeError("search failed")
    async with turns.turn(7):
        assert turns.waiting(7) == 1
