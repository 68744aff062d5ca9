"""Answer quality, measured: load an evaluation set and compute MRR@5 and recall@3.

The set is a YAML file written by people (tests/eval/questions.yaml), so it is read
through frozen pydantic models and every mistake is reported with the file, the
question and the value. An answer is named by corpus file + paragraph + list item, the
same position a citation shows, so the set stays readable and survives re-indexing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.answers.service import BadQuestion, Service
from bot.corpus.models import Document, Hit

logger = logging.getLogger(__name__)

MRR_DEPTH = 5
RECALL_DEPTH = 3
# Resolved from the package, not the working directory: `python -m bot eval` works from anywhere.
DEFAULT_QUESTIONS = Path(__file__).resolve().parents[2] / "tests" / "eval" / "questions.yaml"

PassageKey = tuple[str, int, int | None]


class EvalSetError(ValueError):
    """An evaluation file that cannot be used; the message names the file and the place."""


class PassageRef(BaseModel):
    """One passage that answers a question: corpus file, paragraph and list item."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document: str = Field(min_length=1)
    paragraph: int = Field(ge=1)
    item: int | None = Field(default=None, ge=1)

    @property
    def key(self) -> PassageKey:
        return (self.document, self.paragraph, self.item)

    def describe(self) -> str:
        where = f"paragraph {self.paragraph}" + (f", item {self.item}" if self.item else "")
        return f"{self.document} {where}"


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


class EvalSet(BaseModel):
    """The whole evaluation file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    questions: tuple[EvalQuestion, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> EvalSet:
        seen: set[str] = set()
        for question in self.questions:
            if question.id in seen:
                raise ValueError(f"question id {question.id!r} is used twice")
            seen.add(question.id)
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
    """Every answer must name a passage the corpus has; else EvalSetError naming each one."""
    known = {
        (doc.name, p.position.paragraph, p.position.item) for doc in documents for p in doc.passages
    }
    missing = [
        f"question {q.id!r}: no passage at {ref.describe()}"
        for q in eval_set.questions
        for ref in q.answers
        if ref.key not in known
    ]
    if missing:
        raise EvalSetError(f"{path}: " + "; ".join(missing))


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """How one question fared: the ranked passages and its contribution to each metric."""

    question: EvalQuestion
    ranked: tuple[PassageKey, ...]
    refused: str | None = None  # the BadQuestion message, if the bot refused the question

    @property
    def answerable(self) -> bool:
        return bool(self.question.answers)

    @property
    def first_relevant_rank(self) -> int | None:
        expected = {a.key for a in self.question.answers}
        return next((i for i, key in enumerate(self.ranked, start=1) if key in expected), None)

    @property
    def reciprocal_rank(self) -> float:
        rank = self.first_relevant_rank
        return 1.0 / rank if rank is not None and rank <= MRR_DEPTH else 0.0

    @property
    def recall(self) -> float:
        expected = {a.key for a in self.question.answers}
        found = expected & set(self.ranked[:RECALL_DEPTH])
        return len(found) / len(expected) if expected else 0.0

    @property
    def correctly_empty(self) -> bool:
        """For a question the corpus does not answer: did the bot show nothing?"""
        return not self.ranked


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Per-question results and the averaged metrics over answerable questions."""

    results: tuple[QuestionResult, ...]

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

    def summary(self) -> list[str]:
        return [
            f"questions: {len(self.results)} ({len(self.answerable)} answerable, "
            f"{len(self.unanswerable)} about absent topics)",
            f"MRR@{MRR_DEPTH}: {self.mrr:.3f}",
            f"recall@{RECALL_DEPTH}: {self.recall:.3f}",
            f"absent topics answered with no passage: {self.refused_correctly}/{len(self.unanswerable)}",
        ]

    def misses(self) -> list[str]:
        """One line per question that did not rank an answer first (or showed passages for nothing)."""
        lines = []
        for r in self.results:
            if r.answerable and r.first_relevant_rank != 1:
                rank = r.first_relevant_rank
                got = f"first answer at rank {rank}" if rank else f"no answer in the top {MRR_DEPTH}"
                lines.append(f"{r.question.id}: {got} — {r.question.question}")
            elif not r.answerable and not r.correctly_empty:
                lines.append(f"{r.question.id}: showed {len(r.ranked)} passages for an absent topic")
        return lines


def _key(hit: Hit) -> PassageKey:
    position = hit.passage.position
    return (hit.document.name, position.paragraph, position.item)


def evaluate(service: Service, eval_set: EvalSet) -> EvalReport:
    """Ask every question of the set and score the ranking the bot returns."""
    results = []
    for question in eval_set.questions:
        try:
            answer = service.ask(question.question, top=MRR_DEPTH)
        except BadQuestion as exc:
            results.append(QuestionResult(question, (), str(exc)))
            continue
        results.append(QuestionResult(question, tuple(_key(h) for h in answer.hits)))
    return EvalReport(tuple(results))
