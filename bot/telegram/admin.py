"""Admin: /reload, /remove, /corpus, /stats, /unanswered and document uploads, for ADMIN_IDS only."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import CallbackQuery, Message, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.answers.service import NeedsConfirmation, ReloadReport, Service
from bot.corpus.load import MAX_FILE_BYTES
from bot.corpus.models import CorpusError
from bot.corpus.store import StoreError, safe_name
from bot.state.database import StateError
from bot.telegram import render, render_admin
from bot.telegram.changes import corpus_changed
from bot.telegram.common import (
    BaseHandlers,
    Context,
    Shared,
    corpus_stamp,
    edit_into,
    keyboard,
    page_buttons,
    page_request,
    user_id,
)
from bot.telegram.pages import PendingStore

if TYPE_CHECKING:  # the importer loads its HTML, DOCX and PDF libraries only when used
    from bot.corpus.importer import Prepared

logger = logging.getLogger(__name__)

# Shown, with COMMANDS, in each admin's own command menu (setMyCommands, chat scope).
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("reload", "Admin: re-read the corpus directory"),
    ("corpus", "Admin: the corpus files, passages and metadata"),
    ("remove", "Admin: remove a corpus file (asks first)"),
    ("stats", "Admin: uptime, questions, answer times"),
    ("import", "Admin: import an EP text by number or URL"),
    ("sync", "Admin: import the texts adopted since the last sync"),
    ("unanswered", "Admin: what people asked that no passage answers"),
)

Callback = Callable[[Update, Context], Awaitable[None]]


def announce(application: Application[Any, Any, Any, Any, Any, Any] | None, report: ReloadReport) -> None:
    """Tell the followers about what ``report`` added or changed, in the background: the admin's
    reply does not wait for a thousand notifications."""
    if application is not None and (report.added or report.changed):
        application.create_task(corpus_changed(application, report), name="corpus_changed")


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
    """What a confirmation button does when an admin presses it."""

    action: str  # "replace", "remove", or bot.telegram.imports' "import" and "import-replace"
    name: str
    owner: int  # the admin who asked: only they may press its buttons
    data: bytes = b""
    prepared: Prepared | None = None  # an import's text, read and checked, waiting for Add


class AdminHandlers(BaseHandlers):
    """/reload, /remove, /corpus, /stats and document uploads, for ADMIN_IDS only.

    Anyone else gets one neutral line (and a log line with their id), and a file they
    send is never downloaded. Buttons: ``adm:yes:<id>`` does the pending action,
    ``adm:no:<id>`` cancels it.
    """

    def __init__(self, shared: Shared, admin_ids: frozenset[int]) -> None:
        super().__init__(shared)
        self.admin_ids = admin_ids
        self.pending: PendingStore[PendingAction] = PendingStore()
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None

    def register(self, application: Application[Any, Any, Any, Any, Any, Any], group: int) -> None:
        self.application = application  # for announce, after an upload confirmed by a button
        new_messages = filters.UpdateType.MESSAGE
        application.add_handlers(
            [
                CommandHandler("reload", self._final(self.reload), filters=new_messages),
                CommandHandler("remove", self._final(self.remove), filters=new_messages),
                CommandHandler("corpus", self._final(self.corpus), filters=new_messages),
                CommandHandler("stats", self._final(self.stats), filters=new_messages),
                CommandHandler("unanswered", self._final(self.unanswered), filters=new_messages),
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
        if message is None or not await self._admin_only(update, "/reload"):
            return
        report = await reload_corpus(self.service, f"/reload from {user_id(update)}")
        await message.reply_html(render_admin.reload_report(report))
        announce(context.application, report)

    async def corpus(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or not await self._admin_only(update, "/corpus"):
            return
        stamp = corpus_stamp(self.service)
        page = await asyncio.to_thread(self._corpus_page, 0)
        assert page is not None  # offset 0 is always a page
        await message.reply_html(
            page.text, reply_markup=keyboard(page_buttons("adm:page", stamp, page))
        )

    async def stats(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or not await self._admin_only(update, "/stats"):
            return
        try:
            kept: dict[str, int] | None = await asyncio.to_thread(self.shared.state.counters)
        except StateError as exc:
            logger.error("database: %s", exc)
            kept = None
        await message.reply_html(render_admin.stats(await asyncio.to_thread(self.service.stats), kept))

    async def unanswered(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or not await self._admin_only(update, "/unanswered"):
            return
        try:
            questions = await asyncio.to_thread(self.shared.state.unanswered, render_admin.MAX_UNANSWERED_SHOWN)
        except StateError as exc:
            await message.reply_html(render_admin.no_database(str(exc)))
            return
        await message.reply_html(render_admin.unanswered(questions))

    async def remove(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or message.text is None or not await self._admin_only(update, "/remove"):
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
        key = self.pending.put(PendingAction("remove", name, self.who(update)))
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
        if not await self._admin_only(update, f"upload of {name!r}"):
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
        text, rows = await self._save(name, data, overwrite=False, owner=self.who(update))
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
            await self.answer_callback(query, render_admin.NOT_ALLOWED)
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
            await self.answer_callback(query, render.expired_list("/corpus"))
            return
        await self.answer_callback(query)
        await edit_into(query, page.text, page_buttons("adm:page", stamp, page))

    async def confirm(self, update: Update, context: Context) -> None:
        """Replace, Remove or Cancel under a confirmation: edit it into the outcome."""
        query = await self._admin_button(update)
        if query is None:
            return
        parts = (query.data or "").split(":")
        pending = self.pending.peek(parts[2]) if len(parts) == 3 else None
        if pending is None or parts[1] not in {"yes", "no"} or not isinstance(query.message, Message):
            await self.answer_callback(query, render_admin.EXPIRED)
            return
        if pending.owner != self.who(update):
            # Another admin (in a group, say): the one who asked decides; the buttons stay.
            logger.info("admin %s pressed %s's confirmation of %r", self.who(update), pending.owner, pending.name)
            await self.answer_callback(query, render_admin.NOT_YOURS)
            return
        self.pending.pop(parts[2])
        await self.answer_callback(query)
        rows: list[list[render.Button]] = []
        if parts[1] == "no":
            text = self._cancel_text(pending)
        else:
            text, rows = await self._carry_out(pending)
        # The buttons go with the edit, so the outcome cannot be pressed again (an
        # outcome that asks again, such as Replace after a duplicate, brings its own).
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard(rows))

    def _cancel_text(self, pending: PendingAction) -> str:
        return render_admin.cancelled(pending.name)

    async def _carry_out(self, pending: PendingAction) -> tuple[str, list[list[render.Button]]]:
        """What a confirmed action does; the reply and any new buttons."""
        if pending.action == "replace":
            return await self._save(pending.name, pending.data, overwrite=True, owner=pending.owner)
        return await self._remove(pending.name), []

    # Helpers ---------------------------------------------------------------------

    async def _save(
        self, name: str, data: bytes, overwrite: bool, owner: int
    ) -> tuple[str, list[list[render.Button]]]:
        """Validate, write and reload off the event loop; the reply and its buttons."""
        try:
            result = await asyncio.to_thread(self.service.add_document, name, data, overwrite)
        except NeedsConfirmation as exc:
            key = self.pending.put(PendingAction("replace", exc.name, owner, data), len(data))
            return (
                render_admin.confirm_replace(exc.name),
                self._confirm_buttons(render_admin.REPLACE_LABEL, key),
            )
        except (CorpusError, StoreError) as exc:
            logger.info("upload %r refused: %s", name, exc)
            return render_admin.upload_refused(name, str(exc)), []
        except OSError as exc:
            return self._not_writable(f"upload of {name!r}", exc), []
        announce(self.application, result.reload)
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

    async def _admin_only(self, update: Update, what: str) -> bool:
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
                await self.error(update, context)
            raise ApplicationHandlerStop

        return handle
