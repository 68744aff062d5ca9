"""Answer quality, measured: load an evaluation set and compute MRR@5 and recall@3.

The set is a YAML file written by people (tests/eval/questions.yaml), so it is read
through frozen pydantic models and every mistake is reported with the file, the
question and the value. An answer is named by corpus file + paragraph + list item, the
same position a citation shows, or by corpus file + ``contains``, a distinctive snippet
of the passage's words, which survives a renumbering of the file's paragraphs.

A set may also hold quote cases (``quotes:``): a quote and the verdict the check must
give. ``evaluate`` measures any ranker (the bot, or a baseline of bot.answers.baselines)
on the same questions, so figures can be compared side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.answers.quote import BadQuote
from bot.answers.service import BadQuestion, Service
from bot.corpus.models import Document, Hit, Passage, plural
from bot.search.tokens import words

logger = logging.getLogger(__name__)

MRR_DEPTH = 5
RECALL_DEPTH = 3

PassageKey = tuple[str, int, int | None]


class EvalSetError(ValueError):
    """An evaluation file that cannot be used; the message names the file and the place."""


class PassageRef(BaseModel):
    """One passage that answers a question: corpus file, then paragraph (+ item), a snippet it contains,
    or ``whole: true`` when the question asks for the document itself (any of its passages answers)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document: str = Field(min_length=1)
    paragraph: int | None = Field(default=None, ge=1)
    item: int | None = Field(default=None, ge=1)
    contains: str | None = Field(default=None, min_length=1)
    whole: bool = False

    @model_validator(mode="after")
    def _placed(self) -> PassageRef:
        if self.whole and (self.paragraph is not None or self.contains is not None):
            raise ValueError("whole names the document itself: no paragraph or contains with it")
        if not self.whole and self.paragraph is None and self.contains is None:
            raise ValueError("name the passage with paragraph (and item), with contains, or whole: true")
        if self.item is not None and self.paragraph is None:
            raise ValueError("item needs a paragraph")
        if self.contains is not None and not words(self.contains):
            raise ValueError("contains has no words")
        return self

    def matches(self, document: str, passage: Passage) -> bool:
        """Whether ``passage`` of ``document`` is this answer (words compared as the quote check does)."""
        if document != self.document:
            return False
        position = passage.position
        if self.paragraph is not None and (position.paragraph, position.item) != (self.paragraph, self.item):
            return False
        return self.contains is None or _holds(passage, self.contains)

    def describe(self) -> str:
        where = []
        if self.paragraph is not None:
            where.append(f"paragraph {self.paragraph}" + (f", item {self.item}" if self.item else ""))
        if self.contains is not None:
            where.append(f"containing “{self.contains}”")
        if self.whole:
            return f"any passage of {self.document}"
        return f"{self.document} {' '.join(where)}"


def _holds(passage: Passage, snippet: str) -> bool:
    needle = " " + " ".join(words(snippet)) + " "
    return needle in " " + " ".join(words(passage.text)) + " "


class EvalQuestion(BaseModel):
    """A question as a user would type it, and the passages that answer it (none: absent topic)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    question: str = Field(min_length=1)
    answers: tuple[PassageRef, ...]

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


QuoteVerdict = Literal["verbatim", "verbatim_omissions", "near", "not_found"]


class EvalQuote(BaseModel):
    """A quote as a journalist would paste it, and the verdict the check must give."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    quote: str = Field(min_length=1)
    verdict: QuoteVerdict
    note: str | None = None
    # The corpus file the quote comes from (or is closest to), when known: it places the
    # quote in that document's half of the set (bot.answers.halves).
    document: str | None = Field(default=None, min_length=1)


class EvalSet(BaseModel):
    """The whole evaluation file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    questions: tuple[EvalQuestion, ...] = Field(min_length=1)
    quotes: tuple[EvalQuote, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> EvalSet:
        seen: set[str] = set()
        ids = [("question", q.id) for q in self.questions] + [("quote", q.id) for q in self.quotes]
        for kind, id_ in ids:
            if id_ in seen:
                raise ValueError(f"{kind} id {id_!r} is used twice")
            seen.add(id_)
        return self


def load_eval_set(path: Path) -> EvalSet:
    """Read and validate an evaluation file; EvalSetError names the file, question and value."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvalSetError(
            f"{path}: no such evaluation file; name one with --questions FILE"
        ) from None
    except OSError as exc:
        raise EvalSetError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise EvalSetError(f"{path}: not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise EvalSetError(f"{path}{line}: broken YAML: {reason}") from None
    if not isinstance(data, dict):
        raise EvalSetError(f"{path}: expected a mapping with a 'questions' list")
    try:
        return EvalSet.model_validate(data)
    except ValidationError as exc:
        raise EvalSetError(f"{path}: {_describe_error(data, exc)}") from None


def _describe_error(data: dict[str, Any], exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = first["loc"]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    # Name the question by its id too: "questions[12]" alone makes a reader count.
    questions = data.get("questions")
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int) and isinstance(questions, list):
        entry = questions[loc[1]] if loc[1] < len(questions) else None
        if isinstance(entry, dict) and "id" in entry:
            where += f" (question {entry['id']!r})"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    value = first.get("input")
    shown = "" if first["type"] == "missing" or isinstance(value, dict | list) else f": got {value!r}"
    return f"{where or 'file'}: {message}{shown}"


def check_against_corpus(eval_set: EvalSet, documents: Iterable[Document], path: Path) -> None:
    """Every answer must name exactly one passage the corpus has; else EvalSetError naming each one."""
    by_name = {doc.name: doc for doc in documents}
    problems = []
    for q in eval_set.questions:
        for ref in q.answers:
            doc = by_name.get(ref.document)
            found = [p for p in doc.passages if ref.matches(doc.name, p)] if doc else []
            if not found:
                problems.append(f"question {q.id!r}: no passage at {ref.describe()}")
            elif len(found) > 1 and not ref.whole:
                problems.append(f"question {q.id!r}: {len(found)} passages match {ref.describe()}; make it distinctive")
    for quote in eval_set.quotes:
        if quote.document is not None and quote.document not in by_name:
            problems.append(f"quote {quote.id!r}: no document {quote.document}")
    if problems:
        raise EvalSetError(f"{path}: " + "; ".join(problems))


@dataclass(frozen=True, slots=True)
class Ranked:
    """A passage a ranker returned: its document's file name and the passage."""

    document: str
    passage: Passage

    @property
    def key(self) -> PassageKey:
        position = self.passage.position
        return (self.document, position.paragraph, position.item)


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """How one question fared: the ranked passages and its contribution to each metric."""

    question: EvalQuestion
    ranked: tuple[Ranked, ...]
    refused: str | None = None  # the BadQuestion message, if the bot refused the question

    @property
    def answerable(self) -> bool:
        return bool(self.question.answers)

    def _is_answer(self, hit: Ranked) -> bool:
        return any(a.matches(hit.document, hit.passage) for a in self.question.answers)

    @property
    def first_relevant_rank(self) -> int | None:
        return next((i for i, hit in enumerate(self.ranked, start=1) if self._is_answer(hit)), None)

    @property
    def reciprocal_rank(self) -> float:
        rank = self.first_relevant_rank
        return 1.0 / rank if rank is not None and rank <= MRR_DEPTH else 0.0

    @property
    def recall(self) -> float:
        answers = self.question.answers
        top = self.ranked[:RECALL_DEPTH]
        found = sum(any(a.matches(h.document, h.passage) for h in top) for a in answers)
        return found / len(answers) if answers else 0.0

    @property
    def correctly_empty(self) -> bool:
        """For a question the corpus does not answer: did the bot show nothing?"""
        return not self.ranked

    @property
    def lost(self) -> bool:
        """An answerable question that got no passage at all."""
        return self.answerable and not self.ranked


@dataclass(frozen=True, slots=True)
class QuoteOutcome:
    """How one quote case fared: the verdict given (or the refusal) against the one expected."""

    case: EvalQuote
    given: str

    @property
    def right(self) -> bool:
        return self.given == self.case.verdict


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Per-question results and the averaged metrics over answerable questions."""

    results: tuple[QuestionResult, ...]
    quotes: tuple[QuoteOutcome, ...] = ()

    @property
    def answerable(self) -> tuple[QuestionResult, ...]:
        return tuple(r for r in self.results if r.answerable)

    @property
    def unanswerable(self) -> tuple[QuestionResult, ...]:
        return tuple(r for r in self.results if not r.answerable)

    @property
    def mrr(self) -> float:
        rows = self.answerable
        return sum(r.reciprocal_rank for r in rows) / len(rows) if rows else 0.0

    @property
    def recall(self) -> float:
        rows = self.answerable
        return sum(r.recall for r in rows) / len(rows) if rows else 0.0

    @property
    def refused_correctly(self) -> int:
        return sum(r.correctly_empty for r in self.unanswerable)

    @property
    def lost(self) -> int:
        return sum(r.lost for r in self.answerable)

    @property
    def quotes_right(self) -> int:
        return sum(q.right for q in self.quotes)

    def as_json(self) -> dict[str, object]:
        """The figures as numbers (quotes ``None`` when this ranker's quotes were not measured)."""
        return {
            "questions": len(self.results),
            f"mrr_at_{MRR_DEPTH}": round(self.mrr, 4),
            f"recall_at_{RECALL_DEPTH}": round(self.recall, 4),
            "off_topic": len(self.unanswerable),
            "off_topic_with_no_passage": self.refused_correctly,
            "answerable": len(self.answerable),
            "answerable_lost": self.lost,
            "quotes": len(self.quotes) if self.quotes else None,
            "quotes_right": self.quotes_right if self.quotes else None,
        }

    def summary(self) -> list[str]:
        lines = [
            f"questions: {len(self.results)} ({len(self.answerable)} answerable, "
            f"{len(self.unanswerable)} about absent topics)",
            f"MRR@{MRR_DEPTH}: {self.mrr:.3f}",
            f"recall@{RECALL_DEPTH}: {self.recall:.3f}",
            f"absent topics answered with no passage: {self.refused_correctly}/{len(self.unanswerable)}",
            f"answerable questions that lost their answer: {self.lost}/{len(self.answerable)}",
        ]
        if self.quotes:
            lines.append(f"quote verdicts right: {self.quotes_right}/{len(self.quotes)}")
        return lines

    def misses(self) -> list[str]:
        """One line per question that did not rank an answer first (or showed passages for nothing)."""
        lines = []
        for r in self.results:
            if r.answerable and r.first_relevant_rank != 1:
                rank = r.first_relevant_rank
                if r.refused:
                    got = f"refused ({r.refused})"
                elif not r.ranked:
                    got = "no passage at all"
                else:
                    got = f"first answer at rank {rank}" if rank else f"no answer in the top {MRR_DEPTH}"
                lines.append(f"{r.question.id}: {got} — {r.question.question}")
            elif not r.answerable and not r.correctly_empty:
                lines.append(f"{r.question.id}: showed {len(r.ranked)} passages for an absent topic")
        for q in self.quotes:
            if not q.right:
                lines.append(f"quote {q.case.id}: {q.given}, expected {q.case.verdict}")
        return lines


# A ranker: a question to its ranked passages (best first, at most MRR_DEPTH); it may
# raise BadQuestion to refuse the question, which counts as showing no passage.
Ranker = Callable[[str], Sequence[Ranked]]


def bot_ranker(service: Service) -> Ranker:
    """The bot's own ranking, as ``ask`` gives it."""

    def rank(question: str) -> Sequence[Ranked]:
        answer = service.ask(question, top=MRR_DEPTH)
        return [_ranked(h) for h in answer.hits]

    return rank


def _ranked(hit: Hit) -> Ranked:
    return Ranked(hit.document.name, hit.passage)


def quote_verdict(service: Service, quote: str) -> str:
    """The verdict as the eval set names it: verbatim, verbatim_omissions, near, not_found, or refused."""
    try:
        result = service.quote(quote)
    except BadQuote:
        return "refused"
    if result.verdict.value == "verbatim" and result.omissions:
        return "verbatim_omissions"
    return result.verdict.value


def evaluate(service: Service, eval_set: EvalSet, ranker: Ranker | None = None, quotes: bool = True) -> EvalReport:
    """Ask every question of the set (of the bot, or of ``ranker``) and score the ranking."""
    rank = ranker or bot_ranker(service)
    results = []
    for question in eval_set.questions:
        try:
            ranked = tuple(rank(question.question))[:MRR_DEPTH]
        except BadQuestion as exc:
            results.append(QuestionResult(question, (), str(exc)))
            continue
        results.append(QuestionResult(question, ranked))
    outcomes = tuple(QuoteOutcome(q, quote_verdict(service, q.quote)) for q in eval_set.quotes) if quotes else ()
    return EvalReport(tuple(results), outcomes)


def compare_table(
    halves: Sequence[tuple[str, Sequence[tuple[str, EvalReport]]]], documents: Mapping[str, int] | None = None
) -> list[str]:
    """The figures of several rankers, one column each, in one group per half of the set
    (``halves``: the half's name and its (ranker, report) pairs; quotes: the bot's only)."""
    metrics: list[tuple[str, Callable[[EvalReport], str]]] = [
        (f"MRR@{MRR_DEPTH}", lambda r: f"{r.mrr:.3f}"),
        (f"recall@{RECALL_DEPTH}", lambda r: f"{r.recall:.3f}"),
        ("off-topic with no passage", lambda r: f"{r.refused_correctly}/{len(r.unanswerable)}"),
        ("answerable that lost their answer", lambda r: f"{r.lost}/{len(r.answerable)}"),
        ("quote verdicts right", lambda r: f"{r.quotes_right}/{len(r.quotes)}" if r.quotes else "-"),
    ]
    label = max(len(name) for name, _ in metrics)
    lines = []
    for half, reports in halves:
        first = reports[0][1]
        docs = f", {plural(documents[half], 'document')}" if documents and half in documents else ""
        lines.append(
            f"{half}: {len(first.results)} questions ({len(first.answerable)} answerable, "
            f"{len(first.unanswerable)} off-topic), {plural(len(first.quotes), 'quote')}{docs}"
        )
    groups = []  # per half: the column widths
    for _, reports in halves:
        groups.append([max(len(name), *(len(fmt(r)) for _, fmt in metrics)) for name, r in reports])
    spans = [sum(widths) + 2 * (len(widths) - 1) for widths in groups]
    gap = "    "
    titles = (half.center(span) for (half, _), span in zip(halves, spans, strict=True))
    lines.append((" " * label + "  " + gap.join(titles)).rstrip())
    lines.append(" " * label + "  " + gap.join(
        "  ".join(name.rjust(w) for (name, _), w in zip(reports, widths, strict=True))
        for (_, reports), widths in zip(halves, groups, strict=True)
    ))
    for name, fmt in metrics:
        cells = gap.join(
            "  ".join(fmt(r).rjust(w) for (_, r), w in zip(reports, widths, strict=True))
            for (_, reports), widths in zip(halves, groups, strict=True)
        )
        lines.append(name.ljust(label) + "  " + cells)
    return lines
