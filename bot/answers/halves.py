"""The evaluation set's two halves, dev and held-out: which documents, questions and quotes are in each.

The set is split once, by document (tests/eval/split.yaml). A document listed there keeps
its half for good; a document not listed (added later) gets its half from a seeded hash
of its file name, so adding documents never moves another one. A question belongs to the
half of the documents that answer it; one answered by documents of both halves goes to
held-out, so that dev stays about dev documents only (tuning on dev never sees a held-out
document's answer). Off-topic questions, and quotes that name no document, have no
document: they get their half from the same seeded hash of their id.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.answers.evaluate import EvalQuestion, EvalQuote, EvalReport, EvalSetError

logger = logging.getLogger(__name__)

Half = Literal["dev", "held-out"]
DEV: Half = "dev"
HELD_OUT: Half = "held-out"
HALVES: tuple[Half, Half] = (DEV, HELD_OUT)
SPLIT_FILE_NAME = "split.yaml"
DEFAULT_SEED = 19


def hashed_half(seed: int, key: str) -> Half:
    """The half of a key (a file name, an id) no split file lists: a seeded hash, stable for ever."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return DEV if digest[0] % 2 == 0 else HELD_OUT


class _SplitFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int
    documents: dict[Half, tuple[str, ...]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _once(self) -> _SplitFile:
        seen: dict[str, Half] = {}
        for half, names in self.documents.items():
            for name in names:
                if name in seen:
                    raise ValueError(f"document {name!r} is listed twice ({seen[name]} and {half})")
                seen[name] = half
        return self


@dataclass(frozen=True, slots=True)
class Split:
    """The committed halves of the documents, and the seed that places everything else."""

    seed: int = DEFAULT_SEED
    documents: Mapping[str, Half] = field(default_factory=dict)
    path: Path | None = None

    def document_half(self, name: str) -> Half:
        return self.documents.get(name) or hashed_half(self.seed, name)

    def question_half(self, question: EvalQuestion) -> Half:
        halves = {self.document_half(ref.document) for ref in question.answers}
        if not halves:  # off-topic: no document to follow
            return hashed_half(self.seed, question.id)
        return DEV if halves == {DEV} else HELD_OUT

    def quote_half(self, quote: EvalQuote) -> Half:
        if quote.document is None:
            return hashed_half(self.seed, quote.id)
        return self.document_half(quote.document)

    def unlisted(self, names: Iterable[str]) -> list[str]:
        """Documents the split file does not list yet (placed by the hash; add them to the file)."""
        return sorted(name for name in names if name not in self.documents)

    def select(self, report: EvalReport, half: Half) -> EvalReport:
        """The part of a report whose questions and quotes belong to ``half``."""
        return EvalReport(
            tuple(r for r in report.results if self.question_half(r.question) == half),
            tuple(q for q in report.quotes if self.quote_half(q.case) == half),
        )


def load_split(path: Path) -> Split:
    """Read a split file; a missing file is an empty split (every document placed by the hash)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Split(path=None)
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"{path}: cannot read the split file: {exc}") from None
    try:
        data = yaml.safe_load(text)
        parsed = _SplitFile.model_validate(data)
    except yaml.YAMLError as exc:
        raise EvalSetError(f"{path}: broken YAML: {getattr(exc, 'problem', None) or exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise EvalSetError(f"{path}: {where}: {first['msg'].removeprefix('Value error, ')}") from None
    halves = {name: half for half, names in parsed.documents.items() for name in names}
    return Split(parsed.seed, halves, path)


def default_split_path(questions: Path) -> Path:
    """The split file beside the questions file (tests/eval/split.yaml for both shipped sets)."""
    return questions.parent / SPLIT_FILE_NAME
