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

from bot.grouping import HitGroup, SharedWording, group_hits
from bot.models import Document, Hit
from bot.query import Query
from bot.quote import DiffOp, QuoteMatch, QuoteResult, Verdict
from bot.service import Answer, Resolution
from bot.timeline import Timeline, TimelineEntry
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
SEARCHED_CHARS = 300
# A citation header line is kept whole unless absurdly long (a title is a sentence).
HEADER_LINE_CHARS = 1000
SOURCE_CHARS = 200

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
    number = f"<b>{hit.rank}.</b>\n" if numbered else ""
    citation = "\n".join(_citation_html(hit.document, hit))
    try:
        return _quoted_block(number, hit.passage.lead, hit.passage.text, terms, citation, limit)
    except ValueError:
        raise ValueError(
            f"the citation of {hit.document.name} alone is over {limit} characters"
        ) from None


def _quoted_block(
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


def answer_header(answer: Answer) -> str:
    first = answer.offset + 1
    last = answer.offset + len(answer.hits)
    shown = f"{first}" if first == last else f"{first}–{last}"
    noun = "Passage" if first == last else "Passages"
    question = esc(cut(" ".join(answer.query.split()), QUESTION_ECHO_CHARS))
    return f"<b>{noun} {shown} of {answer.total}</b> for “{question}”"


def searched(understood: Query | None) -> str:
    """"Searched: …" in italics when the question had filters, else ""."""
    parts = understood.describe() if understood is not None else []
    if not parts:
        return ""
    return f"<i>Searched: {esc(cut('; '.join(parts), SEARCHED_CHARS))}</i>"


def render_answer(answer: Answer) -> list[str]:
    """The messages for one page of an answer, grouped by resolution.

    Hits from one resolution come under one citation header, and wording that stands
    in several documents is shown once with each document listed (bot.grouping).
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
    return f"<i>{esc(cut(title, HEADER_LINE_CHARS))}</i>\n{esc(cut(details, HEADER_LINE_CHARS))}"


def _where(hit: Hit, with_kind: bool) -> str:
    """Where a hit stands (paragraph, file), its kind and source if asked, its link."""
    doc = hit.document
    line = esc(f"{hit.passage.position.describe()} of {doc.name}")
    if with_kind:
        # A source is an outlet's name; an absurdly long one must not crowd out the passage.
        line += esc(f" — {doc.kind_label}, {cut(doc.meta.source or 'source unknown', SOURCE_CHARS)}")
    if doc.meta.url:
        line += f' (<a href="{esc_attr(doc.meta.url)}">link</a>)'
    return line


def _wording_html(
    wording: SharedWording, terms: frozenset[str], several: bool, limit: int
) -> str:
    """One wording of a group: its rank(s), the passage as written, where it stands."""
    ranks = ", ".join(str(h.rank) for h in wording.hits)
    if len(wording.hits) == 1:
        places = [_where(wording.hits[0], several)]
    else:
        places = [f"The same words stand in {len(wording.hits)} documents:"]
        places += [f"• {_where(h, True)}" for h in wording.hits]
    notes: list[str] = []
    if wording.wording_note is not None:
        # No resolution text carries these words: every document's own note, once each.
        notes = list(dict.fromkeys(n for h in wording.hits if (n := h.document.wording_note)))
    tail = "\n".join([*places, *(f"⚠️ {esc(n)}" for n in notes)])
    return _quoted_block(f"<b>{ranks}.</b>\n", wording.lead, wording.text, terms, tail, limit)


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


# Quote check -----------------------------------------------------------------------

# A mark: [start, end) in a text and the tag that wraps it ("b" matched, "u" differs).
Mark = tuple[int, int, str]
MAX_DIFF_LINES = 8
DIFF_WORDS_CHARS = 80
_SPACE_RE = re.compile(r"\s")


def quote_usage() -> str:
    return (
        "Paste the quote after the command, for example:\n"
        "<code>/quote put an end to all forms of political repression</code>\n"
        "In a private chat, a message wholly in quotation marks is checked too."
    )


def _percent(similarity: float) -> int:
    # Rounded down, so that a near miss never reads as 100%.
    return math.floor(similarity * 100)


def _marked_html(text: str, marks: Sequence[Mark]) -> str:
    """``text`` escaped, each mark's span wrapped in its tag (overlaps are clipped)."""
    parts: list[str] = []
    last = 0
    for start, end, tag in sorted(marks):
        start, end = max(start, last), min(end, len(text))
        if end <= start:
            continue
        parts += [esc(text[last:start]), f"<{tag}>{esc(text[start:end])}</{tag}>"]
        last = end
    parts.append(esc(text[last:]))
    return "".join(parts)


def _excerpt(text: str, marks: Sequence[Mark], limit: int) -> tuple[str, list[Mark]]:
    """The part of ``text`` around its marks that fits in ``limit`` UTF-16 units.

    "…" stands where text was left out, at word boundaries; the marks are moved to the
    excerpt (and clipped to it). A span longer than the limit is shown from its start.
    """
    if utf16_length(text) <= limit:
        return text, list(marks)
    if limit < 3:
        return cut(text, limit), []
    first = min((m[0] for m in marks), default=0)
    last = max((m[1] for m in marks), default=0)
    # A third of the room the marks leave goes before them: how the sentence starts.
    spare = limit - 2 - utf16_length(text[first:last])
    start = max(0, first - max(spare, 0) // 3)
    if start > 0 and not text[start - 1].isspace():
        space = _SPACE_RE.search(text, start, first)
        start = space.end() if space else start
    prefix = ELLIPSIS if start > 0 else ""
    tail = cut(text[start:], limit - len(prefix))
    kept = len(tail) - 1 if tail.endswith(ELLIPSIS) and tail != text[start:] else len(tail)
    shift = len(prefix) - start
    moved = [
        (max(s + shift, len(prefix)), min(e + shift, len(prefix) + kept), tag)
        for s, e, tag in marks
    ]
    return prefix + tail, [m for m in moved if m[1] > m[0]]


def _diff_html(diff: Sequence[DiffOp]) -> str:
    """The differences of a near miss, one per line, in plain words."""
    changes = [op for op in diff if op.kind != "same"]
    if not changes:
        return ""

    def words(text: str) -> str:
        return f"“{esc(cut(' '.join(text.split()), DIFF_WORDS_CHARS))}”"

    lines = ["<b>Differences</b>, the quote against the passage:"]
    for op in changes[:MAX_DIFF_LINES]:
        if op.kind == "add":
            lines.append(f"➕ the quote adds {words(op.quote)}")
        elif op.kind == "drop":
            lines.append(f"➖ the quote leaves out {words(op.passage)}")
        elif op.kind == "change":
            lines.append(f"✏️ the passage says {words(op.passage)}, the quote {words(op.quote)}")
        else:
            lines.append(f"✂️ cut marked in the quote: {words(op.passage)}")
    if len(changes) > MAX_DIFF_LINES:
        lines.append(f"… and {len(changes) - MAX_DIFF_LINES} more differences")
    return "\n".join(lines)


def _text_marks(match: QuoteMatch, verdict: Verdict) -> list[Mark]:
    if verdict is Verdict.near and match.diff:
        # Matched words bold; the passage words the quote leaves out or changes underlined.
        tags = {"same": "b", "drop": "u", "change": "u"}
        return [(*op.span, tags[op.kind]) for op in match.diff if op.span and op.kind in tags]
    return [(start, end, "b") for start, end in match.segments]


def render_quote_match(
    match: QuoteMatch, label: str, verdict: Verdict, limit: int = MAX_MESSAGE
) -> str:
    """One passage of a quote check: ``label``, the passage with the matched words in
    bold, the differences of a near miss, and the citation (with its wording note).

    A long passage is cut around the matched words; the citation is kept whole.
    """
    passage, document = match.passage, match.document
    citation = "\n".join(_citation_html(document, Hit(0, 0.0, passage, document)))
    diff = _diff_html(match.diff) if verdict is Verdict.near else ""
    tail = f"{diff}\n{citation}" if diff else citation
    lead_html: str | None = None
    if passage.lead is not None:
        lead_marks = [(*match.lead_span, "b")] if match.lead_span else []
        lead_html = _marked_html(*_excerpt(passage.lead, lead_marks, max(limit // 4, 1)))

    def assemble(body: str) -> str:
        quote = body if lead_html is None else f"<i>{lead_html}</i>\n– {body}"
        return f"{label}\n<blockquote>{quote}</blockquote>\n{tail}"

    room = limit - visible_length(assemble(""))
    rendered = assemble(_marked_html(*_excerpt(passage.text, _text_marks(match, verdict), room)))
    if room < 1 or visible_length(rendered) > limit:
        raise ValueError(f"the citation of {document.name} alone is over {limit} characters")
    return rendered


def _kinds(documents: Iterable[Document]) -> str:
    labels = list(dict.fromkeys(f"a {d.kind_label}" for d in documents))
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def quote_header(result: QuoteResult) -> str:
    """The verdict at a glance, the quote checked, and the wording warning if any."""
    count = len(result.matches)
    places = f"{count}{'+' if result.more else ''} passage{'' if count == 1 and not result.more else 's'}"
    if result.verdict is Verdict.verbatim and result.omissions:
        verdict = f"✅ <b>Verbatim with omissions</b>: each part stands, in order, in {places}."
    elif result.verdict is Verdict.verbatim:
        verdict = f"✅ <b>Verbatim</b>: the words stand in this order in {places}."
    elif result.verdict is Verdict.near:
        verdict = (
            f"🟡 <b>Near ({_percent(result.similarity)}% similar)</b>: not word for word. "
            f"The closest passage{'s' if count > 1 else ''} and the differences:"
        )
    elif result.matches:
        verdict = "❌ <b>Not found</b>: no passage has these words in this order."
    else:
        verdict = "❌ <b>Not found</b>: no passage shares a word with this quote."
    echo = esc(cut(" ".join(result.quote.split()), QUESTION_ECHO_CHARS))
    lines = [verdict, f"<i>You checked: “{echo}”</i>"]
    documents = {m.document.name: m.document for m in result.matches}
    if result.verdict is not Verdict.not_found and not result.in_resolution_text:
        kinds = esc(_kinds(documents.values()))
        what = "these words stand" if result.verdict is Verdict.verbatim else "the closest wording stands"
        lines.append(
            f"⚠️ <b>Not the resolution's text</b>: {what} only in {kinds}: "
            "that document's wording, not the resolution's."
        )
    if result.verdict is not Verdict.not_found and len(documents) > 1:
        lines.append(f"They stand in {len(documents)} documents, each listed below.")
    return "\n".join(lines)


def render_quote(result: QuoteResult) -> list[str]:
    """The messages for a quote check: verdict, then each passage with its citation."""
    header = quote_header(result)
    # Every passage must fit in a message together with the header.
    limit = MAX_MESSAGE - visible_length(header) - 2
    blocks = [header]
    for number, match in enumerate(result.matches, start=1):
        if result.verdict is Verdict.not_found:
            label = (
                f"<b>Closest passage, NOT a match</b> ({_percent(match.similarity)}% similar; "
                "the closest words in bold):"
            )
        elif result.verdict is Verdict.near:
            label = f"<b>{number}.</b> {_percent(match.similarity)}% similar"
        else:
            label = f"<b>{number}.</b>"
        blocks.append(render_quote_match(match, label, result.verdict, limit))
    if result.more:
        blocks.append(f"More passages hold these words; the first {len(result.matches)} are listed.")
    return pack(blocks)


# Timeline --------------------------------------------------------------------------

TIMELINE_PASSAGE_CHARS = 400
TIMELINE_LEAD_CHARS = 150
TIMELINE_TITLE_CHARS = 200


def timeline_usage() -> str:
    return (
        "Type a topic after the command, for example:\n"
        "<code>/timeline political prisoners</code>"
    )


def render_timeline_entry(entry: TimelineEntry, terms: frozenset[str]) -> str:
    """One resolution: date, reference, title, its best passage (cut), where and what it is."""
    hit = entry.hit
    doc = hit.document
    adopted = entry.adopted.isoformat() if entry.adopted else "adoption date unknown"
    quote = highlight(cut(" ".join(hit.passage.text.split()), TIMELINE_PASSAGE_CHARS), terms)
    if hit.passage.lead:
        lead = cut(" ".join(hit.passage.lead.split()), TIMELINE_LEAD_CHARS)
        quote = f"<i>{highlight(lead, terms)}</i> – {quote}"
    lines = [
        f"<b>{esc(adopted)}</b> · {esc(entry.reference or 'reference unknown')}",
        f"<i>{esc(cut(entry.title or 'Title unknown', TIMELINE_TITLE_CHARS))}</i>",
        f"<blockquote>{quote}</blockquote>",
        _where(hit, True),
    ]
    if doc.wording_note:
        lines.append(f"⚠️ {esc(doc.wording_note)}")
    return "\n".join(lines)


def render_timeline(timeline: Timeline) -> list[str]:
    """A topic across resolutions, oldest first: one block per resolution."""
    filters = searched(timeline.understood)
    if not timeline.entries:
        return [f"{no_match(timeline.topic)}\n{filters}" if filters else no_match(timeline.topic)]
    count = len(timeline.entries)
    echo = esc(cut(" ".join(timeline.topic.split()), QUESTION_ECHO_CHARS))
    noun = "resolution" if count == 1 else "resolutions, oldest first"
    header = f"<b>Timeline</b> of “{echo}”: {count} {noun}"
    if filters:
        header += f"\n{filters}"
    terms = frozenset(timeline.understood.search_tokens)
    return pack([header, *(render_timeline_entry(e, terms) for e in timeline.entries)])
