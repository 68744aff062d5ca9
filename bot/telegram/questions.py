"""Questions: /start, /help, /ask, plain text in private, the example and More buttons, and inline mode.

A message wholly in quotation marks is a quote to check: it goes to the quote handlers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import InlineQueryResultArticle, InputTextMessageContent, Message, Update
from telegram.constants import ParseMode

from bot.answers.answer import Answer
from bot.answers.quote import quoted_text
from bot.answers.service import DEFAULT_TOP, BadQuestion
from bot.telegram import render, render_answer, render_sources
from bot.telegram.common import (
    NO_PREVIEW,
    BaseHandlers,
    Context,
    Shared,
    corpus_stamp,
    edit_into,
    keyboard,
    typing_if_slow,
)

logger = logging.getLogger(__name__)

INLINE_RESULTS = 10
INLINE_CACHE_SECONDS = 60


class QuestionHandlers(BaseHandlers):
    """Everything that answers a question with passages."""

    def __init__(self, shared: Shared, check_quote: Callable[[Update, Context, str], Awaitable[None]]) -> None:
        super().__init__(shared)
        self.check_quote = check_quote

    async def start(self, update: Update, context: Context) -> None:
        message = update.effective_message
        # It walks every resolution like /sources: limited like a question.
        if message is None or not await self.allowed(update, message):
            return
        # sources() walks every document: off the event loop like a search.
        examples = render_sources.example_questions(await self.off_loop(self.who(update), self.service.sources))
        rows = [[render.Button(render_sources.button_label(q), f"q:{self.queries.put(q)}")] for q in examples]
        await message.reply_html(
            render_sources.welcome(bool(examples), group=_in_group(update)), reply_markup=keyboard(rows),
            link_preview_options=NO_PREVIEW,
        )

    async def help(self, update: Update, context: Context) -> None:
        if update.effective_message:
            await update.effective_message.reply_html(
                render_sources.help_text(context.bot.username, group=_in_group(update)),
                link_preview_options=NO_PREVIEW,
            )

    async def unknown_command(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is not None and message.text:
            await message.reply_html(render_sources.unknown_command(message.text.split(maxsplit=1)[0]))

    async def ask_command(self, update: Update, context: Context) -> None:
        question = await self.argument(update, render_answer.ask_usage())
        if question is not None:
            await self.answer_question(update, context, question)

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
        if message is None or chat is None or not await self.allowed(update, message):
            return
        await self._ask(context, self.who(update), chat.id, question, reply_to=message)

    async def example(self, update: Update, context: Context) -> None:
        """A /start example button: ask its question in a new message."""
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        question = await self.queries.fetch((query.data or "").removeprefix("q:"))
        if question is None:
            await self.answer_callback(query, render.expired_button())
            return
        if not await self.button_allowed(update, query):
            return
        await self.answer_callback(query)
        await self._ask(context, self.who(update), chat.id, question)

    async def more(self, update: Update, context: Context) -> None:
        """The More button: edit its message into the next page of the answer."""
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        # more:<question id>:<corpus stamp>:<offset>; after a reload the ranking differs,
        # so a page of it could repeat or skip passages: the button expires instead.
        parts = (query.data or "").split(":")
        stamp = corpus_stamp(self.service)
        question = await self.queries.fetch(parts[1]) if len(parts) == 4 and parts[2] == stamp else None
        if question is None or not parts[3].isdigit() or not isinstance(query.message, Message):
            await self.answer_callback(query, render.expired_button())
            return
        if not await self.button_allowed(update, query):
            return
        await self.answer_callback(query)
        try:
            answer = await self.off_loop(self.who(update), self.service.ask, question, DEFAULT_TOP, int(parts[3]))
        except BadQuestion as exc:
            await context.bot.send_message(chat.id, render.bad_question(str(exc)))
            return
        rows = self._more_buttons(question, answer, stamp, parts[1])
        texts = render_answer.render_answer(answer)
        if await edit_into(query, texts[0], rows if len(texts) == 1 else []):
            await self.send(context, chat.id, texts[1:], rows)

    async def unknown_button(self, update: Update, context: Context) -> None:
        if update.callback_query:
            await self.answer_callback(update.callback_query, render.expired_button())

    async def inline(self, update: Update, context: Context) -> None:
        query = update.inline_query
        if query is None:
            return
        text = query.query.strip()
        personal = False
        if not text:
            articles = [render_answer.inline_hint(context.bot.username)]
        elif wait := self.shared.inline_limiter.acquire(query.from_user.id):
            articles = [render_answer.inline_bad_question(render.rate_limited(wait))]
            personal = True
        else:
            try:
                answer = await self.off_loop(query.from_user.id, self.service.ask, text, INLINE_RESULTS)
                articles = render_answer.inline_articles(answer) or [render_answer.inline_no_match(text, answer)]
            except BadQuestion as exc:
                articles = [render_answer.inline_bad_question(str(exc))]
        await query.answer(
            [self._article(a) for a in articles],
            cache_time=0 if personal else INLINE_CACHE_SECONDS,
            is_personal=personal,
        )

    async def _ask(
        self, context: Context, who: int, chat_id: int, question: str, reply_to: Message | None = None
    ) -> None:
        """Search off the event loop (typing shown if it is slow), send the answer with its More button."""
        stamp = corpus_stamp(self.service)  # read before the search, as for lists
        try:
            async with typing_if_slow(context.bot, chat_id):
                answer = await self.off_loop(who, self.service.ask, question)
        except BadQuestion as exc:
            await self.send(context, chat_id, [render.bad_question(str(exc))], [], reply_to)
            return
        rows = self._more_buttons(question, answer, stamp, owner=who)
        await self.send(context, chat_id, render_answer.render_answer(answer), rows, reply_to)
        # Kept for /stats and /unanswered: the words of a question nothing answers, never who asked.
        self.shared.in_background(self.shared.state.count, "questions")
        if not answer.found and answer.offset == 0:
            self.shared.in_background(self.shared.state.record_unanswered, question)

    def _more_buttons(
        self, question: str, answer: Answer, stamp: str, key: str | None = None, owner: int | None = None
    ) -> list[list[render.Button]]:
        if not render_answer.has_more(answer):
            return []
        key = key or self.queries.put(question, owner)
        offset = answer.offset + len(answer.hits)
        return [[render.Button(render.MORE_LABEL, f"more:{key}:{stamp}:{offset}")]]

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


def _in_group(update: Update) -> bool:
    """Whether the update comes from a group (or channel), where plain messages are not questions."""
    chat = update.effective_chat
    return chat is not None and chat.type != "private"
