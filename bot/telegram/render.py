"""Telegram HTML: what every renderer shares, plus plain descriptions of buttons.

Escaping, lengths, cutting, highlighted passages with their citations, packing blocks
into messages, pages of a long list, and the short replies (usage, waits, apologies).
Answers are rendered in bot.telegram.render_answer, /sources and /help in
render_sources, quote checks in render_quote, timelines in render_timeline and admin
replies in render_admin. Everything inserted into the HTML (passages, titles,
questions, file names) goes through ``html.escape``: the corpus is written by people
and may hold ``<`` or ``&``. Telegram counts a message's length after parsing the
entities, in UTF-16 code units, and refuses anything over 4,096; every function here
stays within that. No renderer imports Telegram: the handlers turn ``Button`` into
keyboards.
"""

from __future__ import annotations

import html
import logging
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.corpus.models import Document, Hit
from bot.search.tokens import tokenize, without_lone_surrogates, word_spans

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
_SPACE_RE = re.compile(r"\s")
# How far into a passage ``around`` looks for the matched words (see there).
AROUND_SCAN_CHARS = 50_000


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
    """Length as Telegram counts it: UTF-16 code units (an emoji counts two).

    A lone surrogate (JSON can carry "\\ud800" alone) counts one unit, as the U+FFFD
    that replaces it in every escaped text does, never an error.
    """
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def visible_length(html_text: str) -> int:
    """Length of ``html_text`` after Telegram parses its entities."""
    return utf16_length(html.unescape(_TAG_RE.sub("", html_text)))


def esc(text: str) -> str:
    """Text for Telegram HTML: ``<``, ``>`` and ``&`` escaped, lone surrogates replaced."""
    return html.escape(without_lone_surrogates(text), quote=False)


def esc_attr(text: str) -> str:
    """An attribute value (a link): quotes escaped too."""
    return html.escape(without_lone_surrogates(text), quote=True)


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


def around(text: str, terms: frozenset[str], limit: int) -> str:
    """``text`` if it fits in ``limit``, else the part of it around the matched words, cut
    at word boundaries with "…" where text was left out (at the start, the end, or both).

    The part kept is the stretch of ``limit`` that holds the most of ``terms`` (then the
    most matched words, then the earliest); from the passage's start when that stretch
    fits there, so a match near the start reads as ``cut`` would. Without a matched word
    it is ``cut``. The words are those ``highlight`` makes bold. Matches are looked for in
    the first ``AROUND_SCAN_CHARS`` characters only, so a whole file in one paragraph
    costs milliseconds, not seconds, to render.
    """
    if utf16_length(text) <= limit:
        return text
    mark = utf16_length(ELLIPSIS)
    room = limit - 2 * mark  # a cut at both ends
    matches = _matches(text[:AROUND_SCAN_CHARS], terms) if room > 0 else []
    if not matches:
        return cut(text, limit)
    # Where each match starts and ends in UTF-16 units, counted once along the text.
    units: list[tuple[int, int]] = []
    position = counted = 0
    for start, end, _ in matches:
        counted += utf16_length(text[position:start])
        begin = counted
        counted += utf16_length(text[start:end])
        position = end
        units.append((begin, counted))
    # The run of matches, first to last, that fits in ``room`` and holds the most terms.
    best: tuple[int, int, int] = (0, 0, 0)  # distinct terms, matched words, -first start
    chosen = (0, 0)
    last = 0
    for first in range(len(matches)):
        last = max(last, first)
        while last + 1 < len(matches) and units[last + 1][1] - units[first][0] <= room:
            last += 1
        held = frozenset().union(*(m[2] for m in matches[first : last + 1]))
        score = (len(held), last - first + 1, -units[first][0])
        if score > best:
            best, chosen = score, (first, last)
    first, last = chosen
    if units[last][1] <= limit - mark:
        return cut(text, limit)  # the matches fit from the start: nothing to leave out before them
    # A third of the room the matches leave goes before them: how the sentence leads in.
    first_char = matches[first][0]
    spare = max(room - (units[last][1] - units[first][0]), 0)
    start = max(0, first_char - spare // 3)
    if start == 0:
        return cut(text, limit)
    if not text[start - 1].isspace():
        space = _SPACE_RE.search(text, start, first_char)
        start = space.end() if space else first_char
    body = text[start:].lstrip()
    rest = utf16_length(body)
    if rest > limit - mark:
        return ELLIPSIS + cut(body, limit - mark)
    # The passage ends within reach: only its start is left out, and the room the end
    # does not take goes to what leads up to the matches.
    start = max(1, start - (limit - mark - rest))
    while (excess := utf16_length(text[start:]) - (limit - mark)) > 0:
        start += excess  # a character is at least one unit: this never overshoots by much
    if not text[start - 1].isspace():
        space = _SPACE_RE.search(text, start)
        start = space.end() if space else start
    return ELLIPSIS + text[start:].lstrip()


def _matches(text: str, terms: frozenset[str]) -> list[tuple[int, int, frozenset[str]]]:
    """[start, end) of each word of ``text`` whose search token is in ``terms``, with it."""
    if not terms:
        return []
    known: dict[str, frozenset[str]] = {}  # each distinct word tokenized once
    found = []
    for span in word_spans(text):
        matched = known.get(span.word)
        if matched is None:
            matched = known[span.word] = terms.intersection(tokenize(span.word))
        if matched:
            found.append((span.start, span.end, matched))
    return found


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

    An over-long passage is cut around its matched words, at word boundaries, with an
    ellipsis at each cut; the citation is always kept whole.
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

    Only the passage is cut to make the whole fit in ``limit``, around its matched words
    (``around``); ``head`` and ``tail`` (the number, the citation) are kept whole, or
    ValueError if they alone do not fit.
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
    rendered = assemble(lead, around(text, terms, limit - fixed))
    if visible_length(rendered) > limit:
        raise ValueError(f"a passage's head and citation alone are over {limit} characters")
    return rendered


def echo(text: str) -> str:
    """A user's question or quote echoed back: whitespace collapsed, cut, escaped."""
    return esc(cut(" ".join(text.split()), QUESTION_ECHO_CHARS))


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


def expired_list(command: str) -> str:
    """The notice for a More button of a list that is gone (the corpus changed, a restart)."""
    return f"This list has changed or expired. Send {command} again."


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


def link_suffix(document: Document) -> str:
    link = link_html(document.meta.url, "link") if document.meta.url else ""
    return f" ({link})" if link else ""
