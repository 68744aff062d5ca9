"""Import a published resolution: source -> text -> front matter and body -> one corpus file.

Two steps, so that a front end can show what would be written before writing it:

- ``prepare(source, ...)`` (or ``prepare_bytes`` for an upload) fetches or reads the
  source, extracts its text (bot.corpus.extract), reads it as a text adopted or an OEIL
  summary (bot.corpus.page), builds the corpus file and parses it back with the corpus
  parser, so that what is previewed is exactly what will be served. It writes nothing.
- ``write(prepared, corpus, force=...)`` refuses a duplicate (same text number, or same
  reference and kind) unless forced, then writes the file atomically; a replaced file
  goes to ``.trash/``.

Every refusal is an ImportRefused whose message is one line for the admin.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from bot.corpus import store
from bot.corpus.extract import (
    Extracted,
    ExtractError,
    docx_text,
    html_text,
    join_wrapped,
    pdf_text,
    plain_text,
)
from bot.corpus.fetch import DOCX_TYPE, HTML_TYPES, PDF_TYPE, TEXT_TYPES, Fetcher, FetchError, Progress
from bot.corpus.load import corpus_files, date_conflict, duplicates_of, load_corpus, parse_document
from bot.corpus.models import (
    MAX_TITLE_CHARS,
    CorpusError,
    Document,
    Kind,
    format_origins,
    parse_text_number,
    plural,
)
from bot.corpus.page import NotAResolution, PageReading, read_page
from bot.corpus.units import describe_units, unit_counts

logger = logging.getLogger(__name__)

# The cap on a source file or download: the largest EP texts adopted (budget, long
# reports with annexes) are a few MB as PDF.
MAX_SOURCE_BYTES = 20 * 1024 * 1024
FIRST_LABELS = 5
# A Passage and its Position as Python objects, beside their strings (measured with sys.getsizeof).
_PASSAGE_OVERHEAD = 250
# What can only be a text number, mistyped ("TA-9-2021-56", "p9_ta(2021)56"): no dot, no slash.
_TEXT_NUMBER_LIKE_RE = re.compile(r"(?:TA-|P\d{1,2}_TA)[\w()-]*", re.IGNORECASE)
# A text number inside a corpus file name or URL ("..._TA-9-2021-0056.md", "TA-9-2021-0056_EN.html").
_TEXT_NUMBER_IN_NAME_RE = re.compile(r"(?<![A-Za-z0-9])TA-(\d{1,2})-(\d{4})-(\d{4})(?![0-9])")
_FORMATS = {
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".docx": "docx", ".pdf": "pdf", ".txt": "text", ".md": "text",
}
_MEDIA_FORMATS = {
    **{media: "html" for media in HTML_TYPES},
    DOCX_TYPE: "docx",
    PDF_TYPE: "pdf",
    **{media: "text" for media in TEXT_TYPES},
}
_URL_TYPES = frozenset({*HTML_TYPES, DOCX_TYPE, PDF_TYPE})


class ImportRefused(Exception):
    """A source that was not imported; ``str()`` is ``"<source>: <reason>"``."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class AlreadyInCorpus(ImportRefused):
    """A text the corpus holds already; ``found`` lists (file, why): same number, reference and kind, name."""

    def __init__(self, source: str, found: list[tuple[str, str]]) -> None:
        listed = "; ".join(f"{name} ({why})" for name, why in found)
        super().__init__(source, f"already in the corpus: {listed}; --force replaces it")
        self.found = found


@dataclass(frozen=True, slots=True)
class Preview:
    """What an admin checks before adding a text: its citation and the shape of its parts."""

    title: str | None
    reference: str | None
    adopted: dt.date | None
    text_id: str | None
    kind: Kind
    source: str | None
    url: str | None
    passages: int
    units: tuple[tuple[str, int], ...]  # (kind, how many): bot.corpus.units.unit_counts
    units_summary: str  # "7 citations, 12 paragraphs (1–12)": the same count, as every report words it
    first_labels: tuple[str, ...]

    def lines(self) -> list[str]:
        """The preview as plain lines (the CLI's dry run prints these; Telegram may render them)."""
        return [
            self.title or "Title unknown",
            f"{self.reference or 'reference unknown'} · "
            f"{'adopted ' + self.adopted.isoformat() if self.adopted else 'adoption date unknown'} · "
            f"{self.text_id or 'text number unknown'}",
            f"{self.kind.label}, {self.source or 'source unknown'}",
            f"{plural(self.passages, 'passage')}: {self.units_summary}",
            f"first: {'; '.join(self.first_labels) or 'none'}",
        ]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A corpus file ready to write, parsed back as the corpus will read it."""

    source: str
    file_name: str
    data: bytes
    document: Document
    text_id: str | None
    # field -> where its value came from ("title line", "'Procedure :' line", ...).
    inferred: dict[str, str]
    notes: tuple[str, ...]
    preview: Preview

    @property
    def held_bytes(self) -> int:
        """About what this holds in memory: the file, and its passages as Python objects."""
        passages = self.document.passages
        texts = sum(sys.getsizeof(p.text) + (sys.getsizeof(p.lead) if p.lead else 0) for p in passages)
        return len(self.data) + texts + _PASSAGE_OVERHEAD * len(passages)

    def as_json(self) -> dict[str, Any]:
        meta = self.document.meta
        return {
            "file": self.file_name,
            "title": meta.title,
            "reference": meta.reference,
            "adopted": meta.adopted.isoformat() if meta.adopted else None,
            "text_id": self.text_id,
            "passages": len(self.document.passages),
        }


@dataclass(frozen=True, slots=True)
class Written:
    """A corpus file written, and the files it replaced (now in ``.trash/``)."""

    path: Path
    replaced: tuple[str, ...]


def normalise_text_number(value: str) -> str | None:
    """"TA-9-2021-0056" for either notation (TA-9-2021-0056, P9_TA(2021)0056), else None."""
    found = parse_text_number(value)
    return found.dashed if found is not None else None


def ep_page_url(base_url: str, text_id: str) -> str:
    """The doceo page of a text adopted, in English."""
    return f"{base_url.rstrip('/')}/doceo/document/{text_id}_EN.html"


def prepare(
    source: str,
    *,
    fetcher: Fetcher,
    base_url: str,
    progress: Progress | None = None,
    allow_files: bool = True,
) -> Prepared:
    """Read one source (a text number, an http(s) URL or a local file) into a corpus file to write.

    Raises ImportRefused; writes nothing. A front end taking sources from users (Telegram)
    passes ``allow_files=False``: a path on the server is then refused, never read.
    """
    text_id = normalise_text_number(source)
    if text_id is None and _TEXT_NUMBER_LIKE_RE.fullmatch(source.strip()):
        # "TA-9-2021-56": a text number mistyped, not a file without a suffix.
        raise ImportRefused(source, "not a text number: write it like TA-9-2021-0056 or P9_TA(2021)0056")
    if text_id is not None:
        url = ep_page_url(base_url, text_id)
        fetched = _fetch(source, fetcher, url, HTML_TYPES, progress)
        return _prepare(source, "html", fetched.body, fetched.charset, fetched.url, text_id, base_url)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", source):
        if not source.lower().startswith(("http://", "https://")):
            raise ImportRefused(source, "only http(s) URLs are fetched")
        fetched = _fetch(source, fetcher, source, _URL_TYPES, progress)
        fmt = _MEDIA_FORMATS[fetched.content_type]
        return _prepare(source, fmt, fetched.body, fetched.charset, fetched.url, None, base_url)
    if not allow_files:
        raise ImportRefused(source, "not a text number like TA-9-2021-0056 nor an http(s) URL")
    return prepare_file(Path(source), base_url=base_url)


def prepare_file(path: Path, *, base_url: str) -> Prepared:
    """A local .html, .docx, .pdf, .txt or .md file read into a corpus file to write."""
    source = str(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ImportRefused(source, f"unknown file type {path.suffix or '(none)'}: use .html, .docx, .pdf, .txt or .md")
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise ImportRefused(source, f"file is {size:,} bytes, over the {MAX_SOURCE_BYTES:,} byte cap")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportRefused(source, "no such file (nor a text number like TA-9-2021-0056, nor a URL)") from None
    except OSError as exc:
        raise ImportRefused(source, f"cannot read: {exc.strerror}") from None
    return _prepare(source, fmt, data, None, None, None, base_url)


def prepare_bytes(
    file_name: str, data: bytes, *, base_url: str, url: str | None = None, content_type: str | None = None
) -> Prepared:
    """An uploaded file (Telegram) read into a corpus file to write; the format comes from the name or type."""
    fmt = _FORMATS.get(Path(file_name).suffix.lower()) or _MEDIA_FORMATS.get(content_type or "")
    if fmt is None:
        raise ImportRefused(file_name, "unknown file type: send a .html, .docx, .pdf, .txt or .md file")
    if len(data) > MAX_SOURCE_BYTES:
        raise ImportRefused(file_name, f"file is {len(data):,} bytes, over the {MAX_SOURCE_BYTES:,} byte cap")
    return _prepare(file_name, fmt, data, None, url, None, base_url)


def _fetch(source: str, fetcher: Fetcher, url: str, accept: Iterable[str], progress: Progress | None) -> Any:
    try:
        return fetcher.get(url, frozenset(accept), progress=progress)
    except FetchError as exc:
        raise ImportRefused(source, str(exc)) from None


def _extract(fmt: str, data: bytes, charset: str | None) -> Extracted:
    if fmt == "html":
        return html_text(data, charset)
    if fmt == "docx":
        return docx_text(data)
    if fmt == "pdf":
        return pdf_text(data)
    return plain_text(data)


def _prepare(
    source: str,
    fmt: str,
    data: bytes,
    charset: str | None,
    url: str | None,
    requested_text_id: str | None,
    base_url: str,
) -> Prepared:
    try:
        extracted = _extract(fmt, data, charset)
    except ExtractError as exc:
        raise ImportRefused(source, str(exc)) from None
    notes = list(extracted.notes)
    lines: Sequence[str] = extracted.lines
    if extracted.wrapped:
        lines, joined = join_wrapped(lines)
        notes.extend(joined)
    else:
        lines = [line for line in lines if line.strip()]
    # One space for each run of whitespace, no-break spaces included ("12\u00a0March 2024"),
    # as the corpus serves it; a list's items keep their own lines.
    lines = ["\n".join(" ".join(part.split()) for part in line.split("\n")) for line in lines]
    named = _named_text_number(url, extracted.canonical_url, source)
    try:
        reading = read_page(list(lines), url, text_adopted=requested_text_id is not None or named is not None)
    except NotAResolution as exc:
        raise ImportRefused(source, str(exc)) from None
    inferred = dict(reading.evidence)
    text_id = reading.text_id
    if requested_text_id is not None:
        if text_id is not None and text_id != requested_text_id:
            raise ImportRefused(source, f"the page is text {text_id}, not {requested_text_id}")
        if text_id is None and reading.kind is Kind.text_adopted:
            text_id = requested_text_id
            inferred["text_id"] = "the text number asked for"
    if text_id is None and reading.kind is Kind.text_adopted and named is not None:
        text_id, inferred["text_id"] = named
    public_url = url or extracted.canonical_url
    if public_url is not None:
        inferred["url"] = "address fetched" if url else "the page's canonical link"
    elif text_id is not None and reading.kind is Kind.text_adopted:
        public_url = ep_page_url(base_url, text_id)
        inferred["url"] = "built from the text number"
    inferred["kind"] = "Legislative Observatory summary" if reading.kind is Kind.summary else "title line and structure"
    if reading.dropped_before:
        notes.append(f"dropped {plural(reading.dropped_before, 'line')} before the title (navigation, page header)")
    if reading.dropped_after:
        notes.append(f"dropped {plural(reading.dropped_after, 'line')} after the text (page footer)")
    if reading.dropped_inside:
        notes.append(f"dropped {plural(reading.dropped_inside, 'Official Journal number or repeated title line')}")
    if len(reading.title) > MAX_TITLE_CHARS:
        notes.append(f"title shortened to {MAX_TITLE_CHARS} characters for citations; the text keeps it whole")
    file_name = corpus_file_name(reading, text_id)
    raw = render(reading, text_id, public_url, inferred)
    try:
        document, warnings = parse_document(file_name, raw)
    except CorpusError as exc:
        raise ImportRefused(source, exc.problem.combined) from None
    notes.extend(w.combined for w in warnings)
    preview = _preview(document, text_id)
    return Prepared(source, file_name, raw, document, text_id, inferred, tuple(notes), preview)


def _named_text_number(url: str | None, canonical: str | None, source: str) -> tuple[str, str] | None:
    """(TA-9-2021-0056, where) when the URL, the page's canonical link or the file name names a text adopted."""
    for place, where in ((url, "URL"), (canonical, "canonical link"), (source, "file name")):
        if place and (found := _text_number_in(unquote(urlsplit(place).path) if "://" in place else place)):
            return found, where
    return None


def _text_number_in(text: str) -> str | None:
    match = _TEXT_NUMBER_IN_NAME_RE.search(text)
    if match is None:
        return None
    term, year, number = match.groups()
    return f"TA-{int(term)}-{year}-{number}"


def corpus_file_name(reading: PageReading, text_id: str | None) -> str:
    """A stable name: ``2021-02-11_2021-2544_TA-9-2021-0056.md`` (summaries end ``_oeil-summary``)."""
    parts: list[str] = []
    if reading.adopted:
        parts.append(reading.adopted.isoformat())
    if reading.reference:
        parts.append(re.sub(r"\(.*", "", reading.reference).replace("/", "-"))
    if reading.kind is Kind.summary:
        parts.append("oeil-summary")
    elif text_id:
        parts.append(text_id)
    if len(parts) < 2:
        slug = re.sub(r"[^a-z0-9]+", "-", reading.title.lower()).strip("-")[:60].strip("-")
        parts.append(slug or "untitled")
    return store.safe_name("_".join(parts) + ".md")


def citation_title(title: str) -> str:
    """``title`` within the corpus's cap, cut at a word and marked "…" when longer (the body keeps it whole)."""
    if len(title) <= MAX_TITLE_CHARS:
        return title
    cut = title[: MAX_TITLE_CHARS - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def render(reading: PageReading, text_id: str | None, url: str | None, found: dict[str, str] | None = None) -> bytes:
    """The corpus file: YAML front matter, then one unit a paragraph, the title line first.

    ``found`` (field -> how it was found) becomes the ``origins`` line, for the fields written.
    """
    front: dict[str, str] = {"title": citation_title(reading.title)}
    if reading.reference:
        front["reference"] = reading.reference
    if reading.adopted:
        front["adopted"] = reading.adopted.isoformat()
    front["kind"] = reading.kind.value
    front["source"] = reading.source
    if url:
        front["url"] = url
    if text_id:
        front["text_id"] = text_id
    written = {field: found[field] for field in front if found and field in found}
    if written:
        front["origins"] = format_origins(written)
    lines = ["---"]
    for key, value in front.items():
        if key == "adopted":
            lines.append(f"{key}: {value}")  # plain: the corpus reads dates as text, then validates
        else:
            lines.append(yaml.safe_dump({key: value}, allow_unicode=True, width=1_000_000).rstrip("\n"))
    lines.append("---")
    body = "\n\n".join(unit.strip() for unit in reading.body if unit.strip())
    return ("\n".join(lines) + "\n" + body + "\n").encode("utf-8")


def _preview(document: Document, text_id: str | None) -> Preview:
    meta = document.meta
    return Preview(
        title=meta.title,
        reference=meta.reference,
        adopted=meta.adopted,
        text_id=text_id,
        kind=meta.kind or Kind.text_adopted,
        source=meta.source,
        url=meta.url,
        passages=len(document.passages),
        units=unit_counts(document.passages),
        units_summary=describe_units(document.passages),
        first_labels=tuple(p.position.describe() for p in document.passages[:FIRST_LABELS]),
    )


@dataclass(slots=True)
class CorpusIndex:
    """What the corpus already holds, for refusing duplicates: documents and the text numbers in file names."""

    directory: Path
    documents: dict[str, Document]
    text_ids: dict[str, str] = field(default_factory=dict)  # text number -> file name

    @classmethod
    def load(cls, directory: Path) -> CorpusIndex:
        """Read the corpus directory (the files themselves, not the bot's parse cache)."""
        corpus = load_corpus(directory, cache=False) if directory.is_dir() else None
        documents = corpus.documents if corpus is not None else ()
        return cls.of(directory, documents)

    @classmethod
    def of(cls, directory: Path, documents: Iterable[Document]) -> CorpusIndex:
        index = cls(directory, {d.name: d for d in documents})
        # Every file counts, servable or not: a broken file of that text is still "present".
        names = [p.name for p in corpus_files(directory)] if directory.is_dir() else []
        for name in names:
            if found := _text_number_in(name):
                index.text_ids.setdefault(found, name)
        for document in index.documents.values():
            if document.meta.text_id:
                index.text_ids.setdefault(document.meta.text_id, document.name)
        return index

    def has_text(self, text_id: str) -> str | None:
        """The file holding text number ``text_id``, or None."""
        return self.text_ids.get(text_id)

    def duplicates(self, prepared: Prepared) -> list[tuple[str, str]]:
        """(file name, why) for each file that ``prepared`` would duplicate."""
        found: dict[str, str] = {}
        if prepared.text_id and (name := self.has_text(prepared.text_id)):
            found[name] = f"same text number {prepared.text_id}"  # a file's name counts, served or not
        for name, why in duplicates_of(prepared.document, self.documents.values()):
            found.setdefault(name, why)
        if prepared.file_name not in found and (self.directory / prepared.file_name).exists():
            found[prepared.file_name] = "same file name"
        return sorted(found.items())

    def add(self, prepared: Prepared, replaced: Iterable[str]) -> None:
        for name in replaced:
            self.documents.pop(name, None)
            self.text_ids = {t: n for t, n in self.text_ids.items() if n != name}
        # Only the metadata is needed to refuse duplicates: a year's run stays flat in memory.
        self.documents[prepared.file_name] = dataclasses.replace(prepared.document, passages=())
        if prepared.text_id:
            self.text_ids[prepared.text_id] = prepared.file_name


def check(prepared: Prepared, corpus: CorpusIndex, *, force: bool = False) -> list[str]:
    """The files ``prepared`` would replace (only with ``force``), or ImportRefused: what ``write`` checks first."""
    duplicates = corpus.duplicates(prepared)
    if duplicates and not force:
        raise AlreadyInCorpus(prepared.source, duplicates)
    replaced = [name for name, _ in duplicates]
    others = [d for name, d in corpus.documents.items() if name not in replaced]
    if conflict := date_conflict(prepared.document, others):
        raise ImportRefused(prepared.source, f"dates disagree: {conflict}")
    return replaced


def write(prepared: Prepared, corpus: CorpusIndex, *, force: bool = False) -> Written:
    """Write ``prepared`` into the corpus atomically; refuse a duplicate unless ``force``.

    With ``force`` each duplicate goes to ``.trash/``. Raises ImportRefused.
    """
    replaced = set(check(prepared, corpus, force=force))
    directory = corpus.directory
    try:
        path = store.write_atomically(directory, prepared.file_name, prepared.data, overwrite=force)
    except FileExistsError:
        raise ImportRefused(prepared.source, f"{prepared.file_name} already exists; --force replaces it") from None
    except (store.StoreError, OSError) as exc:
        raise ImportRefused(prepared.source, f"cannot write {prepared.file_name}: {exc}") from None
    for name in sorted(replaced - {prepared.file_name}):
        store.remove(directory, name)
    corpus.add(prepared, replaced)
    logger.info("imported %s as %s", prepared.source, path.name)
    return Written(path, tuple(sorted(replaced)))
