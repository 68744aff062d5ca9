"""Text to search tokens: fold case and typography, keep numbers and references, stem.

The same function tokenizes passages and questions, so whatever it folds on one side
it folds on the other.
"""

from __future__ import annotations

import logging
import re
import unicodedata
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
    }
)

# Order matters: a procedure reference or a number wins over a word.
_TOKEN_RE = re.compile(
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

_stemmer = Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Case- and typography-folded text; used for tokens and for quote matching."""
    return unicodedata.normalize("NFKC", text).translate(_FOLD).casefold()


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    stem: str = _stemmer.stemWord(word)
    return stem


def tokenize(text: str) -> list[str]:
    """Search tokens of ``text``: stemmed content words, numbers and references."""
    tokens: list[str] = []
    for raw in _TOKEN_RE.findall(fold(text)):
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
    return _TOKEN_RE.findall(fold(text))
