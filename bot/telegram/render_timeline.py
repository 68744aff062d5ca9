"""Telegram HTML for /timeline: a topic across resolutions, oldest first.

One block per resolution: its adoption date, reference and title, its best passage cut
to a few lines around the topic's words, where that passage stands, and the wording
note of a summary or a news report. The shared helpers (escaping, cutting, places, pages) come from bot.telegram.render.

A timeline is shown one page at a time, ``TIMELINE_PAGE`` resolutions at most, in one
message whose More ▸ button (added by the handlers) edits it into the next page: a
common topic spans thousands of resolutions, far too many to send as messages.
"""

from __future__ import annotations

import logging

from bot.answers.timeline import Timeline, TimelineEntry
from bot.telegram.render import (
    DETAILS_CHARS,
    Page,
    around,
    cut,
    echo,
    esc,
    highlight,
    list_page,
    title_html,
)
from bot.telegram.render_answer import answer_note, no_match, place_html, searched

logger = logging.getLogger(__name__)

TIMELINE_PASSAGE_CHARS = 400
TIMELINE_LEAD_CHARS = 150
# Resolutions asked of the service per page; fewer are shown if they do not fit in 4,096.
TIMELINE_PAGE = 10


def timeline_usage() -> str:
    return (
        "Type a topic after the command, for example:\n"
        "<code>/timeline political prisoners</code>"
    )


def render_timeline_entry(entry: TimelineEntry, terms: frozenset[str]) -> str:
    """One resolution: date, reference, title, its best passage (cut around the topic's
    words), where and what it is."""
    hit = entry.hit
    doc = hit.document
    adopted = entry.adopted.isoformat() if entry.adopted else "adoption date unknown"
    quote = highlight(around(" ".join(hit.passage.text.split()), terms, TIMELINE_PASSAGE_CHARS), terms)
    if hit.passage.lead:
        lead = cut(" ".join(hit.passage.lead.split()), TIMELINE_LEAD_CHARS)
        quote = f"<i>{highlight(lead, terms)}</i> – {quote}"
    lines = [
        f"<b>{esc(adopted)}</b> · {esc(cut(entry.reference or 'reference unknown', DETAILS_CHARS))}",
        title_html(entry.title),
        f"<blockquote>{quote}</blockquote>",
        place_html(hit, True),
    ]
    if doc.wording_note:
        lines.append(f"⚠️ {esc(doc.wording_note)}")
    return "\n".join(lines)


def render_timeline(timeline: Timeline) -> Page | None:
    """One page of a topic across resolutions, oldest first: one block per resolution.

    The heading counts every resolution on the topic ("11–20 of 3,412 resolutions");
    ``next_offset`` is where the next page starts, in the whole timeline (None on the
    last page). As many of the page's entries as fit in one message are shown. None
    when the page is past the end (the corpus changed since the first page).
    """
    # The lines an answer to the same words has: "Searched: …", then its notes.
    said = [line for line in (searched(timeline.understood), answer_note(timeline)) if line]
    if not timeline.found:
        return Page("\n".join([no_match(timeline.topic), *said]), None)
    total, start = timeline.count, timeline.offset
    entries = timeline.entries
    notes = "".join(f"\n{line}" for line in said)
    if not timeline.complete:
        notes += (
            "\n<i>Only the best-ranked passages holding the phrase were checked; other "
            "resolutions may use it too. Add a word to narrow it.</i>"
        )

    def heading(first: int, last: int | None) -> str:
        if last is None and start == 0 and len(entries) == total:  # the whole timeline
            shown = "1 resolution" if total == 1 else f"{total:,} resolutions, oldest first"
        else:
            last = start + (len(entries) if last is None else last)
            span = f"{start + first:,}" if start + first == last else f"{start + first:,}–{last:,}"
            shown = f"{span} of {total:,} resolutions, oldest first"
        return f"<b>Timeline</b> of “{echo(timeline.topic)}”: {shown}{notes}"

    terms = frozenset(timeline.understood.search_tokens)
    page = list_page(len(entries), heading, lambda i, _limit: render_timeline_entry(entries[i], terms), 0)
    if page is None:
        return None
    # list_page counts within this page's entries; the button needs the whole timeline's place.
    shown = len(entries) if page.next_offset is None else page.next_offset
    following = start + shown
    return Page(page.text, following if following < total else None)
