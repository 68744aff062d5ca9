"""Telegram HTML for answers, sources and help, plus plain descriptions of buttons.

The helpers shared by every renderer live here too (escaping, lengths, cutting,
citations, pages of a long list); quote checks are rendered in bot.telegram.render_quote
and timelines in bot.telegram.render_timeline. Everything inserted into the HTML
(passages, titles, questions, file names) goes
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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.answers.grouping import HitGroup, SharedWording, group_hits
from bot.answers.service import DEFAULT_TOP, Answer, Resolution
from bot.corpus.models import NO_MATCH, Document, Hit
from bot.search.query import Query
from bot.search.tokens import tokenize, word_spans

logger = logging.getLogger(__name__)

MAX_MESSAGE = 4096
MAX_CALLBACK_DATA = 64
ELLIPSIS = "…"
QUESTION_ECHO_CHARS = 120
BUTTON_LABEL_CHARS = 60
INLINE_TITLE_CHARS = 80
INLINE_DESCRIPTION_CHARS = 160
MORE_LABEL = "More ▸"
SEARCHED_CHARS = 300
# Metadata comes from files people write: a title is a sentence and a source an outlet's
# name, but one absurdly long field must never make a message too long for everyone.
TITLE_CHARS = 500
SOURCE_CHARS = 200
# "reference · adoption date · kind, source": the source is its only unbounded part.
DETAILS_CHARS = 300
URL_CHARS = 200
# Telegram refuses overlong links; a longer URL is shown (cut) but not linked.
MAX_HREF_CHARS = 2048

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
    """``text`` escaped, with every word whose search token is in ``terms`` in bold.

    The words are those search sees (tokens.word_spans), so what is bold is what
    matched; their spans are in ``text`` as written, so the bold wraps the written word.
    """
    if not terms:
        return esc(text)
    parts: list[str] = []
    last = 0
    for span in word_spans(text):
        if span.start < last or not terms.intersection(tokenize(span.word)):
            continue
        parts.append(esc(text[last : span.start]))
        parts.append(f"<b>{esc(text[span.start : span.end])}</b>")
        last = span.end
    parts.append(esc(text[last:]))
    return "".join(parts)


def title_html(title: str | None) -> str:
    """A resolution's title in italics, cut if absurdly long; unknown says so."""
    return f"<i>{esc(cut(title or 'Title unknown', TITLE_CHARS))}</i>"


def source_text(document: Document) -> str:
    """A document's kind and source in plain text, the source cut if absurdly long."""
    return f"{document.kind_label}, {cut(document.meta.source or 'source unknown', SOURCE_CHARS)}"


def link_html(url: str, label: str | None = None) -> str:
    """A link to ``url`` shown as ``label`` (default: the URL itself, cut if long)."""
    shown = esc(cut(url, URL_CHARS) if label is None else label)
    if len(url) > MAX_HREF_CHARS:
        return shown if label is None else ""
    return f'<a href="{esc_attr(url)}">{shown}</a>'


def citation_html(document: Document, hit: Hit) -> list[str]:
    """A hit's citation lines: title, details, place, link, and the wording note."""
    # The same wording as the command line, from Document.citation and wording_note.
    title, details, where = document.citation(hit.passage.position)
    lines = [title_html(title), esc(cut(details, DETAILS_CHARS)), esc(cut(where, DETAILS_CHARS))]
    if document.meta.url:
        lines.append(link_html(document.meta.url))
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
    number = f"<b>{hit.rank}.</b>\n" if numbered else ""
    citation = "\n".join(citation_html(hit.document, hit))
    try:
        return quoted_block(number, hit.passage.lead, hit.passage.text, terms, citation, limit)
    except ValueError:
        raise ValueError(
            f"the citation of {hit.document.name} alone is over {limit} characters"
        ) from None


def quoted_block(
    head: str, lead: str | None, text: str, terms: frozenset[str], tail: str, limit: int
) -> str:
    """``head``, the passage in a blockquote (lead-in in italics), then ``tail``.

    Only the passage is cut to make the whole fit in ``limit``; ``head`` and ``tail``
    (the number, the citation) are kept whole, or ValueError if they alone do not fit.
    """

    def assemble(lead_text: str | None, body: str) -> str:
        quote = highlight(body, terms)
        if lead_text is not None:
            quote = f"<i>{highlight(lead_text, terms)}</i>\n– {quote}"
        return f"{head}<blockquote>{quote}</blockquote>\n{tail}"

    fixed = visible_length(assemble(lead, ""))
    if lead is not None and fixed > limit // 2:
        # A lead-in that eats the budget is cut too; it is context, the item is the answer.
        lead = cut(lead, max(limit // 4, 1))
        fixed = visible_length(assemble(lead, ""))
    rendered = assemble(lead, cut(text, limit - fixed))
    if visible_length(rendered) > limit:
        raise ValueError(f"a passage's head and citation alone are over {limit} characters")
    return rendered


def echo(text: str) -> str:
    """A user's question or quote echoed back: whitespace collapsed, cut, escaped."""
    return esc(cut(" ".join(text.split()), QUESTION_ECHO_CHARS))


def answer_header(answer: Answer) -> str:
    """"Passages 1–3 of N" for the question, in bold."""
    first = answer.offset + 1
    last = answer.offset + len(answer.hits)
    shown = f"{first}" if first == last else f"{first}–{last}"
    noun = "Passage" if first == last else "Passages"
    # An incomplete count (a phrase with more candidates than were checked) is a floor.
    total = f"{answer.total}" if answer.total_complete else f"at least {answer.total}"
    return f"<b>{noun} {shown} of {total}</b> for “{echo(answer.query)}”"


def searched(understood: Query | None) -> str:
    """"Searched: …" in italics when the question had filters, else ""."""
    parts = understood.describe() if understood is not None else []
    if not parts:
        return ""
    return f"<i>Searched: {esc(cut('; '.join(parts), SEARCHED_CHARS))}</i>"


def render_answer(answer: Answer) -> list[str]:
    """The messages for one page of an answer, grouped by resolution.

    Hits from one resolution come under one citation header, and wording that stands
    in several documents is shown once with each document listed (bot.answers.grouping).
    Messages are split only between passages, never inside one; a resolution split
    across messages repeats its header, so every message carries its citations.
    """
    filters = searched(answer.understood)
    if not answer.hits:
        return [f"{no_match(answer.query)}\n{filters}" if filters else no_match(answer.query)]
    header = answer_header(answer) + (f"\n{filters}" if filters else "")
    terms = (
        frozenset(answer.understood.search_tokens)
        if answer.understood is not None
        else query_terms(answer.query)
    )
    messages: list[str] = []
    current = header
    for group in group_hits(answer.hits):
        head = _group_header_html(group)
        # Every wording must fit in one message with the answer's and the group's headers.
        limit = MAX_MESSAGE - visible_length(header) - visible_length(head) - 4
        several = len(group.documents) > 1
        opened = False  # whether ``current`` already holds this group's header
        for wording in group.wordings:
            block = _wording_html(wording, terms, several, limit)
            piece = block if opened else f"{head}\n\n{block}"
            if visible_length(f"{current}\n\n{piece}") > MAX_MESSAGE:
                messages.append(current)
                current, piece = "", f"{head}\n\n{block}"
            current = f"{current}\n\n{piece}" if current else piece
            opened = True
    messages.append(current)
    return messages


def _group_header_html(group: HitGroup) -> str:
    # HitGroup.header's wording: title; reference · adoption date · each kind and source.
    title, details = group.header()
    return f"{title_html(title)}\n{esc(cut(details, DETAILS_CHARS))}"


def place_html(hit: Hit, with_kind: bool) -> str:
    """Where a hit stands (paragraph, file), its kind and source if asked, its link."""
    doc = hit.document
    line = esc(cut(f"{hit.passage.position.describe()} of {doc.name}", DETAILS_CHARS))
    if with_kind:
        line += esc(f" — {source_text(doc)}")
    return line + _link_suffix(doc)


def _link_suffix(document: Document) -> str:
    link = link_html(document.meta.url, "link") if document.meta.url else ""
    return f" ({link})" if link else ""


def _wording_html(
    wording: SharedWording, terms: frozenset[str], several: bool, limit: int
) -> str:
    """One wording of a group: its rank(s), the passage as written, where it stands."""
    ranks = ", ".join(str(h.rank) for h in wording.hits)
    if len(wording.hits) == 1:
        places = [place_html(wording.hits[0], several)]
    else:
        places = [f"The same words stand in {len(wording.hits)} documents:"]
        places += [f"• {place_html(h, True)}" for h in wording.hits]
    notes: list[str] = []
    if wording.wording_note is not None:
        # No resolution text carries these words: every document's own note, once each.
        notes = list(dict.fromkeys(n for h in wording.hits if (n := h.document.wording_note)))
    tail = "\n".join([*places, *(f"⚠️ {esc(n)}" for n in notes)])
    return quoted_block(f"<b>{ranks}.</b>\n", wording.lead, wording.text, terms, tail, limit)


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
    """Whether a next page may exist: fewer shown than counted, or a full page from a
    count that is only a lower bound."""
    shown = answer.offset + len(answer.hits)
    return shown < answer.total or (not answer.total_complete and len(answer.hits) >= DEFAULT_TOP)


def no_match(question: str) -> str:
    return f"{esc(NO_MATCH)}\n<i>You asked: “{echo(question)}”</i>"


def bad_question(message: str) -> str:
    # Refusals may repeat what the user typed; a message must still fit (a safety net:
    # the service already shortens what it echoes).
    return esc(cut(message, MAX_MESSAGE // 2))


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


def expired_list(command: str) -> str:
    """The notice for a More button of a list that is gone (the corpus changed, a restart)."""
    return f"This list has changed or expired. Send {command} again."


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else "adoption date unknown"


@dataclass(frozen=True, slots=True)
class Page:
    """One message of a long list, and the offset its More button shows next (or None)."""

    text: str
    next_offset: int | None


def list_page(
    count: int,
    heading: Callable[[int, int | None], str],
    block: Callable[[int, int], str],
    offset: int,
) -> Page | None:
    """As many items from ``offset`` on as fit in one message under their heading.

    ``heading(first, last)`` names the items shown (1-based; ``last`` None while the page
    is one whole list), ``block(index, limit)`` renders item ``index`` within ``limit``
    characters. Only the items shown are rendered, so a page of a list of 10^5 items
    costs as much as a page of a short one. None when ``offset`` is past the end.
    """
    if not 0 <= offset < count:
        return None
    # The heading is longest with the largest numbers: measure that one.
    room = MAX_MESSAGE - visible_length(heading(count, count)) - 2
    blocks: list[str] = []
    size = 0
    index = offset
    while index < count:
        text = block(index, room)
        length = visible_length(text) + 2
        if blocks and size + length > room:
            break
        blocks.append(text)
        size += length
        index += 1
    whole = offset == 0 and index == count
    head = heading(offset + 1, None if whole else index)
    return Page("\n\n".join([head, *blocks]), None if index == count else index)


def _resolution_html(resolution: Resolution, limit: int) -> str:
    lines = [
        f"<b>{esc(_date(resolution.adopted))}</b> · "
        f"{esc(resolution.reference or 'reference unknown')}",
        title_html(resolution.title),
    ]
    documents = resolution.documents
    for index, doc in enumerate(documents):
        line = f"• {esc(cut(doc.name, DETAILS_CHARS))}: {esc(source_text(doc))}{_link_suffix(doc)}"
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
        "words in bold, grouped by resolution. <b>More ▸</b> shows the next ones.\n"
        "Narrow it with <code>year:2016</code>, <code>year:2016-2019</code> or "
        "<code>ref:2016/2607(RSP)</code>, and put a phrase in quotes to match it word "
        "for word.\n"
        "Send a message wholly in quotation marks to check a quote.\n"
        "In a group, use the commands; I ignore the other messages.\n"
        f"{inline}\n\n"
        "<b>Commands</b>\n"
        "/ask question: the passages that answer it\n"
        "/quote text: whether the text stands in a resolution verbatim, with cuts, "
        "nearly (with the differences) or not at all, and in which documents\n"
        "/timeline topic: what Parliament said on it, resolution by resolution, oldest first\n"
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
        title, details, _place = hit.document.citation(hit.passage.position)
        articles.append(
            Article(
                id=f"p{hit.rank}",
                title=cut(" ".join(hit.passage.text.split()), INLINE_TITLE_CHARS),
                description=cut(f"{details} · {title}", INLINE_DESCRIPTION_CHARS),
                html=render_hit(hit, terms, numbered=False),
            )
        )
    return articles


