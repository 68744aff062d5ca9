"""Sources: /sources lists every resolution the bot can quote, a page at a time."""

from __future__ import annotations

import logging

from telegram import Message, Update

from bot.telegram import render, render_sources
from bot.telegram.common import (
    NO_PREVIEW,
    BaseHandlers,
    Context,
    corpus_stamp,
    edit_into,
    keyboard,
    page_buttons,
    page_request,
)

logger = logging.getLogger(__name__)


class SourceHandlers(BaseHandlers):
    """/sources and its More button."""

    async def sources(self, update: Update, context: Context) -> None:
        """The first page of every resolution, with More ▸ when the list goes on."""
        message = update.effective_message
        if message is None or not await self.allowed(update, message):
            return
        stamp = corpus_stamp(self.service)
        resolutions = await self.off_loop(self.who(update), self.service.sources)
        page = render_sources.render_sources(resolutions)
        assert page is not None  # offset 0 is always a page
        await message.reply_html(
            page.text, reply_markup=keyboard(page_buttons("src", stamp, page)),
            link_preview_options=NO_PREVIEW,
        )

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
        if not await self.button_allowed(update, query):
            return
        page = render_sources.render_sources(await self.off_loop(self.who(update), self.service.sources), offset)
        if page is None:
            await self.answer_callback(query, render.expired_list("/sources"))
            return
        await self.answer_callback(query)
        await edit_into(query, page.text, page_buttons("src", stamp, page))
