"""Quotes and timelines: /quote checks whether words stand in a resolution, /timeline walks a topic through time."""

from __future__ import annotations

import logging

from telegram import Message, Update

from bot.answers.service import BadQuestion
from bot.telegram import render, render_quote, render_timeline
from bot.telegram.common import BaseHandlers, Context, corpus_stamp, edit_into, page_buttons, page_request

logger = logging.getLogger(__name__)


class QuoteHandlers(BaseHandlers):
    """/quote and /timeline, with the timeline's More button."""

    async def quote_command(self, update: Update, context: Context) -> None:
        quote = await self.argument(update, render_quote.quote_usage())
        if quote is not None:
            await self.check_quote(update, context, quote)

    async def timeline_command(self, update: Update, context: Context) -> None:
        topic = await self.argument(update, render_timeline.timeline_usage())
        if topic is not None:
            await self.show_timeline(update, context, topic)

    async def check_quote(self, update: Update, context: Context, quote: str) -> None:
        """Whether ``quote`` stands in the corpus; checked off the event loop."""
        await self.reply_with(
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

        await self.reply_with(
            update, context, first_page, topic,
            lambda page: ([page.text], self._timeline_buttons(None, topic, stamp, page)),
        )

    async def timeline_page(self, update: Update, context: Context) -> None:
        """More ▸ under /timeline: edit the message into the timeline's next page."""
        query = update.callback_query
        if query is None:
            return
        stamp = corpus_stamp(self.service)
        parts = (query.data or "").split(":")
        key = parts[1] if len(parts) == 4 else ""
        topic = await self.queries.fetch(key)
        offset = page_request(query.data, f"tl:{key}", stamp)
        if topic is None or offset is None or not isinstance(query.message, Message):
            await self.answer_callback(query, render.expired_list("/timeline"))
            return
        if not await self.button_allowed(update, query):
            return
        try:
            timeline = await self.off_loop(
                self.who(update), self.service.timeline, topic, offset, render_timeline.TIMELINE_PAGE
            )
        except BadQuestion:  # the topic was searchable when the first page was sent
            timeline = None
        page = None if timeline is None else render_timeline.render_timeline(timeline)
        if page is None:
            await self.answer_callback(query, render.expired_list("/timeline"))
            return
        await self.answer_callback(query)
        await edit_into(query, page.text, self._timeline_buttons(key, topic, stamp, page))

    def _timeline_buttons(
        self, key: str | None, topic: str, stamp: str, page: render.Page
    ) -> list[list[render.Button]]:
        """More ▸ under a timeline page that goes on; the topic is stored (under a new
        ``key`` when None) only then, so a short timeline takes no room in the store."""
        if page.next_offset is None:
            return []
        return page_buttons(f"tl:{key or self.queries.put(topic)}", stamp, page)
