"""Telegram HTML for /sources (every resolution, a page at a time), /start's welcome and examples, and /help."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence

from bot.answers.service import Resolution
from bot.telegram.render import (
    BUTTON_LABEL_CHARS,
    DETAILS_CHARS,
    Page,
    cut,
    esc,
    link_suffix,
    list_page,
    source_text,
    title_html,
    visible_length,
)

logger = logging.getLogger(__name__)

def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else "adoption date unknown"


def _resolution_html(resolution: Resolution, limit: int) -> str:
    lines = [
        f"<b>{esc(_date(resolution.adopted))}</b> · "
        f"{esc(resolution.reference or 'reference unknown')}",
        title_html(resolution.title),
    ]
    documents = resolution.documents
    for index, doc in enumerate(documents):
        line = f"• {esc(cut(doc.name, DETAILS_CHARS))}: {esc(source_text(doc))}{link_suffix(doc)}"
        # Keep room for the closing "… and N more" line of a very long list.
        if visible_length("\n".join([*lines, line])) > limit - 40:
            lines.append(f"… and {len(documents) - index} more documents")
            break
        lines.append(line)
    return "\n".join(lines)


def render_sources(resolutions: Sequence[Resolution], offset: int = 0) -> Page | None:
    """A page of every resolution with its date and reference, and the documents behind
    it; None when ``offset`` is past the end (the list changed since)."""
    if not resolutions:
        return Page("The corpus is empty: there is no resolution to quote from yet.", None)
    count = len(resolutions)
    noun = "resolution" if count == 1 else "resolutions"

    def heading(first: int, last: int | None) -> str:
        shown = "" if last is None else f" ({first}–{last})"
        return f"<b>{count} {noun} in the corpus</b>, oldest first{shown}:"

    return list_page(count, heading, lambda i, limit: _resolution_html(resolutions[i], limit), offset)


_TOPIC_RE = re.compile(r"\bresolution\b.*?\bon\s+(.+?)\s*\.?$", re.IGNORECASE)


def example_questions(resolutions: Sequence[Resolution], count: int = 2) -> list[str]:
    """Questions the corpus can answer, from the titles of its latest resolutions."""
    questions: list[str] = []
    for resolution in reversed(resolutions):
        match = _TOPIC_RE.search(resolution.title or "")
        if match:
            question = f"What did Parliament say about {match.group(1)}?"
            if question not in questions:
                questions.append(question)
        if len(questions) == count:
            break
    return questions


def button_label(question: str) -> str:
    return cut(question, BUTTON_LABEL_CHARS)


def welcome(has_examples: bool, group: bool = False) -> str:
    text = (
        "<b>European Parliament resolutions</b>\n"
        "Ask a question and I answer with the passages of the resolutions in my corpus "
        "that answer it, quoted as written, each with its citation: title, procedure "
        "reference, adoption date, source and where in the document it stands.\n\n"
        "Summaries and news reports are marked as such: their words are not the "
        "resolution's own."
    )
    if group:
        text += "\n\nIn this group, ask with <code>/ask your question</code>: I leave other messages alone."
    if has_examples:
        text += "\n\nTry one of these, or " + ("use /ask:" if group else "type your own question:")
    return text


def unknown_command(command: str) -> str:
    """A command the bot does not have: which, and where the list is."""
    return f"I have no command {esc(cut(command, 64))}. /help lists what I can do."


def help_text(username: str | None, group: bool = False) -> str:
    inline = (
        f"In any chat, type <code>@{esc(username)} your question</code> to pick a passage "
        "to post."
        if username
        else "Inline mode: type the bot's name and a question in any chat."
    )
    return (
        "<b>How to ask</b>\n"
        + ("In this group, ask with <code>/ask your question</code> (I leave other messages alone); "
           "in a private chat with me, send any question. "
           if group else "In this chat, send any question: ")
        + "I reply with the 3 best passages, matched "
        "words in bold, grouped by resolution. <b>More ▸</b> shows the next ones.\n"
        "Narrow it with <code>year:2016</code>, <code>year:2016-2019</code>, "
        "<code>ref:2016/2607(RSP)</code> or in words (\u201csince 2019\u201d, \u201cbefore 2018\u201d), "
        "and put a phrase in quotes to match it word for word. Every date filter must hold: "
        "\u201csince 2017 before 2018\u201d means adopted in 2017; filters that exclude each other "
        "get a message.\n"
        "A word no document contains is named (\u201cNothing in the corpus mentions: …\u201d); "
        "if it is what you ask about, no passage is shown.\n"
        "Send a message wholly in quotation marks to check a quote.\n"
        "In a group, use the commands; I ignore the other messages.\n"
        f"{inline}\n\n"
        "<b>Commands</b>\n"
        "/ask question: the passages that answer it\n"
        "/quote text: whether the text stands in a resolution verbatim, with cuts, "
        "nearly (with the differences) or not at all, and in which documents\n"
        "/timeline topic: what Parliament said on it, resolution by resolution, oldest first\n"
        "/sources: every resolution I can quote, with its documents\n"
        "/follow topic: a message here for each new resolution on it (/following, /unfollow)\n"
        "/forget: delete what I keep about you\n"
        "/help: this message\n\n"
        "Every passage is cited; what the documents do not say (a date, a source) is "
        "shown as unknown, never guessed."
    )
