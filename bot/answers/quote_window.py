"""A huge passage read as words only in the stretch a quote can stand in, never folded whole"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator, Sequence

from bot.answers.quote_words import Words, make_words, words_of
from bot.search.index import Bm25Index
from bot.search.tokens import folded_text, tokenize

logger = logging.getLogger(__name__)

# A text this long (characters) is read only in a window: folding a 5 MB passage into
# words with their offsets took some 2 s of CPU for each check, holding the GIL.
WINDOW_FROM = 50_000
# At least this many characters on each side of where a quote's words cluster: some
# 2,000 words, the stretch the alignment reads in any passage (quote_align.ALIGN_MIN_WORDS).
WINDOW_REACH = 12_000
# The quote's rarest words that locate it; each is one C-speed search of the text.
LOCATE_WORDS = 6
# A word standing more often than this in the passage says nothing of where the quote is.
MAX_HITS = 2_000
# A text with other than ASCII is folded in chunks this long, cut at whitespace, so that
# a position found in a folded chunk is off by no more than that chunk's folding.
_CHUNK = 65_536
_SPACES = " \t\n\r\f\v"
_SPACE_RE = re.compile(r"[ \t\n\r\f\v]")
_SNAP = 2_000  # how far a window's edge moves to reach whitespace


def locator_words(q: Words, index: Bm25Index) -> list[str]:
    """The quote's distinct words rarest in the corpus first (stop words left out): what locates it."""
    ranked: list[tuple[int, int, str]] = []
    for word in set(q.words):
        tokens = tokenize(word)
        if tokens:
            ranked.append((index.document_frequency(tokens[0]), -len(word), word))
    return [word for _, _, word in sorted(ranked)[:LOCATE_WORDS]]


def reach(q: Words) -> int:
    """How far from one of its words a quote's near miss can stand (characters).

    A near miss spans at most 1.5 times the quote's words (similarity 0.8); twice the
    quote's characters leaves room for longer words in the passage.
    """
    return max(WINDOW_REACH, 2 * len(q.text))


def words_around(text: str, locators: Sequence[str], distance: int) -> Words:
    """The words of ``text``; of a huge one, those of the stretch where ``locators`` cluster.

    The stretch is where most distinct locator words stand within ``distance``
    characters of each other, widened by ``distance`` on both sides: a near miss
    holding them lies within it. Its offsets are into the whole ``text``.
    """
    if len(text) < WINDOW_FROM:
        return words_of(text)
    hits = _hits(text, locators)
    if not hits:
        return window(text, 0, 2 * distance)
    best = (0, 0, 0)  # distinct words, first hit, last hit
    inside: Counter[str] = Counter()
    first = 0
    for last, (pos, word) in enumerate(hits):
        inside[word] += 1
        while hits[first][0] < pos - distance:
            gone = hits[first][1]
            inside[gone] -= 1
            if not inside[gone]:
                del inside[gone]
            first += 1
        if len(inside) > best[0]:
            best = (len(inside), hits[first][0], hits[last][0])
    _, lo, hi = best
    return window(text, lo - distance, hi + distance)


def tail(text: str, width: int) -> Words:
    """The words of ``text``; of a huge one, those of its last ``width`` characters or so."""
    return words_of(text) if len(text) < WINDOW_FROM else window(text, len(text) - width, len(text))


def head(text: str, width: int) -> Words:
    """The words of ``text``; of a huge one, those of its first ``width`` characters or so."""
    return words_of(text) if len(text) < WINDOW_FROM else window(text, 0, width)


def window(text: str, lo: int, hi: int) -> Words:
    """The words of ``text[lo:hi]``, edges moved out to whitespace, with offsets into ``text``.

    Cut at ASCII whitespace, which no word holds and which starts its own character
    cluster, the stretch folds into exactly the words the whole text has there.
    ``folded`` and ``folded_starts`` are the stretch's own.
    """
    lo, hi = max(lo, 0), min(hi, len(text))
    if lo > 0:
        before = max(text.rfind(c, max(lo - _SNAP, 0), lo + 1) for c in _SPACES)
        lo = before if before >= 0 else lo
    if hi < len(text):
        after = _SPACE_RE.search(text, hi, hi + _SNAP)
        hi = after.start() if after else hi
    w = make_words(text[lo:hi])
    return Words(
        text,
        w.folded,
        w.words,
        tuple(s + lo for s in w.starts),
        tuple(e + lo for e in w.ends),
        w.folded_starts,
        w.joined,
        w.offsets,
    )


def _hits(text: str, words: Sequence[str]) -> list[tuple[int, str]]:
    """Where each word stands in ``text`` (approximately, off by a chunk's folding), in order.

    A word standing more than MAX_HITS times is left out altogether.
    """
    patterns = [(word, re.compile(re.escape(word) + r"(?!\w)")) for word in words]
    found: dict[str, list[int]] = {word: [] for word in words}
    for offset, folded, scale in _folded_chunks(text):
        for word, pattern in patterns:
            spots = found[word]
            if len(spots) > MAX_HITS:
                continue
            for m in pattern.finditer(folded):
                at = m.start()
                before = folded[at - 1] if at else " "
                if not (before.isalnum() or before == "_"):
                    spots.append(offset + int(at * scale))
    return sorted((pos, word) for word, spots in found.items() if len(spots) <= MAX_HITS for pos in spots)


def _folded_chunks(text: str) -> Iterator[tuple[int, str, float]]:
    """The text folded in chunks cut at whitespace: each chunk's offset, folding, and length ratio."""
    if text.isascii():
        yield 0, text.lower(), 1.0  # folding ASCII changes no length: positions are exact
        return
    start = 0
    while start < len(text):
        space = _SPACE_RE.search(text, min(start + _CHUNK, len(text)))
        end = space.start() + 1 if space else len(text)
        folded = folded_text(text[start:end])
        yield start, folded, (end - start) / max(len(folded), 1)
        start = end
