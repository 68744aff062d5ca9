"""Parse results of corpus files, saved next to the corpus so that a start does not parse them again.

Parsing every file was most of a start and of every reload (about 30 s for 10^6
passages). The cache lives in ``CORPUS_DIR/.cache/``: ``SHARDS`` files, each holding
the results of the corpus files whose name hashes to it, so that a reload after one
file changed rewrites one shard, not the whole cache. An entry is a file's whole parse
result: its Document (metadata, origins, passages with their positions, digest) and
warnings, or the Problem that makes it unservable.

An entry is used only when all of these hold, and the file is parsed otherwise:

- the file's name, size, mtime and ctime (nanoseconds) are those stored, like git's
  index;
- the file was last changed at least ``RACY_NS`` before the parse that stored it
  started: a file edited within the clock's resolution of its read could otherwise
  keep its stat with new content (git's "racily clean" entries); one that was not is
  used only if the file still holds the bytes whose sha256 the entry stores, as git
  compares such entries' content;
- the shard was written by the same parser (``parser_version``: a digest of the source
  of the code that turns a file into a Document, of the versions of the libraries that
  shape it and of Python's);
- the shard is whole: its header names the length and CRC-32 of its entries and the
  length of its passages, and each document's passages carry their own CRC-32, so a
  truncated, extended or damaged file is detected before any of it is used.

A shard holds its entries (metadata, origins, warnings: all a start needs) apart from
its documents' passages, which a load does not read: each document's passages are read
from the file when one of them is first asked for (bot.corpus.lazy), so a start at 10^6
passages makes 10,000 documents, not a million passages. Passages found damaged then
are parsed again from their corpus file (served only if that file is still the one
stored), and the shard is removed so that the next load rewrites it.

A reload in the same process first looks in memory: the previous load's results
(``Parses``, kept on its Corpus) are trusted under the same stat and racy rules, so an
unchanged file keeps its very Document objects and no shard is read for it.

A shard is written to a temporary file and renamed into place, so a reader sees the
old or the new one, never half of one. A write never takes the volume's last
``RESERVE_BYTES`` or ``RESERVE_FRACTION`` (the larger) of free space; a save that
stops for want of room removes the shards it wrote, so uploads still find room.
Anything wrong with a shard is logged once per load, at WARNING, and the files
behind it are parsed: the cache can only ever cost a parse, never serve a stale or
wrong passage. It is safe to delete at any time.

Plain tuples, lists and strings go through ``marshal`` (at 10^6 passages: unpickling
the dataclasses took 9 s, unmarshalling and making the objects under 3 s), and the
passages are made without calling their generated ``__init__``: each slot is set from C
by ``map``, which halves the time spent making them. Passages are read with
``os.pread`` on a descriptor kept open, not through a memory map: a shard truncated
under a running bot is then a short read, never a SIGBUS.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import functools
import gc
import hashlib
import importlib
import importlib.util
import itertools
import logging
import marshal
import os
import shutil
import sys
import tempfile
import time
import weakref
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from itertools import repeat
from pathlib import Path
from typing import Any

from bot.corpus import models
from bot.corpus.lazy import LazyPassages
from bot.corpus.memory import release_freed_memory
from bot.corpus.models import Document, DocumentMeta, Kind, Passage, Position, Problem

logger = logging.getLogger(__name__)

# The cache directory, inside the corpus directory (hidden: not a corpus file).
CACHE_DIR = ".cache"
# Bump when the layout of a shard changes (2: positions carry the EP part, number and point;
# 3: a problem carries the further problems of its file; 5: passages stored apart, read lazily;
# 6: an entry carries its passages' text digest beside the file's).
FORMAT = 6
SHARDS = 32
# Passages let go by a save from which the heap's freed pages are handed back (a trim of a
# large heap takes milliseconds; a reload after one edited file lets go of a few dozen).
_TRIM_FROM = 10_000
# An entry whose file changed less than this before the parse that stored it started
# is not trusted (2 s also covers filesystems with a 2-second mtime).
RACY_NS = 2_000_000_000
# A temporary shard this old belongs to no running save (a killed process left it).
_STALE_SECONDS = 3600
_TEMPORARY = ".tmp-parse-"
# Free space a cache write never takes: the larger of these, so that uploads (and
# everything else on the volume) still have room after a start that fills the cache.
RESERVE_BYTES = 256 * 1024 * 1024
RESERVE_FRACTION = 0.05
_MAGIC = b"ep-resolutions-bot-parse-cache"
_HEADER_MAX = 512
# Libraries whose behaviour shapes a parse: YAML reads the front matter, pydantic checks it.
# Their versions as the modules give them, already imported by the parser: reading them
# through importlib.metadata cost 40-50 ms of every start (it imports the email package).
# PyYAML by its package's source (which states its version): a start that parses nothing
# does not import it.
_PACKAGES = {"PyYAML": "yaml/", "pydantic": "pydantic.VERSION", "pydantic-core": "pydantic_core.__version__"}
_STATUS_OK = 0
_STATUS_BAD = 1

FileKey = tuple[int, int, int]  # size, mtime_ns, ctime_ns
# A Position's fields; the EP ones only when it has them (most passages have none: a shorter row).
_PositionRow = tuple[int, int | None, int] | tuple[int, int | None, int, str | None, str | None, str | None]
Parsed = tuple[Document, tuple[Problem, ...]] | Problem  # a servable document and its warnings, or why not


def file_key(stat: os.stat_result) -> FileKey:
    """What identifies a version of a file without reading it: size, mtime and ctime."""
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def parser_version(sources: Sequence[Path]) -> str:
    """Digest of everything that shapes a parse result besides the file itself.

    ``sources`` are the files of the parsing code (bot/corpus/load.py); this module's and
    bot/corpus/models.py's source are always included, with the shard format, the versions of
    PyYAML and pydantic, and Python's version (marshal's format is Python's).
    """
    h = hashlib.sha256(f"format {FORMAT} marshal {marshal.version} python {sys.version}\n".encode())
    for source in (*sources, Path(models.__file__), Path(__file__)):
        h.update(f"\n{source.name}\n".encode())
        h.update(source.read_bytes())
    for package, where in _PACKAGES.items():
        h.update(f"\n{package} {module_version(where)}".encode())
    return h.hexdigest()


def module_path(name: str) -> Path:
    """The source file of the module ``name``, found without running it (if not imported yet)."""
    module = sys.modules.get(name)
    origin = getattr(module, "__file__", None) if module is not None else None
    if origin is None:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
    if origin is None:
        raise ImportError(f"no source file for {name}")
    return Path(origin)


def module_version(where: str) -> str:
    """The version a module states (``where``: "module.attribute", or "module.function()"),
    or for "module/" a digest of its source file, read without importing it."""
    if where.endswith("/"):
        return hashlib.sha256(module_path(where[:-1]).read_bytes()).hexdigest()[:16]
    name, attribute = where.rsplit(".", 1)
    module = importlib.import_module(name)
    if attribute.endswith("()"):
        return str(getattr(module, attribute[:-2])())
    return str(getattr(module, attribute))


@contextmanager
def paused_gc(freeze: bool = False) -> Iterator[None]:
    """The cyclic garbage collector off meanwhile: making 10^6 objects ran twice as long with it on.

    Nothing made while loading a corpus forms a reference cycle, so there is nothing for
    it to collect; reference counting still frees everything as usual. Turned back on,
    the collector would go through all those new objects at once (0.5-1 s at 10^6
    passages), and again at every full collection while the bot serves. With
    ``freeze``, on success, every object alive is moved out of its sight first
    (``gc.freeze``): a long-lived corpus is then never traversed, and a reload's old
    corpus is still freed by reference counting. The price is that cyclic garbage made
    meanwhile (by other threads) is never collected: a few objects a reload.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        if freeze:
            gc.freeze()
    finally:
        if was_enabled:
            gc.enable()


def shard_of(name: str) -> int:
    """The shard holding the entry of the file called ``name``."""
    return zlib.crc32(name.encode("utf-8", "surrogatepass")) % SHARDS


def _shard_path(directory: Path, shard: int) -> Path:
    return directory / f"parse-{shard:02d}.bin"


class PassagesUnreadable(RuntimeError):
    """A document's stored passages are damaged and its file no longer holds them: reload the corpus."""


class _ShardFile:
    """A shard file kept open while documents read from it live (a later save replaces its
    name, not this file), read with ``os.pread``."""

    __slots__ = ("path", "fd", "area_start", "close", "__weakref__")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        self.area_start = 0  # where its passages begin, once its header is read
        # Closed when the last document reading from it goes (or at once, if unusable).
        self.close = weakref.finalize(self, os.close, self.fd)

    def read(self, offset: int, length: int) -> bytes:
        data = os.pread(self.fd, length, offset)
        if len(data) != length:
            raise ValueError(f"{len(data)} bytes where {length} were stored: truncated")
        return data

    def remove(self) -> None:
        """Remove the shard from the cache if its name still is this file: the next load rewrites it."""
        try:
            if os.stat(self.path).st_ino == os.fstat(self.fd).st_ino:
                self.path.unlink()
        except OSError:
            pass


@dataclass(slots=True)  # not frozen: a frozen __init__ sets each field through object.__setattr__, 10,000 times a start
class _Stored:
    """Where one document's passages lie in a shard file, with their checksum (never changed once made)."""

    file: _ShardFile
    offset: int
    length: int
    crc: int

    def read(self) -> bytes:
        data = self.file.read(self.offset, self.length)
        if zlib.crc32(data) != self.crc:
            raise ValueError("checksum mismatch: damaged")
        return data


# Unlinking a file kept open, and os.pwrite: POSIX (elsewhere passages are held as before).
_CAN_SPILL = hasattr(os, "pwrite") and os.name == "posix"


class _Spill:
    """Where a load puts the passages of the files it parses until its save writes them to
    their shards: an unlinked file in the cache directory, gone with the last document
    reading from it.

    A start that parsed every file of 10^6 passages held them all until the save (1.0 GB
    at its peak); each file's passages now go to disk once parsed, and the save copies
    them from here as it copies those never read from an old shard.
    """

    def __init__(self, directory: Path) -> None:
        fd, temporary = tempfile.mkstemp(prefix=_TEMPORARY, dir=directory)
        try:
            self.file = _ShardFile(Path(temporary))  # its own descriptor, read with pread
        except BaseException:
            os.close(fd)
            raise
        finally:
            Path(temporary).unlink(missing_ok=True)
        self._fd = fd
        self._end = 0
        self._close = weakref.finalize(self, os.close, fd)

    def add(self, name: str, document: Document, reparse: Reparse | None) -> Document:
        """``document`` with its passages read back from here when asked for (written now)."""
        blob = _passages_blob(document)
        check_room(self.file.path.parent, len(blob))
        written = os.pwrite(self._fd, blob, self._end)
        if written != len(blob):
            raise OSError(errno.ENOSPC, f"{written} of {len(blob)} bytes written")
        stored = _Stored(self.file, self._end, len(blob), zlib.crc32(blob))
        self._end += len(blob)
        passages = LazyPassages(
            len(document.passages), functools.partial(_read_passages, name, document.digest, stored, reparse), stored
        )
        return dataclasses.replace(document, passages=passages)


# Parses a corpus file again: (directory-relative name, digest) -> its passages, or None
# when the file is no longer the one with that digest.
Reparse = Callable[[str, str], Sequence[Passage] | None]
# Whether the file called ``name`` still holds the bytes of this sha256 (see ParseCache.get).
Unchanged = Callable[[str, str], bool]


@dataclass(slots=True)
class _Shard:
    """One shard file as read: its entries' raw rows, decoded into documents only when used."""

    stamp_ns: int  # when the parse that wrote it started
    rows: dict[str, tuple[Any, ...]]
    file: _ShardFile


@dataclass(frozen=True, slots=True)
class Parses:
    """What one load found in each file, for the next load in the same process (a reload).

    Kept on the Corpus: an unchanged file's document is then taken from memory, as the
    same objects, without reading the cache files.
    """

    version: str
    stamp_ns: int  # when that load started: an entry is trusted only for files older than this
    entries: dict[str, tuple[FileKey, Parsed]]


@dataclass(slots=True)
class ParseCache:
    """The parse results saved in one corpus directory, and those made during one load.

    ``open`` starts a load; ``get`` hands out an entry that can be trusted (from
    ``previous`` in memory, else from the shard files, each read when first needed),
    ``put`` records a fresh parse, ``save`` writes the shards that changed and
    ``close`` reports what was damaged, in one line.
    """

    directory: Path
    version: str
    previous: Parses | None = None
    reparse: Reparse | None = None
    unchanged: Unchanged | None = None
    stamp_ns: int = field(default_factory=time.time_ns)
    hits: int = 0
    _shards: dict[int, _Shard | None] = field(default_factory=dict)  # None: none usable
    _results: dict[str, tuple[FileKey, Parsed]] = field(default_factory=dict)
    _dirty: set[int] = field(default_factory=set)
    _shard_hits: dict[int, int] = field(default_factory=dict)  # entries served from each shard read
    _damaged: list[str] = field(default_factory=list)
    _spill: _Spill | None = None
    _spill_failed: bool = False

    @classmethod
    def open(
        cls, directory: Path, version: str, previous: Parses | None = None, reparse: Reparse | None = None,
        unchanged: Unchanged | None = None,
    ) -> ParseCache:
        """A load of the cache in ``directory`` by a parser of ``version``, stamped now.

        ``previous`` (the last load of the same directory, in this process) is used only
        when it was made by the same parser. ``reparse`` gives a document's passages from
        its file when their stored copy turns out damaged; ``unchanged`` tells whether a
        file still holds the bytes of a digest (racy entries, see ``get``).
        """
        if previous is not None and previous.version != version:
            previous = None
        return cls(directory, version, previous, reparse, unchanged)  # stamped now: before any file is read

    def get(self, name: str, key: FileKey) -> Parsed | None:
        """The stored parse of ``name`` when it is of this very version of the file, else None.

        An entry stored by a parse that started less than ``RACY_NS`` after the file's last
        change may hold an edit its stat does not show. As git does with such "racily
        clean" entries, its content decides: the file's sha256 against the one stored
        (``unchanged``), a read without a parse, and the entry is stored again under this
        load's stamp. Without ``unchanged``, or for a file that could not be served, the
        file is parsed. (A corpus copied in and served at once: the first reload parsed
        every file copied in its last two seconds, 2.7 s of a reload at 10^5 passages.)
        """
        changed = max(key[1], key[2])
        if self.previous is not None:
            known = self.previous.entries.get(name)
            if known is not None and known[0] == key and (
                changed < self.previous.stamp_ns - RACY_NS or self._same_bytes(name, known[1])
            ):
                self._results[name] = known
                self.hits += 1
                return known[1]
        shard_id = shard_of(name)
        shard = self._shard(shard_id)
        row = shard.rows.get(name) if shard is not None else None
        if shard is None or row is None:
            return None
        try:
            if tuple(row[1:4]) != key:
                return None
            racy = changed >= shard.stamp_ns - RACY_NS
            if racy and (self.unchanged is None or row[4] != _STATUS_OK):
                return None
            parsed = _decode(row, shard.file, self.reparse)
        except (ValueError, TypeError, IndexError, KeyError) as exc:
            self._damaged.append(f"{_shard_path(self.directory, shard_id).name}: entry {name!r}: {exc}")
            self._shards[shard_id] = None  # none of it is trusted any more; rewritten by save
            return None
        if racy and not self._same_bytes(name, parsed):
            return None
        self._results[name] = (key, parsed)
        self.hits += 1
        self._shard_hits[shard_id] = self._shard_hits.get(shard_id, 0) + 1
        return parsed

    def _same_bytes(self, name: str, parsed: Parsed) -> bool:
        """Whether a racy entry's file still holds the bytes it was parsed from; if so, the
        entry is stored again, under this load's stamp (its shard is rewritten)."""
        if self.unchanged is None or isinstance(parsed, Problem) or not self.unchanged(name, parsed[0].digest):
            return False
        self._dirty.add(shard_of(name))
        return True

    def put(self, name: str, key: FileKey, parsed: Parsed, *, spill: bool = False) -> Parsed:
        """Record a fresh parse of ``name``, stat'ed as ``key`` before it was read; what to serve.

        With ``spill`` (a corpus large enough to be saved), the document's passages are
        written to disk at once and read back when asked for (``_Spill``), so a load that
        parses every file does not hold them all until ``save``. Where they cannot be
        written (no room, a read-only directory) they are held as before.
        """
        if spill and _CAN_SPILL and not isinstance(parsed, Problem) and not self._spill_failed:
            try:
                if self._spill is None:
                    self.directory.mkdir(exist_ok=True)  # not parents: never a missing corpus directory
                    self._spill = _Spill(self.directory)
                parsed = (self._spill.add(name, parsed[0], self.reparse), parsed[1])
            except OSError as exc:
                self._spill_failed = True
                logger.info("parse cache: cannot set passages aside in %s (%s): held in memory",
                            self.directory, exc.strerror or exc)
        self._results[name] = (key, parsed)
        self._dirty.add(shard_of(name))
        return parsed

    def parses(self) -> Parses:
        """This load's results, for the next one (see ``Parses``)."""
        return Parses(self.version, self.stamp_ns, dict(self._results))

    def save(self) -> None:
        """Write the shards whose entries changed: the files given to ``get`` or ``put`` are kept, others dropped.

        A directory where the cache cannot be written is logged (one line) and left as it is.
        """
        if self.previous is None and not self._dirty and all(
            shard is not None and len(shard.rows) == self._shard_hits.get(shard_id, 0)
            for shard_id, shard in self._shards.items()
        ):
            # A start that found every file in its shard, and each shard read holding no file
            # gone since: nothing to write (sorting 10,000 names into shards took 10 ms of it).
            # A shard never read holds no file of this corpus: removed, as below.
            for shard_id in range(SHARDS):
                if shard_id not in self._shards:
                    try:
                        _shard_path(self.directory, shard_id).unlink(missing_ok=True)
                    except OSError:
                        pass  # its entries are of files gone: never served
            return
        by_shard: dict[int, list[str]] = {}
        for name in self._results:
            by_shard.setdefault(shard_of(name), []).append(name)
        dirty = set(self._dirty)
        if self.previous is not None:
            # Files gone since the previous load: their entries go, in shards maybe never read.
            dirty.update(shard_of(n) for n in self.previous.entries if n not in self._results)
        written: list[Path] = []
        released = 0
        try:
            for shard_id in range(SHARDS):
                names = by_shard.get(shard_id, [])
                path = _shard_path(self.directory, shard_id)
                if shard_id not in dirty:
                    if shard_id in self._shards:
                        old = self._shards[shard_id]
                        if old is not None and old.rows.keys() == set(names):
                            continue  # read, and holds exactly these entries
                    elif names and path.exists():
                        continue  # never read: every entry came from memory, already saved
                if not names:
                    path.unlink(missing_ok=True)
                    continue
                if not written:
                    self.directory.mkdir(exist_ok=True)  # not parents: never a missing corpus directory
                    _remove_stale(self.directory)
                released += _write_shard(
                    path, self.version, self.stamp_ns, [(n, *self._results[n]) for n in sorted(names)], self.reparse
                )
                written.append(path)
        except OSError as exc:
            # Out of room (or any failure): the shards this save wrote go too, so a cache
            # that did not fit gives back the space it took; the files are parsed instead.
            for path in written:
                path.unlink(missing_ok=True)
            logger.warning("cannot write the parse cache in %s (%s): unchanged files will be parsed again",
                           self.directory, exc.strerror or exc)
            return
        if written:
            logger.info("parse cache: wrote %d of %d shards in %s", len(written), SHARDS, self.directory)
        if released >= _TRIM_FROM:
            release_freed_memory()  # the passages let go: otherwise the heap keeps their pages

    def close(self) -> None:
        """Log what was damaged, if anything, in one line."""
        if self._damaged:
            logger.warning("parse cache in %s: %d damaged part(s) ignored, their files are parsed (%s)",
                           self.directory, len(self._damaged), self._damaged[0])
            self._damaged.clear()

    def _shard(self, shard_id: int) -> _Shard | None:
        """Shard ``shard_id`` as read from its file (on first use); None when it has nothing usable."""
        if shard_id in self._shards:
            return self._shards[shard_id]
        loaded = None
        path = _shard_path(self.directory, shard_id)
        try:
            loaded = _read_shard(path, self.version)
        except (FileNotFoundError, NotADirectoryError):
            pass  # none yet; something else in the directory's place is reported by ``save``
        except (OSError, ValueError, EOFError, TypeError, IndexError, KeyError) as exc:
            self._damaged.append(f"{path.name}: {exc}")
        self._shards[shard_id] = loaded
        return loaded


def _read_shard(path: Path, version: str) -> _Shard | None:
    """A shard file's entries (not its passages); None when another parser wrote it; ValueError when damaged."""
    shard_file = _ShardFile(path)
    try:
        fd = shard_file.fd
        size = os.fstat(fd).st_size
        head = os.pread(fd, _HEADER_MAX, 0)
        end = head.find(b"\n")
        if end < 0:
            raise ValueError("no header")
        parts = head[:end].split(b" ")
        if len(parts) < 2 or parts[0] != _MAGIC:
            raise ValueError("not a parse cache shard")
        if parts[1] != version.encode("ascii"):
            # Written by another parser (another format's header too): parsed again and rewritten.
            return None
        if len(parts) != 6:
            raise ValueError("not a parse cache shard")
        _, _, stamp, length, crc, area = parts
        offset = end + 1
        if size != offset + int(length) + int(area):
            raise ValueError(f"{size} bytes, the header says {offset + int(length) + int(area)}: truncated or extended")
        payload = shard_file.read(offset, int(length))
        if zlib.crc32(payload) != int(crc):
            raise ValueError("checksum mismatch: damaged")
        rows = marshal.loads(payload)
        if not isinstance(rows, list):
            raise ValueError("unexpected content")
    except BaseException:
        shard_file.close()
        raise
    shard_file.area_start = offset + int(length)
    return _Shard(int(stamp), {row[0]: row for row in rows}, shard_file)


def _write_shard(
    path: Path, version: str, stamp_ns: int, entries: list[tuple[str, FileKey, Parsed]], reparse: Reparse | None
) -> int:
    """Write a shard atomically: a temporary file renamed over the old one.

    The entries come first, then every document's passages (their offsets are counted
    from the end of the entries, whose length is not known before they are written).
    Documents whose passages were never read are then pointed at the new file: the old
    one, replaced, would otherwise stay on disk as long as they live (a running bot's
    every reload would leave one behind). Those whose passages were made (a file just
    parsed) let them go, to be read from the new file when next asked for; returns how
    many passages were let go.
    """
    blobs: list[bytes] = []
    area = 0
    rows = []
    unread: list[tuple[str, str, LazyPassages, tuple[int, int, int]]] = []
    held: list[tuple[str, str, LazyPassages, tuple[int, int, int]]] = []
    for name, key, parsed in entries:
        if isinstance(parsed, Problem):
            rows.append((name, *key, _STATUS_BAD, _problem_row(parsed)))
            continue
        blob = _passages_blob(parsed[0])
        stored = (area, len(blob), zlib.crc32(blob))
        rows.append(_encode(name, key, parsed, stored))
        blobs.append(blob)
        area += len(blob)
        passages = parsed[0].passages
        if isinstance(passages, LazyPassages):
            (held if passages.made else unread).append((name, parsed[0].digest, passages, stored))
    payload = marshal.dumps(rows, marshal.version)
    header = b" ".join(
        (_MAGIC, version.encode("ascii"), str(stamp_ns).encode(),
         str(len(payload)).encode(), str(zlib.crc32(payload)).encode(), str(area).encode())
    ) + b"\n"
    check_room(path.parent, len(header) + len(payload) + area)
    # No fsync: a file that a crash leaves short or empty fails the length or checksum check.
    fd, temporary = tempfile.mkstemp(prefix=_TEMPORARY, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), 0o644)  # mkstemp's 0600 would lock out a bot run as another user
            out.write(header)
            out.write(payload)
            out.writelines(blobs)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if unread or held:
        written = _ShardFile(path)
        written.area_start = len(header) + len(payload)
        for name, digest, passages, (offset, length, crc) in unread:
            new = _Stored(written, written.area_start + offset, length, crc)
            passages.relocate(functools.partial(_read_passages, name, digest, new, reparse), new)
        # Those made (parsed now, or read since the start) are let go: read from here when next asked for.
        for name, digest, passages, (offset, length, crc) in held:
            new = _Stored(written, written.area_start + offset, length, crc)
            passages.release(functools.partial(_read_passages, name, digest, new, reparse), new)
    return sum(len(passages) for _, _, passages, _ in held)


def check_room(directory: Path, size: int) -> None:
    """OSError(ENOSPC) when writing ``size`` bytes would eat into the volume's reserve.

    Used for every cache the bot writes beside its corpus (this parse cache and the
    saved index): a cache is a convenience, and uploads need the room more.
    """
    usage = shutil.disk_usage(directory)
    reserve = max(RESERVE_BYTES, int(usage.total * RESERVE_FRACTION))
    if usage.free - size < reserve:
        raise OSError(errno.ENOSPC, f"{usage.free:,} bytes free, and a cache leaves {reserve:,} to the rest")


def _remove_stale(directory: Path) -> None:
    """Temporary files a killed process left behind (not those of a save in progress)."""
    now = time.time()
    for other in directory.glob(f"{_TEMPORARY}*"):
        try:
            if now - other.stat().st_mtime > _STALE_SECONDS:
                other.unlink()
        except OSError:
            continue


def _position_row(p: Position) -> _PositionRow:
    if p.part is None and p.number is None and p.point is None:
        return (p.paragraph, p.item, p.line)
    return (p.paragraph, p.item, p.line, p.part, p.number, p.point)


def _encode(
    name: str, key: FileKey, parsed: tuple[Document, tuple[Problem, ...]], stored: tuple[int, int, int]
) -> tuple[Any, ...]:
    document, warnings = parsed
    meta = document.meta
    return (
        name, *key, _STATUS_OK,
        (document.digest, document.indexed_digest),
        {f: _meta_value(getattr(meta, f)) for f in type(meta).model_fields},
        sorted(meta.model_fields_set),
        dict(document.origins),
        [_problem_row(w) for w in warnings],
        len(document.passages),
        *stored,  # the passages' offset in the shard's passage area, length and CRC-32
    )


def _passages_blob(document: Document) -> bytes:
    """A document's passages as stored: copied as they are when they were never read from their shard."""
    passages = document.passages
    if isinstance(passages, LazyPassages) and not passages.made and isinstance(passages.source, _Stored):
        try:
            return passages.source.read()
        except (OSError, ValueError):
            pass  # made below, from its file if need be
    columns = (
        [_position_row(p.position) for p in passages],
        [p.text for p in passages],
        [p.lead for p in passages],
    )
    return marshal.dumps(columns, marshal.version)


def _problem_row(problem: Problem) -> tuple[str, int | None, str, str, tuple[tuple[int | None, str], ...]]:
    return (problem.file, problem.line, problem.message, problem.severity, problem.also)


def _problem(row: tuple[Any, ...]) -> Problem:
    file, line, message, severity, also = row
    return Problem(file, line, message, severity, tuple(tuple(item) for item in also))


def _meta_value(value: object) -> object:
    if isinstance(value, Kind):
        return value.value
    if isinstance(value, dt.date):
        return value.toordinal()
    return value


# Kind by value with a dict look-up: Kind(value) took a twentieth of a start's decoding.
_KINDS = {kind.value: kind for kind in Kind}
_from_ordinal = dt.date.fromordinal


def _decode(row: tuple[Any, ...], shard_file: _ShardFile, reparse: Reparse | None) -> Parsed:
    # Run for every file at every start (10,000 at 10^6 passages): written for speed.
    name, status = row[0], row[4]
    if status == _STATUS_BAD:
        return _problem(row[5])
    if status != _STATUS_OK:
        raise ValueError(f"unknown entry status {status!r}")
    (digest, indexed), meta_values, fields_set, origins, warnings, count, offset, length, crc = row[5:]
    if count.__class__ is not int or count < 1:
        raise ValueError(f"{count!r} passages")
    values = dict(meta_values)  # the shard's own row stays as read
    adopted = values["adopted"]
    if adopted is not None:
        values["adopted"] = _from_ordinal(adopted)
    kind = values["kind"]
    if kind is not None:
        known = _KINDS.get(kind)
        if known is None:
            raise ValueError(f"unknown kind {kind!r}")
        values["kind"] = known
    # Checked when the file was parsed; only a parser of the same version reads this.
    meta = _meta(values, set(fields_set))
    stored = _Stored(shard_file, shard_file.area_start + offset, length, crc)
    passages = LazyPassages(count, functools.partial(_read_passages, name, digest, stored, reparse), stored)
    document = _document(name, meta, origins, passages, digest, indexed)
    return document, (tuple(map(_problem, warnings)) if warnings else ())


# A DocumentMeta made as model_construct makes one (its __dict__ and pydantic's slots set
# directly) without model_construct's look-ups of aliases and defaults field by field,
# which took 0.17 s for 10,000 documents; only while the model has none of what those
# look-ups are for (aliases, a post-init hook, extra fields kept).
_FAST_META = (
    not DocumentMeta.__pydantic_post_init__
    and DocumentMeta.model_config.get("extra") != "allow"
    and not DocumentMeta.__pydantic_root_model__
    and all(f.alias is None and f.validation_alias is None for f in DocumentMeta.model_fields.values())
)
_META_KEYS = tuple(DocumentMeta.model_fields)
_set = object.__setattr__


def _meta(values: dict[str, Any], fields_set: set[str]) -> DocumentMeta:
    """``DocumentMeta.model_construct(_fields_set=fields_set, **values)`` for a row holding every field."""
    if not _FAST_META or tuple(values) != _META_KEYS:
        return DocumentMeta.model_construct(_fields_set=fields_set, **values)
    meta = DocumentMeta.__new__(DocumentMeta)
    _set(meta, "__dict__", values)
    _set(meta, "__pydantic_fields_set__", fields_set)
    _set(meta, "__pydantic_extra__", None)
    _set(meta, "__pydantic_private__", None)
    return meta


def _read_passages(name: str, digest: str, stored: _Stored, reparse: Reparse | None) -> tuple[Passage, ...]:
    """The passages of the document ``name`` from its shard; from its file if they are damaged there."""
    try:
        rows, texts, leads = marshal.loads(stored.read())
        if not len(rows) == len(texts) == len(leads):
            raise ValueError("passage columns of different lengths")
        return _passages(name, itertools.starmap(Position, rows), texts, leads)
    except (OSError, ValueError, EOFError, TypeError) as exc:
        problem = f"{stored.file.path.name}: passages of {name!r}: {exc}"
    stored.file.remove()  # the next load parses its files and writes it again
    passages = reparse(name, digest) if reparse is not None else None
    if passages is None:
        logger.error("parse cache: %s, and the file is no longer the one stored: reload the corpus", problem)
        raise PassagesUnreadable(f"the passages of {name} cannot be read: reload the corpus")
    logger.warning("parse cache: %s; parsed the file again", problem)
    return tuple(passages)


def _plain_slots(cls: type, names: tuple[str, ...]) -> bool:
    """Whether ``cls`` is a slotted dataclass of exactly ``names`` whose ``__init__`` only sets them."""
    return (
        tuple(f.name for f in fields(cls)) == names
        and getattr(cls, "__slots__", None) == names
        and not hasattr(cls, "__post_init__")
    )


# Setting the slots of object.__new__(Passage) from C, one column at a time, makes the
# same objects as Passage(...) in half the time; only while Passage is what this expects.
_FAST_PASSAGES = _plain_slots(Passage, ("document", "position", "text", "lead"))
_new = object.__new__
# A frozen dataclass's __init__ sets each field through object.__setattr__: 15 ms for the
# 10,000 documents of a start; their slots set directly, 8 ms (the same objects).
_DOCUMENT_SLOTS = ("name", "meta", "origins", "passages", "digest", "text_digest")
_FAST_DOCUMENTS = _plain_slots(Document, _DOCUMENT_SLOTS)
_Setter = Callable[[Any, Any], None]


def _slot_setter(slot: str) -> _Setter:
    setter: _Setter = getattr(Document, slot).__set__
    return setter


if _FAST_DOCUMENTS:
    _SET_NAME, _SET_META, _SET_ORIGINS, _SET_PASSAGES, _SET_DIGEST, _SET_TEXT_DIGEST = map(
        _slot_setter, _DOCUMENT_SLOTS
    )


def _document(
    name: str, meta: DocumentMeta, origins: dict[str, Any], passages: LazyPassages, digest: str, indexed: str
) -> Document:
    """``Document(name, meta, origins, passages, digest, indexed)``, made without its __init__ when it allows."""
    if not _FAST_DOCUMENTS:
        return Document(name, meta, origins, passages, digest, indexed)
    document: Document = _new(Document)
    _SET_NAME(document, name)
    _SET_META(document, meta)
    _SET_ORIGINS(document, origins)
    _SET_PASSAGES(document, passages)
    _SET_DIGEST(document, digest)
    _SET_TEXT_DIGEST(document, indexed)
    return document


def _passages(
    name: str, positions: Iterable[Position], texts: list[str], leads: list[str | None]
) -> tuple[Passage, ...]:
    n = len(texts)
    if not _FAST_PASSAGES:
        return tuple(map(Passage, repeat(name, n), positions, texts, leads))
    made = tuple(map(_new, repeat(Passage, n)))
    for slot, column in (("document", repeat(name, n)), ("position", positions), ("text", texts), ("lead", leads)):
        deque(map(getattr(Passage, slot).__set__, made, column), maxlen=0)
    return made
