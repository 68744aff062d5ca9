"""Telegram HTML for answers, sources and help, plus plain descriptions of buttons.

Everything inserted into the HTML (passages, titles, questions, file names) goes
through ``html.escape``: the corpus is written by people and may hold ``<`` or ``&``.
Telegram counts a message's length after parsing the entities, in UTF-16 code units,
and refuses anything over 4,096; every function here stays within that. This module
imports nothing from Telegram: the handlers turn ``Button`` into keyboards.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.models import Document, Hit
from bot.service import Answer, Resolution
from bot.tokens import tokenize

logger = logging.getLogger(__name__)

MAX_MESSAGE = 4096
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
ELLIPSIS = "…"
QUESTION_ECHO_CHARS = 120
BUTTON_LABEL_CHARS = 60
INLINE_TITLE_CHARS = 80
INLINE_DESCRIPTION_CHARS = 160
MORE_LABEL = "More ▸"
NO_MATCH = "No passage matches: the corpus does not speak about that."

# Surface words as tokens.py sees them, matched on the original text so that bold tags
# wrap exactly what the user reads (folding could change lengths, e.g. "ß" -> "ss").
_WORD_RE = re.compile(
    r"\d{4}/\d{4}\([A-Za-z]{3}\)"
    r"|\d+(?:[./]\d+)*"
    r"|[^\W\d_]+(?:['’][^\W\d_]+)*"
)
_TAG_RE = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class Button:
    """A button that sends ``data`` back as a callback query (at most 64 bytes)."""

    text: str
    data: str

    def __post_init__(self) -> None:
        if len(self.data.encode("utf-8")) > MAX_CALLBACK_DATA:
            raise ValueError(f"callback data {self.data!r} is over {MAX_CALLBACK_DATA} bytes")


@dataclass(frozen=True, slots=True)
class Article:
    """An inline-mode result: plain title and description, HTML message when chosen."""

    id: str
    title: str
    description: str
    html: str


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(html_text: str) -> int:
    """Length of ``html_text`` after Telegram parses its entities."""
    return utf16_length(html.unescape(_TAG_RE.sub("", html_text)))


def esc(text: str) -> str:
    """Text for Telegram HTML: ``<``, ``>`` and ``&`` escaped."""
    return html.escape(text, quote=False)


def esc_attr(text: str) -> str:
    """An attribute value (a link): quotes escaped too."""
    return html.escape(text, quote=True)


def cut(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit``, else its start cut at a word boundary plus "…"."""
    if utf16_length(text) <= limit:
        return text
    if limit < 1:
        return ""
    head = text[: limit - 1]
    while utf16_length(head) > limit - 1:
        head = head[:-1]
    # Cut at the last whitespace, unless that would throw away most of the budget
    # (one enormous "word", such as a URL, is cut where it must be).
    space = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    if space > len(head) // 2:
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def query_terms(question: str) -> frozenset[str]:
    """The search tokens of a question, for highlighting."""
    return frozenset(tokenize(question))


def highlight(text: str, terms: frozenset[str]) -> str:
    """``text`` escaped, with every word whose search token is in ``terms`` in bold."""
    if not terms:
        return esc(text)
    parts: list[str] = []
    last = 0
    for match in _WORD_RE.finditer(text):
        word = match.group()
        if not terms.intersection(tokenize(word)):
            continue
        parts.append(esc(text[last : match.start()]))
        parts.append(f"<b>{esc(word)}</b>")
        last = match.end()
    parts.append(esc(text[last:]))
    return "".join(parts)


def _citation_html(document: Document, hit: Hit) -> list[str]:
    # The same wording as the command line, from Document.citation and wording_note.
    title, details, where = document.citation(hit.passage.position)
    lines = [f"<i>{esc(title)}</i>", esc(details), esc(where)]
    if document.meta.url:
        lines.append(f'<a href="{esc_attr(document.meta.url)}">{esc(document.meta.url)}</a>')
    note = document.wording_note
    if note:
        lines.append(f"⚠️ {esc(note)}")
    return lines


def render_hit(
    hit: Hit, terms: frozenset[str], limit: int = MAX_MESSAGE, numbered: bool = True
) -> str:
    """One passage as written (matched words bold) with its citation, within ``limit``.

    An over-long passage is cut at a word boundary with an ellipsis; the citation is
    always kept whole.
    """
    passage = hit.passage
    lead = passage.lead
    citation = "\n".join(_citation_html(hit.document, hit))

    def assemble(lead_text: str | None, text: str) -> str:
        quote = highlight(text, terms)
        if lead_text is not None:
            quote = f"<i>{highlight(lead_text, terms)}</i>\n– {quote}"
        number = f"<b>{hit.rank}.</b>\n" if numbered else ""
        return f"{number}<blockquote>{quote}</blockquote>\n{citation}"

    fixed = visible_length(assemble(lead, ""))
    if lead is not None and fixed > limit // 2:
        # A lead-in that eats the budget is cut too; it is context, the item is the answer.
        lead = cut(lead, max(limit // 4, 1))
        fixed = visible_length(assemble(lead, ""))
    body = cut(passage.text, limit - fixed)
    rendered = assemble(lead, body)
    if visible_length(rendered) > limit:
        raise ValueError(
            f"the citation of {hit.document.name} alone is over {limit} characters"
        )
    return rendered


def answer_header(answer: Answer) -> str:
    first = answer.offset + 1
    last = answer.offset + len(answer.hits)
    shown = f"{first}" if first == last else f"{first}–{last}"
    noun = "Passage" if first == last else "Passages"
    question = esc(cut(" ".join(answer.query.split()), QUESTION_ECHO_CHARS))
    return f"<b>{noun} {shown} of {answer.total}</b> for “{question}”"


def render_answer(answer: Answer) -> list[str]:
    """The messages for one page of an answer; several only if one would be too long.

    Messages are split only between passages, never inside one.
    """
    if not answer.hits:
        return [no_match(answer.query)]
    header = answer_header(answer)
    # Every hit must fit in a message together with the header.
    limit = MAX_MESSAGE - visible_length(header) - 2
    blocks = [render_hit(hit, query_terms(answer.query), limit) for hit in answer.hits]
    return pack([header, *blocks])


def pack(blocks: Iterable[str], separator: str = "\n\n") -> list[str]:
    """Join blocks into as few messages as fit, splitting only between blocks."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    gap = utf16_length(separator)
    for block in blocks:
        length = visible_length(block)
        if length > MAX_MESSAGE:
            raise ValueError(f"a block of {length} characters cannot fit in one message")
        if current and size + gap + length > MAX_MESSAGE:
            messages.append(separator.join(current))
            current, size = [], 0
        size += (gap if current else 0) + length
        current.append(block)
    if current:
        messages.append(separator.join(current))
    return messages


def has_more(answer: Answer) -> bool:
    return answer.offset + len(answer.hits) < answer.total


def no_match(question: str) -> str:
    echo = esc(cut(" ".join(question.split()), QUESTION_ECHO_CHARS))
    return f"{esc(NO_MATCH)}\n<i>You asked: “{echo}”</i>"


def bad_question(message: str) -> str:
    return esc(message)


def rate_limited(wait: float) -> str:
    seconds = max(1, math.ceil(wait))
    unit = "second" if seconds == 1 else "seconds"
    return f"You are asking quickly. Please wait {seconds} {unit}, then ask again."


def apology() -> str:
    return "Sorry, something went wrong while answering. Please try again in a moment."


def not_text() -> str:
    return "I answer questions sent as text. Type one, or see /help."


def expired_button() -> str:
    return "This button has expired. Please ask your question again."


def ask_usage() -> str:
    return (
        "Type your question after the command, for example:\n"
        "<code>/ask political prisoners in Kazakhstan</code>"
    )


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else "adoption date unknown"


def render_sources(resolutions: Sequence[Resolution]) -> list[str]:
    """Every resolution with its date and reference, and the documents behind it."""
    if not resolutions:
        return ["The corpus is empty: there is no resolution to quote from yet."]
    count = len(resolutions)
    noun = "resolution" if count == 1 else "resolutions"
    blocks = [f"<b>{count} {noun} in the corpus</b>, oldest first:"]
    for resolution in resolutions:
        lines = [
            f"<b>{esc(_date(resolution.adopted))}</b> · "
            f"{esc(resolution.reference or 'reference unknown')}",
            f"<i>{esc(resolution.title or 'Title unknown')}</i>",
        ]
        documents = list(resolution.documents)
        for index, doc in enumerate(documents):
            line = (
                f"• {esc(doc.name)}: {esc(doc.kind_label)}, "
                f"{esc(doc.meta.source or 'source unknown')}"
            )
            if doc.meta.url:
                line += f' (<a href="{esc_attr(doc.meta.url)}">link</a>)'
            rest = len(documents) - index
            # Keep room for the closing "… and N more" line of a very long list.
            if visible_length("\n".join([*lines, line])) > MAX_MESSAGE - 40:
                lines.append(f"… and {rest} more documents")
                break
            lines.append(line)
        blocks.append("\n".join(lines))
    return pack(blocks)


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


def welcome(has_examples: bool) -> str:
    text = (
        "<b>European Parliament resolutions</b>\n"
        "Ask a question and I answer with the passages of the resolutions in my corpus "
        "that answer it, quoted as written, each with its citation: title, procedure "
        "reference, adoption date, source and where in the document it stands.\n\n"
        "Summaries and news reports are marked as such: their words are not the "
        "resolution's own."
    )
    if has_examples:
        text += "\n\nTry one of these, or type your own question:"
    return text


def help_text(username: str | None) -> str:
    inline = (
        f"In any chat, type <code>@{esc(username)} your question</code> to pick a passage "
        "to post."
        if username
        else "Inline mode: type the bot's name and a question in any chat."
    )
    return (
        "<b>How to ask</b>\n"
        "In this chat, send any question: I reply with the 3 best passages, matched "
        "words in bold. <b>More ▸</b> shows the next ones.\n"
        "In a group, use <code>/ask your question</code>; I ignore the other messages.\n"
        f"{inline}\n\n"
        "<b>Commands</b>\n"
        "/ask question: the passages that answer it\n"
        "/sources: every resolution I can quote, with its documents\n"
        "/help: this message\n\n"
        "Every passage is cited; what the documents do not say (a date, a source) is "
        "shown as unknown, never guessed."
    )


def inline_hint(username: str | None) -> Article:
    name = f"@{username}" if username else "the bot's name"
    return Article(
        id="hint",
        title="Type a question about European Parliament resolutions",
        description="For example: political prisoners in Kazakhstan",
        html=esc(f"Ask about European Parliament resolutions: type {name} and a question."),
    )


def inline_no_match(question: str) -> Article:
    return Article(
        id="no-match",
        title="No passage matches",
        description="The corpus does not speak about that.",
        html=no_match(question),
    )


def inline_bad_question(message: str) -> Article:
    return Article(
        id="bad-question",
        title="Cannot search for that",
        description=cut(message, INLINE_DESCRIPTION_CHARS),
        html=bad_question(message),
    )


def inline_articles(answer: Answer) -> list[Article]:
    """One article per hit: passage start as title, citation as description."""
    terms = query_terms(answer.query)
    articles = []
    for hit in answer.hits:
        title, details, _where = hit.document.citation(hit.passage.position)
        articles.append(
            Article(
                id=f"p{hit.rank}",
                title=cut(" ".join(hit.passage.text.split()), INLINE_TITLE_CHARS),
                description=cut(f"{details} · {title}", INLINE_DESCRIPTION_CHARS),
                html=render_hit(hit, terms, numbered=False),
            )
        )
    return articles
