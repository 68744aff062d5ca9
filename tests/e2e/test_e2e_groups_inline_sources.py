"""Groups (/ask only), inline mode, /sources, and a corpus full of HTML's special characters."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from conversation import say
from fake_telegram import FakeTelegram

KOZLOV = "release of Vladimir Kozlov"


async def test_ask_in_a_group_and_chatter_ignored(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any]
) -> None:
    await start_bot()
    group = telegram.group_chat()
    telegram.send_text(group, ana, "I think the release of Vladimir Kozlov was in 2016")
    telegram.send_text(group, ana, f"/ask@some_other_bot {KOZLOV}")
    [first] = await say(telegram, group, ana, f"/ask {KOZLOV}")
    telegram.send_text(group, ana, "/ask@ep_resolutions_bot political prisoners")
    telegram.send_text(group, ana, "/ask")
    replies = await telegram.wait_for(
        lambda: len(telegram.bot_messages_in(group["id"])) >= 3
        and telegram.bot_messages_in(group["id"])
    )
    texts = [r["text"] for r in replies]
    assert len(texts) == 3, texts  # the chatter and the other bot's command got nothing
    assert "Vladimir Kozlov" in first["text"] and "2016/2607(RSP)" in first["text"]
    assert any("political prisoners" in t and t.startswith("Passages") for t in texts)
    assert any("Type your question after the command" in t for t in texts)
    # In groups the answer quotes the question it answers.
    replies_to = [c.params.get("reply_parameters") for c in telegram.calls_to("sendMessage")]
    assert all(r is not None for r in replies_to)


async def test_inline_query_offers_cited_passages(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any]
) -> None:
    bot = await start_bot()
    query_id = telegram.inline_query(ana, KOZLOV)
    answer = await telegram.wait_for(lambda: telegram.inline_queries[query_id])
    results = answer["results"]
    # One article per passage the service finds (up to 10), best first.
    expected = bot.service.ask(KOZLOV, top=10).hits
    assert len(results) == len(expected) >= 2
    best = results[0]
    assert "release the opposition leader Vladimir Kozlov" in best["text"]
    assert "Kozlov" in best["title"]
    assert "2016/2607(RSP)" in best["description"] or "2019/2610(RSP)" in best["description"]
    # Choosing it posts the passage and its citation (the stand-in parsed the HTML).
    assert "Vladimir Kozlov" in best["text"]
    assert "paragraph " in best["text"] and " of 20" in best["text"]
    assert not best["text"].startswith("1.")


async def test_inline_empty_query_gets_a_hint_and_no_match_says_so(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any]
) -> None:
    await start_bot()
    empty = telegram.inline_query(ana, "")
    nothing = telegram.inline_query(ana, "zebra unicorn")
    [hint] = (await telegram.wait_for(lambda: telegram.inline_queries[empty]))["results"]
    [none] = (await telegram.wait_for(lambda: telegram.inline_queries[nothing]))["results"]
    assert "@ep_resolutions_bot" in hint["text"]
    assert none["title"] == "No passage matches"
    assert "zebra unicorn" in none["text"]


async def test_sources_lists_every_resolution_with_its_documents(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    [reply] = await say(telegram, ana_chat, ana, "/sources")
    text = reply["text"]
    assert text.startswith("2 resolutions in the corpus")
    first = text.index("2016-03-10 · 2016/2607(RSP)")
    second = text.index("2019-03-14 · 2019/2610(RSP)")
    assert first < second
    assert "• 2016-2607-kazakhstan-freedom-of-expression-oeil.md: summary, Legislative Observatory (OEIL)" in text
    assert "• 2019-2610-kazakhstan-human-rights-tca.txt: news report, Times of Central Asia" in text


SPECIAL = """---
title: Resolution on <script>alert("x")</script> & the "rule" of law
reference: 2020/1234(RSP)
kind: text_adopted
---
Parliament insists that 3 < 4 && 5 > 2 in every <b>bold</b> court & calls for <i>fair</i> trials.

Parliament notes the &amp; entity &lt;written&gt; literally in the file & the trial records.
"""


async def test_corpus_text_full_of_html_characters_is_quoted_as_written(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any],
    tmp_path: Path,
) -> None:
    (tmp_path / "special.md").write_text(SPECIAL, encoding="utf-8")
    await start_bot(corpus_dir=tmp_path)
    telegram.send_text(ana_chat, ana, "fair trials in court")
    telegram.send_text(ana_chat, ana, "/sources")
    replies = await telegram.wait_for(
        lambda: len(telegram.bot_messages_in(ana_chat["id"])) == 2
        and telegram.bot_messages_in(ana_chat["id"])
    )
    answer = next(r["text"] for r in replies if r["text"].startswith("Passage"))
    sources = next(r["text"] for r in replies if "in the corpus" in r["text"])
    assert "Parliament insists that 3 < 4 && 5 > 2 in every <b>bold</b> court & calls for <i>fair</i> trials." in answer
    assert "Parliament notes the &amp; entity &lt;written&gt; literally in the file & the trial records." in answer
    assert 'Resolution on <script>alert("x")</script> & the "rule" of law' in answer
    assert "2020/1234(RSP) · adoption date unknown · text adopted, source unknown" in answer
    assert 'Resolution on <script>alert("x")</script> & the "rule" of law' in sources

    query_id = telegram.inline_query(ana, "fair trials")
    results = (await telegram.wait_for(lambda: telegram.inline_queries[query_id]))["results"]
    assert "3 < 4 && 5 > 2" in results[0]["text"]


def many_resolutions(directory: Path, count: int) -> None:
    """``count`` one-passage resolutions with long titles: /sources needs several pages."""
    for n in range(count):
        (directory / f"r{n:03d}.md").write_text(
            f"---\ntitle: European Parliament resolution on the {'long ' * 30}topic number {n}\n"
            f"reference: 2020/{n + 1000:04d}(RSP)\nadopted: 2020-01-01\nkind: text_adopted\n"
            f"source: European Parliament\n---\nParliament adopts resolution number {n}.\n",
            encoding="utf-8",
        )


async def test_sources_come_one_page_at_a_time_with_more(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any],
    tmp_path: Path,
) -> None:
    many_resolutions(tmp_path, 150)
    bot = await start_bot(corpus_dir=tmp_path)
    [message] = await say(telegram, ana_chat, ana, "/sources")
    seen = [message["text"]]
    while "reply_markup" in message:  # More ▸ edits the message into the next page
        [[more]] = message["reply_markup"]["inline_keyboard"]
        assert more["text"] == "More ▸"
        message = await telegram.edited(message, telegram.press(message, ana, more["callback_data"]))
        seen.append(message["text"])
    # One message, not one per 4 KB: the stand-in has it edited page by page.
    assert len(telegram.calls_to("sendMessage")) == 1 and len(seen) > 2
    assert seen[0].startswith("150 resolutions in the corpus, oldest first (1–")
    assert seen[-1].split(":")[0].endswith("–150)")
    joined = "\n".join(seen)
    assert all(joined.count(f"· 2020/{n + 1000:04d}(RSP)") == 1 for n in range(150))

    # A button from before a reload names another corpus: it has expired, and says so.
    telegram.send_text(ana_chat, ana, "/sources")
    fresh = await telegram.wait_for(
        lambda: len(telegram.bot_messages_in(ana_chat["id"])) == 2
        and telegram.bot_messages_in(ana_chat["id"])[1]
    )
    (tmp_path / "r000.md").unlink()
    await asyncio.to_thread(bot.service.reload)
    [[more]] = fresh["reply_markup"]["inline_keyboard"]
    query_id = telegram.press(fresh, ana, more["callback_data"])
    answer = await telegram.wait_for(lambda: telegram.callback_queries[query_id])
    assert answer["text"] == "This list has changed or expired. Send /sources again."
    assert telegram.bot_messages_in(ana_chat["id"])[1]["text"] == fresh["text"]  # unchanged
    stale = telegram.press_stale(fresh, ana, "src:garbage")
    assert (await telegram.wait_for(lambda: telegram.callback_queries[stale]))["text"].startswith(
        "This list has changed or expired"
    )


async def test_sources_and_start_count_against_the_per_user_limit(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot(questions_per_minute=2)
    for command in ["/sources", "/start", "/sources", "/start"]:
        count = len(telegram.bot_messages_in(ana_chat["id"])) + 1
        telegram.send_text(ana_chat, ana, command)
        await telegram.wait_for(lambda n=count: len(telegram.bot_messages_in(ana_chat["id"])) >= n)
    texts = [m["text"] for m in telegram.bot_messages_in(ana_chat["id"])]
    assert texts[0].startswith("2 resolutions in the corpus")
    assert texts[1].startswith("European Parliament resolutions")
    assert all(t.startswith("You are asking quickly. Please wait") for t in texts[2:]), texts


async def test_help_and_start_in_a_group_say_to_use_ask(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    group = telegram.group_chat()
    [help_in_group] = await say(telegram, group, ana, "/help")
    assert "In this group, ask with /ask your question (I leave other messages alone)" in help_in_group["text"]
    assert "In this chat, send any question" not in help_in_group["text"]
    [start_in_group] = await say(telegram, group, ana, "/start")
    assert "In this group, ask with /ask your question: I leave other messages alone." in start_in_group["text"]
    [help_in_private] = await say(telegram, ana_chat, ana, "/help")
    assert "In this chat, send any question: I reply with the 3 best passages" in help_in_private["text"]


async def test_an_unknown_command_in_private_gets_a_line_not_silence(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    [reply] = await say(telegram, ana_chat, ana, "/searchh <b>kozlov</b>")
    assert reply["text"] == "I have no command /searchh. /help lists what I can do."
    group = telegram.group_chat()
    telegram.send_text(group, ana, "/searchh kozlov")  # in a group another bot's command may be meant
    [answer] = await say(telegram, group, ana, f"/ask {KOZLOV}")
    assert "Vladimir Kozlov" in answer["text"] and len(telegram.bot_messages_in(group["id"])) == 1
