"""Telegram HTML for a sync with the Parliament: what was added, what was refused, and the reload."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.answers.service import SyncDone
from bot.corpus.sync import RefusedText, SyncedText
from bot.telegram.render import cut
from bot.telegram.render import esc as escape
from bot.telegram.render_admin import MAX_PROBLEM_CHARS, fit

logger = logging.getLogger(__name__)

MAX_SHOWN = 15
TITLE_CHARS = 160
RUNNING = "A sync is running already; its report comes when it ends."


STARTED = "Syncing with the Parliament: the texts adopted since the last sync…"


def _added(text: SyncedText) -> str:
    title = escape(cut(text.title or "Title unknown", TITLE_CHARS))
    details = " · ".join(x for x in (text.text_id, text.adopted.isoformat() if text.adopted else None) if x)
    return f"• {title} ({escape(details or text.file)})"


def _refused(text: RefusedText) -> str:
    return f"• {escape(text.text_id)}: {escape(cut(text.reason, MAX_PROBLEM_CHARS))}"


def _capped(lines: Sequence[str], where: str) -> list[str]:
    shown = list(lines[:MAX_SHOWN])
    if len(lines) > MAX_SHOWN:
        shown.append(f"… and {len(lines) - MAX_SHOWN} more ({where})")
    return shown


def report(done: SyncDone) -> str:
    """One message for the admins: the window, each text added and refused, then the reload."""
    sync = done.report
    lines = [
        f"<b>Sync with the Parliament</b>: texts adopted {sync.since.isoformat()} to {sync.until.isoformat()}",
        f"<b>Added ({len(sync.imported)}):</b>" if sync.imported else "Added: nothing new",
        *_capped([_added(t) for t in sync.imported], "/corpus lists them"),
    ]
    if sync.refused:
        lines.append(f"<b>Refused ({len(sync.refused)}):</b>")
        lines.extend(_capped([_refused(t) for t in sync.refused], "the log names them"))
    lines.append(f"Already in the corpus: {sync.present}")
    if sync.listing_error:
        lines.append(f"<b>The listing failed:</b> {escape(cut(sync.listing_error, MAX_PROBLEM_CHARS))}; "
                     "the next sync takes the same window up again.")
    if done.reload is not None:
        reload = done.reload
        if reload.kept_old:
            lines.append("<b>Reload failed:</b> the old corpus is still served.")
        else:
            lines.append(f"Corpus reloaded: {reload.documents_before} → {reload.documents_after} documents, "
                         f"{reload.passages_before} → {reload.passages_after} passages.")
    return fit("\n".join(lines))


def failed(reason: str) -> str:
    return fit(f"<b>Sync failed:</b> {escape(cut(reason, MAX_PROBLEM_CHARS))}")
