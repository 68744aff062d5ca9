"""A quote check's words: texts folded into words with their offsets, cached between checks"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.search.tokens import TOKEN_RE, fold_map

logger = logging.getLogger(__name__)

SEP = "\x01"  # joins folded words for a C-speed sequence search; never inside a word


@dataclass(frozen=True, slots=True)
class Words:
    """Folded words of a text with their [start, end) offsets in the original text."""

    text: str
    folded: str  # the text as tokens.fold_map folds it; folded_starts index into it
    words: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    folded_starts: tuple[int, ...]
    joined: str  # SEP + words joined by SEP + SEP
    offsets: tuple[int, ...]  # index in ``joined`` of the separator before each word


# The words of recent passages, kept between quote checks. Bounded by (estimated) bytes,
# not entries: 8,192 entries of 5 MB passages took gigabytes.
WORD_CACHE_BYTES = 64 * 1024 * 1024


class WordCache:
    """A least-recently-used map of texts to their Words, at most ``max_bytes`` (estimated)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.nbytes = 0
        self._entries: OrderedDict[str, tuple[Words, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> Words | None:
        with self._lock:
            entry = self._entries.get(text)
            if entry is None:
                return None
            self._entries.move_to_end(text)
            return entry[0]

    def put(self, text: str, words: Words) -> None:
        size = _estimated_bytes(words)
        if size > self.max_bytes:
            return  # one huge passage would flush everything else, for one use
        with self._lock:
            if text in self._entries:
                return
            self._entries[text] = (words, size)
            self.nbytes += size
            while self.nbytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.nbytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.nbytes = 0


def _estimated_bytes(words: Words) -> int:
    # Folded and joined text (up to 4 bytes a character), and per word a string and
    # four integers in tuples (about 220 bytes as CPython stores them).
    return 4 * (len(words.folded) + len(words.joined)) + 220 * len(words.words) + 400


CACHE = WordCache(WORD_CACHE_BYTES)


def clear_word_cache() -> None:
    """Forget the words of every passage (a reload: the old passages should not stay alive)."""
    CACHE.clear()


def word_cache_bytes() -> int:
    """The estimated size of the word cache, for tests and benchmarks."""
    return CACHE.nbytes


# The words of the passages too large for the cache, kept for one quote check only
# (``checking``): a 5 MB passage was folded six times by one check, seconds each time.
_local = threading.local()


def words_of(text: str) -> Words:
    """The words of ``text``, from the cache or this check's memo when they are there."""
    cached = CACHE.get(text)
    if cached is None:
        memo: dict[str, Words] | None = getattr(_local, "memo", None)
        cached = memo.get(text) if memo is not None else None
        if cached is None:
            cached = make_words(text)
            CACHE.put(text, cached)
            if memo is not None:
                memo[text] = cached
    return cached


@contextmanager
def checking() -> Iterator[None]:
    """Within it, this thread folds each text at most once, whatever its size."""
    _local.memo = {}
    try:
        yield
    finally:
        _local.memo = None


def make_words(text: str) -> Words:
    """The words of ``text``, made now (``words_of`` reuses them)."""
    # bot.search.tokens' own words (TOKEN_RE on the folded text, as tokens.word_spans finds
    # them), so that a verbatim quote's tokens are always among its passage's tokens
    # and the candidates from the index never miss it.
    folded, fold_starts, fold_ends = fold_map(text)
    found = [(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(folded)]
    words = tuple(w for w, _, _ in found)
    return Words(
        text,
        folded,
        words,
        tuple(fold_starts[a] for _, a, _ in found),
        tuple(fold_ends[b - 1] for _, _, b in found),
        tuple(a for _, a, _ in found),
        SEP + SEP.join(words) + SEP,
        word_offsets(words),
    )


def word_offsets(words: tuple[str, ...]) -> tuple[int, ...]:
    """Where each word's leading separator stands in ``SEP + SEP.join(words) + SEP``."""
    offsets: list[int] = []
    pos = 0
    for word in words:
        offsets.append(pos)
        pos += len(word) + 1
    return tuple(offsets)


def needle(words: tuple[str, ...]) -> str:
    """Words as they stand, one after another, in a Words.joined."""
    return SEP + SEP.join(words) + SEP


def slice_words(words: Words, i: int, j: int) -> str:
    """Words i..j as written, with whatever stands between them in the original."""
    if j <= i:
        return ""
    return words.text[words.starts[i] : words.ends[j - 1]]
