"""Plain data shared by every layer: document metadata, passages, hits and problems.

Metadata comes from files written by people, so it is a frozen pydantic model that
rejects unknown keys and malformed values. Passages are many (10^6 is the design
point), so they are slotted dataclasses rather than pydantic models.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

logger = logging.getLogger(__name__)

# A procedure reference as the Parliament writes it: the year, a four-digit number, "R"
# for an interim report, and the procedure type in three letters (RSP, INI, COD, CNS,
# NLE, APP, BUD, DEC, IMM, REG, INL, DCE, AVC, ...): 2021/2544(RSP), 1998/0031R(NLE).
# One pattern, shared by front matter, title lines, OEIL datelines, ``ref:`` and the importer.
PROCEDURE_REF = r"\d{4}/\d{4}R?\([A-Z]{3}\)"
REFERENCE_RE = re.compile(rf"^{PROCEDURE_REF}$")
# How the Parliament's citations open: "– having regard to …,", and in decisions on
# immunity and the like "– having received a request …", "– having heard …".
CITATION_OPENING = r"[Hh]aving (?:regard|received|examined|heard|consulted|been consulted|taken note)\b"
# The longest reference front matter may give: a reference is cited whole in every answer.
MAX_REFERENCE_CHARS = 100
# Caps on front matter text: every reply shows these whole in each citation, so one
# oversized value would push every answer citing the document past Telegram's limits.
MAX_TITLE_CHARS = 500
MAX_SOURCE_CHARS = 200
MAX_URL_CHARS = 2000
# What a search that finds nothing says, on the command line and in Telegram alike.
NO_MATCH = "No passage matches: the corpus does not speak about that."


def plural(count: int, noun: str) -> str:
    """"1 passage", "2 passages": a count and its noun, as every report words them."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


class Kind(StrEnum):
    """What a document is: the resolution's own text, or something written about it."""

    text_adopted = "text_adopted"
    summary = "summary"
    news_report = "news_report"

    @property
    def label(self) -> str:
        return {
            Kind.text_adopted: "text adopted",
            Kind.summary: "summary",
            Kind.news_report: "news report",
        }[self]

    @property
    def is_resolution_text(self) -> bool:
        return self is Kind.text_adopted


class DocumentMeta(BaseModel):
    """The front matter of one corpus file; every field may be unknown (None)."""

    # defer_build: the validators are built when a file is first parsed, not at import. A
    # start whose files all come from the parse cache validates nothing (bot.corpus.cache
    # makes the models as model_construct does) and so never pays the 40-60 ms.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    title: str | None = None
    reference: str | None = None
    adopted: dt.date | None = None
    kind: Kind | None = None
    source: str | None = None
    url: str | None = None
    text_id: str | None = None
    # How the importer found each value it wrote, "adopted (title line); url (built from the
    # text number)": check-corpus shows it, so what was read or defaulted is not lost.
    origins: str | None = None

    @field_validator("title", "source", mode="before")
    @classmethod
    def _non_empty_text(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise ValueError("must be non-empty text")
        limit = MAX_TITLE_CHARS if info.field_name == "title" else MAX_SOURCE_CHARS
        return _capped(value.strip(), limit)

    @field_validator("reference", mode="before")
    @classmethod
    def _reference(cls, value: Any) -> Any:
        if value is None:
            return None
        # A reference of a shape the bot does not know is kept as written (bot.corpus.metadata
        # warns): the Parliament's forms outnumber any list, and a text is never dropped for one.
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValueError(f"{_shown(value)} is not a procedure reference like 2016/2607(RSP)")
        text = str(value).strip()
        if not text or not text.isprintable():
            raise ValueError(f"{_shown(text)} is not a procedure reference like 2016/2607(RSP)")
        return _capped(text, MAX_REFERENCE_CHARS)

    @field_validator("text_id", mode="before")
    @classmethod
    def _text_id(cls, value: Any) -> Any:
        if value is None:
            return None
        text = str(value).strip()
        if canonical_text_id(text) is None:
            raise ValueError(f"{text!r} is not an EP text number like P9_TA(2021)0056 or TA-9-2021-0056")
        return text

    @field_validator("origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise ValueError("must be non-empty text like 'adopted (title line); url (built from the text number)'")
        text = value.strip()
        parse_origins(text)  # raises ValueError naming the bad item
        return text

    def recorded_origins(self) -> dict[str, str]:
        """The ``origins`` line as field -> how the importer found it ({} without one)."""
        return parse_origins(self.origins) if self.origins else {}

    @field_validator("adopted", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        # YAML already turns 2016-03-10 into a date; anything else must be an ISO
        # string. pydantic alone would also accept Unix timestamps, which no admin means.
        if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise ValueError(f"{_shown(value)} is not an ISO date like 2016-03-10")

    @field_validator("url", mode="before")
    @classmethod
    def _url(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError(f"{_shown(value)} is not an http(s) URL")
        text = _capped(value.strip(), MAX_URL_CHARS)
        if not re.match(r"^https?://[^\s<>\"]+$", text):
            raise ValueError(f"{_shown(text)} is not an http(s) URL")
        return text


def _shown(value: Any, limit: int = 80) -> str:
    """``repr(value)`` for an error message, cut to ``limit`` characters.

    Only scalars reach here from a file (bot.corpus.frontmatter refuses lists, mappings
    and aliases), but a scalar may still be megabytes long, and a message is shown whole.
    """
    if not isinstance(value, str | int | float | bool | bytes | dt.date):
        return f"a {type(value).__name__}"
    if isinstance(value, str | bytes) and len(value) > limit:
        value = value[:limit]
        return f"{value!r}…"
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


# The number of a text adopted, in its two notations: P9_TA(2021)0056 (in the text,
# "-PROV" in a provisional edition) and TA-9-2021-0056 (the web page's address). The one
# parser of both, for front matter, pages, ``ref:`` and the importer.
TEXT_ID_RE = re.compile(r"(?<![A-Za-z0-9])P(?P<term>\d{1,2})_TA(?P<prov>-PROV)?\((?P<year>\d{4})\)(?P<number>\d{4})")
_TEXT_ID_DASHED_RE = re.compile(r"TA-(?P<term>\d{1,2})-(?P<year>\d{4})-(?P<number>\d{4})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TextNumber:
    """A text adopted's number: its term, year and number, and whether a provisional edition printed it."""

    term: int
    year: str
    number: str
    provisional: bool = False

    @property
    def printed(self) -> str:
        """As the text prints it, less "-PROV": P9_TA(2021)0056."""
        return f"P{self.term}_TA({self.year}){self.number}"

    @property
    def dashed(self) -> str:
        """As the web page's address writes it: TA-9-2021-0056."""
        return f"TA-{self.term}-{self.year}-{self.number}"


def _text_number(match: re.Match[str]) -> TextNumber:
    groups = match.groupdict()
    return TextNumber(int(groups["term"]), groups["year"], groups["number"], bool(groups.get("prov")))


def parse_text_number(text: str) -> TextNumber | None:
    """The number that ``text`` is, in either notation (whole, blanks aside), else None."""
    text = text.strip()
    match = TEXT_ID_RE.fullmatch(text) or _TEXT_ID_DASHED_RE.fullmatch(text)
    return _text_number(match) if match is not None else None


def find_text_number(text: str) -> TextNumber | None:
    """The first printed number (P9_TA(2021)0056, maybe glued to what follows) in ``text``, else None."""
    match = TEXT_ID_RE.search(text)
    return _text_number(match) if match is not None else None


def canonical_text_id(text: str) -> str | None:
    """``text`` as P9_TA(2021)0056 when it is a text number in either notation, else None."""
    found = parse_text_number(text)
    return found.printed if found is not None else None


def _capped(text: str, limit: int) -> str:
    if len(text) > limit:
        # The value itself is not echoed: it is the thing too long to show.
        raise ValueError(f"is {len(text):,} characters long, over the limit of {limit:,}")
    return text


Origin = Literal["front matter", "inferred", "unknown"]
META_FIELDS: tuple[str, ...] = ("title", "reference", "adopted", "kind", "source", "url", "text_id")
# Every key front matter may hold: the citation's fields, and how the importer found them.
FRONT_MATTER_KEYS: tuple[str, ...] = (*META_FIELDS, "origins")
MAX_ORIGIN_CHARS = 120
_ORIGIN_ITEM_RE = re.compile(r"([a-z_]+) \((.+)\)")


def parse_origins(text: str) -> dict[str, str]:
    """``"adopted (title line); url (built from the text number)"`` as {field: how}; ValueError if malformed."""
    found: dict[str, str] = {}
    for item in text.split("; "):
        match = _ORIGIN_ITEM_RE.fullmatch(item.strip())
        if match is None or match.group(1) not in META_FIELDS or len(match.group(2)) > MAX_ORIGIN_CHARS:
            raise ValueError(f"{_shown(item)} is not a field and how it was found, like 'adopted (title line)'")
        if match.group(1) in found:
            raise ValueError(f"{match.group(1)!r} is given twice")
        found[match.group(1)] = match.group(2)
    return found


def format_origins(origins: dict[str, str]) -> str:
    """{field: how} as the front matter's ``origins`` line (the reverse of parse_origins)."""
    return "; ".join(f"{field} ({how})" for field, how in origins.items())


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a corpus file; errors make the file unservable."""

    file: str
    line: int | None
    message: str
    severity: Literal["error", "warning"] = "error"
    # Further problems of the same file found in the same pass (every bad front-matter key
    # at once), each (line, message): the file is skipped for all of them together.
    also: tuple[tuple[int | None, str], ...] = ()

    def lines(self) -> list[str]:
        """One line a problem, as compilers print them: ``FILE:LINE: error: message``."""
        return [self._line(self.line, self.message), *(self._line(line, message) for line, message in self.also)]

    @property
    def count(self) -> int:
        return 1 + len(self.also)

    @property
    def combined(self) -> str:
        """Every message on one line (check-corpus --json keeps this form)."""
        others = [f"line {line}: {message}" if line is not None else message for line, message in self.also]
        return f"{self.message}; also {'; '.join(others)}" if others else self.message

    def _line(self, line: int | None, message: str) -> str:
        where = f"{self.file}:{line}" if line else self.file
        return f"{where}: {self.severity}: {message}"

    def __str__(self) -> str:
        return "\n".join(self.lines())


# The parts of an EP text adopted, as its amendment forms name them (bot.corpus.structure).
# "amendment" is a legislative resolution's amendment ("amendment 12"); "position" a unit of
# the Parliament's position attached to it, numbered as the act numbers it ("recital 12",
# "article 5(2)"), cited "position, recital 12" (bot.corpus.position).
PARTS: tuple[str, ...] = ("citation", "recital", "paragraph", "point", "amendment", "annex", "position")


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A line of a file that is in no passage, and why (navigation, page header, footnote, heading...)."""

    line: int
    text: str
    reason: str

    def as_json(self) -> dict[str, int | str]:
        return {"line": self.line, "text": self.text, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Position:
    """Where a passage stands: the file's paragraph and list item, its first line, and,
    in a text adopted read by bot.corpus.structure, the Parliament's own unit.

    ``part`` is "citation", "recital", "paragraph" or "annex" (None: no EP structure);
    ``number`` is the unit's number or letter as the Parliament writes it ("3", "AA",
    "12", or an annex's "I"); ``point`` is a point's letter or numeral, "b" or "ii".
    """

    paragraph: int
    item: int | None
    line: int
    part: str | None = None
    number: str | None = None
    point: str | None = None

    @property
    def label(self) -> str | None:
        """The EP's own label ("citation 3", "recital AA", "paragraph 5, point (b)"); None without structure."""
        if self.part is None:
            return None
        if self.part == "unnumbered":  # words in no numbered unit of a text adopted
            return "unnumbered text"
        if self.part == "position":
            unit = f"position, {self.number}"
        else:
            unit = f"{self.part} {self.number}" if self.number else self.part
        if not self.point:
            return unit
        # "a.ii" is point (ii) under point (a): "paragraph 5, point (a)(ii)".
        return f"{unit}, point " + "".join(f"({p})" for p in self.point.split("."))

    def describe(self) -> str:
        label = self.label
        if label is not None:
            return label
        text = f"paragraph {self.paragraph}"
        return f"{text}, item {self.item}" if self.item is not None else text

    def locator(self, document: str) -> str:
        """Where to find the passage: the EP label with the file and line, or the file's own count."""
        if self.part is not None:
            return f"{self.describe()} of {document} (line {self.line})"
        return f"{self.describe()} of {document}"

    def as_dict(self) -> dict[str, int | None]:
        return {"paragraph": self.paragraph, "item": self.item, "line": self.line}

    def labels(self) -> dict[str, str | int | None]:
        """The JSON fields of the EP unit (part, number, point: None without structure) and the label shown."""
        return {"part": self.part, "number": self.number, "point": self.point, "label": self.describe()}


@dataclass(frozen=True, slots=True)
class Passage:
    """One answerable unit: a paragraph, or a list item with its lead-in sentence.

    ``text`` is the wording as written, less markdown emphasis markers and the list
    bullet; ``lead`` is the sentence that introduces a list item, if any.
    """

    document: str
    position: Position
    text: str
    lead: str | None = None

    @property
    def searchable(self) -> str:
        return f"{self.lead}\n{self.text}" if self.lead else self.text


def text_digest(passages: Sequence[Passage]) -> str:
    """Digest of what the index reads of ``passages``: their searchable texts, in order."""
    h = hashlib.sha256()
    for passage in passages:
        data = passage.searchable.encode("utf-8", "surrogatepass")
        h.update(b"%d:" % len(data))  # each text's length first: where one ends is part of the digest
        h.update(data)
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class Document:
    """One loaded corpus file with its metadata and where each field came from."""

    name: str
    meta: DocumentMeta
    origins: dict[str, Origin]
    # A tuple, or from the parse cache a LazyPassages (bot.corpus.lazy), read when first used.
    passages: Sequence[Passage]
    digest: str  # of the file's bytes
    # Of the passages' searchable texts (``text_digest``), made when the file is parsed: what
    # the saved BM25 index knows a document by, so a new version of the parser that reads
    # a file into the same passages keeps the index. "" when not made (``indexed_digest``).
    text_digest: str = ""

    @property
    def indexed_digest(self) -> str:
        """``text_digest``, or made from the passages when the document was built without one."""
        return self.text_digest or text_digest(self.passages)

    @property
    def kind_label(self) -> str:
        return self.meta.kind.label if self.meta.kind else "document of unknown kind"

    @property
    def is_resolution_text(self) -> bool:
        """Whether the words are the resolution's own; an unknown kind is never taken as such."""
        return self.meta.kind is not None and self.meta.kind.is_resolution_text

    @property
    def wording_note(self) -> str | None:
        """A warning when the words are not the resolution's own, None when they are."""
        kind = self.meta.kind
        if self.is_resolution_text:
            return None
        if kind is None:
            return "The kind of this document is unknown: do not take it as the resolution's text."
        return f"This is the {kind.label}'s wording, not the resolution's text."

    def citation(self, position: Position | None = None) -> list[str]:
        """Citation lines in plain text; every unknown field says so instead of guessing."""
        meta = self.meta
        reference = meta.reference or "reference unknown"
        if meta.text_id:  # shown when known: only a text adopted has one
            reference = f"{reference} · {meta.text_id}"
        adopted = f"adopted {meta.adopted.isoformat()}" if meta.adopted else "adoption date unknown"
        source = f"{self.kind_label}, {meta.source or 'source unknown'}"
        where = position.locator(self.name) if position else self.name
        return [meta.title or "Title unknown", f"{reference} · {adopted} · {source}", where]


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked passage and the document it comes from."""

    rank: int
    score: float
    passage: Passage
    document: Document

    def as_json(self) -> dict[str, Any]:
        meta = self.document.meta
        position = self.passage.position
        return {
            "rank": self.rank,
            "score": self.score,
            "text": self.passage.text,
            "lead": self.passage.lead,
            "title": meta.title,
            "reference": meta.reference,
            "adopted": meta.adopted.isoformat() if meta.adopted else None,
            "kind": meta.kind.value if meta.kind else None,
            "source": meta.source,
            "url": meta.url,
            "text_id": meta.text_id,
            "document": self.document.name,
            **position.labels(),
            "file": self.document.name,
            "line": position.line,
            "position": position.as_dict(),
        }


class CorpusError(Exception):
    """A corpus file that cannot be served; the message names the file."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem
