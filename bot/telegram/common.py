"""What every Telegram handler shares: its state (service, rate limits, stored questions) and reply helpers.

The feature handlers (bot.telegram.questions, quotes, sources, admin) subclass
``BaseHandlers``; they all hold one ``Shared``, so a user's allowance and the answered
button presses are counted once, whichever feature they use.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.answers.quote import BadQuote
from bot.answers.service import BadQuestion, Service
from bot.state.database import StateError
from bot.state.store import State
from bot.telegram import render
from bot.telegram.pages import QueryStore
from bot.telegram.ratelimit import RateLimiter, Turns

logger = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")

Context = ContextTypes.DEFAULT_TYPE

# Inline queries arrive while the user types, so they get a larger allowance.
INLINE_LIMIT_FACTOR = 3
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# "typing..." only for an answer that takes longer than this: most take milliseconds, and
# every chat action counts against Telegram's ~30 requests a second like a message, so
# sending it first would halve the answers the bot can send a second.
TYPING_AFTER = 1.0
# Telegram shows a chat action for 5 seconds (or until the bot's next message): repeat it.
TYPING_EVERY = 4.5


def keyboard(rows: Sequence[Sequence[render.Button]]) -> InlineKeyboardMarkup | None:
    """Telegram's keyboard for render's plain button descriptions (None for no buttons)."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in rows]
    )


def user_id(update: Update) -> int | None:
    """Who sent the update, for logs and admin checks (None for channel posts)."""
    return update.effective_user.id if update.effective_user else None


def corpus_stamp(service: Service) -> str:
    """A short name for the corpus being served, for the More buttons of its lists.

    A reload that changed the corpus names a new one, so a list's button from before it
    expires rather than showing a page of a different list; after a restart on the same
    corpus the buttons still work. Read it before the list.
    """
    return service.snapshot.stamp or format(int(service.snapshot.built_at * 1_000_000), "x")


def page_buttons(prefix: str, stamp: str, page: render.Page) -> list[list[render.Button]]:
    """The More button of a list page, if the list goes on."""
    if page.next_offset is None:
        return []
    return [[render.Button(render.MORE_LABEL, f"{prefix}:{stamp}:{page.next_offset}")]]


def page_request(data: str | None, prefix: str, stamp: str) -> int | None:
    """The offset a list's More button asks for, or None when it has expired."""
    parts = (data or "").removeprefix(f"{prefix}:").split(":")
    if len(parts) != 2 or parts[0] != stamp or not parts[1].isdigit():
        return None
    return int(parts[1])


async def edit_into(query: CallbackQuery, text: str, rows: list[list[render.Button]]) -> bool:
    """Edit a button's message into ``text``; False when a double tap's second edit found
    it already done (Telegram refuses an edit that changes nothing)."""
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
            reply_markup=keyboard(rows),
        )
    except BadRequest as exc:
        # A double tap edits twice to the same page; Telegram refuses the second.
        if "not modified" not in exc.message.lower():
            raise
        return False
    return True


@contextlib.asynccontextmanager
async def typing_if_slow(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing..." in the chat if the work inside takes over TYPING_AFTER seconds,
    again every TYPING_EVERY seconds while it lasts, and never after it is done."""
    sending = asyncio.Lock()  # held while a chat action is on its way

    async def show() -> None:
        await asyncio.sleep(TYPING_AFTER)
        while True:
            async with sending:
                try:
                    await bot.send_chat_action(chat_id, ChatAction.TYPING)
                except TelegramError as exc:  # a courtesy: the answer still comes
                    logger.warning("could not show typing in chat %s: %s", chat_id, exc)
            await asyncio.sleep(TYPING_EVERY)

    task = asyncio.create_task(show())
    try:
        yield
    finally:
        # A chat action arriving after the answer would show "typing..." under it for
        # 5 seconds: one on its way is let through before the answer is sent, a pending
        # one is cancelled.
        async with sending:
            task.cancel()
        await asyncio.wait({task})  # returns once it has stopped, raising nothing
        if not task.cancelled() and task.exception() is not None:
            logger.warning("showing typing in chat %s failed", chat_id, exc_info=task.exception())


@dataclass
class Shared:
    """The state every handler shares: one per application."""

    service: Service
    questions_per_minute: int
    state: State  # what must last (bot.state): follows, notifications, counters; may be unavailable
    admin_ids: frozenset[int] = frozenset()
    limiter: RateLimiter = field(init=False)
    inline_limiter: RateLimiter = field(init=False)
    # Questions and topics behind buttons (the button data holds only their key).
    queries: QueryStore = field(default_factory=QueryStore)
    # Callback queries already answered: the error handler must not answer them twice.
    answered: deque[str] = field(default_factory=lambda: deque(maxlen=1024))
    # One question at a time per user (see off_loop).
    turns: Turns = field(default_factory=Turns)
    # The database problems the admins were told of: each once per process.
    state_problems_told: set[str] = field(default_factory=set)
    # Database writes in flight (counters, unanswered questions): held, so none is collected.
    background: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.state.available:  # the questions behind buttons outlast a restart
            self.queries = QueryStore(keep=self.state.put_question, recall=self.state.get_question)
        self.limiter = RateLimiter(self.questions_per_minute)
        self.inline_limiter = RateLimiter(self.questions_per_minute * INLINE_LIMIT_FACTOR)


    def in_background(self, call: Callable[..., object], *args: object) -> None:
        """``call(*args)`` on the database in a worker thread, not waited for (a failure is logged):
        for what the user's reply does not depend on."""
        if not self.state.available:
            return

        async def run() -> None:
            try:
                await asyncio.to_thread(call, *args)
            except StateError as exc:
                logger.error("database: %s", exc)

        task = asyncio.get_running_loop().create_task(run())
        self.background.add(task)
        task.add_done_callback(self.background.discard)


class BaseHandlers:
    """Reply helpers for the feature handlers: allowances, sending, the error handler."""

    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.service = shared.service
        self.queries = shared.queries

    async def off_loop(self, who: int, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``call(*args)`` in a worker thread, once ``who``'s previous question is answered.

        Every search, quote check and list a user asks for goes through here, so one user
        never holds more than one worker thread, however many questions they paste.
        """
        async with self.shared.turns.turn(who):
            return await asyncio.to_thread(call, *args, **kwargs)

    async def reply_with(
        self,
        update: Update,
        context: Context,
        call: Callable[[str], T],
        text: str,
        show: Callable[[T], tuple[list[str], list[list[render.Button]]]],
    ) -> None:
        """Rate-limit, run ``call(text)`` off the event loop, and reply with ``show`` of it
        (the messages, and the buttons under the last); a refusal (BadQuestion, BadQuote)
        is told in its own words."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not await self.allowed(update, message):
            return
        rows: list[list[render.Button]] = []
        async with typing_if_slow(context.bot, chat.id):
            try:
                result = await self.off_loop(self.who(update), call, text)
            except (BadQuestion, BadQuote) as exc:
                texts = [render.bad_question(str(exc))]
            else:
                texts, rows = show(result)
        await self.send(context, chat.id, texts, rows, message)

    async def error(self, update: object, context: Context) -> None:
        """Log the traceback; tell the user, briefly, when there is someone to tell."""
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error("error while handling update %s", update_id, exc_info=context.error)
        if not isinstance(update, Update):
            return
        query = update.callback_query
        if query is not None and query.id not in self.shared.answered:
            try:
                await self.answer_callback(query, render.apology())
            except TelegramError as exc:
                logger.warning("could not answer callback query %s: %s", query.id, exc)
        chat = update.effective_chat
        if chat is None:
            return
        try:
            await context.bot.send_message(chat.id, render.apology())
        except TelegramError as exc:
            logger.warning("could not send the apology to chat %s: %s", chat.id, exc)

    @staticmethod
    async def argument(update: Update, usage: str) -> str | None:
        """Everything after "/command" or "/command@botname", line breaks kept; without
        it, the command's usage is the reply and None the result."""
        message = update.effective_message
        if message is None or message.text is None:
            return None
        parts = message.text.split(maxsplit=1)
        if len(parts) < 2:
            await message.reply_html(usage)
            return None
        return parts[1]

    async def allowed(self, update: Update, message: Message) -> bool:
        """Take one from the user's allowance; when it is spent, say how long to wait."""
        wait = self.shared.limiter.acquire(self.who(update))
        if wait:
            await message.reply_html(render.rate_limited(wait))
        return not wait

    async def button_allowed(self, update: Update, query: CallbackQuery) -> bool:
        """As _allowed, for a button: the wait is the answer to its callback query."""
        wait = self.shared.limiter.acquire(self.who(update))
        if wait:
            await self.answer_callback(query, render.rate_limited(wait))
        return not wait

    async def answer_callback(self, query: CallbackQuery, text: str | None = None) -> None:
        """Answer a callback query once; the error handler then knows not to answer it."""
        await query.answer(text)
        self.shared.answered.append(query.id)

    @staticmethod
    def who(update: Update) -> int:
        # The limiter needs a key even without a user (a channel post): the chat's id.
        user = user_id(update)
        if user is not None:
            return user
        chat = update.effective_chat
        return chat.id if chat is not None else 0

    @staticmethod
    async def send(
        context: Context,
        chat_id: int,
        texts: Sequence[str],
        rows: list[list[render.Button]],
        reply_to: Message | None = None,
    ) -> None:
        """Send the messages; the first replies to ``reply_to`` (quoted in groups), the
        buttons go under the last."""
        for index, text in enumerate(texts):
            markup = keyboard(rows) if index == len(texts) - 1 else None
            if index == 0 and reply_to is not None:
                await reply_to.reply_html(text, reply_markup=markup, link_preview_options=NO_PREVIEW)
            else:
                await context.bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                    reply_markup=markup,
                )
