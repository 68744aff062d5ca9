"""Admin replies as Telegram HTML: reload reports, uploads, the corpus list, stats.

Every inserted fragment is escaped: file names and corpus problems come from files that
anyone with admin rights may have written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from html import escape

from bot.models import Document, Problem
from bot.service import ReloadReport, ServiceStats, UploadResult

logger = logging.getLogger(__name__)

MAX_MESSAGE = 4096
MAX_PROBLEMS_SHOWN = 20
NOT_ALLOWED = "This command is for the bot's administrators."


def _names(label: str, names: Sequence[str]) -> str:
    return f"{label}: {', '.join(f'<code>{escape(n)}</code>' for n in names)}" if names else f"{label}: none"


def problems_block(problems: Sequence[Problem]) -> list[str]:
    """Problem lines, errors first, capped so a broken directory cannot flood the chat."""
    ordered = sorted(problems, key=lambda p: (p.severity != "error", p.file))
    lines = [f"• {escape(str(p))}" for p in ordered[:MAX_PROBLEMS_SHOWN]]
    if len(ordered) > MAX_PROBLEMS_SHOWN:
        lines.append(f"… and {len(ordered) - MAX_PROBLEMS_SHOWN} more (see the log or check-corpus)")
    return lines


def reload_report(report: ReloadReport) -> str:
    if report.kept_old:
        head = "<b>Reload failed:</b> no document could be loaded, so the old corpus is still served."
    else:
        head = "<b>Corpus reloaded.</b>"
    lines = [
        head,
        _names("Added", report.added),
        _names("Removed", report.removed),
        _names("Changed", report.changed),
        f"Documents: {report.documents_before} → {report.documents_after}",
        f"Passages: {report.passages_before} → {report.passages_after}",
        f"Time: {report.seconds:.2f} s",
    ]
    errors = [p for p in report.problems if p.severity == "error"]
    if errors:
        lines.append(f"<b>Skipped files ({len(errors)}):</b>")
        lines.extend(problems_block(errors))
    return fit("\n".join(lines))


def upload_saved(result: UploadResult) -> str:
    verb = "Replaced" if result.replaced else "Saved"
    return fit(
        f"{verb} <code>{escape(result.name)}</code> ({result.passages} passages).\n\n"
        + reload_report(result.reload)
    )


def upload_refused(name: str, reason: str) -> str:
    return fit(f"<b>Not saved:</b> <code>{escape(name)}</code>\n{escape(reason)}")


def confirm_replace(name: str) -> str:
    return f"<code>{escape(name)}</code> already exists. Replace it? The old file is kept in .trash/."


def confirm_remove(name: str) -> str:
    return f"Remove <code>{escape(name)}</code> from the corpus? It is kept in .trash/."


def corpus_listing(documents: Iterable[Document]) -> list[str]:
    """One entry per file, split into messages at entry boundaries."""
    entries = []
    for doc in documents:
        meta = doc.meta
        entries.append(
            f"<code>{escape(doc.name)}</code>: {len(doc.passages)} passages\n"
            f"  {escape(meta.reference or 'reference unknown')} · "
            f"{escape(meta.adopted.isoformat() if meta.adopted else 'date unknown')} · "
            f"{escape(doc.kind_label)}, {escape(meta.source or 'source unknown')}"
        )
    if not entries:
        return ["The corpus is empty."]
    return pack(entries)


def stats(report: ServiceStats) -> str:
    answers = report.answers
    uptime = int(report.uptime_s)
    days, rest = divmod(uptime, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)

    def ms(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1f} ms"

    return (
        "<b>Bot statistics</b>\n"
        f"Uptime: {days}d {hours}h {minutes}m {seconds}s\n"
        f"Documents: {report.documents}\n"
        f"Passages: {report.passages}\n"
        f"Questions answered: {answers.questions}\n"
        f"Answer time: median {ms(answers.median_ms)}, p95 {ms(answers.p95_ms)}"
    )


def pack(entries: Sequence[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Join entries into as few messages as fit, never splitting an entry."""
    messages: list[str] = []
    current = ""
    for entry in entries:
        entry = fit(entry, limit)
        candidate = f"{current}\n\n{entry}" if current else entry
        if len(candidate) > limit:
            messages.append(current)
            candidate = entry
        current = candidate
    if current:
        messages.append(current)
    return messages


def fit(text: str, limit: int = MAX_MESSAGE) -> str:
    """Cut an over-long message at a line boundary; escaped text never splits an entity."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - 2)
    return text[: cut if cut > 0 else limit - 2].rstrip() + "\n…"
