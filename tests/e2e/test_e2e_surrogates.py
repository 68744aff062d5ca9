"""A lone surrogate in an update (JSON may carry "\\ud800") is replaced before any handler sees it."""

from __future__ import annotations

from typing import Any

from fake_telegram import FakeTelegram


async def test_an_inline_query_with_a_lone_surrogate_gets_its_no_match_article(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any]
) -> None:
    await start_bot()
    query_id = telegram.inline_query(ana, "zebra \ud800 unicorn")
    [none] = (await telegram.wait_for(lambda: telegram.inline_queries[query_id]))["results"]
    assert none["title"] == "No passage matches"  # the renderer's utf16_length raised here
    assert "zebra \ufffd unicorn" in none["text"]


async def test_a_message_with_a_lone_surrogate_is_answered(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    telegram.send_text(ana_chat, ana, "release of Vladimir Kozlov \udc00")
    [reply] = await telegram.wait_for(lambda: telegram.bot_messages_in(ana_chat["id"]))
    assert "Vladimir Kozlov" in reply["text"] and "2016/2607(RSP)" in reply["text"]
