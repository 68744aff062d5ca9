"""Flood control, dropped connections and failures: the bot survives and says sorry."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
from conversation import say
from fake_telegram import FakeTelegram

KOZLOV = "release of Vladimir Kozlov"


async def test_429_with_retry_after_is_waited_out(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    telegram.fail_next("sendMessage", "429", retry_after=1)
    [reply] = await say(telegram, ana_chat, ana, KOZLOV)
    assert "Vladimir Kozlov" in reply["text"]
    assert telegram.faults_served == [("sendMessage", "429")]
    # Exactly one retry, of the same message, after the 429: and not during the flood
    # wait, which the stand-in (as Telegram) would have refused and recorded.
    refused, delivered = telegram.calls_to("sendMessage")
    assert (refused.ok, delivered.ok) == (False, True)
    assert telegram.calls.index(refused) < telegram.calls.index(delivered)
    assert refused.params["text"] == delivered.params["text"]
    assert telegram.too_early == []


async def test_dropped_long_poll_is_survived(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    telegram.fail_next("getUpdates", "drop")
    telegram.send_text(ana_chat, ana, KOZLOV)  # ends the held poll; the next one is dropped
    await telegram.wait_for(lambda: telegram.faults_served == [("getUpdates", "drop")])
    telegram.send_text(ana_chat, ana, "political prisoners")
    replies = await telegram.wait_for(
        lambda: len(telegram.bot_messages_in(ana_chat["id"])) == 2
        and telegram.bot_messages_in(ana_chat["id"])
    )
    assert any("political prisoners" in r["text"] for r in replies)


async def test_dropped_reply_becomes_an_apology_and_a_logged_traceback(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    await start_bot()
    telegram.fail_next("sendMessage", "drop")
    with caplog.at_level(logging.ERROR, logger="bot.telegram.common"):
        [apology] = await say(telegram, ana_chat, ana, KOZLOV)
    assert apology["text"].startswith("Sorry, something went wrong")
    [record] = [r for r in caplog.records if r.name == "bot.telegram.common"]
    assert record.exc_info is not None
    # The next question is answered as usual.
    telegram.send_text(ana_chat, ana, KOZLOV)
    replies = await telegram.wait_for(
        lambda: len(telegram.bot_messages_in(ana_chat["id"])) == 2
        and telegram.bot_messages_in(ana_chat["id"])
    )
    assert "Vladimir Kozlov" in replies[1]["text"]


async def test_failed_edit_after_more_is_answered_and_apologised_for(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    [message] = await say(telegram, ana_chat, ana, "human rights activists, journalists and the opposition")
    [[more]] = message["reply_markup"]["inline_keyboard"]
    telegram.fail_next("editMessageText", "drop")
    query_id = telegram.press(message, ana, more["callback_data"])
    messages = await telegram.wait_for(
        lambda: len(telegram.bot_messages_in(ana_chat["id"])) == 2
        and telegram.bot_messages_in(ana_chat["id"])
    )
    assert messages[1]["text"].startswith("Sorry")
    assert telegram.callback_queries[query_id] is not None


@pytest.mark.parametrize("text", [
    "release of Vladimir Kozlov \ud800",
    "/ask release of Vladimir Kozlov \udfff",
    "/quote release the opposition leader Vladimir Kozlov \ud83d",
    "/timeline Kozlov \udc00",
    "\ud800",
])
async def test_a_lone_surrogate_is_replaced_never_a_crash(
    text: str, telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    # JSON may carry "\ud800" alone; Python decodes it to a lone surrogate, which UTF-16
    # (Telegram's count) and UTF-8 cannot encode.
    await start_bot()
    [reply] = await say(telegram, ana_chat, ana, text)
    assert not reply["text"].startswith("Sorry"), reply["text"]
    assert "\ud800" not in reply["text"] and "\udfff" not in reply["text"]
    if "Kozlov" in text:
        assert "Kozlov" in reply["text"]


async def test_a_lone_surrogate_inline_gets_results(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any]
) -> None:
    await start_bot()
    query_id = telegram.inline_query(ana, "release of Vladimir Kozlov \ud800")
    answer = await telegram.wait_for(lambda: telegram.inline_queries[query_id])
    assert "Kozlov" in answer["results"][0]["text"]


async def test_one_users_flood_runs_one_question_at_a_time_and_others_are_answered(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot = await start_bot(questions_per_minute=100)
    olga = telegram.user(2002, "Olga")
    olga_chat = telegram.private_chat(olga)
    real_ask = bot.service.ask
    lock = threading.Lock()
    running: dict[int, int] = {}
    most: dict[int, int] = {}
    answered: list[str] = []

    def slow_ask(question: str, *args: Any, **kwargs: Any) -> Any:
        who = 1 if "flood" in question else 2
        with lock:
            running[who] = running.get(who, 0) + 1
            most[who] = max(most.get(who, 0), running[who])
        time.sleep(0.15 if who == 1 else 0.0)  # a costly question
        with lock:
            running[who] -= 1
            answered.append(question)
        return real_ask(question, *args, **kwargs)

    monkeypatch.setattr(bot.service, "ask", slow_ask)
    for n in range(6):
        telegram.send_text(ana_chat, ana, f"flood {n} political prisoners")
    await telegram.wait_for(lambda: answered)  # Ana's first question is being answered
    [reply] = await say(telegram, olga_chat, olga, "release of Vladimir Kozlov")
    assert "Vladimir Kozlov" in reply["text"]
    await telegram.wait_for(lambda: len(telegram.bot_messages_in(ana_chat["id"])) == 6, timeout=20)
    assert most[1] == 1  # Ana's six questions took turns: one worker thread at most
    # Olga did not wait behind Ana's queue.
    assert answered.index("release of Vladimir Kozlov") < 5
