"""Admin replies as Telegram HTML: reload reports, uploads, the corpus list, stats.

Every inserted fragment is escaped: file names and corpus problems come from files that
anyone with admin rights may have written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.answers.service import ReloadReport, ServiceStats, UploadResult
from bot.corpus.models import Document, Problem, plural
from bot.telegram.render import ELLIPSIS, MAX_MESSAGE, Page, cut, list_page, source_text, visible_length
from bot.telegram.render import esc as escape

logger = logging.getLogger(__name__)

MAX_PROBLEMS_SHOWN = 20
MAX_NAMES_SHOWN = 20
# A problem or a refusal reason quotes file content (a YAML error shows the line): cut it
# so that one bad file cannot take a whole message.
MAX_PROBLEM_CHARS = 300
MAX_NAME_CHARS = 200
NOT_ALLOWED = "This command is for the bot's administrators."
EXPIRED = "This confirmation has expired. Send the file or the command again."
NOT_YOURS = "Only the admin who asked can confirm or cancel this."
REPLACE_LABEL = "Replace"
REMOVE_LABEL = "Remove"
CANCEL_LABEL = "Cancel"


def _name(name: str) -> str:
    return f"<code>{escape(cut(name, MAX_NAME_CHARS))}</code>"


def _names(label: str, names: Sequence[str]) -> str:
    if not names:
        return f"{label}: none"
    shown = ", ".join(_name(n) for n in names[:MAX_NAMES_SHOWN])
    more = len(names) - MAX_NAMES_SHOWN
    return f"{label}: {shown}" + (f" … and {more} more" if more > 0 else "")


def problems_block(problems: Sequence[Problem]) -> list[str]:
    """Problem lines, errors first, capped so a broken directory cannot flood the chat."""
    ordered = sorted(problems, key=lambda p: (p.severity != "error", p.file))
    lines = [f"• {escape(cut(str(p), MAX_PROBLEM_CHARS))}" for p in ordered[:MAX_PROBLEMS_SHOWN]]
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
        f"{verb} {_name(result.name)} ({plural(result.passages, 'passage')}).\n\n"
        + reload_report(result.reload)
    )


def upload_refused(name: str, reason: str) -> str:
    return fit(f"<b>Not saved:</b> {_name(name or 'the file')}\n{escape(cut(reason, MAX_PROBLEM_CHARS))}")


def too_big(name: str, size: int, cap: int) -> str:
    """Refused from the declared size alone: the file is never downloaded."""
    return upload_refused(
        name, f"The file is {size:,} bytes; the cap is {cap:,} bytes ({cap / 2**20:g} MiB)."
    )


def confirm_replace(name: str) -> str:
    return f"{_name(name)} already exists. Replace it? The old file is kept in .trash/."


def confirm_remove(name: str) -> str:
    return f"Remove {_name(name)} from the corpus? It is kept in .trash/."


def removed(name: str, report: ReloadReport) -> str:
    return fit(f"Removed {_name(name)} (kept in .trash/).\n\n" + reload_report(report))


def remove_refused(name: str, reason: str) -> str:
    return fit(f"<b>Not removed:</b> {_name(name)}\n{escape(cut(reason, MAX_PROBLEM_CHARS))}")


def cancelled(name: str) -> str:
    return f"Cancelled: {_name(name)} is unchanged."


def remove_usage() -> str:
    return (
        "Name the file to remove, as /corpus lists it, for example:\n"
        "<code>/remove 2019-2610-kazakhstan-human-rights-tca.txt</code>"
    )


def _file_html(doc: Document) -> str:
    meta = doc.meta
    return (
        f"{_name(doc.name)}: {plural(len(doc.passages), 'passage')}\n"
        f"  {escape(meta.reference or 'reference unknown')} · "
        f"{escape(meta.adopted.isoformat() if meta.adopted else 'date unknown')} · "
        f"{escape(source_text(doc))}"
    )


def corpus_listing(
    documents: Sequence[Document], problems: Sequence[Problem] = (), offset: int = 0
) -> Page | None:
    """A page of the corpus files, one entry each, then the files skipped and why.

    None when ``offset`` is past the end (the corpus changed since the first page).
    """
    errors = [p for p in problems if p.severity == "error"]
    count = len(documents) + (1 if errors else 0)
    if count == 0:
        return Page("The corpus is empty.", None)
    files = len(documents)

    def heading(first: int, last: int | None) -> str:
        noun = "file" if files == 1 else "files"
        shown = "" if last is None else f" (entries {first}–{last} of {count})"
        return f"<b>{files} {noun} in the corpus</b>{shown}:"

    def block(index: int, limit: int) -> str:
        if index < files:
            return _file_html(documents[index])
        # Skipped files quote their errors: cut at a line so they fit one message.
        return fit(f"<b>Skipped files ({len(errors)}):</b>\n" + "\n".join(problems_block(errors)), limit)

    return list_page(count, heading, block, offset)


def stats(report: ServiceStats, kept: dict[str, int] | None = None) -> str:
    """The figures since start, and those kept in DATA_DIR across restarts (None: the database is off)."""
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
        f"Answer time: median {ms(answers.median_ms)}, p95 {ms(answers.p95_ms)}\n"
        + (
            f"Since the database began: {kept.get('questions', 0)} questions in chats"
            if kept is not None
            else "Figures across restarts: unavailable (the database cannot be used)"
        )
    )


MAX_UNANSWERED_SHOWN = 30
UNANSWERED_CHARS = 120


def unanswered(questions: Sequence[tuple[str, int]]) -> str:
    """The questions no passage answered, most frequent first: what the corpus lacks."""
    if not questions:
        return "No question has gone unanswered yet."
    lines = [f"<b>Questions no passage answers</b> (the {len(questions)} most frequent; no user is kept)"]
    lines += [f"{count}× {escape(cut(question, UNANSWERED_CHARS))}" for question, count in questions]
    return fit("\n".join(lines))


def no_database(problem: str) -> str:
    return f"The database cannot be used: {escape(cut(problem, MAX_PROBLEM_CHARS))}"


def fit(text: str, limit: int = MAX_MESSAGE) -> str:
    """Cut an over-long message at a line boundary, so that no tag or entity is split.

    Lengths are counted as Telegram counts them (render.visible_length).
    """
    if visible_length(text) <= limit:
        return text
    lines = text.split("\n")
    while len(lines) > 1 and visible_length("\n".join(lines)) > limit - 2:
        lines.pop()
    return "\n".join(lines).rstrip() + "\n" + ELLIPSIS


def not_writable(directory: str, reason: str) -> str:
    """An upload or removal the corpus directory refused: name it, and what to do."""
    return fit(
        f"<b>CORPUS_DIR is not writable:</b> {_name(directory)} "
        f"({escape(cut(reason, MAX_PROBLEM_CHARS))}).\n"
        "Make the directory writable by the bot's user "
        "(in Docker, mount a writable volume over it), then try again."
    )
