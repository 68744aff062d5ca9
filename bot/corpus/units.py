"""What the readers of EP units share: roman numerals, a line that closes a unit, a heading's shape."""

from __future__ import annotations

import logging
import re

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
