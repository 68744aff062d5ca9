"""Topics to follow: checked as a question is, and matched against the documents a reload brings.

A topic is run as a question against the whole corpus, with the ranking that answers
questions; a new (or changed) document matches when its best passage scores at least
``NOTIFY_RATIO`` of the topic's best passage anywhere, within the first ``NOTIFY_DEPTH``.
The ratio was measured on the evaluation set (benchmarks/follow_threshold.py; the
figures are in docs/performance.md).
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from bot.answers.service import BadQuestion, Snapshot, understand
from bot.corpus.models import Document, Hit
from bot.search.budget import Budget
from bot.search.language import language_note
from bot.search.query import Query, QueryError, subject_words
from bot.search.ranking import Ranking, rank_passages
from bot.search.tokens import without_lone_surrogates

logger = logging.getLogger(__name__)

MAX_TOPIC_CHARS = 200  # a topic is a few words: it is listed with /following, one line each
MAX_FOLLOWS = 20  # per chat
# Passages of a topic's ranking in which a new document's best passage is looked for.
NOTIFY_DEPTH = 200
# A document matches a topic when its best passage scores at least this share of the
# topic's best passage in the corpus (measured on tests/eval: docs/performance.md).
NOTIFY_RATIO = 0.9

EXAMPLE = "/follow political prisoners Kazakhstan"


class BadTopic(BadQuestion):
    """A topic that cannot be followed; the message is meant for the user."""


@dataclass(frozen=True, slots=True)
class TopicCheck:
    """A topic fit to follow: as written (whitespace collapsed), its key, and whether anything matches today."""

    topic: str
    key: str
    matches_today: bool


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """A document that matches a topic: its best passage for it, and that passage's share of the best score."""

    hit: Hit
    ratio: float


def topic_key(topic: str) -> str:
    """What makes two topics the same: case and spacing aside."""
    return " ".join(topic.casefold().split())


def clean_topic(topic: str) -> str:
    """The topic as it is kept and shown: one line, whitespace collapsed; BadTopic when it cannot be."""
    text = " ".join(without_lone_surrogates(topic).split())
    if not text:
        raise BadTopic(f"Please name a topic to follow, for example: {EXAMPLE}")
    if len(text) > MAX_TOPIC_CHARS:
        raise BadTopic(
            f"That topic is {len(text):,} characters long; please keep it under {MAX_TOPIC_CHARS} "
            f"(a few words, as in {EXAMPLE})."
        )
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cn"} for ch in text):
        raise BadTopic("That topic holds invisible or control characters; please type it as plain words.")
    return text


def check_topic(snapshot: Snapshot, topic: str) -> TopicCheck:
    """Whether ``topic`` can be followed; BadTopic (the reason, for the user) when not.

    A topic the corpus cannot answer today is accepted when a resolution may come: it
    names a subject the corpus does not hold yet ("Turkmenistan human rights"), or its
    filters leave nothing today ("year:2030"). It is refused when the rules that give
    "No passage matches" find it off the subject of the resolutions: in a language the
    corpus is not written in, or with words no passage holds and no name among them
    ("pancake recipes", "world cup football").
    """
    text = clean_topic(topic)
    query = _understood(text)
    ranking = _ranking(snapshot, query, 1)
    if not ranking.ids:
        note = language_note(text, snapshot.languages)
        if note is not None:
            raise BadTopic(note.replace("question", "topic").replace("Ask in", "Follow a topic in"))
        if ranking.unmatched and not subject_words(text, ranking.unmatched):
            words = ", ".join(ranking.unmatched)
            raise BadTopic(
                f"No passage matches “{text}”: nothing in the corpus mentions {words}, so it looks off the "
                "subject of the Parliament's resolutions. Follow a topic they speak about, for example: "
                f"{EXAMPLE}"
            )
    return TopicCheck(text, topic_key(text), bool(ranking.ids))


def text_digest(document: Document) -> str:
    """A digest of what a document says (its passages, spacing aside): a file that changed only
    its whitespace keeps its digest, so its followers are not told again."""
    digest = hashlib.sha256()
    for passage in document.passages:
        for part in (passage.lead or "", passage.text):
            digest.update(" ".join(part.split()).encode("utf-8", "surrogatepass"))
            digest.update(b"\x00")
    return digest.hexdigest()


def match_topic(
    snapshot: Snapshot, topic: str, documents: Iterable[str], ratio: float = NOTIFY_RATIO,
    depth: int = NOTIFY_DEPTH,
) -> dict[str, TopicMatch]:
    """The documents among ``documents`` (file names) that ``topic`` matches, each with its best passage."""
    wanted = set(documents)
    try:
        query = _understood(topic)
        ranking = _ranking(snapshot, query, depth)
    except BadQuestion as exc:  # a topic accepted under an older corpus or rule
        logger.info("topic %r is not searchable now: %s", topic, exc)
        return {}
    found: dict[str, TopicMatch] = {}
    if not ranking.ids:
        return found
    best = ranking.scores[0]
    for rank, (pid, score) in enumerate(zip(ranking.ids, ranking.scores, strict=True), start=1):
        passage = snapshot.passages[pid]
        if passage.document not in wanted or passage.document in found:
            continue
        share = float(score) / best if best > 0 else 1.0
        if share >= ratio:
            found[passage.document] = TopicMatch(
                Hit(rank, float(score), passage, snapshot.documents[passage.document]), share
            )
    return found


def best_shares(snapshot: Snapshot, topic: str, depth: int = NOTIFY_DEPTH) -> dict[str, float]:
    """Each document's best passage's share of the topic's best score (documents absent: no passage in the
    first ``depth``). For measuring ``NOTIFY_RATIO`` on an evaluation set."""
    try:
        ranking = _ranking(snapshot, _understood(topic), depth)
    except BadQuestion:
        return {}
    shares: dict[str, float] = {}
    if ranking.ids:
        best = ranking.scores[0]
        for pid, score in zip(ranking.ids, ranking.scores, strict=True):
            name = snapshot.passages[pid].document
            shares.setdefault(name, float(score) / best if best > 0 else 1.0)
    return shares


def _understood(topic: str) -> Query:
    try:
        return understand(topic)
    except BadQuestion as exc:
        raise BadTopic(str(exc)) from None


def _ranking(snapshot: Snapshot, query: Query, depth: int) -> Ranking:
    try:
        return rank_passages(
            query, snapshot.index, snapshot.passages, snapshot.layout, depth, Budget(), context=snapshot.context
        )
    except QueryError as exc:
        raise BadTopic(str(exc)) from None
