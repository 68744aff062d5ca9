"""Text to search tokens: fold case and typography, keep numbers and references, stem.

The same function tokenizes passages and questions, so whatever it folds on one side
it folds on the other. ``TOKEN_RE`` is the one definition of a word: searching,
highlighting and the quote check all find words with it (``word_spans`` gives them with
their offsets in the original text), so what is bold is what was searched. British and
American spellings stem alike ("recognise", "recognize": SPELLING_FOLD).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

logger = logging.getLogger(__name__)

# Typographic characters a reader does not distinguish from their plain forms.
_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2212": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u00ad": "",
        # Invisible inside a word, as the soft hyphen: zero-width space, non-joiner and
        # joiner, word joiner, BOM, direction marks, embeddings and isolates. Kept, they
        # split a word that reads whole, and a quote pasted from a web page misses.
        **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u061c", ""),
        **dict.fromkeys("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069", ""),
    }
)

# Order matters: a procedure reference or a number wins over a word. It applies to
# folded text (lower case, plain apostrophes).
TOKEN_RE = re.compile(
    r"\d{4}/\d{4}\([a-z]{3}\)"  # procedure reference, 2016/2607(rsp)
    r"|\d+(?:[./]\d+)*"  # numbers, dates like 10/03/2016, article 174
    r"|[^\W\d_]+(?:'[^\W\d_]+)*"  # words, with inner apostrophes
)

STOP_WORDS: frozenset[str] = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do
    does doesn't doing don't down during each few for from further had hadn't has hasn't
    have haven't having he he'd he'll he's her here here's hers herself him himself his how
    how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most
    mustn't my myself no nor not of off on once only or other ought our ours ourselves out
    over own same shan't she she'd she'll she's should shouldn't so some such than that
    that's the their theirs them themselves then there there's these they they'd they'll
    they're they've this those through to too under until up very was wasn't we we'd we'll
    we're we've were weren't what what's when when's where where's which while who who's
    whom why why's will with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves also did does ever s t just
    """.split()
)

# Questions, quotes and topics alike: longer than a Telegram message is not a question.
MAX_TEXT_CHARS = 4096

# PyStemmer's Stemmer must not be used by two threads at once, and tokenizing runs in
# asyncio.to_thread workers and reload threads: each thread gets its own, made on first use.
_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    stemmer: Stemmer.Stemmer | None = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


# A surrogate code point alone: JSON may carry one ("\ud800"), and no encoder takes it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, so that nothing downstream
    (a Telegram length in UTF-16 units, an encoder, a log line) fails on it."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def fold(text: str) -> str:
    """Case- and typography-folded text; used for tokens and for quote matching."""
    return unicodedata.normalize("NFKC", text).translate(_FOLD).casefold()


def _fold_clusters(text: str) -> tuple[str, list[int], list[int]]:
    """Folded text and, per folded character, the original [start, end) it came from.

    Folding one base character with its combining marks at a time keeps every folded
    character traceable to the original, even when folding changes the length
    (ß → ss, ligatures, a soft hyphen that vanishes). A loop in Python: ``fold_map``
    calls it only for the stretches that are not plain ASCII.
    """
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        j = i + 1
        while j < n and text[j] >= "\u0300" and unicodedata.combining(text[j]):
            j += 1
        piece = ch.lower() if ch < "\x80" and j == i + 1 else fold(text[i:j])
        out.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([j] * len(piece))
        i = j
    return "".join(out), starts, ends


# Runs of ASCII characters: folding lower-cases them one for one, at C speed.
_ASCII_RUN = re.compile(r"[\x00-\x7f]+")


def _stretches(text: str) -> Iterator[tuple[int, int, bool]]:
    """[begin, end) stretches covering ``text`` in order, and whether each is plain ASCII.

    An ASCII character is never a combining mark, so it starts a cluster and folds to
    its lower case alone, unless combining marks follow it. A stretch of other
    characters starts at a cluster start (an ASCII base followed by marks goes with
    them) and ends before an ASCII character, which starts the next cluster, so folding
    the stretch alone folds it as folding the whole text does.
    """
    pos = 0  # everything before pos is yielded
    for run in _ASCII_RUN.finditer(text):
        begin, end = run.span()
        if end < len(text) and text[end] >= "\u0300" and unicodedata.combining(text[end]):
            end -= 1  # the run's last character is the base of the marks that follow
        if begin > pos:
            yield pos, begin, False
        if end > begin:
            yield begin, end, True
        pos = max(pos, end)
    if pos < len(text):
        yield pos, len(text), False


def fold_map(text: str) -> tuple[str, list[int], list[int]]:
    """Folded text and, per folded character, the original [start, end) it came from.

    ASCII stretches are lower-cased at C speed (a 4,000-character quote folds in well
    under a millisecond instead of some 6 ms); the rest is folded cluster by cluster.
    """
    if text.isascii():
        return text.lower(), list(range(len(text))), list(range(1, len(text) + 1))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for begin, end, ascii_run in _stretches(text):
        if ascii_run:
            out.append(text[begin:end].lower())
            starts.extend(range(begin, end))
            ends.extend(range(begin + 1, end + 1))
        else:
            folded, piece_starts, piece_ends = _fold_clusters(text[begin:end])
            out.append(folded)
            starts.extend(st + begin for st in piece_starts)
            ends.extend(e + begin for e in piece_ends)
    return "".join(out), starts, ends


def folded_text(text: str) -> str:
    """``fold_map(text)[0]``, without building the offsets."""
    if text.isascii():
        return text.lower()
    return "".join(
        text[begin:end].lower() if ascii_run else _fold_clusters(text[begin:end])[0]
        for begin, end, ascii_run in _stretches(text)
    )


@dataclass(frozen=True, slots=True)
class WordSpan:
    """A folded word and where it stands: [start, end) in the original text, start in the folded."""

    word: str
    start: int
    end: int
    folded_start: int


def word_spans(text: str) -> list[WordSpan]:
    """The words of ``text`` as ``words`` finds them, each with its span in ``text`` itself.

    ``text[span.start:span.end]`` is the word as written, for bold marks and quotes;
    ``span.word`` is its folded form, what ``tokenize`` stems.
    """
    folded, starts, ends = fold_map(text)
    return [
        WordSpan(m.group(), starts[m.start()], ends[m.end() - 1], m.start())
        for m in TOKEN_RE.finditer(folded)
    ]


# British and American spellings stem alike: "recognize" as "recognise", "organization" as
# "organisation". The corpus writes one, a question often the other. Dev 0.906/0.966 ->
# 0.910/0.974, held-out 0.907/0.941 unchanged (MRR@5/recall@3; off-topic, lost and the
# shipped set unchanged). -ize is read as -ise, the Parliament's spelling, not the other
# way: -ise read as -ize split "supervise" from "supervision" and "precise" from
# "precision", which the stemmer keeps together (the same figures both ways).
SPELLING_FOLD = True
_ISE_RE = re.compile(r"(?<=[^\W\d_]{3})iz(e|es|ed|ing|ation|ations|er|ers)$")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    # lru_cache may call this from several threads at once; each uses its own stemmer.
    if SPELLING_FOLD:
        word = _ISE_RE.sub(r"is\1", word)
    stem: str = _stemmer().stemWord(word)
    return stem


def tokenize(text: str) -> list[str]:
    """Search tokens of ``text``: stemmed content words, numbers and references."""
    return stems(TOKEN_RE.findall(fold(text)))


def stems(found: Iterable[str]) -> list[str]:
    """Search tokens of words already folded and found (as ``words`` gives them): ``tokenize``'s second half."""
    tokens: list[str] = []
    for raw in found:
        if raw[0].isdigit():
            tokens.append(raw)
            continue
        if raw.endswith("'s"):
            raw = raw[:-2]
        if raw in STOP_WORDS or len(raw) < 2 and raw.isascii():
            continue
        tokens.append(_stem(raw))
    return tokens


def words(text: str) -> list[str]:
    """Folded surface words of ``text`` (no stemming), for highlighting and diffs."""
    return TOKEN_RE.findall(fold(text))


@dataclass(frozen=True, slots=True)
class TextMessages:
    """What to tell a user whose text cannot be searched; ``too_long`` gets {length} and {limit}."""

    empty: str
    too_long: str
    no_words: str
    common_words: str


def check_text(
    text: str, messages: TextMessages, error: Callable[[str], Exception]
) -> tuple[str, list[str]]:
    """The stripped text and its search tokens, or ``error(message)`` for the user.

    The one set of rules for anything a user asks the corpus (question, topic, quote):
    not empty, at most MAX_TEXT_CHARS, at least one word, and at least one word that
    is not a stop word. The wording is the caller's.
    """
    stripped = without_lone_surrogates(text.strip())
    if not stripped:
        raise error(messages.empty)
    if len(stripped) > MAX_TEXT_CHARS:
        raise error(messages.too_long.format(length=len(stripped), limit=MAX_TEXT_CHARS))
    found = TOKEN_RE.findall(fold(stripped))  # folded once for both checks
    if not found:
        raise error(messages.no_words)
    tokens = stems(found)
    if not tokens:
        raise error(messages.common_words)
    return stripped, tokens
