"""Telegram HTML for an answer: its passages grouped by resolution, the "Searched:" line, More, and inline results."""

from __future__ import annotations

import logging

from bot.answers.answer import Answer, Noted, notes, nothing_mentions
from bot.answers.grouping import HitGroup, SharedWording, group_hits
from bot.answers.service import DEFAULT_TOP
from bot.corpus.models import NO_MATCH, Hit
from bot.search.query import Query
from bot.telegram.render import (
    DETAILS_CHARS,
    INLINE_DESCRIPTION_CHARS,
    INLINE_TITLE_CHARS,
    MAX_MESSAGE,
    SEARCHED_CHARS,
    Article,
    bad_question,
    cut,
    echo,
    esc,
    link_suffix,
    query_terms,
    quoted_block,
    render_hit,
    source_text,
    title_html,
    visible_length,
)

logger = logging.getLogger(__name__)

def answer_header(answer: Answer) -> str:
    """"Passages 1–3 of N" for the question, in bold."""
    first = answer.offset + 1
    last = answer.offset + len(answer.hits)
    shown = f"{first}" if first == last else f"{first}–{last}"
    noun = "Passage" if first == last else "Passages"
    # An incomplete count (a phrase with more candidates than were checked) is a floor.
    total = f"{answer.total}" if answer.total_complete else f"at least {answer.total}"
    return f"<b>{noun} {shown} of {total}</b> for “{echo(answer.query)}”"


def answer_note(result: Noted) -> str:
    """The notes above an answer or a timeline (bot.answers.service.notes: a search stopped
    early, the question's language, else the words no document contains), one a line in
    italics; "" when none."""
    return "\n".join(f"⚠️ <i>{esc(cut(n, SEARCHED_CHARS))}</i>" for n in notes(result))


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
    note = answer_note(answer)
    if not answer.hits:
        lines = [no_match(answer.query, answer.no_match), filters, note]
        return ["\n".join(line for line in lines if line)]
    header = "\n".join(line for line in [answer_header(answer), filters, note] if line)
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
    line = esc(cut(hit.passage.position.locator(doc.name), DETAILS_CHARS))
    if with_kind:
        line += esc(f" — {source_text(doc)}")
    return line + link_suffix(doc)



def _wording_html(
    wording: SharedWording, terms: frozenset[str], several: bool, limit: int
) -> str:
    """One wording of a group: its number in reading order, the passage as written, where it stands."""
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
    return quoted_block(f"<b>{wording.number}.</b>\n", wording.lead, wording.text, terms, tail, limit)


def has_more(answer: Answer) -> bool:
    """Whether a next page may exist: fewer shown than counted, or a full page from a
    count that is only a lower bound."""
    shown = answer.offset + len(answer.hits)
    return shown < answer.total or (not answer.total_complete and len(answer.hits) >= DEFAULT_TOP)


def no_match(question: str, message: str = NO_MATCH) -> str:
    """``message`` (the service's: why nothing matched, when it knows) and the question echoed."""
    return f"{esc(message)}\n<i>You asked: “{echo(question)}”</i>"


def ask_usage() -> str:
    return (
        "Type your question after the command, for example:\n"
        "<code>/ask political prisoners in Kazakhstan</code>"
    )


def inline_hint(username: str | None) -> Article:
    name = f"@{username}" if username else "the bot's name"
    return Article(
        id="hint",
        title="Type a question about European Parliament resolutions",
        description="For example: political prisoners in Kazakhstan",
        html=esc(f"Ask about European Parliament resolutions: type {name} and a question."),
    )


def inline_no_match(question: str, answer: Answer | None = None) -> Article:
    note = answer_note(answer) if answer is not None else ""
    plain = None
    if answer is not None and answer.language_note:
        plain = answer.language_note
    elif answer is not None and answer.unmatched_terms:
        plain = nothing_mentions(answer.unmatched_terms)
    elif answer is not None and answer.empty_reason:
        plain = answer.empty_reason[:1].upper() + answer.empty_reason[1:] + "."
    html = no_match(question, answer.no_match if answer is not None else NO_MATCH)
    return Article(
        id="no-match",
        title="No passage matches",
        description=cut(plain or "The corpus does not speak about that.", INLINE_DESCRIPTION_CHARS),
        html=f"{html}\n{note}" if note else html,
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
