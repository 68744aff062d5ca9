"""What the readers of EP units share: roman numerals, a closing line, a heading's shape, and one way to count units."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from bot.corpus.models import PARTS, Passage, plural

logger = logging.getLogger(__name__)

# Points (i), (ii) … as the Parliament numbers them under a lettered point.
ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv",
         "xvi", "xvii", "xviii", "xix", "xx")
# Closing punctuation, maybe followed by a closing quote or bracket: the unit before is whole.
CLOSED_RE = re.compile(r"[.,;:!?][\"\u201d\u2019')\]]*$")
MAX_HEADING_WORDS = 12


def some(text: str | None) -> list[str]:
    """A marker's text as the first of its unit's lines, or none."""
    return [text] if text else []


def heading_like(text: str, capital: bool = True) -> bool:
    """Whether a line reads as a heading: short, closing no sentence (and, by default, capitalised)."""
    return (
        not CLOSED_RE.search(text)
        and (text[:1].isupper() or not capital)
        and len(text.split()) <= MAX_HEADING_WORDS
    )


# Parts whose units are numbered in one run, so a count can show the run: "12 paragraphs (1–12)".
_SPANNED = ("recital", "paragraph", "amendment")


def _unit_kind(passage: Passage) -> str:
    """The kind a unit is counted as: its part, "point" for a point, or the file's own count."""
    position = passage.position
    if position.part is None:  # no EP structure: the file's paragraphs and list items
        return "paragraph" if position.item is None else "item"
    if position.point is not None and position.part != "position":
        return "point"  # the position's points are counted with the position, as its units
    return position.part


def unit_counts(passages: Iterable[Passage]) -> tuple[tuple[str, int], ...]:
    """How many units of each kind, the EP's parts in their order, then the file's own.

    The one count the importer's report, its Telegram preview and check-corpus all show.
    """
    counts: dict[str, int] = {}
    for passage in passages:
        kind = _unit_kind(passage)
        counts[kind] = counts.get(kind, 0) + 1
    ordered = [kind for kind in PARTS if kind in counts] + [kind for kind in counts if kind not in PARTS]
    return tuple((kind, counts[kind]) for kind in ordered)


def describe_units(passages: Iterable[Passage]) -> str:
    """"7 citations, 28 recitals (A–AB), 12 paragraphs (1–12), 7 points", or "no units"."""
    passages = list(passages)
    shown = []
    for kind, count in unit_counts(passages):
        span = ""
        if kind in _SPANNED:
            numbers = [p.position.number for p in passages
                       if p.position.part == kind and p.position.point is None and p.position.number]
            if numbers:
                span = f" ({numbers[0]})" if numbers[0] == numbers[-1] else f" ({numbers[0]}\u2013{numbers[-1]})"
        if kind == "unnumbered":  # words in no numbered unit
            shown.append(plural(count, "unnumbered passage"))
        elif kind == "position":  # its units are the position's own recitals and articles
            shown.append(f"{count:,} {'unit' if count == 1 else 'units'} of the position")
        else:
            shown.append(plural(count, kind) + span)
    return ", ".join(shown) or "no units"
