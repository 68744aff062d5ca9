"""Import: /import TA-9-2021-0056 (or a URL), or an uploaded .html/.docx/.pdf page, for admins.

The text is fetched and read off the event loop into a preview, with **Add** and
**Cancel** under it: nothing is written until an admin presses Add, which writes the
file and reloads. A slow fetch edits its message with what has arrived. A text already
in the corpus gets **Replace** instead (the old file goes to .trash/).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler, filters

from bot.config import Settings
from bot.corpus.store import StoreError
from bot.telegram import render, render_admin, render_import
from bot.telegram.admin import AdminHandlers, PendingAction, announce
from bot.telegram.common import Context, Shared, keyboard, user_id

if TYPE_CHECKING:  # the importer loads its HTML, DOCX and PDF libraries only when used
    from bot.corpus.fetch import Fetcher
    from bot.corpus.importer import Prepared

logger = logging.getLogger(__name__)


class _Progress:
    """What a fetch has received so far: written by its worker thread, read on the loop."""

    def __init__(self) -> None:
        self.received = 0
        self.total: int | None = None

    def __call__(self, received: int, total: int | None) -> None:
        self.received, self.total = received, total


class ImportHandlers(AdminHandlers):
    """The admin handlers, plus /import and uploads of EP pages."""

    # Seconds between two edits of a fetch's message: Telegram allows about one a second.
    progress_every = 1.0
    # Imports run in threads of their own: a slow EP server must not hold the worker
    # threads that answer everyone's questions.
    import_threads = 2

    def __init__(self, shared: Shared, admin_ids: frozenset[int], settings: Settings) -> None:
        super().__init__(shared, admin_ids)
        self.settings = settings
        self._executor = ThreadPoolExecutor(self.import_threads, thread_name_prefix="import")
        self._fetcher: Fetcher | None = None  # one for every import: EP_REQUESTS_PER_SECOND holds across them

    def register(self, application: Application[Any, Any, Any, Any, Any, Any], group: int) -> None:
        super().register(application, group)
        application.add_handler(
            CommandHandler("import", self._final(self.import_command), filters=filters.UpdateType.MESSAGE),
            group=group,
        )

    async def import_command(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or message.text is None or not await self._admin_only(update, "/import"):
            return
        parts = message.text.split(maxsplit=1)
        if len(parts) < 2:
            await message.reply_html(render_import.usage())
            return
        source = parts[1].strip()
        logger.info("import of %r by %s", source, user_id(update))
        status = await message.reply_html(render_import.fetching(source))
        progress = _Progress()
        prepared = await self._while_showing(
            status, lambda seconds: render_import.fetching(source, seconds, progress.received, progress.total),
            self._fetch_and_read, source, progress,
        )
        await self._offer(status, prepared, self.who(update))

    async def upload(self, update: Update, context: Context) -> None:
        """An EP page sent as a file is imported; a corpus .md or .txt is saved as before."""
        message = update.effective_message
        document = message.document if message is not None else None
        name = (document.file_name or "") if document is not None else ""
        if message is None or document is None or not name.lower().endswith(render_import.UPLOAD_SUFFIXES):
            await super().upload(update, context)
            return
        if not await self._admin_only(update, f"upload of {name!r}"):
            return  # refused before get_file: a non-admin's file is never downloaded
        from bot.corpus import importer

        if document.file_size is not None and document.file_size > importer.MAX_SOURCE_BYTES:
            await message.reply_html(render_admin.too_big(name, document.file_size, importer.MAX_SOURCE_BYTES))
            return
        data = bytes(await (await document.get_file()).download_as_bytearray())
        logger.info("import upload from %s: %r, %d bytes", user_id(update), name, len(data))
        status = await message.reply_html(render_import.reading(name))
        prepared = await self._while_showing(
            status, lambda seconds: render_import.reading(name), self._read_upload, name, data
        )
        await self._offer(status, prepared, self.who(update))

    # Confirmation ------------------------------------------------------------------

    async def _carry_out(self, pending: PendingAction) -> tuple[str, list[list[render.Button]]]:
        if pending.action not in {"import", "import-replace"} or pending.prepared is None:
            return await super()._carry_out(pending)
        from bot.corpus import importer

        force = pending.action == "import-replace"
        try:
            result = await asyncio.to_thread(self.service.import_document, pending.prepared, force)
        except importer.AlreadyInCorpus as exc:  # added meanwhile (the preview found none)
            key = self.pending.put(
                PendingAction("import-replace", pending.name, pending.owner, prepared=pending.prepared),
                pending.prepared.held_bytes,
            )
            return render_import.duplicate(exc.found), self._confirm_buttons(render_admin.REPLACE_LABEL, key)
        except importer.ImportRefused as exc:
            return render_import.refused(str(exc)), []
        except StoreError as exc:  # the file it replaces was removed meanwhile
            return render_import.refused(f"{pending.name}: {exc}"), []
        except OSError as exc:
            return self._not_writable(f"import of {pending.name!r}", exc), []
        announce(self.application, result.reload)
        return render_import.added(result), []

    def _cancel_text(self, pending: PendingAction) -> str:
        if pending.action in {"import", "import-replace"}:
            return render_import.cancelled()
        return super()._cancel_text(pending)

    # Helpers -------------------------------------------------------------------------

    def _fetch_and_read(self, source: str, progress: _Progress) -> Prepared | str:
        """The prepared text, or why not (one line); runs in an import thread."""
        from bot.corpus import importer
        from bot.corpus.fetch import Fetcher

        settings = self.settings
        if self._fetcher is None:
            from bot.corpus.addresses import AddressGuard

            self._fetcher = Fetcher(
                requests_per_second=settings.ep_requests_per_second, timeout=settings.ep_timeout_seconds,
                # /import fetches from the bot's host: nothing on its own network but EP_BASE_URL
                # (host and port), checked for each URL, redirect and connection.
                guard=AddressGuard(settings.ep_base_url),
            )
        try:
            # allow_files=False: an admin's argument never reads a file on the server.
            return importer.prepare(
                source, fetcher=self._fetcher, base_url=settings.ep_base_url, progress=progress, allow_files=False
            )
        except importer.ImportRefused as exc:
            return str(exc)
        except Exception as exc:  # a page no reader foresaw: one line for the admin, the traceback logged
            logger.exception("import of %r failed", source)
            return f"{source}: could not be read ({type(exc).__name__})"

    def _read_upload(self, name: str, data: bytes) -> Prepared | str:
        from bot.corpus import importer

        try:
            return importer.prepare_bytes(name, data, base_url=self.settings.ep_base_url)
        except importer.ImportRefused as exc:
            return str(exc)
        except Exception as exc:  # as in _fetch_and_read
            logger.exception("import of the upload %r failed", name)
            return f"{name}: could not be read ({type(exc).__name__})"

    async def _while_showing(
        self, status: Message, show: Callable[[float], str], call: Callable[..., Prepared | str], *args: Any
    ) -> Prepared | str:
        """``call(*args)`` off the event loop, editing ``status`` into ``show(seconds)`` while it runs."""
        started = time.monotonic()
        task = asyncio.get_running_loop().run_in_executor(self._executor, call, *args)
        shown = status.text_html if status.text else ""
        while not task.done():
            await asyncio.wait({task}, timeout=self.progress_every)
            if task.done():
                break
            text = show(time.monotonic() - started)
            if text != shown:
                with contextlib.suppress(BadRequest):  # a message deleted meanwhile, say
                    await status.edit_text(text, parse_mode="HTML")
                shown = text
        return task.result()

    async def _offer(self, status: Message, prepared: Prepared | str, owner: int) -> None:
        """Edit ``status`` into the preview with Add / Cancel, or into the refusal."""
        if isinstance(prepared, str):
            await status.edit_text(render_import.refused(prepared), parse_mode="HTML")
            return
        # A text the corpus holds already is offered as a replacement at once, not after Add.
        found = await asyncio.to_thread(self.service.import_duplicates, prepared)
        action, text, label = ("import", render_import.preview(prepared), render_import.ADD_LABEL)
        if found:
            action, text, label = ("import-replace", render_import.duplicate(found, prepared),
                                   render_admin.REPLACE_LABEL)
        # Charged what it holds in memory (the file and its parsed passages), not its size on disk.
        key = self.pending.put(PendingAction(action, prepared.file_name, owner, prepared=prepared), prepared.held_bytes)
        await status.edit_text(text, parse_mode="HTML", reply_markup=keyboard(self._confirm_buttons(label, key)))
