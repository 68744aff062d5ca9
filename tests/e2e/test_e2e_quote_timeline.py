"""Quote checks (/quote and quoted messages), /timeline, grouped answers and filters.

Everything runs through the real application against the stand-in, which refuses
malformed HTML and over-long messages: each test also proves the output is accepted.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from conftest import CORPUS
from conversation import replies
from fake_telegram import FakeTelegram

REPRESSION = "put an end to all forms of political repression"
NEWS_FILE = "2019-2610-kazakhstan-human-rights-tca.txt"
NEWS_CITATION = "2019/2610(RSP) · adopted 2019-03-14 · news report, Times of Central Asia"
NEWS_NOTE = "This is the news report's wording, not the resolution's text."

# The resolution's own text for 2019/2610(RSP), which the shipped news report quotes.
TEXT_ADOPTED = """---
title: European Parliament resolution of 14 March 2019 on the human rights situation in Kazakhstan
reference: 2019/2610(RSP)
adopted: 2019-03-14
kind: text_adopted
source: Official Journal <C> & Co
---
The European Parliament,

Calls on the Kazakh authorities to:

- {item}
- ensure that trade unions can operate freely and without harassment of their members;
""".format(
    item="put an end to all forms of political repression, since the number of political "
    "prisoners in Kazakhstan has increased, and the right to freedom of association remains "
    "largely restricted in the country;"
)


def entities(message: dict[str, Any], kind: str) -> list[str]:
    """The text of every entity of ``kind`` (bold, underline, …), as the user sees it."""
    text = message["text"].encode("utf-16-le")
    return [
        text[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.get("entities", [])
        if e["type"] == kind
    ]


def corpus_with_text_adopted(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns(".index"))
    (corpus / "2019-2610-text-adopted.md").write_text(TEXT_ADOPTED, encoding="utf-8")
    return corpus


async def test_quote_command_finds_the_words_verbatim_in_a_2019_news_report(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    assert {c["command"] for c in telegram.commands} >= {"quote", "timeline"}
    telegram.send_text(ana_chat, ana, f"/quote {REPRESSION}")
    [reply] = await replies(telegram, ana_chat["id"], 1)
    text = reply["text"]
    assert text.startswith("✅ Verbatim: the words stand in this order in 1 passage.")
    assert f"You checked: “{REPRESSION}”" in text
    # Said plainly at the top, and again under the citation.
    assert "Not the resolution's text: these words stand only in a news report" in text
    assert NEWS_CITATION in text and f"paragraph 3 of {NEWS_FILE}" in text
    assert NEWS_NOTE in text
    assert "European Parliament resolution of 14 March 2019" in text
    assert entities(reply, "bold")[-1] == REPRESSION  # the matched span, exactly
    assert telegram.calls_to("sendChatAction") == []  # checked in milliseconds: no "typing..."


async def test_quote_command_in_quotation_marks_echoes_the_quote_in_one_pair(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    telegram.send_text(ana_chat, ana, f'/quote "{REPRESSION}"')
    [reply] = await replies(telegram, ana_chat["id"], 1)
    assert reply["text"].startswith("✅ Verbatim")
    assert reply["text"].split("\n")[1] == f"You checked: “{REPRESSION}”"  # was “"…"”


async def test_a_private_message_wholly_in_quotation_marks_is_checked_as_a_quote(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    telegram.send_text(ana_chat, ana, f"“{REPRESSION.upper()}”")
    [typographic] = await replies(telegram, ana_chat["id"], 1)
    telegram.send_text(ana_chat, ana, f'"{REPRESSION}"')
    telegram.send_text(ana_chat, ana, f"«{REPRESSION}» and some more")  # not wholly quoted
    _, straight, question = await replies(telegram, ana_chat["id"], 3)
    for reply in (typographic, straight):
        assert reply["text"].startswith("✅ Verbatim")
        assert NEWS_NOTE in reply["text"]
    assert typographic["text"].count(REPRESSION) == 1  # the quote as typed, upper case
    # A message that merely contains a quotation is a question (the quote, a phrase).
    assert question["text"].startswith("Passage 1 of 1 for “«put an end")
    assert f"Searched: the phrase “{REPRESSION}”" in question["text"]


async def test_a_near_miss_shows_the_similarity_and_the_word_diff(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    telegram.send_text(ana_chat, ana, "/quote put an end to all forms of repression")
    [reply] = await replies(telegram, ana_chat["id"], 1)
    text = reply["text"]
    assert text.startswith("🟡 Near (94% similar): not word for word.")
    assert "Differences, the quote against the passage:\n➖ the quote leaves out “political”" in text
    assert NEWS_CITATION in text and NEWS_NOTE in text
    # In the passage the dropped word is underlined, the matched ones bold.
    assert entities(reply, "underline") == ["political"]
    assert {"put an end to all forms of", "repression"} <= set(entities(reply, "bold"))

    telegram.send_text(ana_chat, ana, "/quote put an end to all forms of political pressure and repression")
    _, changed = await replies(telegram, ana_chat["id"], 2)
    assert "Near (" in changed["text"]
    assert "➕ the quote adds “pressure and”" in changed["text"] or "the quote adds" in changed["text"]


async def test_a_quote_not_in_the_corpus_shows_the_closest_passage_labelled_not_a_match(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    telegram.send_text(
        ana_chat, ana, "/quote Parliament demands the abolition of the death penalty in Kazakhstan"
    )
    telegram.send_text(ana_chat, ana, "/quote Европейский парламент осуждает")  # non-Latin
    found = await replies(telegram, ana_chat["id"], 2)
    [closest] = [r for r in found if "Closest passage" in r["text"]]
    [nothing] = [r for r in found if r is not closest]
    assert closest["text"].startswith("❌ Not found: no passage has these words in this order.")
    assert "Closest passage, NOT a match (" in closest["text"]
    assert "Differences" not in closest["text"]
    assert "Legislative Observatory (OEIL)" in closest["text"]  # the closest one is cited too
    assert nothing["text"].startswith("❌ Not found: no passage shares a word with this quote.")
    assert "Европейский парламент осуждает" in nothing["text"]


async def test_bad_quotes_get_clear_messages(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    for text in ("/quote", "/quote “…”", "/quote " + "repression " * 420, '"the of and"'):
        telegram.send_text(ana_chat, ana, text)
        count = len(telegram.bot_messages_in(ana_chat["id"])) + 1
        await replies(telegram, ana_chat["id"], count)
    usage, wordless, long, common = (m["text"] for m in telegram.bot_messages_in(ana_chat["id"]))
    assert usage.startswith("Paste the quote after the command")
    assert "no words to check" in wordless
    assert "4,619 characters long" in long and "at most 4,096" in long
    assert "only common words" in common


async def test_long_and_html_hostile_quotes_stay_within_telegram_limits(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    telegram.send_text(ana_chat, ana, "/quote " + ("political repression " * 200)[:4000])
    telegram.send_text(ana_chat, ana, '/quote <put an end> to & "all forms" of </political> repression')
    both = await replies(telegram, ana_chat["id"], 2)
    # Updates are handled concurrently, so the replies may come in either order.
    [hostile] = [m for m in both if "<put an end>" in m["text"]]
    [checked] = [m for m in both if m is not hostile]
    assert checked["text"].startswith("❌ Not found") or checked["text"].startswith("🟡 Near")
    assert "…”" in checked["text"].split("\n")[1]  # the echoed quote is cut
    # HTML's characters are shown as typed; between words they do not count.
    assert hostile["text"].startswith("✅ Verbatim")
    assert 'You checked: “<put an end> to & "all forms" of </political> repression”' in hostile["text"]


async def test_quote_in_a_group_with_the_bot_name(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any]
) -> None:
    await start_bot()
    group = telegram.group_chat()
    telegram.send_text(group, ana, f"“{REPRESSION}”")  # quoted chatter: ignored in groups
    telegram.send_text(group, ana, f"/quote@some_other_bot {REPRESSION}")
    telegram.send_text(group, ana, f"/quote@ep_resolutions_bot {REPRESSION}")
    [reply] = await replies(telegram, group["id"], 1)
    assert reply["text"].startswith("✅ Verbatim") and NEWS_NOTE in reply["text"]
    assert telegram.calls_to("sendMessage")[-1].params.get("reply_parameters") is not None


async def test_the_same_words_in_several_documents_are_each_listed(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any],
    tmp_path: Path,
) -> None:
    await start_bot(corpus_dir=corpus_with_text_adopted(tmp_path))
    telegram.send_text(ana_chat, ana, f"/quote {REPRESSION}")
    [reply] = await replies(telegram, ana_chat["id"], 1)
    text = reply["text"]
    assert text.startswith("✅ Verbatim: the words stand in this order in 2 passages.")
    assert "They stand in 2 documents" in text
    assert "Not the resolution's text" not in text  # the text adopted holds them
    # The resolution's own text first, then the news report with its wording note.
    adopted = text.index("text adopted, Official Journal <C> & Co")
    assert adopted < text.index(NEWS_CITATION) < text.index(NEWS_NOTE)
    assert text.count(NEWS_NOTE) == 1


async def test_grouped_answer_shows_shared_wording_once_with_each_source(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any],
    tmp_path: Path,
) -> None:
    await start_bot(corpus_dir=corpus_with_text_adopted(tmp_path))
    telegram.send_text(ana_chat, ana, "political repression freedom of association")
    [reply] = await replies(telegram, ana_chat["id"], 1)
    text = reply["text"]
    assert text.startswith("Passages 1–3 of ")
    # One citation header for the resolution, naming both documents' kinds and sources.
    assert text.count("European Parliament resolution of 14 March 2019") == 1
    assert (
        "2019/2610(RSP) · adopted 2019-03-14 · text adopted, Official Journal <C> & Co; "
        "news report, Times of Central Asia" in text
    )
    # The shared wording once, with both documents listed under it.
    assert text.count("put an end to all forms of political repression") == 1
    assert "\n1.\n" in text and "\n1, 2.\n" not in text  # one wording, numbered once in reading order
    assert "The same words stand in 2 documents:" in text
    assert "• paragraph 3, item 1 of 2019-2610-text-adopted.md — text adopted" in text
    assert f"• paragraph 3 of {NEWS_FILE} — news report, Times of Central Asia" in text
    # The other resolution has its own header.
    assert "2016/2607(RSP) · adopted 2016-03-10 · summary" in text


async def test_grouped_answer_pages_with_more(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    telegram.send_text(ana_chat, ana, "political prisoners")
    [first] = await replies(telegram, ana_chat["id"], 1)
    text = first["text"]
    # Two passages of the news report under one header.
    assert text.count(NEWS_CITATION) == 1
    assert "\n1.\n" in text and "\n2.\n" in text
    [[more]] = first["reply_markup"]["inline_keyboard"]
    key = (ana_chat["id"], first["message_id"])
    query_id = telegram.press(first, ana, more["callback_data"])
    await telegram.wait_for(lambda: telegram.callback_queries[query_id] is not None)
    await telegram.wait_for(lambda: telegram.messages[key]["text"] != text)
    page = telegram.messages[key]["text"]
    assert page.startswith("Passages 4–")
    assert "\n4.\n" in page and "\n1.\n" not in page


async def test_year_and_ref_filters_work_in_telegram(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    telegram.send_text(ana_chat, ana, "political prisoners year:2016")
    [by_year] = await replies(telegram, ana_chat["id"], 1)
    telegram.send_text(ana_chat, ana, "Kozlov ref:2019/2610")
    telegram.send_text(ana_chat, ana, "political prisoners year:1990")
    # Updates are handled concurrently: tell the two replies apart by what they answer.
    later = (await replies(telegram, ana_chat["id"], 3))[1:]
    [by_ref] = [m for m in later if "“Kozlov ref:2019/2610”" in m["text"]]
    [none] = [m for m in later if m is not by_ref]
    assert "\nSearched: adopted in 2016\n" in by_year["text"]
    assert "2016/2607(RSP)" in by_year["text"] and "2019/2610(RSP)" not in by_year["text"]
    assert "Searched: reference 2019/2610" in by_ref["text"]
    assert "2019/2610(RSP)" in by_ref["text"] and "2016/2607(RSP)" not in by_ref["text"]
    assert none["text"].startswith("No passage matches")
    assert "Searched: adopted in 1990" in none["text"]


async def test_timeline_lists_resolutions_oldest_first(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    telegram.send_text(ana_chat, ana, "/timeline political prisoners")
    [reply] = await replies(telegram, ana_chat["id"], 1)
    text = reply["text"]
    assert text.startswith("Timeline of “political prisoners”: 2 resolutions, oldest first")
    first = text.index("2016-03-10 · 2016/2607(RSP)")
    second = text.index("2019-03-14 · 2019/2610(RSP)")
    assert first < second
    assert "release the opposition leader Vladimir Kozlov" in text[first:second]
    assert "This is the summary's wording, not the resolution's text." in text[first:second]
    assert NEWS_NOTE in text[second:]
    assert "news report, Times of Central Asia" in text[second:]
    assert {"political", "prisoners"} <= set(entities(reply, "bold"))


async def test_timeline_bad_topics_filters_and_groups(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any]
) -> None:
    await start_bot()
    group = telegram.group_chat()
    for text in (
        "/timeline",
        "/timeline the of and",
        "/timeline zebra <unicorn> & co",
        "/timeline@ep_resolutions_bot political prisoners year:2019",
    ):
        telegram.send_text(group, ana, text)
        await replies(telegram, group["id"], len(telegram.bot_messages_in(group["id"])) + 1, exact=False)
    usage, common, nothing, filtered = (m["text"] for m in telegram.bot_messages_in(group["id"]))
    assert usage.startswith("Type a topic after the command")
    assert "only common words" in common
    assert nothing.startswith("No passage matches") and "zebra <unicorn> & co" in nothing
    assert filtered.startswith("Timeline of “political prisoners year:2019”: 1 resolution")
    assert "Searched: adopted in 2019" in filtered
    assert "2019-03-14 · 2019/2610(RSP)" in filtered and "2016/2607" not in filtered


async def test_timeline_says_the_notes_an_answer_says(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    topics = (
        "political prisoners Uzbekistan",  # a named miss: nothing about Kazakhstan stands in for it
        "политические заключённые",  # another script than the corpus's
        "Kozlov Gefängnis year:2016",  # a filter and a word the corpus lacks
    )
    for topic in topics:
        telegram.send_text(ana_chat, ana, f"/timeline {topic}")
        await replies(telegram, ana_chat["id"], len(telegram.bot_messages_in(ana_chat["id"])) + 1, exact=False)
        telegram.send_text(ana_chat, ana, topic)
        await replies(telegram, ana_chat["id"], len(telegram.bot_messages_in(ana_chat["id"])) + 1, exact=False)
    messages = [m["text"] for m in telegram.bot_messages_in(ana_chat["id"])]
    (miss, miss_asked), (script, script_asked), (filtered, filtered_asked) = zip(
        messages[::2], messages[1::2], strict=True
    )
    assert miss.startswith("No passage matches") and "⚠️ Nothing in the corpus mentions: Uzbekistan" in miss
    assert "⚠️ Your question seems to be written in Cyrillic script" in script
    assert filtered.startswith("No passage matches")
    assert "Searched: adopted in 2016\n⚠️ Nothing in the corpus mentions: Gefängnis" in filtered
    # The same lines as the answer to the same words.
    for timeline, asked in ((miss, miss_asked), (script, script_asked), (filtered, filtered_asked)):
        said = [line for line in asked.splitlines() if line.startswith(("Searched:", "⚠️"))]
        assert said and [line for line in timeline.splitlines() if line.startswith(("Searched:", "⚠️"))] == said


async def test_a_timeline_with_entries_names_the_word_the_corpus_lacks(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any]
) -> None:
    await start_bot()
    telegram.send_text(ana_chat, ana, "/timeline political prisoners zxqvw")
    [reply] = await replies(telegram, ana_chat["id"], 1)
    heading = reply["text"].split("\n\n")[0]
    assert heading.startswith("Timeline of “political prisoners zxqvw”: 2 resolutions, oldest first")
    assert heading.endswith("⚠️ Nothing in the corpus mentions: zxqvw")


# A long timeline, one page at a time -------------------------------------------------

OTHER_MATTERS = (
    "The fisheries budget of the coastal regions grows again this year, as the Commission asked.\n\n"
    "Railway safety needs more inspectors at every border crossing and in every depot.\n\n"
    "Farmers in the southern regions receive drought aid for the third season in a row.\n"
)


def press_freedom_corpus(directory: Path, count: int = 30) -> Path:
    """``count`` resolutions on press freedom, one a year from 1990, written in no
    particular order; each also speaks of other matters, so the topic is not everywhere."""
    for n in sorted(range(count), key=lambda n: (n * 7) % count):
        (directory / f"r{(n * 7) % count:02d}.md").write_text(
            f"---\ntitle: European Parliament resolution number {n}\n"
            f"reference: {1990 + n}/{n + 2000}(RSP)\nadopted: {1990 + n}-06-01\n"
            "kind: text_adopted\nsource: European Parliament\n---\n"
            f"Parliament defends press freedom and the journalists held in year {1990 + n}.\n\n"
            f"{OTHER_MATTERS}",
            encoding="utf-8",
        )
    return directory


def years(text: str) -> list[int]:
    """The adoption years of the entries shown, in the order shown."""
    return [int(line[:4]) for line in text.splitlines() if line[:4].isdigit() and line[4:5] == "-"]


async def test_a_long_timeline_is_one_message_paged_with_more(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any],
    tmp_path: Path,
) -> None:
    bot = await start_bot(corpus_dir=press_freedom_corpus(tmp_path))
    telegram.send_text(ana_chat, ana, "/timeline press freedom")
    [message] = await replies(telegram, ana_chat["id"], 1)
    assert message["text"].startswith("Timeline of “press freedom”: 1–10 of 30 resolutions, oldest first\n")
    assert years(message["text"]) == list(range(1990, 2000))
    seen = [message["text"]]
    while "reply_markup" in message:  # More ▸ edits the message into the next page
        [[more]] = message["reply_markup"]["inline_keyboard"]
        assert more["text"] == "More ▸" and len(more["callback_data"].encode()) <= 64
        message = await telegram.edited(message, telegram.press(message, ana, more["callback_data"]))
        seen.append(message["text"])
    assert [s.split("\n")[0] for s in seen] == [
        f"Timeline of “press freedom”: {first}–{first + 9} of 30 resolutions, oldest first"
        for first in (1, 11, 21)
    ]
    assert [y for s in seen for y in years(s)] == list(range(1990, 2020))
    # One message, edited page by page; the last page has no button.
    assert len(telegram.calls_to("sendMessage")) == 1
    assert len(telegram.calls_to("editMessageText")) == 2

    # A button from before a reload names another corpus: it has expired, and says so.
    telegram.send_text(ana_chat, ana, "/timeline press freedom")
    _, fresh = await replies(telegram, ana_chat["id"], 2)
    (tmp_path / "r00.md").unlink()
    await asyncio.to_thread(bot.service.reload)
    [[more]] = fresh["reply_markup"]["inline_keyboard"]
    query_id = telegram.press(fresh, ana, more["callback_data"])
    answer = await telegram.wait_for(lambda: telegram.callback_queries[query_id])
    assert answer["text"] == "This list has changed or expired. Send /timeline again."
    assert telegram.bot_messages_in(ana_chat["id"])[1]["text"] == fresh["text"]  # unchanged
    stale = telegram.press_stale(fresh, ana, "tl:nosuchid:1:10")
    assert (await telegram.wait_for(lambda: telegram.callback_queries[stale]))["text"] == (
        "This list has changed or expired. Send /timeline again."
    )
    # After the reload, a new /timeline counts what is served now.
    telegram.send_text(ana_chat, ana, "/timeline press freedom")
    *_, after = await replies(telegram, ana_chat["id"], 3)
    assert after["text"].startswith("Timeline of “press freedom”: 1–10 of 29 resolutions")


async def test_timeline_pages_count_against_the_per_user_limit(
    telegram: FakeTelegram, start_bot: Any, ana: dict[str, Any], ana_chat: dict[str, Any],
    tmp_path: Path,
) -> None:
    await start_bot(corpus_dir=press_freedom_corpus(tmp_path), questions_per_minute=2)
    telegram.send_text(ana_chat, ana, "/timeline press freedom")
    [message] = await replies(telegram, ana_chat["id"], 1)
    [[more]] = message["reply_markup"]["inline_keyboard"]
    message = await telegram.edited(message, telegram.press(message, ana, more["callback_data"]))
    assert message["text"].startswith("Timeline of “press freedom”: 11–20 of 30")
    [[more]] = message["reply_markup"]["inline_keyboard"]
    query_id = telegram.press(message, ana, more["callback_data"])
    answer = await telegram.wait_for(lambda: telegram.callback_queries[query_id])
    assert answer["text"].startswith("You are asking quickly. Please wait")
    assert telegram.bot_messages_in(ana_chat["id"])[0]["text"] == message["text"]  # not edited
