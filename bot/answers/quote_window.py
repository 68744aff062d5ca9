"""A huge passage read as words only in the stretch a quote can stand in, found in its folded text"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

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
_CUT_RE = re.compile(r"[ \t\n\r\f\v](?=[\x00-\x7f])")
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


@dataclass(frozen=True, slots=True)
class Folded:
    """A text folded whole (as tokens.folded_text folds it), and where each chunk of it came from."""

    text: str
    folded: str
    folded_starts: tuple[int, ...]  # where each chunk starts in ``folded``
    starts: tuple[int, ...]  # and in ``text``
    scales: tuple[float, ...]  # the chunk's length in ``text`` over its length folded

    def original(self, pos: int) -> int:
        """Where ``folded[pos]`` stands in ``text``: exact in ASCII, else off by its chunk's folding."""
        k = bisect_right(self.folded_starts, pos) - 1
        return min(self.starts[k] + int((pos - self.folded_starts[k]) * self.scales[k]), len(self.text))


def fold_whole(text: str) -> Folded:
    """``text`` folded, at C speed for ASCII; other text in chunks, to find positions back."""
    if text.isascii():
        return Folded(text, text.lower(), (0,), (0,), (1.0,))  # lower-casing ASCII keeps every length
    pieces: list[str] = []
    folded_starts: list[int] = []
    starts: list[int] = []
    scales: list[float] = []
    start = size = 0
    while start < len(text):
        # Cut after whitespace followed by ASCII: both start character clusters of their own,
        # so the chunks fold into exactly what the whole text folds into.
        space = _CUT_RE.search(text, min(start + _CHUNK, len(text)))
        end = space.start() + 1 if space else len(text)
        piece = folded_text(text[start:end])
        pieces.append(piece)
        folded_starts.append(size)
        starts.append(start)
        scales.append((end - start) / max(len(piece), 1))
        size += len(piece)
        start = end
    return Folded(text, "".join(pieces), tuple(folded_starts), tuple(starts), tuple(scales))


def _hits(text: str, words: Sequence[str]) -> list[tuple[int, str]]:
    """Where each word stands in ``text`` (exact in ASCII, else off by a chunk's folding), in order.

    A word standing more than MAX_HITS times is left out altogether.
    """
    whole = fold_whole(text)
    folded = whole.folded
    found: list[tuple[int, str]] = []
    for word in words:
        spots: list[int] = []
        for m in re.finditer(re.escape(word) + r"(?!\w)", folded):
            at = m.start()
            before = folded[at - 1] if at else " "
            if not (before.isalnum() or before == "_"):
                spots.append(at)
                if len(spots) > MAX_HITS:
                    break
        if len(spots) <= MAX_HITS:
            found += [(whole.original(at), word) for at in spots]
    return sorted(found)
