"""Following a topic: /follow, one notification per new resolution on it, /following after a restart,
Unfollow, a chat that blocked the bot, and groups where only admins choose."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from conftest import ADMIN_ID, BotStarter
from conversation import buttons, press, replies, say, settled, upload
from fake_telegram import FakeTelegram

TOPIC = "political prisoners Kazakhstan"
MATCHING = (
    b"---\ntitle: European Parliament resolution of 20 March 2025 on political prisoners in Kazakhstan\n"
    b"reference: 2025/2600(RSP)\nadopted: 2025-03-20\nkind: text_adopted\n"
    b"source: European Parliament\n---\n"
    b"The European Parliament,\n\n"
    b"1. Calls on the authorities of Kazakhstan to release all political prisoners without delay;\n\n"
    b"2. Instructs its President to forward this resolution to the Council.\n"
)
UNRELATED = (
    b"---\ntitle: European Parliament resolution on reservoir safety in Sylvania\n"
    b"reference: 2021/2001(RSP)\nadopted: 2021-05-20\nkind: text_adopted\n"
    b"source: European Parliament\n---\n"
    b"Parliament calls on Sylvania to inspect every reservoir dam before the spring floods.\n"
)


async def test_follow_a_matching_upload_notifies_once_and_it_lasts_a_restart(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ana: dict[str, Any],
    ana_chat: dict[str, Any], olga: dict[str, Any], olga_chat: dict[str, Any],
) -> None:
    bot = await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}))
    [reply] = await say(telegram, ana_chat, ana, f"/follow {TOPIC}")
    assert reply["text"].startswith(f"Following “{TOPIC}”"), reply["text"]
    assert "1 of at most 20" in reply["text"]

    saved = await upload(telegram, olga_chat, olga, "2025-kazakhstan-prisoners.md", MATCHING)
    assert saved["text"].startswith("Saved"), saved["text"]
    await settled(bot)
    [notice] = telegram.bot_messages_in(ana["id"])[1:]
    text = notice["text"]
    assert text.startswith(f"🔔 New on “{TOPIC}”")
    assert "Calls on the authorities of Kazakhstan to release all political prisoners without delay" in text
    assert "European Parliament resolution of 20 March 2025 on political prisoners in Kazakhstan" in text
    assert "2025/2600(RSP) · adopted 2025-03-20" in text and "paragraph 1" in text
    [more] = buttons(notice)
    assert more["text"] == "More passages ▸"

    # The same text with only its spacing changed, replaced: not announced again.
    respaced = MATCHING.replace(b"without delay;", b"without   delay;\n")
    asked = await upload(telegram, olga_chat, olga, "2025-kazakhstan-prisoners.md", respaced)
    await press(telegram, asked, olga, buttons(asked)[0]["callback_data"])
    # An unrelated resolution: nothing.
    await upload(telegram, olga_chat, olga, "reservoirs.md", UNRELATED)
    await settled(bot)
    assert len(telegram.bot_messages_in(ana["id"])) == 2

    # A restart on the same DATA_DIR: the follow is still there.
    await bot.stop()
    await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}))
    [listing] = await say(telegram, ana_chat, ana, "/following")
    assert listing["text"].splitlines()[1:] == [f"1. {TOPIC}"]
    [unfollow] = buttons(listing)
    assert unfollow["text"] == f"Unfollow 1: {TOPIC}"
    edited = await press(telegram, listing, ana, unfollow["callback_data"])
    assert edited["text"].startswith("This chat follows no topic.")
    assert buttons(edited) == []


async def test_a_chat_that_blocked_the_bot_is_unsubscribed(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ana: dict[str, Any],
    ana_chat: dict[str, Any], olga: dict[str, Any], olga_chat: dict[str, Any],
) -> None:
    bot = await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}))
    await say(telegram, ana_chat, ana, f"/follow {TOPIC}")
    telegram.blocked.add(ana["id"])
    await upload(telegram, olga_chat, olga, "2025-kazakhstan-prisoners.md", MATCHING)
    await settled(bot)
    assert [c.description for c in telegram.calls_to("sendMessage") if not c.ok] == [
        "Forbidden: bot was blocked by the user"
    ]
    telegram.blocked.discard(ana["id"])
    [listing] = await say(telegram, ana_chat, ana, "/following")
    assert listing["text"].startswith("This chat follows no topic.")


async def test_in_a_group_only_its_admins_choose_what_it_follows(
    telegram: FakeTelegram, start_bot: BotStarter, ana: dict[str, Any],
) -> None:
    await start_bot()
    group = telegram.group_chat()
    boss = telegram.user(77, "Boss")
    telegram.admins[group["id"]] = {boss["id"]}
    [refused] = await say(telegram, group, ana, f"/follow {TOPIC}")
    assert refused["text"] == "In a group, only its administrators can choose what the group follows."
    [accepted] = await say(telegram, group, boss, f"/follow {TOPIC}")
    assert accepted["text"].startswith(f"Following “{TOPIC}”")
    [listing] = await say(telegram, group, ana, "/following")  # anyone may see the list
    assert listing["text"].splitlines()[1:] == [f"1. {TOPIC}"]
    [refused] = await say(telegram, group, ana, f"/unfollow {TOPIC}")
    assert refused["text"] == "In a group, only its administrators can choose what the group follows."


async def test_follow_refuses_what_cannot_be_followed_with_the_reason(
    telegram: FakeTelegram, start_bot: BotStarter, ana: dict[str, Any], ana_chat: dict[str, Any],
) -> None:
    await start_bot(questions_per_minute=100)  # a topic's check is a search: limited like a question
    [usage] = await say(telegram, ana_chat, ana, "/follow")
    assert usage["text"].startswith("Name a topic to follow")
    [long] = await say(telegram, ana_chat, ana, "/follow " + "Kazakhstan " * 40)
    assert "please keep it under 200" in long["text"]
    [off] = await say(telegram, ana_chat, ana, "/follow pancake recipes")
    assert "nothing in the corpus mentions pancake, recipes" in off["text"], off["text"]
    [html] = await say(telegram, ana_chat, ana, "/follow <b>Kazakhstan</b> & bloggers")
    assert html["text"].startswith("Following “<b>Kazakhstan</b> & bloggers”"), html["text"]
    [later] = await say(telegram, ana_chat, ana, "/follow Kazakhstan year:2030")
    assert "Nothing in the corpus matches it today" in later["text"]
    [again] = await say(telegram, ana_chat, ana, "/follow  kazakhstan   YEAR:2030")
    assert again["text"].startswith("This chat already follows")
    for n in range(18):
        await say(telegram, ana_chat, ana, f"/follow Kazakhstan year:{2040 + n}")
    [full] = await say(telegram, ana_chat, ana, "/follow bloggers")
    assert full["text"].startswith("This chat follows 20 topics, the most it may.")
    [gone] = await say(telegram, ana_chat, ana, "/unfollow Kazakhstan year:2030")
    assert gone["text"] == "No longer following “Kazakhstan year:2030”."
    [none] = await say(telegram, ana_chat, ana, "/unfollow Belarus")
    assert none["text"].startswith("This chat does not follow “Belarus”.")
    [forgot] = await say(telegram, ana_chat, ana, "/forget")
    assert forgot["text"].startswith("Deleted what the bot kept about you: 19 followed topics of this private chat")


async def test_unanswered_questions_and_counters_outlast_a_restart_without_user_ids(
    telegram: FakeTelegram, start_bot: BotStarter, ana: dict[str, Any], ana_chat: dict[str, Any],
    olga: dict[str, Any], olga_chat: dict[str, Any], data_dir: Path,
) -> None:
    bot = await start_bot(admin_ids=frozenset({ADMIN_ID}))
    for question in ("reservoir dams in Sylvania", "Reservoir  dams in sylvania", "bloggers Kazakhstan"):
        await say(telegram, ana_chat, ana, question)
    await say(telegram, ana_chat, ana, "pancakes in Sylvania")
    shared = bot.application.bot_data["shared"]
    await telegram.wait_for(lambda: not shared.background)
    await bot.stop()
    await start_bot(admin_ids=frozenset({ADMIN_ID}))
    [listing] = await say(telegram, olga_chat, olga, "/unanswered")
    assert listing["text"].splitlines()[1:] == ["2× reservoir dams in Sylvania", "1× pancakes in Sylvania"]
    [stats] = await say(telegram, olga_chat, olga, "/stats")
    assert "Since the database began: 4 questions in chats" in stats["text"]
    [refused] = await say(telegram, ana_chat, ana, "/unanswered")
    assert refused["text"] == "This command is for the bot's administrators."
    with sqlite3.connect(data_dir / "bot.sqlite3") as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(unanswered)")]
    assert columns == ["question_key", "question", "count", "last_at"]


async def test_without_a_usable_database_questions_are_answered_and_follow_says_why_not(
    telegram: FakeTelegram, start_bot: BotStarter, ana: dict[str, Any], ana_chat: dict[str, Any],
    olga: dict[str, Any], olga_chat: dict[str, Any], data_dir: Path,
) -> None:
    (data_dir / "bot.sqlite3").write_bytes(b"not a database\n" * 100)
    await start_bot(admin_ids=frozenset({ADMIN_ID}))
    [answer] = await say(telegram, ana_chat, ana, "bloggers Kazakhstan")
    assert "Kazakhstan" in answer["text"] and not answer["text"].startswith("No passage")
    # Told at start-up, once, and not again when a command runs into it.
    [told] = await replies(telegram, olga_chat["id"], 1)
    assert told["text"].startswith("⚠️ The bot's database cannot be used")
    assert "is corrupted" in told["text"]
    [reply] = await say(telegram, ana_chat, ana, f"/follow {TOPIC}")
    assert reply["text"].startswith("Following topics is unavailable right now")
    await say(telegram, ana_chat, ana, "/following")
    await asyncio.sleep(0.1)
    assert len(telegram.bot_messages_in(olga_chat["id"])) == 1  # told once, not at every command
