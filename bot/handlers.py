"""Telegram handlers: take the input, call the service off the event loop, render, reply.

Each handler is short on purpose: the logic lives in the service, the wording in
render. ``register`` adds them all to an application, so a new command is one method
and one line there.

Buttons carry short callback data (at most 64 bytes):
``q:<id>`` asks a stored question (the examples of /start) in a new message;
``more:<id>:<offset>`` edits the message into the next page of that question's answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import render
from bot.pages import QueryStore
from bot.ratelimit import RateLimiter
from bot.service import DEFAULT_TOP, Answer, BadQuestion, Service

logger = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

# What setMyCommands registers at start-up: (command, description).
COMMANDS: tuple[tuple[str, str], ...] = (
    ("ask", "The passages that answer a question"),
    ("sources", "Every resolution the bot can quote"),
    ("help", "How to ask, in private, in groups and inline"),
    ("start", "Welcome and example questions"),
)
INLINE_RESULTS = 10
INLINE_CACHE_SECONDS = 60
# Inline queries arrive while the user types, so they get a larger allowance.
INLINE_LIMIT_FACTOR = 3
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def keyboard(rows: Sequence[Sequence[render.Button]]) -> InlineKeyboardMarkup | None:
    """Telegram's keyboard for render's plain button descriptions (None for no buttons)."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in rows]
    )


class Handlers:
    """The bot's handlers and the small state they share (rate limits, button ids)."""

    def __init__(self, service: Service, questions_per_minute: int) -> None:
        self.service = service
        self.limiter = RateLimiter(questions_per_minute)
        self.inline_limiter = RateLimiter(questions_per_minute * INLINE_LIMIT_FACTOR)
        self.queries = QueryStore()
        # Callback queries already answered: the error handler must not answer them twice.
        self._answered: deque[str] = deque(maxlen=1024)

    # Commands and messages -------------------------------------------------------

    async def start(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None:
            return
        # sources() walks every document: off the event loop like a search.
        examples = render.example_questions(await asyncio.to_thread(self.service.sources))
        rows = [[render.Button(render.button_label(q), f"q:{self.queries.put(q)}")] for q in examples]
        await message.reply_html(
            render.welcome(bool(examples)), reply_markup=keyboard(rows),
            link_preview_options=NO_PREVIEW,
        )

    async def help(self, update: Update, context: Context) -> None:
        if update.effective_message:
            await update.effective_message.reply_html(
                render.help_text(context.bot.username), link_preview_options=NO_PREVIEW
            )

    async def sources(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None:
            return
        resolutions = await asyncio.to_thread(self.service.sources)
        for text in render.render_sources(resolutions):
            await message.reply_html(text, link_preview_options=NO_PREVIEW)

    async def ask_command(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        # Everything after "/ask" or "/ask@botname", line breaks kept.
        parts = message.text.split(maxsplit=1)
        if len(parts) < 2:
            await message.reply_html(render.ask_usage())
            return
        await self.answer_question(update, context, parts[1])

    async def private_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is not None and message.text is not None:
            await self.answer_question(update, context, message.text)

    async def not_text(self, update: Update, context: Context) -> None:
        if update.effective_message:
            await update.effective_message.reply_html(render.not_text())

    async def answer_question(self, update: Update, context: Context, question: str) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None:
            return
        wait = self.limiter.acquire(self._who(update))
        if wait:
            await message.reply_html(render.rate_limited(wait))
            return
        await self._ask(context, chat.id, question, reply_to=message)

    # Buttons ---------------------------------------------------------------------

    async def example(self, update: Update, context: Context) -> None:
        """A /start example button: ask its question in a new message."""
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        question = self.queries.get((query.data or "").removeprefix("q:"))
        if question is None:
            await self._answer(query, render.expired_button())
            return
        wait = self.limiter.acquire(self._who(update))
        if wait:
            await self._answer(query, render.rate_limited(wait))
            return
        await self._answer(query)
        await self._ask(context, chat.id, question)

    async def more(self, update: Update, context: Context) -> None:
        """The More button: edit its message into the next page of the answer."""
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        parts = (query.data or "").split(":")
        question = self.queries.get(parts[1]) if len(parts) == 3 else None
        if question is None or not parts[2].isdigit() or not isinstance(query.message, Message):
            await self._answer(query, render.expired_button())
            return
        wait = self.limiter.acquire(self._who(update))
        if wait:
            await self._answer(query, render.rate_limited(wait))
            return
        await self._answer(query)
        try:
            answer = await asyncio.to_thread(self.service.ask, question, DEFAULT_TOP, int(parts[2]))
        except BadQuestion as exc:  # the corpus changed since the first page
            await context.bot.send_message(chat.id, render.bad_question(str(exc)))
            return
        rows = self._more_buttons(question, answer, parts[1])
        texts = render.render_answer(answer)
        try:
            await query.edit_message_text(
                texts[0], parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                reply_markup=keyboard(rows) if len(texts) == 1 else None,
            )
        except BadRequest as exc:
            # A double tap edits twice to the same page; Telegram refuses the second.
            if "not modified" not in exc.message.lower():
                raise
            return
        await self._send(context, chat.id, texts[1:], rows)

    async def unknown_button(self, update: Update, context: Context) -> None:
        if update.callback_query:
            await self._answer(update.callback_query, render.expired_button())

    # Inline mode -----------------------------------------------------------------

    async def inline(self, update: Update, context: Context) -> None:
        query = update.inline_query
        if query is None:
            return
        text = query.query.strip()
        personal = False
        if not text:
            articles = [render.inline_hint(context.bot.username)]
        elif wait := self.inline_limiter.acquire(query.from_user.id):
            articles = [render.inline_bad_question(render.rate_limited(wait))]
            personal = True
        else:
            try:
                answer = await asyncio.to_thread(self.service.ask, text, INLINE_RESULTS)
                articles = render.inline_articles(answer) or [render.inline_no_match(text)]
            except BadQuestion as exc:
                articles = [render.inline_bad_question(str(exc))]
        await query.answer(
            [self._article(a) for a in articles],
            cache_time=0 if personal else INLINE_CACHE_SECONDS,
            is_personal=personal,
        )

    # Errors ----------------------------------------------------------------------

    async def error(self, update: object, context: Context) -> None:
        """Log the traceback; tell the user, briefly, when there is someone to tell."""
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error("error while handling update %s", update_id, exc_info=context.error)
        if not isinstance(update, Update):
            return
        query = update.callback_query
        if query is not None and query.id not in self._answered:
            try:
                await self._answer(query, render.apology())
            except TelegramError as exc:
                logger.warning("could not answer callback query %s: %s", query.id, exc)
        chat = update.effective_chat
        if chat is None:
            return
        try:
            await context.bot.send_message(chat.id, render.apology())
        except TelegramError as exc:
            logger.warning("could not send the apology to chat %s: %s", chat.id, exc)

    # Helpers ---------------------------------------------------------------------

    async def _ask(
        self, context: Context, chat_id: int, question: str, reply_to: Message | None = None
    ) -> None:
        """Show typing, search off the event loop, send the answer with its More button."""
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        try:
            answer = await asyncio.to_thread(self.service.ask, question)
        except BadQuestion as exc:
            await self._send(context, chat_id, [render.bad_question(str(exc))], [], reply_to)
            return
        rows = self._more_buttons(question, answer)
        await self._send(context, chat_id, render.render_answer(answer), rows, reply_to)

    async def _answer(self, query: CallbackQuery, text: str | None = None) -> None:
        await query.answer(text)
        self._answered.append(query.id)

    @staticmethod
    def _who(update: Update) -> int:
        user, chat = update.effective_user, update.effective_chat
        if user is not None:
            return user.id
        return chat.id if chat is not None else 0

    def _more_buttons(
        self, question: str, answer: Answer, key: str | None = None
    ) -> list[list[render.Button]]:
        if not render.has_more(answer):
            return []
        key = key or self.queries.put(question)
        offset = answer.offset + len(answer.hits)
        return [[render.Button(render.MORE_LABEL, f"more:{key}:{offset}")]]

    @staticmethod
    async def _send(
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

    @staticmethod
    def _article(article: render.Article) -> InlineQueryResultArticle:
        return InlineQueryResultArticle(
            id=article.id,
            title=article.title,
            description=article.description,
            input_message_content=InputTextMessageContent(
                article.html, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
            ),
        )


def register(application: Application[Any, Any, Any, Any, Any, Any], service: Service,
             questions_per_minute: int) -> Handlers:
    """Add every handler to ``application``; returns them for callers that need the state."""
    h = Handlers(service, questions_per_minute)
    new_messages = filters.UpdateType.MESSAGE
    application.add_handlers(
        [
            CommandHandler("start", h.start, filters=new_messages),
            CommandHandler("help", h.help, filters=new_messages),
            CommandHandler("sources", h.sources, filters=new_messages),
            CommandHandler("ask", h.ask_command, filters=new_messages),
            # Plain text is a question only in private chats: groups talk among themselves.
            MessageHandler(
                filters.ChatType.PRIVATE & new_messages & filters.TEXT & ~filters.COMMAND,
                h.private_text,
            ),
            MessageHandler(
                filters.ChatType.PRIVATE & new_messages & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                h.not_text,
            ),
            CallbackQueryHandler(h.example, pattern=r"^q:"),
            CallbackQueryHandler(h.more, pattern=r"^more:"),
            CallbackQueryHandler(h.unknown_button),
            InlineQueryHandler(h.inline),
        ]
    )
    application.add_error_handler(h.error)
    return h
