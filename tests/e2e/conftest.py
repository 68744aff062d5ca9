"""End-to-end fixtures: the Bot API stand-in, and the real application polling it.

The application comes from ``bot.telegram.app.build_application`` and runs through
``bot.telegram.app.serve`` (run_polling) in a thread with its own event loop, exactly as in
production but without signal handlers; the stand-in runs in the test's loop. Every
test ends by checking that Telegram would have accepted everything the bot sent and
that every button press was answered.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import FakeTelegram

from bot.answers.service import Service
from bot.config import Settings
from bot.telegram.app import build_application, serve

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"


class RunningBot:
    """The application running in its own thread, and a way to stop it gracefully."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.service = Service(settings.corpus_dir)
        self.application = build_application(settings, self.service)
        self.loop = asyncio.new_event_loop()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="bot", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            serve(self.application, self.settings, stop_signals=None)
        except BaseException as exc:  # reported to the test, which fails on it
            self.error = exc

    async def stop(self) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.application.stop_running)
        await asyncio.to_thread(self.thread.join, 15)
        assert not self.thread.is_alive(), "the bot did not stop within 15 s"
        assert self.error is None, f"the bot crashed: {self.error!r}"


def make_settings(telegram: FakeTelegram, corpus_dir: Path = CORPUS, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": telegram.token,
        "telegram_base_url": telegram.base_url,
        "telegram_base_file_url": telegram.base_file_url,
        "corpus_dir": corpus_dir,
        "webhook_url": None,
        "questions_per_minute": 20,
        "admin_ids": frozenset(),
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


BotStarter = Callable[..., Any]


@pytest.fixture
async def start_bot(telegram: FakeTelegram) -> AsyncIterator[BotStarter]:
    """``await start_bot(corpus_dir=..., **settings)``: run the bot until the test ends."""
    bots: list[RunningBot] = []

    async def start(corpus_dir: Path = CORPUS, **overrides: Any) -> RunningBot:
        bot = RunningBot(make_settings(telegram, corpus_dir, **overrides))
        bots.append(bot)
        bot.thread.start()
        await telegram.wait_for(
            lambda: bot.application.running and telegram.calls_to("getUpdates") or bot.error
        )
        assert bot.error is None, f"the bot did not start: {bot.error!r}"
        return bot

    yield start
    for bot in bots:
        await bot.stop()
    assert telegram.rejections == [], "Telegram would have refused: " + "; ".join(
        f"{c.method}: {c.description}" for c in telegram.rejections
    )
    assert telegram.unanswered_callback_queries == [], "callback queries left unanswered"


@pytest.fixture
def ana(telegram: FakeTelegram) -> dict[str, Any]:
    return telegram.user(1001, "Ana")


@pytest.fixture
def ana_chat(telegram: FakeTelegram, ana: dict[str, Any]) -> dict[str, Any]:
    return telegram.private_chat(ana)


# An admin (ADMIN_ID) who has written to the bot, and a copy of the shipped corpus to change.
ADMIN_ID = 4242


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def olga(telegram: FakeTelegram) -> dict[str, Any]:
    return telegram.user(ADMIN_ID, "Olga")


@pytest.fixture
def olga_chat(telegram: FakeTelegram, olga: dict[str, Any]) -> dict[str, Any]:
    chat = telegram.private_chat(olga)
    telegram.chats[chat["id"]] = chat  # she has written to the bot before
    return chat
