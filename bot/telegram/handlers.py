"""Telegram handlers: take the input, call the service off the event loop, render, reply.

Each handler is short on purpose: the logic lives in the service, the wording in
render. ``register`` adds them all to an application, so a new command is one method
and one line there.

The module holds two classes: ``Handlers`` for everyone and ``AdminHandlers`` for
ADMIN_IDS; both use the module-level helpers below (keyboards, sending, pages of a
long list). Only this module, app and __main__ import telegram.

Buttons carry short callback data (at most 64 bytes):
``q:<id>`` asks a stored question (the examples of /start) in a new message;
``more:<id>:<offset>`` edits the message into the next page of that question's answer;
``src:<corpus>:<offset>`` edits /sources into its next page (``adm:page:…`` for
/corpus), while the corpus it listed, named by its snapshot, is still the one served;
``tl:<id>:<corpus>:<offset>`` does the same for /timeline, the topic stored under ``id``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

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
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.answers.quote import BadQuote, quoted_text
from bot.answers.service import DEFAULT_TOP, Answer, BadQuestion, NeedsConfirmation, ReloadReport, Service
from bot.corpus.load import MAX_FILE_BYTES
from bot.corpus.models import CorpusError
from bot.corpus.store import StoreError, safe_name
from bot.telegram import render, render_admin, render_quote, render_timeline
from bot.telegram.pages import PendingStore, QueryStore
from bot.telegram.ratelimit import RateLimiter

logger = logging.getLogger(__name__)

T = TypeVar("T")

Context = ContextTypes.DEFAULT_TYPE

# What setMyCommands registers at start-up: (command, description).
COMMANDS: tuple[tuple[str, str], ...] = (
    ("ask", "The passages that answer a question"),
    ("quote", "Check whether a quote stands in a resolution, and where"),
    ("timeline", "What Parliament said on a topic, resolution by resolution"),
    ("sources", "Every resolution the bot can quote"),
    ("help", "How to ask, in private, in groups and inline"),
    ("start", "Welcome and example questions"),
)
INLINE_RESULTS = 10
INLINE_CACHE_SECONDS = 60
# Inline queries arrive while the user types, so they get a larger allowance.
INLINE_LIMIT_FACTOR = 3
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


# Shared by both classes ------------------------------------------------------------


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

    A reload (or a restart) builds a new snapshot, so a list's button from before it
    expires rather than showing a page of a different list. Read it before the list.
    """
    return format(int(service.snapshot.built_at * 1_000_000), "x")


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


# Everyone ---------------------------------------------------------------------------


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
        # It walks every resolution like /sources: limited like a question.
        if message is None or not await self._allowed(update, message):
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
        """The first page of every resolution, with More ▸ when the list goes on."""
        message = update.effective_message
        if message is None or not await self._allowed(update, message):
            return
        stamp = corpus_stamp(self.service)
        resolutions = await asyncio.to_thread(self.service.sources)
        page = render.render_sources(resolutions)
        assert page is not None  # offset 0 is always a page
        await message.reply_html(
            page.text, reply_markup=keyboard(page_buttons("src", stamp, page)),
            link_preview_options=NO_PREVIEW,
        )

    async def ask_command(self, update: Update, context: Context) -> None:
        question = await self._argument(update, render.ask_usage())
        if question is not None:
            await self.answer_question(update, context, question)

    async def quote_command(self, update: Update, context: Context) -> None:
        quote = await self._argument(update, render_quote.quote_usage())
        if quote is not None:
            await self.check_quote(update, context, quote)

    async def timeline_command(self, update: Update, context: Context) -> None:
        topic = await self._argument(update, render_timeline.timeline_usage())
        if topic is not None:
            await self.show_timeline(update, context, topic)

    async def private_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        # A message wholly in quotation marks is a quote to check, not a question.
        quote = quoted_text(message.text)
        if quote is not None:
            await self.check_quote(update, context, quote)
        else:
            await self.answer_question(update, context, message.text)

    async def not_text(self, update: Update, context: Context) -> None:
        if update.effective_message:
            await update.effective_message.reply_html(render.not_text())

    async def answer_question(self, update: Update, context: Context, question: str) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not await self._allowed(update, message):
            return
        await self._ask(context, chat.id, question, reply_to=message)

    async def check_quote(self, update: Update, context: Context, quote: str) -> None:
        """Whether ``quote`` stands in the corpus; checked off the event loop."""
        await self._reply_with(
            update, context, self.service.quote, quote, lambda result: (render_quote.render_quote(result), [])
        )

    async def show_timeline(self, update: Update, context: Context, topic: str) -> None:
        """The first page of what the Parliament said on ``topic``, oldest first, in one
        message with More ▸ when the timeline goes on; searched off the event loop."""
        stamp = corpus_stamp(self.service)  # before the search: a reload meanwhile expires the button

        def first_page(text: str) -> render.Page:
            # Searched and rendered off the event loop; the button is made back on it,
            # where the query store lives.
            page = render_timeline.render_timeline(
                self.service.timeline(text, 0, render_timeline.TIMELINE_PAGE)
            )
            assert page is not None  # offset 0 is always a page
            return page

        await self._reply_with(
            update, context, first_page, topic,
            lambda page: ([page.text], self._timeline_buttons(None, topic, stamp, page)),
        )

    async def _reply_with(
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
        if message is None or chat is None or not await self._allowed(update, message):
            return
        await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
        rows: list[list[render.Button]] = []
        try:
            result = await asyncio.to_thread(call, text)
        except (BadQuestion, BadQuote) as exc:
            texts = [render.bad_question(str(exc))]
        else:
            texts, rows = show(result)
        await self._send(context, chat.id, texts, rows, message)

    # Buttons ---------------------------------------------------------------------

    async def example(self, update: Update, context: Context) -> None:
        """A /start example button: ask its question in a new message."""
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        question = self.queries.get((query.data or "").removeprefix("q:"))
        if question is None:
            await self.answer_callback(query, render.expired_button())
            return
        if not await self._button_allowed(update, query):
            return
        await self.answer_callback(query)
        await self._ask(context, chat.id, question)

    async def more(self, update: Update, context: Context) -> None:
        """The More button: edit its message into the next page of the answer."""
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        # more:<question id>:<corpus stamp>:<offset>; after a reload the ranking differs,
        # so a page of it could repeat or skip passages: the button expires instead.
        parts = (query.data or "").split(":")
        stamp = corpus_stamp(self.service)
        question = self.queries.get(parts[1]) if len(parts) == 4 and parts[2] == stamp else None
        if question is None or not parts[3].isdigit() or not isinstance(query.message, Message):
            await self.answer_callback(query, render.expired_button())
            return
        if not await self._button_allowed(update, query):
            return
        await self.answer_callback(query)
        try:
            answer = await asyncio.to_thread(self.service.ask, question, DEFAULT_TOP, int(parts[3]))
        except BadQuestion as exc:
            await context.bot.send_message(chat.id, render.bad_question(str(exc)))
            return
        rows = self._more_buttons(question, answer, stamp, parts[1])
        texts = render.render_answer(answer)
        if await edit_into(query, texts[0], rows if len(texts) == 1 else []):
            await self._send(context, chat.id, texts[1:], rows)

    async def sources_page(self, update: Update, context: Context) -> None:
        """More ▸ under /sources: edit the message into the next page of the list."""
        query = update.callback_query
        if query is None:
            return
        stamp = corpus_stamp(self.service)
        offset = page_request(query.data, "src", stamp)
        if offset is None or not isinstance(query.message, Message):
            await self.answer_callback(query, render.expired_list("/sources"))
            return
        if not await self._button_allowed(update, query):
            return
        page = render.render_sources(await asyncio.to_thread(self.service.sources), offset)
        if page is None:
            await self.answer_callback(query, render.expired_list("/sources"))
            return
        await self.answer_callback(query)
        await edit_into(query, page.text, page_buttons("src", stamp, page))

    async def timeline_page(self, update: Update, context: Context) -> None:
        """More ▸ under /timeline: edit the message into the timeline's next page."""
        query = update.callback_query
        if query is None:
            return
        stamp = corpus_stamp(self.service)
        parts = (query.data or "").split(":")
        key = parts[1] if len(parts) == 4 else ""
        topic = self.queries.get(key)
        offset = page_request(query.data, f"tl:{key}", stamp)
        if topic is None or offset is None or not isinstance(query.message, Message):
            await self.answer_callback(query, render.expired_list("/timeline"))
            return
        if not await self._button_allowed(update, query):
            return
        try:
            timeline = await asyncio.to_thread(
                self.service.timeline, topic, offset, render_timeline.TIMELINE_PAGE
            )
        except BadQuestion:  # the topic was searchable when the first page was sent
            timeline = None
        page = None if timeline is None else render_timeline.render_timeline(timeline)
        if page is None:
            await self.answer_callback(query, render.expired_list("/timeline"))
            return
        await self.answer_callback(query)
        await edit_into(query, page.text, self._timeline_buttons(key, topic, stamp, page))

    async def unknown_button(self, update: Update, context: Context) -> None:
        if update.callback_query:
            await self.answer_callback(update.callback_query, render.expired_button())

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

    # Helpers ---------------------------------------------------------------------

    async def _ask(
        self, context: Context, chat_id: int, question: str, reply_to: Message | None = None
    ) -> None:
        """Show typing, search off the event loop, send the answer with its More button."""
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        stamp = corpus_stamp(self.service)  # read before the search, as for lists
        try:
            answer = await asyncio.to_thread(self.service.ask, question)
        except BadQuestion as exc:
            await self._send(context, chat_id, [render.bad_question(str(exc))], [], reply_to)
            return
        rows = self._more_buttons(question, answer, stamp)
        await self._send(context, chat_id, render.render_answer(answer), rows, reply_to)

    @staticmethod
    async def _argument(update: Update, usage: str) -> str | None:
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

    async def _allowed(self, update: Update, message: Message) -> bool:
        """Take one from the user's allowance; when it is spent, say how long to wait."""
        wait = self.limiter.acquire(self._who(update))
        if wait:
            await message.reply_html(render.rate_limited(wait))
        return not wait

    async def _button_allowed(self, update: Update, query: CallbackQuery) -> bool:
        """As _allowed, for a button: the wait is the answer to its callback query."""
        wait = self.limiter.acquire(self._who(update))
        if wait:
            await self.answer_callback(query, render.rate_limited(wait))
        return not wait

    async def answer_callback(self, query: CallbackQuery, text: str | None = None) -> None:
        """Answer a callback query once; the error handler then knows not to answer it."""
        await query.answer(text)
        self._answered.append(query.id)

    @staticmethod
    def _who(update: Update) -> int:
        # The limiter needs a key even without a user (a channel post): the chat's id.
        user = user_id(update)
        if user is not None:
            return user
        chat = update.effective_chat
        return chat.id if chat is not None else 0

    def _timeline_buttons(
        self, key: str | None, topic: str, stamp: str, page: render.Page
    ) -> list[list[render.Button]]:
        """More ▸ under a timeline page that goes on; the topic is stored (under a new
        ``key`` when None) only then, so a short timeline takes no room in the store."""
        if page.next_offset is None:
            return []
        return page_buttons(f"tl:{key or self.queries.put(topic)}", stamp, page)

    def _more_buttons(
        self, question: str, answer: Answer, stamp: str, key: str | None = None
    ) -> list[list[render.Button]]:
        if not render.has_more(answer):
            return []
        key = key or self.queries.put(question)
        offset = answer.offset + len(answer.hits)
        return [[render.Button(render.MORE_LABEL, f"more:{key}:{stamp}:{offset}")]]

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


# Admins -----------------------------------------------------------------------------

# Shown, with COMMANDS, in each admin's own command menu (setMyCommands, chat scope).
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("reload", "Admin: re-read the corpus directory"),
    ("corpus", "Admin: the corpus files, passages and metadata"),
    ("remove", "Admin: remove a corpus file (asks first)"),
    ("stats", "Admin: uptime, questions, answer times"),
)

Callback = Callable[[Update, Context], Awaitable[None]]


async def reload_corpus(service: Service, origin: str) -> ReloadReport:
    """The one reload path, for /reload and SIGHUP: the index is built off the event loop.

    No lock here on purpose: the service coalesces reloads that overlap, so two at once
    build once and both get the report, while questions go on using the old index.
    """
    report = await asyncio.to_thread(service.reload)
    logger.info(
        "reload by %s: %d added, %d removed, %d changed, passages %d -> %d, %d problems%s",
        origin, len(report.added), len(report.removed), len(report.changed),
        report.passages_before, report.passages_after, len(report.problems),
        " (nothing loadable: old corpus kept)" if report.kept_old else "",
    )
    return report


@dataclass(frozen=True, slots=True)
class PendingAction:
    """What a Replace or Remove button does when an admin presses it."""

    action: str  # "replace" or "remove"
    name: str
    data: bytes = b""


class AdminHandlers:
    """/reload, /remove, /corpus, /stats and document uploads, for ADMIN_IDS only.

    Anyone else gets one neutral line (and a log line with their id), and a file they
    send is never downloaded. Buttons: ``adm:yes:<id>`` does the pending action,
    ``adm:no:<id>`` cancels it.
    """

    def __init__(self, service: Service, admin_ids: frozenset[int], public: Handlers) -> None:
        self.service = service
        self.admin_ids = admin_ids
        self.public = public  # its answer_callback records answered queries for the error handler
        self.pending: PendingStore[PendingAction] = PendingStore()

    def register(self, application: Application[Any, Any, Any, Any, Any, Any], group: int) -> None:
        new_messages = filters.UpdateType.MESSAGE
        application.add_handlers(
            [
                CommandHandler("reload", self._final(self.reload), filters=new_messages),
                CommandHandler("remove", self._final(self.remove), filters=new_messages),
                CommandHandler("corpus", self._final(self.corpus), filters=new_messages),
                CommandHandler("stats", self._final(self.stats), filters=new_messages),
                # Uploads in private chats only: files shared in a group are not for the bot.
                MessageHandler(
                    filters.ChatType.PRIVATE & new_messages & filters.Document.ALL,
                    self._final(self.upload),
                ),
                CallbackQueryHandler(self._final(self.corpus_page), pattern=r"^adm:page:"),
                CallbackQueryHandler(self._final(self.confirm), pattern=r"^adm:"),
            ],
            group=group,
        )

    # Commands --------------------------------------------------------------------

    async def reload(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or not await self._allowed(update, "/reload"):
            return
        report = await reload_corpus(self.service, f"/reload from {user_id(update)}")
        await message.reply_html(render_admin.reload_report(report))

    async def corpus(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or not await self._allowed(update, "/corpus"):
            return
        stamp = corpus_stamp(self.service)
        page = await asyncio.to_thread(self._corpus_page, 0)
        assert page is not None  # offset 0 is always a page
        await message.reply_html(
            page.text, reply_markup=keyboard(page_buttons("adm:page", stamp, page))
        )

    async def stats(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or not await self._allowed(update, "/stats"):
            return
        await message.reply_html(render_admin.stats(await asyncio.to_thread(self.service.stats)))

    async def remove(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or message.text is None or not await self._allowed(update, "/remove"):
            return
        parts = message.text.split(maxsplit=1)
        if len(parts) < 2:
            await message.reply_html(render_admin.remove_usage())
            return
        requested = parts[1].strip()
        try:
            # Matched against the directory listing: "../x.md" names nothing.
            name = await asyncio.to_thread(self.service.corpus_file, requested)
        except StoreError as exc:
            await message.reply_html(render_admin.remove_refused(requested, str(exc)))
            return
        key = self.pending.put(PendingAction("remove", name))
        await message.reply_html(
            render_admin.confirm_remove(name),
            reply_markup=keyboard(self._confirm_buttons(render_admin.REMOVE_LABEL, key)),
        )

    # Uploads ---------------------------------------------------------------------

    async def upload(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or message.document is None:
            return
        document = message.document
        name = document.file_name or ""
        if not await self._allowed(update, f"upload of {name!r}"):
            return  # refused before get_file: a non-admin's file is never downloaded
        # Refused from what Telegram says about the file, before downloading it.
        if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
            await message.reply_html(render_admin.too_big(name, document.file_size, MAX_FILE_BYTES))
            return
        try:
            safe_name(name)
        except StoreError as exc:
            await message.reply_html(render_admin.upload_refused(name, str(exc)))
            return
        telegram_file = await document.get_file()
        data = bytes(await telegram_file.download_as_bytearray())
        logger.info("upload from %s: %r, %d bytes", user_id(update), name, len(data))
        text, rows = await self._save(name, data, overwrite=False)
        await message.reply_html(text, reply_markup=keyboard(rows))

    # Buttons ---------------------------------------------------------------------

    async def _admin_button(self, update: Update) -> CallbackQuery | None:
        """The pressed button's query when an admin pressed it; anyone else gets the
        neutral line (logged) and None."""
        query = update.callback_query
        if query is None:
            return None
        if not self._is_admin(update):
            logger.warning("admin button refused: user %s, %r", user_id(update), query.data)
            await self.public.answer_callback(query, render_admin.NOT_ALLOWED)
            return None
        return query

    async def corpus_page(self, update: Update, context: Context) -> None:
        """More ▸ under /corpus: edit the message into the next page of the listing."""
        query = await self._admin_button(update)
        if query is None:
            return
        stamp = corpus_stamp(self.service)
        offset = page_request(query.data, "adm:page", stamp)
        page = None if offset is None else await asyncio.to_thread(self._corpus_page, offset)
        if page is None or not isinstance(query.message, Message):
            await self.public.answer_callback(query, render.expired_list("/corpus"))
            return
        await self.public.answer_callback(query)
        await edit_into(query, page.text, page_buttons("adm:page", stamp, page))

    async def confirm(self, update: Update, context: Context) -> None:
        """Replace, Remove or Cancel under a confirmation: edit it into the outcome."""
        query = await self._admin_button(update)
        if query is None:
            return
        parts = (query.data or "").split(":")
        pending = self.pending.pop(parts[2]) if len(parts) == 3 else None
        if pending is None or parts[1] not in {"yes", "no"} or not isinstance(query.message, Message):
            await self.public.answer_callback(query, render_admin.EXPIRED)
            return
        await self.public.answer_callback(query)
        if parts[1] == "no":
            text = render_admin.cancelled(pending.name)
        elif pending.action == "replace":
            text, _ = await self._save(pending.name, pending.data, overwrite=True)
        else:
            text = await self._remove(pending.name)
        # The buttons go with the edit, so the outcome cannot be pressed again.
        await query.edit_message_text(text, parse_mode=ParseMode.HTML)

    # Helpers ---------------------------------------------------------------------

    async def _save(
        self, name: str, data: bytes, overwrite: bool
    ) -> tuple[str, list[list[render.Button]]]:
        """Validate, write and reload off the event loop; the reply and its buttons."""
        try:
            result = await asyncio.to_thread(self.service.add_document, name, data, overwrite)
        except NeedsConfirmation as exc:
            key = self.pending.put(PendingAction("replace", exc.name, data), len(data))
            return (
                render_admin.confirm_replace(exc.name),
                self._confirm_buttons(render_admin.REPLACE_LABEL, key),
            )
        except (CorpusError, StoreError) as exc:
            logger.info("upload %r refused: %s", name, exc)
            return render_admin.upload_refused(name, str(exc)), []
        except OSError as exc:
            return self._not_writable(f"upload of {name!r}", exc), []
        return render_admin.upload_saved(result), []

    async def _remove(self, name: str) -> str:
        try:
            report = await asyncio.to_thread(self.service.remove_document, name)
        except StoreError as exc:  # removed meanwhile, by hand or by another admin
            return render_admin.remove_refused(name, str(exc))
        except OSError as exc:
            return self._not_writable(f"removal of {name!r}", exc)
        return render_admin.removed(name, report)

    def _not_writable(self, what: str, exc: OSError) -> str:
        """The admin's reply when the corpus directory refuses a write (a read-only mount,
        a root-owned directory, a full disk); the traceback goes to the log only."""
        directory = str(self.service.corpus_dir)
        logger.error("%s failed: CORPUS_DIR %s is not writable", what, directory, exc_info=exc)
        return render_admin.not_writable(directory, exc.strerror or type(exc).__name__)

    def _corpus_page(self, offset: int) -> render.Page | None:
        # The files and the skipped ones, read together: run it off the event loop.
        return render_admin.corpus_listing(self.service.documents(), self.service.problems, offset)

    @staticmethod
    def _confirm_buttons(label: str, key: str) -> list[list[render.Button]]:
        return [[
            render.Button(label, f"adm:yes:{key}"),
            render.Button(render_admin.CANCEL_LABEL, f"adm:no:{key}"),
        ]]

    def _is_admin(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and user.id in self.admin_ids

    async def _allowed(self, update: Update, what: str) -> bool:
        """True for an admin; anyone else gets the neutral line, and is logged."""
        if self._is_admin(update):
            return True
        logger.warning("admin only: refused %s from user %s", what, user_id(update))
        if update.effective_message is not None:
            await update.effective_message.reply_html(render_admin.NOT_ALLOWED)
        return False

    def _final(self, callback: Callback) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
        """``callback``, then no later handler group: the update was the admins'.

        A failure is reported here, through the public error handler, since PTB would
        otherwise go on to the next group after reporting it.
        """

        async def handle(update: Update, context: Context) -> None:
            try:
                await callback(update, context)
            except Exception as exc:
                context.error = exc
                await self.public.error(update, context)
            raise ApplicationHandlerStop

        return handle


# Registration -------------------------------------------------------------------------


def register(application: Application[Any, Any, Any, Any, Any, Any], service: Service,
             questions_per_minute: int, admin_ids: frozenset[int] = frozenset()) -> Handlers:
    """Add every handler to ``application``; returns them for callers that need the state."""
    h = Handlers(service, questions_per_minute)
    # Admin handlers come first (group -1) and stop there: a document must not also get
    # the "send text" hint, nor an admin button the "expired" answer of unknown_button.
    AdminHandlers(service, admin_ids, h).register(application, group=-1)
    new_messages = filters.UpdateType.MESSAGE
    application.add_handlers(
        [
            CommandHandler("start", h.start, filters=new_messages),
            CommandHandler("help", h.help, filters=new_messages),
            CommandHandler("sources", h.sources, filters=new_messages),
            CommandHandler("ask", h.ask_command, filters=new_messages),
            CommandHandler("quote", h.quote_command, filters=new_messages),
            CommandHandler("timeline", h.timeline_command, filters=new_messages),
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
            CallbackQueryHandler(h.sources_page, pattern=r"^src:"),
            CallbackQueryHandler(h.timeline_page, pattern=r"^tl:"),
            CallbackQueryHandler(h.unknown_button),
            InlineQueryHandler(h.inline),
        ]
    )
    application.add_error_handler(h.error)
    return h
