"""Telegram HTML for /timeline: a topic across resolutions, oldest first.

One block per resolution: its adoption date, reference and title, its best passage cut
to a few lines, where that passage stands, and the wording note of a summary or a news
report. The shared helpers (escaping, cutting, places, pages) come from bot.render.
"""

from __future__ import annotations

import logging

from bot.render import cut, echo, esc, highlight, no_match, pack, place_html, searched, title_html
from bot.timeline import Timeline, TimelineEntry

logger = logging.getLogger(__name__)

TIMELINE_PASSAGE_CHARS = 400
TIMELINE_LEAD_CHARS = 150


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
        title_html(entry.title),
        f"<blockquote>{quote}</blockquote>",
        place_html(hit, True),
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
    noun = "resolution" if count == 1 else "resolutions, oldest first"
    header = f"<b>Timeline</b> of “{echo(timeline.topic)}”: {count} {noun}"
    if filters:
        header += f"\n{filters}"
    if not timeline.complete:
        header += (
            "\n<i>Only the best-ranked passages holding the phrase were checked; other "
            "resolutions may use it too. Add a word to narrow it.</i>"
        )
    terms = frozenset(timeline.understood.search_tokens)
    return pack([header, *(render_timeline_entry(e, terms) for e in timeline.entries)])
