"""Sync in Telegram: the scheduled sync tells the admins what it added, the text is answerable, /sync is the admins'."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ADMIN_ID, BotStarter, RunningBot
from conversation import replies, say, settled
from fake_telegram import FakeTelegram

from bot.corpus.sync import read_state
from bot.telegram.render_admin import NOT_ALLOWED
from bot.telegram.sync import JOB_NAME
from tests.standin_ep import Parliament, Route, StandIn

TODAY = dt.datetime.now(dt.UTC).date()
NEW = f"TA-10-{TODAY.year}-0101"
BROKEN = f"TA-10-{TODAY.year}-0102"


@pytest.fixture
def ep() -> Iterator[Parliament]:
    with StandIn() as server:
        yield Parliament(server)


async def start(start_bot: BotStarter, corpus: Path, ep: Parliament, **settings: Any) -> RunningBot:
    url = ep.server.url
    bot: RunningBot = await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}), ep_base_url=url,
                                      ep_open_data_url=url + "api/v2/", ep_requests_per_second=50, **settings)
    return bot


async def run_job(bot: RunningBot) -> None:
    """The scheduled job, run now by the JobQueue on the bot's own loop (rather than waiting for it)."""
    assert bot.application.job_queue is not None
    [job] = bot.application.job_queue.get_jobs_by_name(JOB_NAME)
    future = asyncio.run_coroutine_threadsafe(job.run(bot.application), bot.loop)
    await asyncio.wrap_future(future)


async def test_a_scheduled_sync_tells_the_admin_and_the_new_text_is_answerable(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ep: Parliament,
    olga: dict[str, Any], olga_chat: dict[str, Any], ana: dict[str, Any], ana_chat: dict[str, Any],
) -> None:
    ep.adopt(NEW, "Situation in Examplestan", TODAY, paragraphs=4)
    ep.adopt(BROKEN, "Broken", TODAY, route=Route.fixture("news.html"))
    bot = await start(start_bot, corpus, ep, sync_every=dt.timedelta(hours=24))
    await run_job(bot)
    [message] = await replies(telegram, olga_chat["id"], 1)
    text = message["text"]
    # The shipped corpus's newest text is of 14 March 2019: the window starts 14 days before.
    assert text.startswith(f"Sync with the Parliament: texts adopted 2019-02-28 to {TODAY}")
    title = f"European Parliament resolution of {TODAY.day} {TODAY:%B %Y} on situation in examplestan"
    assert f"Added (1):\n• {title} ({NEW} · {TODAY})" in text
    assert f"Refused (1):\n• {BROKEN}: not a resolution: no title line" in text
    assert "Corpus reloaded:" in text
    assert telegram.bot_messages_in(ana_chat["id"]) == []  # only admins are told
    [answer] = await say(telegram, ana_chat, ana, "measure number 4 without delay")
    assert "measure number 4" in answer["text"] and NEW in answer["text"]
    state = read_state(corpus)
    assert state is not None and state.outcome == "complete" and state.refused == (BROKEN,)

    # The next run has nothing new, and the refusal was told already: the admin hears nothing.
    await run_job(bot)
    assert len(telegram.bot_messages_in(olga_chat["id"])) == 1


async def test_sync_by_an_admin_reports_and_by_anyone_else_is_refused(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ep: Parliament,
    olga: dict[str, Any], olga_chat: dict[str, Any], ana: dict[str, Any], ana_chat: dict[str, Any],
) -> None:
    ep.adopt(NEW, "Situation in Examplestan", TODAY)
    await start(start_bot, corpus, ep)
    [reply] = await say(telegram, ana_chat, ana, "/sync")
    assert reply["text"] == NOT_ALLOWED
    assert not [r for r in ep.server.requests if r.path.startswith("/api/")]

    [status] = await say(telegram, olga_chat, olga, "/sync")
    key = (olga_chat["id"], status["message_id"])
    done = await telegram.wait_for(lambda: "edit_date" in telegram.messages[key] and telegram.messages[key])
    assert done["text"].startswith("Sync with the Parliament") and "Added (1):" in done["text"]
    [again] = await say(telegram, olga_chat, olga, "/sync")
    key = (olga_chat["id"], again["message_id"])
    done = await telegram.wait_for(lambda: "edit_date" in telegram.messages[key] and telegram.messages[key])
    assert "Added: nothing new" in done["text"] and "Already in the corpus: 1" in done["text"]


async def test_a_second_sync_while_one_runs_is_told_so(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ep: Parliament,
    olga: dict[str, Any], olga_chat: dict[str, Any],
) -> None:
    ep.adopt(NEW, "Situation in Examplestan", TODAY, route=None)
    ep.server.doceo(NEW, Route(body=b"", delay=2))  # a slow page holds the first sync
    await start(start_bot, corpus, ep)
    [first] = await say(telegram, olga_chat, olga, "/sync")
    await telegram.wait_for(lambda: any(r.path.startswith("/doceo/") for r in ep.server.requests))
    [second] = await say(telegram, olga_chat, olga, "/sync")
    assert second["text"] == "A sync is running already; its report comes when it ends."
    key = (olga_chat["id"], first["message_id"])
    await telegram.wait_for(lambda: "edit_date" in telegram.messages[key])


async def test_a_follower_is_told_of_what_a_scheduled_sync_brought(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ep: Parliament,
    olga: dict[str, Any], olga_chat: dict[str, Any], ana: dict[str, Any], ana_chat: dict[str, Any],
) -> None:
    ep.adopt(NEW, "Situation in Examplestan", TODAY, paragraphs=4)
    bot = await start(start_bot, corpus, ep, sync_every=dt.timedelta(hours=24))
    [followed] = await say(telegram, ana_chat, ana, "/follow Examplestan measures")
    assert followed["text"].startswith("Following “Examplestan measures”"), followed["text"]
    await run_job(bot)
    await settled(bot)
    [notice] = telegram.bot_messages_in(ana["id"])[1:]
    assert notice["text"].startswith("🔔 New on “Examplestan measures”")
    assert NEW in notice["text"] and "paragraph" in notice["text"]
