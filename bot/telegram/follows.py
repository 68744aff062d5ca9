"""Follows: /follow TOPIC, /unfollow TOPIC, /following with Unfollow buttons, and /forget.

The topic is checked by bot.answers.follows, kept by bot.state; both run off the event
loop. In a group only its administrators (getChatMember) choose what the group follows.
When the database cannot be used, the user is told so and the admins are told why, once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from telegram import Bot, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.answers.follows import MAX_FOLLOWS, BadTopic, check_topic, clean_topic, topic_key
from bot.state.database import StateError
from bot.telegram import render, render_follow
from bot.telegram.common import BaseHandlers, Context, Shared, edit_into, keyboard

logger = logging.getLogger(__name__)

T = TypeVar("T")
_ADMINS = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


async def report_state_problem(shared: Shared, bot: Bot, problem: str) -> None:
    """Log the database's problem and tell each admin, once per distinct problem."""
    logger.error("database: %s", problem)
    if problem in shared.state_problems_told:
        return
    shared.state_problems_told.add(problem)
    for admin in sorted(shared.admin_ids):
        try:
            await bot.send_message(admin, render_follow.state_problem(problem))
        except TelegramError as exc:
            logger.warning("could not tell admin %s about the database: %s", admin, exc)


class FollowHandlers(BaseHandlers):
    """/follow, /unfollow, /following, the Unfollow buttons (``unf:<follow id>``) and /forget."""

    def __init__(self, shared: Shared) -> None:
        super().__init__(shared)
        self.state = shared.state

    async def follow(self, update: Update, context: Context) -> None:
        message, chat = update.effective_message, update.effective_chat
        topic = await self.argument(update, render_follow.follow_usage())
        if message is None or chat is None or topic is None or not await self._may_choose(update, context):
            return
        if not await self.allowed(update, message):  # the check runs a search
            return
        try:
            checked = await self.off_loop(self.who(update), check_topic, self.service.snapshot, topic)
        except BadTopic as exc:
            await message.reply_html(render.bad_question(str(exc)))
            return
        outcome = await self._kept(
            context, message, self.state.follow, chat.id, checked.topic, checked.key, self.who(update), MAX_FOLLOWS
        )
        if outcome is None:
            return
        if outcome.outcome == "exists":
            await message.reply_html(render_follow.already_following(checked.topic))
        elif outcome.outcome == "full":
            await message.reply_html(render_follow.too_many(outcome.count))
        else:
            logger.info("chat %s follows %r", chat.id, checked.topic)
            await message.reply_html(render_follow.followed(checked.topic, outcome.count, checked.matches_today))

    async def unfollow(self, update: Update, context: Context) -> None:
        message, chat = update.effective_message, update.effective_chat
        topic = await self.argument(update, render_follow.unfollow_usage())
        if message is None or chat is None or topic is None or not await self._may_choose(update, context):
            return
        try:
            text = clean_topic(topic)
        except BadTopic as exc:
            await message.reply_html(render.bad_question(str(exc)))
            return
        try:
            removed = await asyncio.to_thread(self.state.unfollow, chat.id, topic_key=topic_key(text))
        except StateError as exc:
            await self._unavailable(context, message, exc)
            return
        reply = render_follow.unfollowed(removed.topic) if removed else render_follow.not_following(text)
        await message.reply_html(reply)

    async def following(self, update: Update, context: Context) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None:
            return
        follows = await self._kept(context, message, self.state.following, chat.id)
        if follows is not None:
            text, rows = render_follow.following(follows)
            await message.reply_html(text, reply_markup=keyboard(rows))

    async def unfollow_button(self, update: Update, context: Context) -> None:
        """An Unfollow button under /following: stop following, and edit the list."""
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        raw = (query.data or "").removeprefix("unf:")
        if not raw.isdigit() or not isinstance(query.message, Message):
            await self.answer_callback(query, render.expired_button())
            return
        if not await self._may_choose(update, context, quiet=True):
            await self.answer_callback(query, render_follow.group_admins_only())
            return
        try:
            removed = await asyncio.to_thread(self.state.unfollow, chat.id, follow_id=int(raw))
            follows = await asyncio.to_thread(self.state.following, chat.id)
        except StateError as exc:
            await self.answer_callback(query, render_follow.unavailable())
            await report_state_problem(self.shared, context.bot, str(exc))
            return
        await self.answer_callback(query, render_follow.unfollowed(removed.topic) if removed else None)
        text, rows = render_follow.following(follows)
        await edit_into(query, text, rows)

    async def forget(self, update: Update, context: Context) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        self.queries.forget_user(user.id)
        forgotten = await self._kept(context, message, self.state.forget, user.id)
        if forgotten is not None:
            logger.info("forgot user %s: %d follows, %d questions", user.id, forgotten.follows, forgotten.questions)
            await message.reply_html(render_follow.forgotten(forgotten))

    # Helpers ---------------------------------------------------------------------

    async def _may_choose(self, update: Update, context: Context, quiet: bool = False) -> bool:
        """In a private chat, yes; in a group, only for its administrators (asked of Telegram)."""
        chat, user, message = update.effective_chat, update.effective_user, update.effective_message
        if chat is None or user is None:
            return False
        if chat.type == chat.PRIVATE:
            return True
        try:
            member = await context.bot.get_chat_member(chat.id, user.id)
        except TelegramError as exc:
            logger.warning("getChatMember for %s in %s failed: %s", user.id, chat.id, exc)
            member = None
        if member is not None and member.status in _ADMINS:
            return True
        if not quiet and message is not None:
            await message.reply_html(render_follow.group_admins_only())
        return False

    async def _kept(self, context: Context, message: Message, call: Callable[..., T], *args: object,
                    **kwargs: object) -> T | None:
        """``call`` on the database off the event loop; when it fails, the user and the admins are told and
        the result is None."""
        try:
            return await asyncio.to_thread(call, *args, **kwargs)
        except StateError as exc:
            await self._unavailable(context, message, exc)
            return None

    async def _unavailable(self, context: Context, message: Message, exc: StateError) -> None:
        await message.reply_html(render_follow.unavailable())
        await report_state_problem(self.shared, context.bot, str(exc))
