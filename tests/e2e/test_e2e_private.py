"""A user in a private chat: /start, a question, the More button, limits."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from conversation import buttons, press, say
from fake_telegram import FakeTelegram

from bot.telegram import common

KOZLOV = "When did Parliament call for the release of Vladimir Kozlov?"
MANY = "human rights activists, journalists and the opposition"  # matches many passages


def bold_words(message: dict[str, Any]) -> set[str]:
    text = message["text"].encode("utf-16-le")
    return {
        text[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.get("entities", [])
        if e["type"] == "bold"
    }


async def test_start_registers_commands_and_offers_examples_that_answer(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    assert {c["command"] for c in telegram.commands} >= {"start", "help", "ask", "sources"}

    [welcome] = await say(telegram, ana_chat, ana, "/start")
    assert "European Parliament resolutions" in welcome["text"]
    examples = buttons(welcome)
    assert len(examples) == 2
    assert all(b["text"].startswith("What did Parliament say about") for b in examples)

    query_id = telegram.press(welcome, ana, examples[0]["callback_data"])
    messages = await telegram.wait_for(
        lambda: len(telegram.bot_messages_in(ana_chat["id"])) >= 2
        and telegram.bot_messages_in(ana_chat["id"])
    )
    answer = messages[1]["text"]
    assert "Passage" in answer and "Kazakhstan" in answer
    assert "2019/2610(RSP)" in answer or "2016/2607(RSP)" in answer
    assert telegram.callback_queries[query_id] is not None


async def test_question_in_private_chat_gets_cited_passages(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    [reply] = await say(telegram, ana_chat, ana, KOZLOV)

    text = reply["text"]
    # The passage as written, then its citation, in the CLI's wording.
    assert (
        "release the opposition leader Vladimir Kozlov, who is currently being held under "
        "strict prison conditions" in text
    )
    assert "It called on the Kazakh authorities to:" in text
    assert (
        "European Parliament resolution of 10 March 2016 on freedom of expression in Kazakhstan"
        in text
    )
    assert "2016/2607(RSP) · adopted 2016-03-10 · summary, Legislative Observatory (OEIL)" in text
    assert "paragraph 8, item 1 of 2016-2607-kazakhstan-freedom-of-expression-oeil.md" in text
    assert "This is the summary's wording, not the resolution's text." in text
    assert {"Vladimir", "Kozlov", "release"} <= bold_words(reply)

    # A fast answer comes without "typing..." first (see the next tests); link previews are off.
    assert telegram.calls_to("sendChatAction") == []
    send = telegram.calls_to("sendMessage")[0]
    assert '"is_disabled": true' in send.params["link_preview_options"]
    assert send.params["parse_mode"] == "HTML"


async def test_a_fast_answer_sends_no_typing_action(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    # Every chat action counts against Telegram's ~30 requests a second, as a message does:
    # an answer found in milliseconds costs one request, not two.
    await start_bot()
    for question in (KOZLOV, MANY, "/ask freedom of expression", "/timeline Kozlov"):
        await say(telegram, ana_chat, ana, question)
    await asyncio.sleep(0.3)  # a typing action on its way would have arrived by now
    assert len(telegram.calls_to("sendMessage")) == 4
    assert telegram.calls_to("sendChatAction") == []


async def test_a_slow_answer_shows_typing_first_and_not_after_it(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot = await start_bot()
    monkeypatch.setattr(common, "TYPING_AFTER", 0.2)  # instead of a second, to keep the test short
    ask = bot.service.ask

    def slow_ask(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.8)
        return ask(*args, **kwargs)

    monkeypatch.setattr(bot.service, "ask", slow_ask)
    [reply] = await say(telegram, ana_chat, ana, KOZLOV)
    assert "Vladimir Kozlov" in reply["text"]
    await asyncio.sleep(0.3)
    methods = [c.method for c in telegram.calls if c.method in {"sendChatAction", "sendMessage"}]
    assert methods == ["sendChatAction", "sendMessage"]  # typing while searching, none after
    [typing] = telegram.calls_to("sendChatAction")
    assert typing.params == {"chat_id": str(ana_chat["id"]), "action": "typing"}


async def test_more_button_pages_by_editing_until_the_last_passage(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    [first] = await say(telegram, ana_chat, ana, MANY)
    assert first["text"].startswith("Passages 1–3 of ")
    total = int(first["text"].split(" of ", 1)[1].split()[0])
    assert total > 3

    seen = [first["text"]]
    key = (ana_chat["id"], first["message_id"])
    while buttons(telegram.messages[key]):
        [more] = buttons(telegram.messages[key])
        assert more["text"] == "More ▸"
        assert len(more["callback_data"].encode()) <= 64
        before = telegram.messages[key]["text"]  # read before pressing: the edit can be quick
        query_id = telegram.press(telegram.messages[key], ana, more["callback_data"])
        await telegram.wait_for(lambda q=query_id: telegram.callback_queries[q] is not None)
        await telegram.wait_for(lambda b=before: telegram.messages[key]["text"] != b)
        seen.append(telegram.messages[key]["text"])
    # Every page edited the same message; the last one has no button.
    assert len(telegram.bot_messages_in(ana_chat["id"])) == 1
    assert len(seen) == (total + 2) // 3
    assert seen[-1].startswith(f"Passage {total} of {total}") or f"–{total} of {total}" in seen[-1]


async def test_expired_and_unknown_buttons_get_a_notice_not_an_error(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    [message] = await say(telegram, ana_chat, ana, MANY)
    for data in ("more:unknown1:3", "more:broken", "q:gone", "something-else"):
        query_id = telegram.press_stale(message, ana, data)
        answer = await telegram.wait_for(lambda q=query_id: telegram.callback_queries[q])
        assert "expired" in answer["text"]
    assert telegram.messages[(ana_chat["id"], message["message_id"])]["text"] == message["text"]


async def test_a_more_button_from_before_a_reload_expires(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any], corpus: Path
) -> None:
    bot = await start_bot(corpus)
    [message] = await say(telegram, ana_chat, ana, MANY)
    [more] = buttons(message)
    # A reload that changed the corpus: a new ranking, so page 2 of the old one no longer exists.
    (corpus / "other.md").write_text("Parliament calls on Sylvania to inspect every reservoir dam.\n")
    bot.service.reload()
    query_id = telegram.press(message, ana, more["callback_data"])
    answer = await telegram.wait_for(lambda: telegram.callback_queries[query_id])
    assert "expired" in answer["text"]
    assert telegram.messages[(ana_chat["id"], message["message_id"])]["text"] == message["text"]


async def test_a_more_button_still_works_after_a_restart_on_the_same_corpus(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    bot = await start_bot()
    [message] = await say(telegram, ana_chat, ana, MANY)
    [more] = buttons(message)
    # The question is written to DATA_DIR off the event loop: until that is done.
    queries = bot.application.bot_data["shared"].queries
    await telegram.wait_for(lambda: not queries._writes)
    await bot.stop()
    await start_bot()  # a new process, as far as the button knows: the question comes from DATA_DIR
    edited = await press(telegram, message, ana, more["callback_data"])
    assert edited["text"].startswith("Passages 4–6 of"), edited["text"]


async def test_over_long_question_gets_a_clear_message(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    [reply] = await say(telegram, ana_chat, ana, "Kozlov " * 800)
    assert "5,599 characters long" in reply["text"]
    assert "under 4,096" in reply["text"]


async def test_longest_possible_question_is_answered_within_limits(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    question = ("political prisoners in Kazakhstan " * 200)[:4096]
    [reply] = await say(telegram, ana_chat, ana, question)
    assert reply["text"].startswith("Passages 1–3 of ")
    assert "…”" in reply["text"].split("\n", 1)[0]  # the echoed question is cut


async def test_common_words_only_and_no_match(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    telegram.send_text(ana_chat, ana, "what is the")
    await telegram.wait_for(lambda: telegram.bot_messages_in(ana_chat["id"]))
    telegram.send_text(ana_chat, ana, "zebra unicorn")
    replies = await telegram.wait_for(
        lambda: len(telegram.bot_messages_in(ana_chat["id"])) == 2
        and telegram.bot_messages_in(ana_chat["id"])
    )
    texts = sorted(r["text"] for r in replies)
    assert any("only common words" in t for t in texts)
    assert any(t.startswith("No passage matches") and "zebra unicorn" in t for t in texts)


async def test_per_user_question_limit_answers_kindly(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot(questions_per_minute=2)
    for _ in range(3):
        telegram.send_text(ana_chat, ana, KOZLOV)
    replies = await telegram.wait_for(
        lambda: len(telegram.bot_messages_in(ana_chat["id"])) == 3
        and telegram.bot_messages_in(ana_chat["id"])
    )
    limited = [r for r in replies if "asking quickly" in r["text"]]
    assert len(limited) == 1
    assert "wait" in limited[0]["text"]
    # Another user is not affected.
    bea = telegram.user(1002, "Bea")
    telegram.send_text(telegram.private_chat(bea), bea, KOZLOV)
    [other] = await telegram.wait_for(lambda: telegram.bot_messages_in(1002))
    assert "Kozlov" in other["text"]


async def test_help(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    [reply] = await say(telegram, ana_chat, ana, "/help")
    assert "@ep_resolutions_bot" in reply["text"]
    assert "/ask" in reply["text"] and "/sources" in reply["text"]


async def test_a_sticker_gets_a_hint_in_private_and_nothing_in_groups(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    group = telegram.group_chat()
    telegram.send_sticker(group, ana)
    telegram.send_sticker(ana_chat, ana)
    [reply] = await telegram.wait_for(lambda: telegram.bot_messages_in(ana_chat["id"]))
    assert "questions sent as text" in reply["text"]
    [answer] = await say(telegram, group, ana, "/ask political prisoners")
    assert answer["text"].startswith("Passages")
