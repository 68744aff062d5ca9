"""Telegram HTML for /import: the progress of a fetch, the preview to confirm, the outcome.

The preview shows what the corpus file will say (title, reference, date, text number,
kind and source), the units found per part and the first labels, so an admin can see
a wrong page before adding it. Everything from the page is escaped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.answers.service import UploadResult
from bot.corpus.models import plural
from bot.telegram.render import cut, esc
from bot.telegram.render_admin import MAX_PROBLEM_CHARS, fit, reload_report

if TYPE_CHECKING:  # the importer loads its HTML, DOCX and PDF libraries only when used
    from bot.corpus.importer import Prepared

logger = logging.getLogger(__name__)

ADD_LABEL = "Add"
MAX_NOTES_SHOWN = 5
MAX_LABELS_SHOWN = 8
UPLOAD_SUFFIXES = (".html", ".htm", ".docx", ".pdf")


def usage() -> str:
    return (
        "Give a text number or the address of a text adopted, for example:\n"
        "<code>/import TA-9-2021-0056</code>\n"
        "<code>/import https://www.europarl.europa.eu/doceo/document/TA-9-2021-0056_EN.html</code>\n"
        "or send the page as a .html, .docx or .pdf file."
    )


def fetching(source: str, seconds: float = 0.0, received: int = 0, total: int | None = None) -> str:
    """The message a slow fetch edits while it runs."""
    line = f"Fetching <code>{esc(cut(source, 200))}</code>…"
    if received:
        size = f"{received / 1024:,.0f} KB" + (f" of {total / 1024:,.0f} KB" if total else "")
        line += f"\n{size} received"
    if seconds >= 1:
        line += f" ({seconds:.0f} s)"
    return line


def reading(name: str) -> str:
    return f"Reading <code>{esc(cut(name, 200))}</code>…"


def preview(prepared: Prepared, heading: str = "<b>Import this text?</b>") -> str:
    """What Add (or Replace) would write, for the admin to check, under ``heading``."""
    p = prepared.preview
    adopted = f"adopted {p.adopted.isoformat()}" if p.adopted else "adoption date unknown"
    labels = "; ".join(p.first_labels[:MAX_LABELS_SHOWN]) or "none"
    inferred = ", ".join(f"{field} (from the {origin})" for field, origin in prepared.inferred.items())
    lines = [
        heading,
        f"<b>{esc(cut(p.title or 'Title unknown', 500))}</b>",
        esc(f"{p.reference or 'reference unknown'} · {adopted} · {p.text_id or 'text number unknown'}"),
        esc(f"{p.kind.label}, {p.source or 'source unknown'}"),
        esc(f"{plural(p.passages, 'passage')}: {p.units_summary}"),
        esc(f"First: {labels}"),
        f"File: <code>{esc(prepared.file_name)}</code>",
    ]
    if inferred:
        lines.append(esc(f"Read from the text: {inferred}"))
    for note in prepared.notes[:MAX_NOTES_SHOWN]:
        lines.append(f"• {esc(cut(note, MAX_PROBLEM_CHARS))}")
    if len(prepared.notes) > MAX_NOTES_SHOWN:
        lines.append(f"… and {len(prepared.notes) - MAX_NOTES_SHOWN} more notes")
    return fit("\n".join(lines))


def cancelled() -> str:
    return "Cancelled: nothing was written."


def refused(reason: str) -> str:
    """One line: why the source was not imported (ImportRefused's message names it)."""
    return fit(f"<b>Not imported:</b> {esc(cut(reason, MAX_PROBLEM_CHARS * 2))}")


def duplicate(found: Sequence[tuple[str, str]], prepared: Prepared | None = None) -> str:
    """The text is in the corpus already: which file, and why; Replace or Cancel (under a preview if given)."""
    listed = "; ".join(f"<code>{esc(cut(name, 120))}</code> ({esc(why)})" for name, why in found)
    notice = f"<b>Already in the corpus:</b> {listed}\nReplace it with this text? The old file is kept in .trash/."
    return fit(notice) if prepared is None else preview(prepared, heading=notice)


def added(result: UploadResult) -> str:
    verb = "Replaced with" if result.replaced else "Added"
    return fit(
        f"{verb} <code>{esc(result.name)}</code> ({plural(result.passages, 'passage')}).\n\n"
        + reload_report(result.reload)
    )
