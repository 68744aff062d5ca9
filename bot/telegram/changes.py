"""After the corpus changed (reload, upload, import, sync): one message per new resolution to each chat following it.

``corpus_changed`` is called by the telegram layer after every change of the corpus.
For each document the change added (or whose file changed), each followed topic is run
as a question (bot.answers.follows.match_topic); a chat that follows several matching
topics gets one message, for its best one. What was sent is kept by document and text
digest, so a file that changed only its whitespace, or came back after a removal, is
not announced again. Sending is paced under Telegram's limits (about 30 messages a
second, 20 a minute to a group), with the application's rate limiter waiting out any
429; a chat that blocked the bot (403) is unsubscribed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot.answers.follows import TopicMatch, match_topic, text_digest
from bot.answers.service import ReloadReport, Snapshot
from bot.state.database import StateError
from bot.state.store import Follow, State
from bot.telegram import render_follow
from bot.telegram.common import NO_PREVIEW, Shared
from bot.telegram.follows import report_state_problem

logger = logging.getLogger(__name__)

# Messages in flight at once (the pacer spaces their starts; this bounds the open requests).
CONCURRENT_SENDS = 32
# Telegram allows about 30 messages a second overall, 20 a minute to one group and about
# one a second to one private chat. The application's AIORateLimiter lets a burst through
# at first (60 in the first second, measured: benchmarks/bench_notify.py), so a fan-out
# paces itself under those figures, and the limiter waits out any 429 on top.
MESSAGES_PER_SECOND = 28
GROUP_GAP_S = 3.1  # 60 s / 20, and a little
PRIVATE_GAP_S = 1.0


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to send: a chat, the document, its text digest, the topic it matched and its best passage."""

    chat_id: int
    document: str
    digest: str
    topic: str
    match: TopicMatch


def plan_notices(snapshot: Snapshot, state: State, names: set[str]) -> list[Notice]:
    """The messages the documents ``names`` call for, none already sent (blocking: run it off the loop)."""
    follows = state.all_follows()
    by_topic: dict[str, list[Follow]] = defaultdict(list)
    for follow in follows:
        by_topic[follow.topic_key].append(follow)
    names = {n for n in names if n in snapshot.documents}
    best: dict[tuple[int, str], tuple[str, TopicMatch]] = {}  # (chat, document) -> its best topic
    for followers in by_topic.values():
        matches = match_topic(snapshot, followers[0].topic, names)
        for name, match in matches.items():
            for follow in followers:
                kept = best.get((follow.chat_id, name))
                if kept is None or match.ratio > kept[1].ratio:
                    best[(follow.chat_id, name)] = (follow.topic, match)
    notices: list[Notice] = []
    chats_by_document: dict[str, list[int]] = defaultdict(list)
    for chat_id, name in best:
        chats_by_document[name].append(chat_id)
    for name, chats in sorted(chats_by_document.items()):
        digest = text_digest(snapshot.documents[name])
        for chat_id in state.not_yet_notified(sorted(chats), name, digest):
            topic, match = best[(chat_id, name)]
            notices.append(Notice(chat_id, name, digest, topic, match))
    return notices


async def corpus_changed(application: Application[Any, Any, Any, Any, Any, Any], report: ReloadReport) -> None:
    """Tell each chat following a topic about the documents ``report`` added or changed, once each."""
    shared = application.bot_data.get("shared")
    names = set(report.added) | set(report.changed)
    if not isinstance(shared, Shared) or report.kept_old or not names or not shared.state.available:
        return
    try:
        notices = await asyncio.to_thread(plan_notices, shared.service.snapshot, shared.state, names)
    except StateError as exc:
        logger.error("notifications for %s not sent", ", ".join(sorted(names)))
        await report_state_problem(shared, application.bot, str(exc))
        return
    if not notices:
        return
    logger.info("notifying %d chats of %d changed documents", len({n.chat_id for n in notices}), len(names))
    by_chat: dict[int, list[Notice]] = defaultdict(list)
    for notice in notices:
        by_chat[notice.chat_id].append(notice)
    # One stored question behind the More button of every chat told of the same topic and
    # document: a thousand followers write one row, not a thousand.
    keys: dict[tuple[str, str], str] = {}
    for notice in notices:
        if (notice.topic, notice.document) not in keys:
            keys[(notice.topic, notice.document)] = shared.queries.put(_more_question(notice))
    pacer = Pacer(MESSAGES_PER_SECOND)
    gate = asyncio.Semaphore(CONCURRENT_SENDS)
    await asyncio.gather(
        *(_tell_chat(application, shared, chat, todo, keys, pacer, gate) for chat, todo in by_chat.items())
    )


def _more_question(notice: Notice) -> str:
    """The question behind More passages: the topic, within the notified resolution when its reference is known."""
    reference = notice.match.hit.document.meta.reference
    return f"{notice.topic} ref:{reference}" if reference else notice.topic


class Pacer:
    """Hands out sending slots at most ``rate`` a second, first come first served."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        async with self._lock:
            now = loop.time()
            slot = max(now, self._next)
            self._next = slot + self.interval
        await asyncio.sleep(slot - now)


async def _tell_chat(
    application: Application[Any, Any, Any, Any, Any, Any], shared: Shared, chat_id: int, notices: list[Notice],
    keys: dict[tuple[str, str], str], pacer: Pacer, gate: asyncio.Semaphore,
) -> None:
    """One chat's notifications, one after another, spaced as Telegram wants for that chat."""
    gap = GROUP_GAP_S if chat_id < 0 else PRIVATE_GAP_S
    for number, notice in enumerate(notices):
        if number:
            await asyncio.sleep(gap)
        await pacer.wait()
        async with gate:
            if not await _send(application, shared, notice, keys[(notice.topic, notice.document)]):
                return  # the chat blocked the bot: its follows are gone


async def _send(
    application: Application[Any, Any, Any, Any, Any, Any], shared: Shared, notice: Notice, key: str
) -> bool:
    """Send one notification and record it; False when the chat refuses the bot (it is then unsubscribed)."""
    hit = notice.match.hit
    more = InlineKeyboardButton(render_follow.MORE_PASSAGES_LABEL, callback_data=f"q:{key}")
    markup = InlineKeyboardMarkup([[more]])
    try:
        await application.bot.send_message(
            notice.chat_id, render_follow.notification(notice.topic, hit), parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW, reply_markup=markup,
        )
    except Forbidden as exc:
        # Blocked, kicked, or the user deleted their account: nobody to tell any more.
        logger.info("chat %s refuses the bot (%s): its follows are removed", notice.chat_id, exc.message)
        await _quietly(shared.state.unsubscribe_chat, notice.chat_id)
        return False
    except TelegramError as exc:
        logger.warning("notification of %s to chat %s failed: %s", notice.document, notice.chat_id, exc)
        return True
    await _quietly(shared.state.mark_notified, notice.chat_id, notice.document, notice.digest)
    return True


async def _quietly(call: Any, *args: Any) -> None:
    try:
        await asyncio.to_thread(call, *args)
    except StateError as exc:
        logger.error("database: %s", exc)
