"""Sync: /sync for admins, and the sync SYNC_EVERY schedules, with one report to each admin.

The sync (bot.answers.service.Service.sync) runs in a thread of its own, so that a slow
EP server holds none of the worker threads that answer questions; the service reloads
when it wrote a text, and the followers hear of that reload (``admin.announce``). Two syncs never run
at once: a /sync during one is told so, a scheduled one is skipped.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, filters

from bot.answers.service import SyncDone, SyncRunning
from bot.config import Settings
from bot.telegram import render_sync
from bot.telegram.admin import announce
from bot.telegram.common import Context, Shared
from bot.telegram.imports import ImportHandlers

if TYPE_CHECKING:
    from bot.corpus.sync import SyncState

logger = logging.getLogger(__name__)

JOB_NAME = "sync"
# The first scheduled sync waits this long after start at least: the start itself comes first.
FIRST_SYNC_DELAY = dt.timedelta(seconds=30)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def first_delay(state: SyncState | None, every: dt.timedelta, now: dt.datetime) -> dt.timedelta:
    """When the first scheduled sync runs: one interval after the last sync kept on disk (so a
    restart does not postpone it), never sooner than FIRST_SYNC_DELAY nor later than ``every``."""
    if state is None:
        return FIRST_SYNC_DELAY
    return min(max(state.finished_at + every - now, FIRST_SYNC_DELAY), every)


class SyncHandlers(ImportHandlers):
    """The admin handlers with import, plus /sync and the scheduled sync."""

    def __init__(self, shared: Shared, admin_ids: frozenset[int], settings: Settings) -> None:
        super().__init__(shared, admin_ids, settings)
        self._sync_executor = ThreadPoolExecutor(1, thread_name_prefix="sync")

    def register(self, application: AnyApplication, group: int) -> None:
        super().register(application, group)
        application.add_handler(
            CommandHandler("sync", self._final(self.sync_command), filters=filters.UpdateType.MESSAGE),
            group=group,
        )
        every = self.settings.sync_every
        if every is None:
            return
        if application.job_queue is None:
            raise RuntimeError("SYNC_EVERY needs python-telegram-bot's job-queue extra: pip install it")
        from bot.corpus.sync import read_state

        first = first_delay(read_state(self.service.corpus_dir), every, dt.datetime.now(dt.UTC))
        application.job_queue.run_repeating(self.scheduled, interval=every, first=first, name=JOB_NAME)
        logger.info("syncing with the Parliament every %s, first in %s", every, first)

    async def sync_command(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or not await self._admin_only(update, "/sync"):
            return
        if self.service.syncing:
            await message.reply_html(render_sync.RUNNING)
            return
        asker = self.who(update)
        status = await message.reply_html(render_sync.STARTED)
        text = await self._sync(context.application, f"/sync from {asker}")
        if text is None:
            text = render_sync.RUNNING  # another sync began between the check and this one
        await status.edit_text(text, parse_mode="HTML")
        await self._tell_admins(context.application, text, but=asker)

    async def scheduled(self, context: Context) -> None:
        """The JobQueue's callback: sync, then tell the admins when there is news."""
        if self.service.syncing:
            logger.info("scheduled sync skipped: a sync is running")
            return
        text = await self._sync(context.application, "the schedule", quiet=True)
        if text is not None:
            await self._tell_admins(context.application, text)

    async def _sync(self, application: AnyApplication, origin: str, quiet: bool = False) -> str | None:
        """Run one sync off the event loop; its report for the admins, or None (one is running,
        or ``quiet`` and nothing was added, newly refused or failed)."""
        from bot.corpus.sync import SyncSource

        settings = self.settings
        source = SyncSource(settings.ep_open_data_url, settings.ep_base_url, settings.ep_requests_per_second,
                            settings.ep_timeout_seconds)
        loop = asyncio.get_running_loop()
        try:
            done: SyncDone = await loop.run_in_executor(self._sync_executor, self.service.sync, source)
        except SyncRunning:
            return None
        except OSError as exc:
            return self._not_writable(f"sync by {origin}", exc)
        except Exception as exc:  # a failure no one foresaw: one line for the admins, the traceback logged
            logger.exception("sync by %s failed", origin)
            return render_sync.failed(f"{type(exc).__name__}: {exc}")
        report = done.report
        logger.info("sync by %s: %d added, %d refused (%d new), %s", origin, len(report.imported),
                    len(report.refused), len(done.new_refusals), report.outcome)
        if report.listing_error:
            logger.warning("sync by %s: %s", origin, report.listing_error)
        if done.reload is not None:
            announce(application, done.reload)  # the followers, in the background: the report does not wait
        if quiet and not (report.imported or done.new_refusals or report.listing_error):
            return None
        return render_sync.report(done)

    async def _tell_admins(self, application: AnyApplication, text: str, but: int | None = None) -> None:
        for admin in sorted(self.admin_ids - {but} if but is not None else self.admin_ids):
            try:
                await application.bot.send_message(admin, text, parse_mode="HTML")
            except TelegramError as exc:  # an admin who never wrote to the bot: Telegram knows no chat
                logger.warning("sync report not sent to admin %s: %s", admin, exc)

