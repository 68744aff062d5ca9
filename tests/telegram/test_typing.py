"""typing_if_slow: "typing..." only for slow work, and never arriving after the answer."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from telegram import Bot

from bot.telegram import common


class SlowActions:
    """A bot whose chat actions take ``delay`` seconds to reach Telegram; it logs what happened when."""

    def __init__(self, log: list[str], delay: float = 0.0) -> None:
        self.log, self.delay = log, delay

    async def send_chat_action(self, chat_id: int, action: str) -> bool:
        self.log.append(f"{action} sent")
        await asyncio.sleep(self.delay)
        self.log.append(f"{action} arrived")
        return True


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "TYPING_AFTER", 0.05)
    monkeypatch.setattr(common, "TYPING_EVERY", 0.1)


async def test_work_done_in_time_shows_no_typing() -> None:
    log: list[str] = []
    async with common.typing_if_slow(cast(Bot, SlowActions(log)), 1):
        await asyncio.sleep(0)
    await asyncio.sleep(0.1)
    assert log == []


async def test_slow_work_shows_typing_and_repeats_it_while_it_lasts() -> None:
    log: list[str] = []
    async with common.typing_if_slow(cast(Bot, SlowActions(log)), 1):
        await asyncio.sleep(0.3)
    log.append("answer")
    await asyncio.sleep(0.2)
    assert log[-1] == "answer" and log.count("typing sent") >= 2


async def test_an_action_on_its_way_arrives_before_the_answer() -> None:
    log: list[str] = []
    async with common.typing_if_slow(cast(Bot, SlowActions(log, delay=0.2)), 1):
        await asyncio.sleep(0.1)  # done while the action is still on its way
    log.append("answer")
    assert log == ["typing sent", "typing arrived", "answer"]


async def test_a_failed_action_does_not_stop_the_answer() -> None:
    class Failing:
        async def send_chat_action(self, *args: Any) -> bool:
            raise RuntimeError("not a Telegram error")

    async with common.typing_if_slow(cast(Bot, Failing()), 1):
        await asyncio.sleep(0.1)
    # Reached: the failure was logged, not raised into the handler.
