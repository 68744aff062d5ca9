"""Corpus files to documents and passages, with every problem named by file and line.

A bad file is reported and skipped; the others still load. Nothing about a document is
guessed: front matter wins, a field is inferred from the body only when the body says it
unambiguously, and anything else stays unknown.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from stat import S_ISREG
from typing import Any

import yaml
from pydantic import ValidationError

from bot.corpus.cache import CACHE_DIR, ParseCache, Parsed, Parses, file_key, parser_version, paused_gc
from bot.corpus.models import META_FIELDS, Document, DocumentMeta, Origin, Passage, Position, Problem

logger = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md")
MAX_FILE_BYTES = 5 * 1024 * 1024
MIN_PASSAGE_WORDS = 5
# Below this many passages a parse takes a fraction of a second: no cache files in the corpus.
CACHE_MIN_PASSAGES = 5000
# A single line this short without closing punctuation is a title, a dateline or a byline.
MAX_HEADING_WORDS = 20

_FENCE = "---"
_BULLET_RE = re.compile(r"^\s*(?:[-*\u2022]|\d{1,3}[.)])\s+")
_WORD_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_REFERENCE_RE = re.compile(r"\b\d{4}/\d{4}\([A-Z]{3}\)")
_MONTHS = {
    m: i
    for i, m in enumerate(
        "january february march april may june july august september october november december".split(),
        start=1,
    )
}
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE_PATTERNS = (
    (re.compile(rf"\b(\d{{1,2}}) {_MONTH} (\d{{4}})\b"), ("d", "m", "y")),
    (re.compile(rf"\b{_MONTH} (\d{{1,2}}),? (\d{{4}})\b"), ("m", "d", "y")),
    # OEIL and other EU pages write dd/mm/yyyy.
    (re.compile(r"\b(\d{2})/(\d{2})/(\d{4})\b"), ("d", "m", "y")),
)
# A date on a line that talks about adoption is only a candidate, listed in a warning:
# "Posted 20 March 2019 ... the resolution" is no adoption date.
_ADOPTION_CONTEXT_RE = re.compile(r"adopt|resolution|text adopted", re.IGNORECASE)
_TITLE_RE = re.compile(r"^(?:European Parliament )?resolution\b", re.IGNORECASE)
_DASH = r"\s*[-\u2013\u2014]\s*"
_REF = r"(\d{4}/\d{4}\([A-Z]{3}\))"
# The only wordings taken as this document's own reference or adoption date. Anything
# else (a reference recalled in passing, a posting date) is not inferred.
# OEIL's dateline: "2016/2607(RSP) - 10/03/2016 - Text adopted by Parliament, ...".
_DATELINE_RE = re.compile(
    rf"^\s*{_REF}{_DASH}(\d{{2}}/\d{{2}}/\d{{4}}){_DASH}text adopted by parliament\b", re.IGNORECASE
)
# "Procedure: 2016/2607(RSP)", "Reference: ...", "Procedure reference: ..." alone on a line.
_REFERENCE_LINE_RE = re.compile(
    rf"^\s*(?:procedure(?: reference| file| number)?|reference)\s*:\s*{_REF}\s*\.?\s*$", re.IGNORECASE
)
# A title line: "European Parliament resolution of 14 March 2019 on ... (2019/2610(RSP))".
_TITLE_DATE_RE = re.compile(r"^[\s#*]*(?:European Parliament )?resolution of (.+)$", re.IGNORECASE)
_TITLE_REFERENCE_RE = re.compile(rf"\({_REF}\)\W*$")
# "the resolution (was) adopted (by Parliament) on 10 March 2016", "text adopted on ...".
_ADOPTED_ON_RE = re.compile(
    r"\b(?:resolution|text)\s+(?:was\s+)?adopted\s+(?:by\s+(?:the\s+)?(?:European\s+)?Parliament\s+)?on\s+(.+)",
    re.IGNORECASE,
)


# A necessary part of every wording read by _stated_reference_and_date: "adopted" in the
# dateline and "adopted on", "resolution of" in a title, a reference on a reference line.
# Same flags as those patterns, so case folding (even "ſ" for "s") agrees.
_STATEMENT_HINT_RE = re.compile(r"adopted|resolution of|\d{4}/\d{4}\(", re.IGNORECASE)
# The same hints, found fast (see _hint_positions): the words in lower-cased text, and
# the part of a reference after its year (a line holding a reference holds this).
_HINT_WORDS = ("adopted", "resolution of")
_REFERENCE_HINT_RE = re.compile(r"/\d{4}\(")
# The characters that a case-insensitive regex matches to a letter of _HINT_WORDS but
# that str.lower() does not turn into it ("ſ" is an "s" to re, not to lower()).
_FOLD_EXCEPTIONS = ("\u0130", "\u0131", "\u017f")
# Line breaks of str.splitlines other than "\n" (looked for with ``in``: faster than a regex).
_OTHER_BREAKS = ("\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so DocumentMeta validates them with a clear error."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# A front matter line read without the YAML parser (see _simple_front_matter): a field
# name, one space, a value with no space at either end, and a "\n" line end.
_SIMPLE_LINE_RE = re.compile(r"([a-z]+): (\S(?:[^\n]*\S)?)\n")
# Characters that open something else than a plain scalar in YAML (a sequence, a
# quoted or block scalar, an alias, a tag, a directive, a comment...).
_YAML_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
# Inside a value: a mapping indicator, a comment, or a colon at the end.
_SIMPLE_VALUE_UNSAFE = re.compile(r": | #|:$")
_YAML_STR = "tag:yaml.org,2002:str"
# Resolves a plain value's implicit type as _FrontMatterLoader does (dates stay text).
_FRONT_MATTER_RESOLVER = yaml.resolver.Resolver()
_FRONT_MATTER_RESOLVER.yaml_implicit_resolvers = _FrontMatterLoader.yaml_implicit_resolvers


class CorpusError(Exception):
    """A corpus file that cannot be served; the message names the file."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


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


def load_corpus(directory: Path, *, cache: bool = True, reuse: Corpus | None = None) -> Corpus:
    """Load every document in ``directory``; bad files become problems, not exceptions.

    With ``cache`` (the default), the parse results of files unchanged since the last
    load are taken from ``reuse`` (an earlier load of the same directory, in memory) or
    from ``directory/.cache/`` (see bot.corpus.cache), and the cache is brought up to
    date once the corpus has ``CACHE_MIN_PASSAGES`` passages; the result is the same as
    parsing every file. Without it every file is parsed and nothing is written.
    """
    if not directory.is_dir():
        problem = Problem(str(directory), None, "corpus directory does not exist")
        return Corpus(directory, (), (problem,))
    started = time.perf_counter()
    parse_cache = None
    if cache:
        previous = reuse.parses if reuse is not None and reuse.directory == directory else None
        parse_cache = ParseCache.open(directory / CACHE_DIR, _parser_version(), previous)
    try:
        return _load_entries(directory, parse_cache, started)
    finally:
        if parse_cache is not None:
            parse_cache.close()


def _load_entries(directory: Path, parse_cache: ParseCache | None, started: float) -> Corpus:
    documents: list[Document] = []
    problems: list[Problem] = []
    entries = _corpus_entries(directory)
    with paused_gc():
        for name, stat in entries:
            if parse_cache is not None:
                parsed = _load_cached(directory, name, stat, parse_cache)
            else:
                parsed = _load(directory / name)
            if isinstance(parsed, Problem):
                logger.debug("skipping %s", parsed)
                problems.append(parsed)
                continue
            document, warnings = parsed
            documents.append(document)
            problems.extend(warnings)
        kept, conflicts = _drop_conflicting_dates(documents)
        problems.extend(conflicts)
        if parse_cache is not None:
            large = sum(len(d.passages) for d in documents) >= CACHE_MIN_PASSAGES
            logger.log(logging.INFO if large else logging.DEBUG,
                       "loaded %d corpus files in %.2f s, %d unchanged from the parse cache",
                       len(entries), time.perf_counter() - started, parse_cache.hits)
            if large:
                parse_cache.save()
    parses = parse_cache.parses() if parse_cache is not None else None
    return Corpus(directory, tuple(kept), tuple(problems), parses)


def _load(path: Path) -> Parsed:
    try:
        document, warnings = load_document(path)
    except CorpusError as exc:
        return exc.problem
    return document, tuple(warnings)


def _load_cached(directory: Path, name: str, stat: os.stat_result, parse_cache: ParseCache) -> Parsed:
    """The parse of the file ``name``, from ``parse_cache`` when the file has not changed since ``stat``."""
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
        parsed = (document, tuple(warnings))
    # Stat'ed before the read: a change made since has another stat, or is racy.
    parse_cache.put(path.name, key, parsed)
    return parsed


@functools.cache
def _parser_version() -> str:
    """The version of this parser for the parse cache (computed once: the code loaded is the code run)."""
    return parser_version((Path(__file__),))


def load_document(path: Path) -> tuple[Document, list[Problem]]:
    """Parse one file; raise CorpusError naming the file when it cannot be served."""
    raw = _read_bytes(path)
    return parse_document(path.name, raw)


def parse_document(name: str, raw: bytes) -> tuple[Document, list[Problem]]:
    """Parse the bytes of a corpus file called ``name`` (also used for uploads)."""
    if len(raw) > MAX_FILE_BYTES:
        raise CorpusError(
            Problem(name, None, f"file is {len(raw)} bytes, over the {MAX_FILE_BYTES} byte cap")
        )
    if b"\x00" in raw:
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
    data, key_lines, body, body_line = _split_front_matter(name, text)
    meta = _validate_meta(name, data, key_lines)
    passages = split_passages(name, body, body_line)
    if not passages:
        raise CorpusError(Problem(name, None, "no passage: nothing long enough to answer a question"))
    meta, origins, warnings = _complete_meta(name, meta, data, body, body_line)
    digest = hashlib.sha256(raw).hexdigest()
    return Document(name, meta, origins, tuple(passages), digest), warnings


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


def _split_front_matter(name: str, text: str) -> tuple[dict[str, Any], dict[str, int], str, int]:
    """Return (front matter mapping, line of each key, body, line number where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != _FENCE:
        return {}, {}, text, 1
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r\n") == _FENCE:
            yaml_text = "".join(lines[1:i])
            body = "".join(lines[i + 1 :])
            break
    else:
        raise CorpusError(Problem(name, 1, "front matter opened with --- but never closed"))
    data: Any = {}
    key_lines: dict[str, int] = {}
    simple = _simple_front_matter(yaml_text)
    if simple is not None:
        data, key_lines = simple
    elif yaml_text.strip():
        loader = _FrontMatterLoader(yaml_text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 2 if mark is not None else 1
            reason = getattr(exc, "problem", None) or str(exc)
            raise CorpusError(Problem(name, line, f"broken YAML front matter: {reason}")) from None
        finally:
            loader.dispose()
        if isinstance(node, yaml.MappingNode):
            # Each key's own line from the parser: a folded value spans several lines.
            # Line 1 is the opening fence, so YAML's 0-based line n is file line n + 2.
            key_lines = {
                str(key.value): key.start_mark.line + 2
                for key, _ in node.value
                if isinstance(key, yaml.ScalarNode)
            }
    if not isinstance(data, dict):
        raise CorpusError(Problem(name, 2, "front matter must be key: value lines"))
    return data, key_lines, body, i + 2


def _simple_front_matter(yaml_text: str) -> tuple[dict[str, Any], dict[str, int]] | None:
    """The mapping and key lines of front matter made only of simple lines, else None.

    A simple line is a known field, ": " and a one-line plain value that YAML reads as
    that very text (see _SIMPLE_LINE_RE and _SIMPLE_VALUE_UNSAFE; the implicit types,
    such as numbers, booleans or null, are left to the parser). The YAML parser, pure
    Python, took a sixth of the time spent loading a large corpus; every other front
    matter, broken ones included, still goes through it.
    """
    data: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    position = 0
    for line, match in enumerate(_SIMPLE_LINE_RE.finditer(yaml_text), start=2):
        key, value = match.groups()
        if (
            match.start() != position
            or key not in META_FIELDS
            or key in data
            or not value.isprintable()
            or value[0] in _YAML_INDICATORS
            or _SIMPLE_VALUE_UNSAFE.search(value)
            or _FRONT_MATTER_RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != _YAML_STR  # type: ignore[no-untyped-call]
        ):
            return None
        data[key] = value
        key_lines[key] = line  # line 1 is the opening fence
        position = match.end()
    if not data or position != len(yaml_text):
        return None
    return data, key_lines


def _validate_meta(name: str, data: dict[str, Any], key_lines: dict[str, int]) -> DocumentMeta:
    try:
        return DocumentMeta(**{str(k): v for k, v in data.items()})
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "front matter"
        if first["type"] == "extra_forbidden":
            message = f"unknown key {key!r} (allowed: {', '.join(META_FIELDS)})"
        else:
            message = f"bad value for {key!r}: {first['msg'].removeprefix('Value error, ')}"
        raise CorpusError(Problem(name, key_lines.get(key), message)) from None


def _complete_meta(
    name: str, meta: DocumentMeta, data: dict[str, Any], body: str, body_line: int
) -> tuple[DocumentMeta, dict[str, Origin], list[Problem]]:
    origins: dict[str, Origin] = {
        f: ("front matter" if getattr(meta, f) is not None else "unknown") for f in META_FIELDS
    }
    warnings: list[Problem] = []
    inferred: dict[str, Any] = {}
    own_refs, own_dates = _stated_reference_and_date(body)
    if meta.reference is None:
        refs = sorted(own_refs)
        if len(refs) == 1:
            inferred["reference"] = refs[0]
        elif refs:
            warnings.append(
                Problem(name, None, f"reference unknown: the text states several ({', '.join(refs)})", "warning")
            )
        elif mentioned := sorted(set(_REFERENCE_RE.findall(body))):
            warnings.append(
                Problem(
                    name, None,
                    f"reference unknown: the text mentions {', '.join(mentioned)} but never states it "
                    "as this document's procedure; give it in the front matter",
                    "warning",
                )
            )
    if meta.adopted is None:
        listed = ", ".join(d.isoformat() for d in sorted(own_dates))
        if len(own_dates) == 1:
            inferred["adopted"] = next(iter(own_dates))
        elif own_dates:
            warnings.append(
                Problem(name, None, f"adopted unknown: the text states several dates ({listed})", "warning")
            )
        elif candidates := _adoption_candidates(body):
            listed = ", ".join(d.isoformat() for d in sorted(candidates))
            warnings.append(
                Problem(
                    name, None,
                    f"adopted unknown: the text has {listed} near the word adoption or resolution "
                    "but never states it as the adoption date; give it in the front matter",
                    "warning",
                )
            )
    if meta.title is None:
        heading = _first_heading(body)
        if heading and _TITLE_RE.match(heading):
            inferred["title"] = heading
    for field in inferred:
        origins[field] = "inferred"
    if inferred:
        meta = meta.model_copy(update=inferred)
    for field in ("reference", "adopted"):
        if getattr(meta, field) is None and not any(w.message.startswith(f"{field} unknown") for w in warnings):
            warnings.append(Problem(name, None, f"{field} unknown: not in front matter nor in the text", "warning"))
    return meta, origins, warnings


def _stated_reference_and_date(body: str) -> tuple[set[str], set[dt.date]]:
    """References and adoption dates the text states as its own, in the explicit wordings only."""
    refs: set[str] = set()
    dates: set[dt.date] = set()
    for line in _hinted_lines(clean(body)):  # "**Procedure:** 2016/2607(RSP)" reads as "Procedure: ..."
        if match := _DATELINE_RE.match(line):
            refs.add(match.group(1))
            dates.update(_dates_in(match.group(2), at_start=True))
        elif match := _REFERENCE_LINE_RE.match(line):
            refs.add(match.group(1))
        elif match := _TITLE_DATE_RE.match(line):
            dates.update(_dates_in(match.group(1), at_start=True))
            if ref := _TITLE_REFERENCE_RE.search(line):
                refs.add(ref.group(1))
        for match in _ADOPTED_ON_RE.finditer(line):
            dates.update(_dates_in(match.group(1), at_start=True))
    return refs, dates


def _hinted_lines(text: str) -> Iterable[str]:
    r"""The lines of ``text`` (as ``str.splitlines`` cuts them) that may hold a stated reference or date.

    Every wording _stated_reference_and_date looks for holds a _STATEMENT_HINT_RE match,
    so the other lines, nearly all of a long text, are skipped without running four
    regexes on each. Cleaning the whole text before cutting it gives the same non-empty
    lines as cleaning each line: removing "**" joins no line, except that "\r**\n"
    becomes one break, which drops an empty line only.
    """
    if any(c in text for c in _OTHER_BREAKS):
        # A rare break character (\r, \x85, \u2028...): cut as splitlines does, line by line.
        yield from (line for line in text.splitlines() if _STATEMENT_HINT_RE.search(line))
        return
    end = -1  # where the last line yielded ends: later hints before it are on that line
    for at in _hint_positions(text):
        if at < end:
            continue
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        if end < 0:
            end = len(text)
        yield text[start:end]


def _hint_positions(text: str) -> list[int]:
    """Ascending positions in ``text`` that cover every _STATEMENT_HINT_RE match (maybe more).

    A case-insensitive regex scans text about a hundred times slower than ``str.find``
    in the lower-cased text, which finds the same words when lowering keeps every
    character one character and the text has none of _FOLD_EXCEPTIONS.
    """
    low = text.lower()
    if len(low) != len(text) or any(c in text for c in _FOLD_EXCEPTIONS):
        return [m.start() for m in _STATEMENT_HINT_RE.finditer(text)]
    found = [m.start() for m in _REFERENCE_HINT_RE.finditer(text)]
    for word in _HINT_WORDS:
        at = low.find(word)
        while at >= 0:
            found.append(at)
            at = low.find(word, at + 1)
    found.sort()
    return found


def _adoption_candidates(body: str) -> set[dt.date]:
    """Dates on lines that speak of adoption or the resolution: for a warning, never inferred."""
    found: set[dt.date] = set()
    for line in body.splitlines():
        if _ADOPTION_CONTEXT_RE.search(line):
            found.update(_dates_in(line))
    return found


def _dates_in(text: str, at_start: bool = False) -> set[dt.date]:
    """Full dates in ``text`` (day, month and year); with ``at_start``, only one opening it."""
    found: set[dt.date] = set()
    for pattern, order in _DATE_PATTERNS:
        if at_start:
            first = pattern.match(text)
            matches = [first] if first else []
        else:
            matches = list(pattern.finditer(text))
        for match in matches:
            parts = dict(zip(order, match.groups(), strict=True))
            month = parts["m"]
            month_no = int(month) if month.isdigit() else _MONTHS[month.lower()]
            try:
                found.add(dt.date(int(parts["y"]), month_no, int(parts["d"])))
            except ValueError:
                continue
    return found


def _first_heading(body: str) -> str | None:
    for block, _ in _blocks(body, 1):
        if len(block) == 1 and _is_heading(block[0]):
            return block[0].strip().lstrip("#").strip()
        return None
    return None


def _blocks(body: str, first_line: int) -> Iterable[tuple[list[str], int]]:
    """Blank-line separated blocks of lines, each with its first line number."""
    block: list[str] = []
    start = first_line
    for number, line in enumerate(body.splitlines(), start=first_line):
        if line.strip():
            if not block:
                start = number
            block.append(line.rstrip())
        elif block:
            yield block, start
            block = []
    if block:
        yield block, start


def _is_heading(line: str) -> bool:
    stripped = line.strip()
    if stripped.startswith("#"):
        return True
    ends_sentence = stripped.rstrip("*_ ").endswith((".", "!", "?", ":", ";", '"', "\u201d", "\u2019", ")", "\u2026"))
    return not ends_sentence and not _has_words(stripped, MAX_HEADING_WORDS + 1)


def clean(text: str) -> str:
    """Passage text as quoted: markdown emphasis markers removed, nothing else changed."""
    return text.replace("**", "")


def _last_sentence(text: str) -> str:
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return parts[-1]


def split_passages(name: str, body: str, first_line: int = 1) -> list[Passage]:
    """Paragraphs and list items of ``body``; headings and fragments are left out.

    Paragraphs are numbered as they stand in the file, headings included, so that a
    reader can count to the cited one.
    """
    passages: list[Passage] = []
    previous_text: str | None = None
    for paragraph, (lines, start) in enumerate(_blocks(body, first_line), start=1):
        items = _list_items(lines, start)
        if items is None:
            text = clean("\n".join(lines))
            if not (len(lines) == 1 and _is_heading(lines[0])) and _long_enough(text):
                passages.append(Passage(name, Position(paragraph, None, start), text))
            previous_text = text
            continue
        head, entries = items
        lead = None
        if head:
            head_text = clean("\n".join(head))
            if _long_enough(head_text):
                passages.append(Passage(name, Position(paragraph, None, start), head_text))
            lead = _last_sentence(head_text) if head_text.rstrip().endswith(":") else None
        elif previous_text and previous_text.rstrip().endswith(":"):
            lead = _last_sentence(previous_text)
        for number, (item_lines, item_start) in enumerate(entries, start=1):
            text = clean("\n".join(item_lines))
            if _long_enough(text):
                passages.append(Passage(name, Position(paragraph, number, item_start), text, lead))
        previous_text = None
    return passages


def _list_items(
    lines: list[str], start: int
) -> tuple[list[str], list[tuple[list[str], int]]] | None:
    """Split a block into (lead lines, items) when it holds a list; None otherwise."""
    if not any(_BULLET_RE.match(line) for line in lines):
        return None
    head: list[str] = []
    items: list[tuple[list[str], int]] = []
    for offset, line in enumerate(lines):
        match = _BULLET_RE.match(line)
        if match:
            items.append(([line[match.end() :]], start + offset))
        elif items:
            items[-1][0].append(line.strip())
        else:
            head.append(line)
    return head, items


def _long_enough(text: str) -> bool:
    return _has_words(text, MIN_PASSAGE_WORDS)


def _has_words(text: str, count: int) -> bool:
    """Whether ``text`` has at least ``count`` words (as _WORD_RE finds them).

    Stops at the ``count``-th word: finding every word of every paragraph was most of
    the time spent loading a large corpus.
    """
    found = 0
    for _ in _WORD_RE.finditer(text):
        found += 1
        if found >= count:
            return True
    return False


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


def _drop_conflicting_dates(documents: list[Document]) -> tuple[list[Document], list[Problem]]:
    """Keep one adoption date per reference: a later file that contradicts it is skipped."""
    dated: dict[str, Document] = {}  # the first dated document of each reference
    kept: list[Document] = []
    problems: list[Problem] = []
    for doc in documents:
        ref = doc.meta.reference
        conflict = date_conflict(doc, [dated[ref]] if ref in dated else [])
        if conflict:
            problems.append(Problem(doc.name, None, f"{conflict}; file skipped until the dates agree"))
            continue
        kept.append(doc)
        if ref and doc.meta.adopted and ref not in dated:
            dated[ref] = doc
    return kept, problems
