"""A corpus directory loaded: its files to documents (front matter, metadata, passages), with every problem named.

A bad file is reported and skipped; the others still load. Nothing about a document is
guessed: front matter wins, a field is inferred from the body only when the body says it
unambiguously (bot.corpus.metadata), and anything else stays unknown.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING

from bot.corpus.cache import CACHE_DIR, ParseCache, Parsed, Parses, file_key, module_path, parser_version, paused_gc
from bot.corpus.lazy import LazyPassages
from bot.corpus.models import CorpusError, Document, Kind, Passage, Problem, canonical_text_id, text_digest

if TYPE_CHECKING:
    from bot.corpus.structure import Reading

logger = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md")
MAX_FILE_BYTES = 5 * 1024 * 1024
# What python -m bot sync keeps of its last run (bot.corpus.sync): hidden, so never a corpus file.
SYNC_STATE = ".sync.json"
# Below this many passages a parse takes a fraction of a second: no cache files in the corpus.
CACHE_MIN_PASSAGES = 5000


@dataclass(frozen=True, slots=True)
class Corpus:
    """The documents that loaded and the problems found on the way."""

    directory: Path
    documents: tuple[Document, ...]
    problems: tuple[Problem, ...]
    # What the load found in each file, so that a reload takes unchanged ones from memory.
    parses: Parses | None = dataclass_field(default=None, compare=False, repr=False)

    @property
    def passage_count(self) -> int:
        return sum(len(d.passages) for d in self.documents)


def corpus_files(directory: Path) -> list[Path]:
    """The files of a corpus directory that are documents, in a stable order."""
    return [directory / name for name, _ in _corpus_entries(directory)]


def _corpus_entries(directory: Path) -> list[tuple[str, os.stat_result]]:
    """The name and stat of each document file in ``directory``, by name (``corpus_files``).

    Not hidden, a document suffix (as ``Path.suffix`` reads it), and a regular file once
    links are followed; a file that cannot be stat'ed is left out, as ``Path.is_file``
    leaves it. One ``scandir`` and one stat a file: a third of the time of ``iterdir``
    and ``is_file`` then another stat for the parse cache.
    """
    found: list[tuple[str, os.stat_result]] = []
    with os.scandir(directory) as entries:
        for entry in entries:
            name = entry.name
            dot = name.rfind(".")
            if name.startswith(".") or not 0 < dot < len(name) - 1 or name[dot:].lower() not in SUFFIXES:
                continue
            try:
                stat = entry.stat()
            except OSError:
                continue
            if S_ISREG(stat.st_mode):
                found.append((name, stat))
    found.sort(key=lambda e: os.path.normcase(e[0]))  # PurePath's order within one directory
    return found


def _nothing_to_read(directory: Path, shown: int = 5) -> str:
    """Why a folder holds no corpus file: what it holds instead, and why each is ignored."""
    ignored: list[str] = []
    try:
        with os.scandir(directory) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name in {CACHE_DIR, ".index", ".trash", SYNC_STATE}:
                    continue
                if entry.name.startswith("."):
                    ignored.append(f"{entry.name} (hidden)")
                elif entry.is_dir():
                    ignored.append(f"{entry.name}/ (a folder: only the files directly inside are read)")
                else:
                    ignored.append(f"{entry.name} (not .txt or .md)")
    except OSError as exc:
        return f"cannot list the folder: {exc.strerror}"
    if not ignored:
        return "no .txt or .md file: the folder is empty"
    more = f", and {len(ignored) - shown} more" if len(ignored) > shown else ""
    return f"no .txt or .md file; ignored: {', '.join(ignored[:shown])}{more}"


def load_corpus(
    directory: Path, *, cache: bool = True, reuse: Corpus | None = None,
    save: Callable[[Callable[[], None]], None] | None = None,
) -> Corpus:
    """Load every document in ``directory``; bad files become problems, not exceptions.

    With ``cache`` (the default), the parse results of files unchanged since the last
    load are taken from ``reuse`` (an earlier load of the same directory, in memory) or
    from ``directory/.cache/`` (see bot.corpus.cache), and the cache is brought up to
    date once the corpus has ``CACHE_MIN_PASSAGES`` passages; the result is the same as
    parsing every file. Without it every file is parsed and nothing is written.
    ``save``, when given, is handed the cache's update to run when it chooses, rather
    than it being run here: a reload writes it once the new corpus is served.
    """
    if not directory.is_dir():
        reason = "is a file, not a folder" if directory.exists() else "corpus directory does not exist"
        problem = Problem(str(directory), None, reason)
        return Corpus(directory, (), (problem,))
    started = time.perf_counter()
    parse_cache = None
    if cache:
        previous = reuse.parses if reuse is not None and reuse.directory == directory else None
        parse_cache = ParseCache.open(
            directory / CACHE_DIR, _parser_version(), previous, functools.partial(_reparse, directory),
            functools.partial(_holds, directory),
        )
    try:
        return _load_entries(directory, parse_cache, started, save)
    finally:
        if parse_cache is not None:
            parse_cache.close()


def _load_entries(
    directory: Path, parse_cache: ParseCache | None, started: float,
    save: Callable[[Callable[[], None]], None] | None = None,
) -> Corpus:
    documents: list[Document] = []
    problems: list[Problem] = []
    entries = _corpus_entries(directory)
    if not entries:
        problems.append(Problem(str(directory), None, _nothing_to_read(directory)))
    read = 0  # passages loaded so far: from CACHE_MIN_PASSAGES the corpus is saved, so parses spill
    with paused_gc():
        for name, stat in entries:
            if parse_cache is not None:
                parsed = _load_cached(directory, name, stat, parse_cache, spill=read >= CACHE_MIN_PASSAGES)
            else:
                parsed = _load(directory / name)
            if isinstance(parsed, Problem):
                logger.debug("skipping %s", parsed)
                problems.append(parsed)
                continue
            document, warnings = parsed
            documents.append(document)
            problems.extend(warnings)
            read += len(document.passages)
        documents, copies = _drop_copies(documents)
        problems.extend(copies)
        kept, conflicts = _drop_conflicting_dates(documents)
        problems.extend(conflicts)
        if parse_cache is not None:
            large = sum(len(d.passages) for d in documents) >= CACHE_MIN_PASSAGES
            logger.log(logging.INFO if large else logging.DEBUG,
                       "loaded %d corpus files in %.2f s, %d unchanged from the parse cache",
                       len(entries), time.perf_counter() - started, parse_cache.hits)
            if large and save is not None:
                save(parse_cache.save)
            elif large:
                parse_cache.save()
    parses = parse_cache.parses() if parse_cache is not None else None
    return Corpus(directory, tuple(kept), tuple(problems), parses)


def _load(path: Path) -> Parsed:
    try:
        document, warnings = load_document(path)
    except CorpusError as exc:
        return exc.problem
    return document, tuple(warnings)


def file_digest(raw: bytes) -> str:
    """A file's identity by its bytes (``Document.digest``): what copies and racy cache entries are told by."""
    return hashlib.sha256(raw).hexdigest()


def _holds(directory: Path, name: str, digest: str) -> bool:
    """Whether the file ``name`` holds the bytes whose sha256 is ``digest`` (a parse's ``Document.digest``)."""
    try:
        raw = _read_bytes(directory / name)
    except CorpusError:
        return False
    return file_digest(raw) == digest


def _reparse(directory: Path, name: str, digest: str) -> Sequence[Passage] | None:
    """The passages of ``name`` parsed from its file, if it still is the file of ``digest``."""
    parsed = _load(directory / name)
    if isinstance(parsed, Problem) or parsed[0].digest != digest:
        return None
    return parsed[0].passages


def _load_cached(
    directory: Path, name: str, stat: os.stat_result, parse_cache: ParseCache, *, spill: bool = False
) -> Parsed:
    """The parse of the file ``name``, from ``parse_cache`` when the file has not changed since ``stat``
    (``spill``: see ``ParseCache.put``)."""
    key = file_key(stat)
    parsed = parse_cache.get(name, key)
    if parsed is not None:
        return parsed
    path = directory / name
    try:
        raw = _read_bytes(path)
    except CorpusError as exc:
        return exc.problem  # not stored: an unreadable or oversized file is not parsed anyway
    try:
        document, warnings = parse_document(path.name, raw)
    except CorpusError as exc:
        parsed = exc.problem
    else:
        # Held so that the cache, once it has written them, lets them go (LazyPassages.release).
        document = dataclasses.replace(document, passages=LazyPassages.holding(document.passages))
        parsed = (document, tuple(warnings))
    # Stat'ed before the read: a change made since has another stat, or is racy.
    return parse_cache.put(path.name, key, parsed, spill=spill)


# The modules whose code decides what a file parses to (bot/corpus/models.py is always in the key).
# Named, not imported: a start that finds every file in the parse cache parses none, and
# does not import the parser (nor PyYAML): 40-50 ms of every start.
PARSER = (
    __name__, "bot.corpus.frontmatter", "bot.corpus.metadata", "bot.corpus.passages", "bot.corpus.structure",
    "bot.corpus.layout", "bot.corpus.models",
)


def import_parser() -> None:
    """Import the parser now (``PARSER``), rather than with the first file parsed after a
    start that parsed none: 0.1 s of the first reload or upload otherwise."""
    for name in PARSER:
        importlib.import_module(name)


@functools.cache
def _parser_version() -> str:
    """The version of this parser for the parse cache (computed once: the code loaded is the code run)."""
    return parser_version(tuple(module_path(name) for name in PARSER))


def load_document(path: Path) -> tuple[Document, list[Problem]]:
    """Parse one file; raise CorpusError naming the file when it cannot be served."""
    raw = _read_bytes(path)
    return parse_document(path.name, raw)


def parse_document(name: str, raw: bytes) -> tuple[Document, list[Problem]]:
    """Parse the bytes of a corpus file called ``name`` (also used for uploads)."""
    document, warnings, _ = inspect_document(name, raw)
    return document, warnings


def inspect_document(name: str, raw: bytes) -> tuple[Document, list[Problem], Reading]:
    """``parse_document`` with what the structure reader found (units per part, lines left out)."""
    if len(raw) > MAX_FILE_BYTES:
        raise CorpusError(
            Problem(name, None, f"file is {len(raw)} bytes, over the {MAX_FILE_BYTES} byte cap")
        )
    if b"\x00" in raw:
        if _utf16(raw):
            raise CorpusError(Problem(name, None, "UTF-16 text: save it as UTF-8"))
        raise CorpusError(Problem(name, None, "binary file (contains NUL bytes), not text"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CorpusError(
            Problem(name, line, f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise CorpusError(Problem(name, None, "empty file"))
    # The parser, imported when a file is first parsed (see PARSER).
    from bot.corpus.frontmatter import split_front_matter, validate_meta
    from bot.corpus.metadata import complete_meta
    from bot.corpus.structure import OPENING, read

    data, key_lines, body, body_line = split_front_matter(name, text)
    meta = validate_meta(name, data, key_lines)
    reading = read(name, body, body_line, meta.kind)
    if not reading.passages:
        raise CorpusError(Problem(name, None, "no passage: nothing long enough to answer a question"))
    ep_text = reading.structured and any(item.reason == OPENING for item in reading.left_out)
    meta, origins, warnings = complete_meta(
        name, meta, data, body, body_line, reading.title_line, reading.text_ids, ep_text
    )
    digest = file_digest(raw)
    passages = tuple(reading.passages)
    document = Document(name, meta, origins, passages, digest, text_digest(passages))
    return document, [*reading.warnings, *warnings], reading


def _utf16(raw: bytes) -> bool:
    """Whether ``raw`` (which holds NUL bytes) is UTF-16 text, as Windows editors save it.

    A byte-order mark says so; without one, text in a Latin script has a NUL in every
    other byte, and the whole decodes without a control character other than line ends.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    for encoding, zeros in (("utf-16-le", raw[1::2]), ("utf-16-be", raw[0::2])):
        if len(raw) % 2 == 0 and zeros.count(0) >= len(zeros) * 0.9:
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            if all(c.isprintable() or c in "\n\r\t" for c in text[:4096]):
                return True
    return False


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CorpusError(
                Problem(path.name, None, f"file is {size} bytes, over the {MAX_FILE_BYTES} byte cap")
            )
        return path.read_bytes()
    except OSError as exc:
        raise CorpusError(Problem(path.name, None, f"cannot read: {exc.strerror}")) from None


def date_conflict(document: Document, others: Iterable[Document]) -> str | None:
    """Why ``document`` cannot be served beside ``others``: another document gives the
    same reference a different adoption date. None when nothing contradicts it.

    Two dates for one resolution mean one file is wrong and the files cannot say which;
    serving both would show a reader a date that may be false.
    """
    ref, adopted = document.meta.reference, document.meta.adopted
    if not (ref and adopted):
        return None
    for other in others:
        theirs = other.meta.adopted
        if other.name != document.name and other.meta.reference == ref and theirs and theirs != adopted:
            return f"{ref} adopted {adopted.isoformat()} here but {theirs.isoformat()} in {other.name}"
    return None


def duplicates_of(document: Document, others: Iterable[Document]) -> list[tuple[str, str]]:
    """(file, why) for each other file holding the same text: the same text number, or,
    for a text adopted or a summary, the same reference and kind. Two news reports of one
    resolution are two documents; two copies of its text are one text twice.
    """
    meta = document.meta
    mine = canonical_text_id(meta.text_id) if meta.text_id else None
    found: dict[str, str] = {}
    for other in others:
        if other.name == document.name:
            continue
        if mine is not None and other.meta.text_id and canonical_text_id(other.meta.text_id) == mine:
            found[other.name] = f"same text number {meta.text_id}"
        elif (meta.reference and meta.kind in (Kind.text_adopted, Kind.summary)
              and other.meta.reference == meta.reference and other.meta.kind == meta.kind):
            found[other.name] = f"same reference {meta.reference} and kind {meta.kind.value}"
    return sorted(found.items())


def _drop_copies(documents: list[Document]) -> tuple[list[Document], list[Problem]]:
    """Keep one of the files that are byte for byte the same: a copy under another name is skipped.

    Served twice, one text fills an answer's page with itself, and the next page repeats it.
    (The same text in two layouts, or cited two ways, is left to the other checks.)
    """
    first: dict[str, str] = {}  # the file's sha256 -> the first file with those bytes
    kept: list[Document] = []
    problems: list[Problem] = []
    for doc in documents:
        if doc.digest in first:
            problems.append(Problem(
                doc.name, None, f"the same file as {first[doc.digest]}: skipped; remove one of the two"))
            continue
        first[doc.digest] = doc.name
        kept.append(doc)
    return kept, problems


def _drop_conflicting_dates(documents: list[Document]) -> tuple[list[Document], list[Problem]]:
    """Keep one adoption date per reference: a later file that contradicts it is skipped."""
    dated: dict[str, Document] = {}  # the first dated document of each reference
    kept: list[Document] = []
    problems: list[Problem] = []
    for doc in documents:
        meta = doc.meta
        ref = meta.reference
        if not ref:  # nothing to contradict (read once: this runs for every file at every start)
            kept.append(doc)
            continue
        earlier = dated.get(ref)
        conflict = date_conflict(doc, [earlier]) if earlier is not None else None
        if conflict:
            problems.append(Problem(doc.name, None, f"{conflict}; file skipped until the dates agree"))
            continue
        kept.append(doc)
        if earlier is None and meta.adopted:
            dated[ref] = doc
    return kept, problems
