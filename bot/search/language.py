"""Which language a text is in, roughly: enough to tell a user the corpus is in another one.

A question in Cyrillic, or in French, on a corpus in English shares no word with it and
gets "No passage matches"; the reply should say which languages the corpus holds. The
script is read from the letters; among Latin-script languages, from their commonest
short words. Nothing here is a full language detector, and nothing is guessed when a
text gives no sign: the result is then None.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.search.kept import kept

logger = logging.getLogger(__name__)

# The commonest short words of the EU's larger Latin-script languages (function words
# only, which a question and a resolution share whatever their topic).
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    name: frozenset(words.split())
    for name, words in {
        "English": "the and of to in that is are was for with on by which what did about why how",
        "French": "le la les et des du une est dans pour sur que qui au aux ce quoi pourquoi comment",
        "German": "der die das und den dem des ist nicht mit sich auf für von zu wie warum was",
        "Spanish": "el los las y del una es en por con para que qué cómo por qué sobre",
        "Italian": "il lo gli e di della delle che è per con sono cosa come perché sul",
        "Polish": "i w z na się że nie do jest o dla jak co czy przez",
        "Portuguese": "o os as e do da dos das em uma é para com não que sobre como",
        "Dutch": "de het een en van in is op te dat niet met voor wat hoe waarom",
    }.items()
}
# Scripts by the first word of a letter's Unicode name.
_SCRIPTS = {"CYRILLIC": "Cyrillic", "GREEK": "Greek", "ARMENIAN": "Armenian", "GEORGIAN": "Georgian",
            "ARABIC": "Arabic", "HEBREW": "Hebrew", "CJK": "Chinese", "HIRAGANA": "Japanese",
            "KATAKANA": "Japanese", "HANGUL": "Korean", "LATIN": "Latin"}
MIN_LETTERS = 3


def script_of(text: str) -> str | None:
    """The script most letters of ``text`` are written in ("Latin", "Cyrillic", ...), or None."""
    counts: Counter[str] = Counter()
    if text.isascii():  # the common case, without a Unicode name per letter
        # Enough letters is all that is asked: stop counting once there are.
        letters = 0
        for char in text:
            if char.isalpha():
                letters += 1
                if letters >= MIN_LETTERS:
                    return "Latin"
        return None
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "")
            counts[_SCRIPTS.get(name.split(" ", 1)[0], "other")] += 1
    if sum(counts.values()) < MIN_LETTERS:
        return None
    return counts.most_common(1)[0][0]


def language_of(text: str) -> str | None:
    """"English", "French", ... for Latin-script text with a clear sign of one; the script's name otherwise."""
    script = script_of(text)
    if script is None or script != "Latin":
        return script
    # Each distinct word counted once, then each language's few function words looked up.
    counts = Counter(w.strip(".,;:!?()\"'«»“”") for w in text.lower().split())
    votes = {name: sum(counts[w] for w in words if w in counts) for name, words in _FUNCTION_WORDS.items()}
    best = max(votes.values())
    leaders = [name for name, count in votes.items() if count == best]
    return leaders[0] if best and len(leaders) == 1 else None


@functools.lru_cache(maxsize=4096)
def _sampled_language(text: str) -> str | None:
    """``language_of`` a sampled passage, kept: a reload after a few changed files samples
    mostly the same passages again (2,000 of them: 0.25 s, then a few ms)."""
    return language_of(text)


def corpus_languages(texts: Iterable[str], sample: int = 2000) -> tuple[str, ...]:
    """The languages the corpus is written in, most common first (from up to ``sample`` texts)."""
    counts: Counter[str] = Counter()
    for n, text in enumerate(texts):
        if n >= sample:
            break
        language = _sampled_language(text)
        if language is not None:
            counts[language] += 1
    total = sum(counts.values())
    # A language counts when a tenth of the sampled passages at least are in it.
    return tuple(name for name, count in counts.most_common() if count * 10 >= total)


def saved_corpus_languages(
    path: Path, key: str, texts: Callable[[], Iterable[str]], known: tuple[str, ...] | None = None
) -> tuple[str, ...]:
    """``corpus_languages(texts())``, computed once per corpus ``key`` and kept in ``path`` (bot.search.kept).

    Sampling 2,000 passages takes half a second, which a start with a saved index would
    otherwise spend on every process; another way of telling languages (this module's
    source) computes it again. ``known``, when given, is taken (and kept) instead of a
    new count: the caller's count of a corpus that differs from this one too little to
    tell (see bot.answers.service.LANGUAGES_DRIFT).
    """
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    count = (lambda: list(known)) if known is not None else (lambda: list(corpus_languages(texts())))
    languages = kept(path, key, code, count, _strings)
    return tuple(languages)


def _strings(value: object) -> list[str] | None:
    return value if isinstance(value, list) and all(isinstance(x, str) for x in value) else None


def language_note(question: str, languages: tuple[str, ...]) -> str | None:
    """What to tell a user who asked in a language the corpus does not hold; None otherwise."""
    asked = language_of(question)
    if asked is None or not languages or asked in languages:
        return None
    held = " and ".join(languages)
    way = f"in {asked} script" if script_of(question) != "Latin" else f"in {asked}"
    return (
        f"Your question seems to be written {way}; the corpus holds documents in {held}. "
        f"Ask in {languages[0]}, for example: “political prisoners in Kazakhstan”."
    )
