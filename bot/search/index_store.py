"""A built index persisted next to its corpus, so a start does not re-tokenize it.

The cache lives in ``CORPUS_DIR/.index/<key>/``: one ``.npy`` file per array (loaded
with ``mmap_mode="r"``, so 10^6 passages load in well under a second) and a JSON
manifest with the vocabulary, the parameters and the byte size and CRC-32 of every
array file, written last (checked on load: damage of the same size would change
answers). The key is a digest of the corpus content (each document's name and
sha256), the BM25 parameters, the source of the code that turns files into indexed
text, tokens and arrays, the versions of the libraries that shape them (PyStemmer,
numpy, rank-bm25) and the tokens of a fixed probe text, so any change to one of them
means a rebuild, never a stale answer. A cache that cannot be read or written
(read-only directory, truncated, half-written or corrupt file) is logged and the index
is built in memory instead.

The manifest also names the index's *family* (``family_key``: the key without the
corpus) and its documents in order. A corpus changed by a few files whose unchanged
documents come first (``index_order``) is not rebuilt: the saved index of its family and
the new passages answer at once as two segments (``bot.search.segments``), exactly as a
build would score them, while one background thread merges them
(``bot.search.index_merge``), saves the result under the new key and swaps it in. The
index this process opened last is kept (``_opened``), so a reload does not read and
checksum it again.

A large corpus is tokenized and indexed in a child process started with the
"forkserver" method (else "spawn"), never by forking the bot: the bot runs an event
loop and worker threads, and a forked child can deadlock on a lock one of them held.
The child gets the passage texts through a file and the tokenizer by reference; the
parent waits with a timeout, kills a child that overruns it and builds in-process.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import pickle
import shutil
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

import numpy as np

from bot.corpus.cache import check_room, module_path, module_version
from bot.search.index import Bm25Index
from bot.search.index_build import IndexArrays, build_arrays
from bot.search.index_merge import Allocate, Segment, merge_arrays
from bot.search.merger import Merger
from bot.search.segments import SegmentedIndex
from bot.search.tokens import tokenize

if TYPE_CHECKING:
    from multiprocessing.context import ForkServerContext, SpawnContext

logger = logging.getLogger(__name__)

Tokenizer = Callable[[str], Sequence[str]]
_S = TypeVar("_S")
_T = TypeVar("_T")

# Bump when the layout of the saved files changes (2: the manifest records file sizes;
# 3: bitmaps in 64-bit words, with a rank table; 4: and a CRC-32 of every array file;
# 5: and the key it was saved under, so that a copy under another key is not served;
# 6: and each passage's length and the documents it holds, so that a corpus that changed
# by a few files merges them in instead of rebuilding).
FORMAT = 6
# Bytes read at a time when checksumming an array file (into one buffer: see _crc32).
_CRC_STEP = 1 << 20
_ARRAYS = ("indptr", "postings", "tf", "norm", "idf", "max_weight", "big_row",
           "block_offsets", "block_max", "bitmaps", "bitmap_rank", "lengths")
_META = "meta.json"
# Checked in full after a start rather than during it (``load``'s ``defer``): 90% of the
# bytes at 10^6 passages, whose checksums took 0.5 s of a 0.8 s warm start. Lucene does
# the same, checking a large segment file's whole checksum when it merges, not when it
# opens it. Same-size damage to the small arrays (IDF, norms, maxima) is caught at once.
DEFERRED = ("postings", "tf", "bitmaps", "bitmap_rank", "block_offsets")
# Beside the saved corpus indexes in their directory, not one of them: the titles' index
# (bot.search.ranking.saved_context), saved indexes of its own keyed as the corpus's.
TITLES = "titles"
_MANIFEST_CRC = ', "manifest_crc": '
# Below this many passages a build takes milliseconds: not worth files in the corpus.
PERSIST_MIN_PASSAGES = 5000
# From this many passages a build takes over a second of GIL-holding work: do it aside.
ISOLATE_MIN_PASSAGES = 50_000
# The child's time limit: generous, since a slow disk or a busy machine is no failure.
# Tokenizing and building 1M passages took 201 s in a thread and 234 s in the child on a
# busy 2-core machine, so the limit there is 1000 s; only a stuck child should reach it.
MIN_CHILD_SECONDS = 120.0
PASSAGES_PER_CHILD_SECOND = 1_000
# A ".tmp-" directory this old belongs to no running save (a killed process left it).
_STALE_SECONDS = 6 * 3600
# Texts encoded per write when handing them to the child: each step holds the GIL briefly.
_WRITE_STEP = 4096
# Merges of segments run here, one at a time and in order (bot.search.segments): the
# newest save is the last one made. A process exiting does not wait for a small merge
# (bot.search.merger): the next process merges the same files again.
_MERGER = Merger()
# Seconds a merge waits for its segments' first question (the end of the reload that
# made them, see SegmentedIndex.wait_used) before it starts anyway.
_MERGE_AFTER = 5.0
# ... and then while the process may be about to exit (a command that asked one question):
# a merge begun and then given up at the exit would have slowed that question for nothing.
_MERGE_IDLE = 0.5
# New passages from which a merge is finished even at the process's exit: every start
# would otherwise tokenize them again (5,000 passages: about 0.1 s).
MERGE_AT_EXIT_PASSAGES = 5000
# From this many passages a merge writes its postings and frequencies to files (on_disk)
# rather than holding them in memory: at 10^6 passages, 320 MB.
MERGE_ON_DISK_PASSAGES = 100_000
# The index this process last opened from a saved directory, by directory: (manifest's stamp, index).
_OPENED: dict[str, tuple[tuple[int, int, int], Bm25Index]] = {}
# The documents of the manifest read last, by directory: ((stamp, family), documents or None).
_MANIFESTS: dict[str, tuple[tuple[tuple[int, int, int], str], list[tuple[str, str, int]] | None]] = {}
_OPENED_LOCK = threading.Lock()
_PARSED: dict[str, tuple[tuple[int, int, int], str, Any]] = {}  # see _manifest
# Code whose source defines the indexed text (Passage.searchable), the passages, the
# tokens and the arrays; and the libraries whose behaviour shapes tokens and scores.
# Not the parser's: a saved index knows each document by the digest of its passages'
# texts (``Document.indexed_digest``), so a parser that reads a file into the same
# passages keeps it, and one that reads it otherwise re-indexes that file only. At 10^6
# passages a rebuild takes 3 minutes and a gigabyte.
_CODE = ("bot.search.tokens", "bot.search.index", "bot.search.index_build", "bot.search.index_merge")
# (rank-bm25, whose scores the index gives, is not run by it: its version is not here.)
_PACKAGES = {"PyStemmer": "Stemmer.version()", "numpy": "numpy.__version__"}
# Run through the tokenizer for the key: a stemmer or folding change shows in its tokens
# even when no version number or source file here changes.
PROBE = ("The European Parliament's resolution of 10/03/2016 on 2016/2607(RSP) condemns the "
         "arbitrary detentions and calls for releasing journalists, human-rights defenders "
         "and opposition leaders; Œuvre, naïve, STRASSE straße — 174 articles’ «running» ran.")


def family_key(k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25, tokenizer: Tokenizer = tokenize) -> str:
    """Digest of everything that shapes an index but the corpus: saved indexes of one
    family hold the same tokens and statistics for the same passages, so they merge."""
    h = hashlib.sha256(f"format {FORMAT} k1 {k1!r} b {b!r} epsilon {epsilon!r}\n".encode())
    for name in _CODE:  # by name: the parser's modules are imported only when a file is parsed
        h.update(f"\n{name}\n".encode())
        h.update(module_path(name).read_bytes())
    for package, where in _PACKAGES.items():
        h.update(f"\n{package} {module_version(where)}".encode())
    h.update(json.dumps(list(tokenizer(PROBE)), ensure_ascii=False).encode())
    return h.hexdigest()[:32]


def cache_key(
    digests: Iterable[str], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25,
    tokenizer: Tokenizer = tokenize, *, family: str | None = None,
) -> str:
    """Digest of the corpus content and of everything that shapes its index (``family``,
    computed unless given)."""
    h = hashlib.sha256((family or family_key(k1, b, epsilon, tokenizer)).encode())
    # One update of them all, the same digest as one per document: 10^4 updates took 5 ms of a start.
    h.update("".join(f"\n{digest}" for digest in digests).encode("utf-8", "surrogatepass"))  # a file name not in UTF-8
    return h.hexdigest()[:32]


class Mapped(Sequence[_T]):
    """``function`` of each item of ``items``, made when asked for (a slice at a time).

    The texts to index (``Passage.searchable``) and their tokens are made this way:
    a start with a saved index never makes them, and a build holds the tokens of one
    chunk, not of the whole corpus.
    """

    def __init__(self, items: Sequence[_S], function: Callable[[_S], _T]) -> None:
        self._items = items
        self._function = function

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, item: int) -> _T: ...

    @overload
    def __getitem__(self, item: slice) -> list[_T]: ...

    def __getitem__(self, item: int | slice) -> _T | list[_T]:
        if isinstance(item, slice):
            return [self._function(x) for x in self._items[item]]
        return self._function(self._items[item])

    def __iter__(self) -> Iterator[_T]:
        return map(self._function, self._items)


def _tokens(texts: Sequence[str], tokenizer: Tokenizer) -> Mapped[list[str]]:
    return Mapped(texts, lambda text: list(tokenizer(text)))


class _EncodedTexts(Sequence[str]):
    """Texts stored as one UTF-8 blob and their byte lengths, decoded on demand."""

    def __init__(self, blob: bytes, lengths: np.ndarray) -> None:
        self._blob = blob
        self._ends = np.cumsum(lengths, dtype=np.int64).tolist()

    def __len__(self) -> int:
        return len(self._ends)

    @overload
    def __getitem__(self, item: int) -> str: ...

    @overload
    def __getitem__(self, item: slice) -> list[str]: ...

    def __getitem__(self, item: int | slice) -> str | list[str]:
        if isinstance(item, slice):
            return [self[i] for i in range(*item.indices(len(self)))]
        end = self._ends[item]
        start = self._ends[item - 1] if item > 0 else 0
        return self._blob[start:end].decode("utf-8", "surrogatepass")


def index_order(cache_dir: Path | None, family: str, documents: Sequence[tuple[str, str]]) -> list[int]:
    """The order to index ``documents`` (name, digest) in: those the saved index of this
    ``family`` holds unchanged first, in its order, then the others in theirs.

    The saved index is then the first segment of the new one, and only the others are
    tokenized (see ``load_or_build``). Without a saved index: the given order.
    """
    saved = _saved_documents(cache_dir, family)
    if saved is None:
        return list(range(len(documents)))
    held = [(name, digest) for name, digest, _ in saved[1]]
    if held == list(documents):  # a start with nothing changed: one list comparison, not 10^4 look-ups and a sort
        return list(range(len(documents)))
    position = {doc: i for i, doc in enumerate(held)}
    kept = sorted((i for i, doc in enumerate(documents) if doc in position), key=lambda i: position[documents[i]])
    chosen = set(kept)
    return kept + [i for i in range(len(documents)) if i not in chosen]


def _saved_documents(cache_dir: Path | None, family: str) -> tuple[Path, list[tuple[str, str, int]]] | None:
    """The saved index of ``family`` in ``cache_dir`` and its documents, from its manifest."""
    if cache_dir is None or not family:
        return None
    try:
        candidates = sorted(
            d for d in cache_dir.iterdir() if d.is_dir() and not d.name.startswith(".tmp-") and d.name != TITLES
        )
    except OSError:
        return None
    for directory in candidates:
        try:
            documents = _manifest_documents(directory, family)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # a damaged save is not a base; load() says why if it is asked for
        if documents is not None:
            return directory, documents
    return None


def _manifest_documents(directory: Path, family: str) -> list[tuple[str, str, int]] | None:
    """The documents in ``directory``'s manifest if it is of ``family``, else None; the last
    answer is kept while the manifest is unchanged: a reload asks twice (``index_order``,
    then the merge), and the manifest holds the whole vocabulary (0.03-0.05 s at 10^6
    passages each time)."""
    stamp = _stamp(directory)
    with _OPENED_LOCK:
        known = _MANIFESTS.get(str(directory))
    if known is not None and known[0] == (stamp, family):
        return known[1]
    _, meta = _manifest(directory)
    documents = None
    if meta.get("format") == FORMAT and meta.get("family") == family:
        documents = [(str(n), str(d), int(c)) for n, d, c in meta["documents"]]
    with _OPENED_LOCK:
        _MANIFESTS.clear()  # only the last one
        _MANIFESTS[str(directory)] = ((stamp, family), documents)
    return documents


def load_or_build(
    cache_dir: Path | None,
    key: str,
    texts: Sequence[str],
    tokenizer: Tokenizer = tokenize,
    *,
    k1: float = 1.5,
    b: float = 0.75,
    epsilon: float = 0.25,
    min_passages: int = PERSIST_MIN_PASSAGES,
    isolate_from: int = ISOLATE_MIN_PASSAGES,
    timeout: float | None = None,
    family: str = "",
    documents: Sequence[tuple[str, str, int]] = (),
    on_damaged: Callable[[Path, str], None] | None = None,
) -> Bm25Index:
    """The index saved under ``cache_dir/key``, else one built from ``texts`` and saved.

    Each text is one passage as indexed; ``tokenizer`` makes its tokens. A saved index
    of another size than ``len(texts)`` is not used. Corpora under ``min_passages`` are
    built in memory only. From ``isolate_from`` passages, tokenizing and building run
    in a child process (forkserver or spawn, see the module docstring) that saves the
    index, which is then loaded here: a reload of a large corpus then does not hold the
    GIL for seconds while other threads answer. The child gets ``timeout`` seconds
    (default: max(120, one per 1,000 passages)); a child that fails or overruns it is
    logged and the index is built here instead. ``tokenizer`` goes to the child by
    reference, so a module-level function isolates and a lambda is built here.

    ``documents`` (name, digest, passages) say which documents the texts are, in order,
    and ``family`` which code made them (``family_key``); both are saved with the
    index. When ``cache_dir`` holds no index under ``key`` but one of the same family
    whose unchanged documents come first in ``documents`` (``index_order``), that index
    is the first segment: its removed or changed documents are masked, the passages after
    it are tokenized into a second segment, and a ``SegmentedIndex`` over the two is
    returned at once, scoring as a build would; their merge (bot.search.index_merge) runs
    in a background thread, is saved under ``key`` and swapped in (``wait_merged``).

    A saved index is served once its small arrays are checked; its large ones are
    checked in a thread meanwhile (``DEFERRED``). If they turn out damaged, the saved
    index is removed and ``on_damaged(directory, why)`` called, so that the caller can
    build it again (the bot reloads).
    """
    size = len(texts)
    if size == 0 or size < min_passages:
        cache_dir = None
    if cache_dir is not None:
        try:
            index = _load_index(cache_dir / key, defer=True)
        except FileNotFoundError:
            logger.info("no saved index %s in %s", key, cache_dir)  # merged or built below
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("saved index %s is unusable (%s): rebuilding it", cache_dir / key, exc)
        else:
            arrays = index.arrays
            if arrays.size == size and (arrays.k1, arrays.b, arrays.epsilon) == (k1, b, epsilon):
                _verify_later(cache_dir / key, on_damaged)
                return index
            logger.warning("saved index %s has %d passages, expected %d: rebuilding it",
                           cache_dir / key, arrays.size, size)
        merged = _merge_saved(cache_dir, key, texts, tokenizer, k1, b, epsilon, family, documents, isolate_from)
        if merged is not None:
            return merged
    if cache_dir is not None and size >= isolate_from:
        limit = child_timeout(size) if timeout is None else timeout
        if _build_in_child(cache_dir, key, texts, tokenizer, k1, b, epsilon, limit, family, documents):
            try:
                return _load_index(cache_dir / key)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                logger.warning("index built aside in %s is unusable (%s): building it here", cache_dir / key, exc)
    arrays = build_arrays(_tokens(texts, tokenizer), k1, b, epsilon)
    if cache_dir is not None:
        try:
            save(arrays, cache_dir, key, family=family, documents=documents)
        except OSError as exc:
            logger.warning("cannot save the index in %s (%s): serving it from memory", cache_dir, exc)
    return Bm25Index(arrays)


def _merge_saved(
    cache_dir: Path, key: str, texts: Sequence[str], tokenizer: Tokenizer, k1: float, b: float, epsilon: float,
    family: str, documents: Sequence[tuple[str, str, int]], isolate_from: int,
) -> Bm25Index | None:
    """The saved index of ``family`` with ``documents``' changes merged in, saved under ``key``; None
    when there is no such index, when its documents do not come first, or when the new
    passages are many enough for a build aside (``isolate_from``)."""
    for attempt in (1, 2):
        found = _saved_documents(cache_dir, family)
        if found is None or not documents:
            return None
        directory, saved = found
        current = {(name, digest) for name, digest, _ in documents}
        keep_docs = [(name, digest) in current for name, digest, _ in saved]
        kept = [(name, digest, count) for (name, digest, count), ok in zip(saved, keep_docs, strict=True) if ok]
        if list(documents[: len(kept)]) != kept:
            return None  # not indexed in index_order's order: nothing to reuse
        first_new = sum(count for _, _, count in kept)
        if len(texts) - first_new >= isolate_from or sum(count for _, _, count in documents) != len(texts):
            return None
        started = time.perf_counter()
        try:
            base, vocab = _opened(directory)
            break
        except FileNotFoundError as exc:
            if attempt == 1:
                # A background merge saved a newer index and removed this one meanwhile:
                # that one is the first segment now.
                continue
            logger.warning("saved index %s is unusable (%s): rebuilding it", directory, exc)
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("saved index %s is unusable (%s): rebuilding it", directory, exc)
            return None
    else:
        return None
    if (base.k1, base.b, base.epsilon) != (k1, b, epsilon) or base.size != sum(c for _, _, c in saved):
        return None
    keep = np.repeat(np.array(keep_docs, dtype=bool), [count for _, _, count in saved])
    try:
        added = build_arrays(_tokens(texts[first_new:], tokenizer), k1, b, epsilon)
        index = SegmentedIndex(base, keep, added, base_vocab=vocab)
    except (ValueError, IndexError) as exc:
        # A saved index that passed load()'s checks and still cannot be used: a build
        # then decides (and names any problem of the new passages themselves).
        logger.warning("cannot merge into the saved index %s (%s): rebuilding it", directory, exc)
        return None
    logger.info("answering from the saved index of %d passages (%d masked) and %d new ones in %.2f s; "
                "merging them in the background", base.size, base.size - int(keep.sum()), added.size,
                time.perf_counter() - started)
    try:
        _MERGER.submit(_merge_later, index, [(base, keep), (added, None)], cache_dir, key, family, list(documents),
                       must_finish=added.size >= MERGE_AT_EXIT_PASSAGES)
    except RuntimeError:  # the interpreter is exiting: the next start merges
        logger.info("not merging the index segments in %s: shutting down", cache_dir)
    return index


def _merge_later(
    index: SegmentedIndex, segments: list[Segment], cache_dir: Path, key: str,
    family: str, documents: list[tuple[str, str, int]],
) -> None:
    """In the merging thread: merge ``index``'s segments, save the result under ``key``
    and swap it into ``index``. A merge that fails leaves ``index`` answering from its
    segments (as exactly, a little slower); a later start merges again."""
    try:
        index.wait_used(_MERGE_AFTER)
        (base, keep), (added, _) = segments
        if added.size < MERGE_AT_EXIT_PASSAGES and _MERGER.exiting(_MERGE_IDLE):
            logger.info("not merging the index segments in %s: the process is exiting", cache_dir)
            return
        started = time.perf_counter()
        scratch = _merge_scratch(cache_dir, key, base.size + added.size)
        try:
            arrays = _merged(segments, base, scratch)
            masked = 0 if keep is None else base.size - int(np.count_nonzero(keep))
            logger.info("merged %d new passages into the saved index of %d (%d masked) in %.2f s",
                        added.size, base.size, masked, time.perf_counter() - started)
            merged: Bm25Index
            with _MERGER.writing() as allowed:
                if not allowed:
                    logger.info("not saving the merged index in %s: the process is exiting", cache_dir)
                    return
                try:
                    saved_at = save(arrays, cache_dir, key, family=family, documents=documents)
                    # Served from the maps, as after a start: the merged copy in memory goes.
                    merged = _load_index(saved_at)
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    logger.warning("cannot save the merged index in %s (%s): serving it from memory", cache_dir, exc)
                    # Plain arrays over the merge's maps, if it made any: np.memmap's indexing is slow.
                    merged = Bm25Index(replace(arrays, postings=np.asarray(arrays.postings), tf=np.asarray(arrays.tf)))
        finally:
            if scratch is not None:
                # What save() did not move into the saved index (all of it, if it failed):
                # a map still in use keeps its file's pages until it is dropped.
                shutil.rmtree(scratch, ignore_errors=True)
        index.swap_in(merged)
    except Exception:
        logger.exception("merging the index segments in %s failed: answering from the segments", cache_dir)


def _merged(segments: list[Segment], base: IndexArrays, scratch: Path | None) -> IndexArrays:
    """``merge_arrays(segments)``, the postings and frequencies in files of ``scratch``
    (``on_disk``) when given; in memory without it, or where the files cannot be made."""
    if scratch is not None:
        try:
            return merge_arrays(segments, base.k1, base.b, base.epsilon, allocate=on_disk(scratch))
        except OSError as exc:
            logger.info("merging in memory: cannot write the merge's files in %s (%s)", scratch, exc)
    return merge_arrays(segments, base.k1, base.b, base.epsilon)


def _merge_scratch(cache_dir: Path, key: str, passages: int) -> Path | None:
    """A directory for a merge's largest arrays (see ``on_disk``), from ``MERGE_ON_DISK_PASSAGES``."""
    if passages < MERGE_ON_DISK_PASSAGES:
        return None
    try:
        return Path(tempfile.mkdtemp(prefix=f".tmp-{key}-merge-", dir=cache_dir))
    except OSError as exc:
        logger.info("merging in memory: no scratch directory in %s (%s)", cache_dir, exc)
        return None


def _opened(directory: Path) -> tuple[IndexArrays, dict[str, int]]:
    """The arrays saved in ``directory`` and their vocabulary: the ones this process opened
    last (its current index, checked then) when the directory's manifest is unchanged, else
    ``load``'s. A reload then does not read and checksum 10^6 passages' index again."""
    with _OPENED_LOCK:
        last = _OPENED.get(str(directory))
    if last is not None and last[0] == _stamp(directory):
        return last[1].arrays, last[1].vocab
    index = _load_index(directory)
    return index.arrays, index.vocab


def _load_index(directory: Path, *, defer: bool = False) -> Bm25Index:
    """``load``'s arrays as an index (``defer``: see ``load``), remembered for ``_opened``."""
    stamp = _stamp(directory)
    index = Bm25Index(load(directory, defer=defer))
    with _OPENED_LOCK:
        _OPENED.clear()  # only the last: an older one would keep its maps open
        _OPENED[str(directory)] = (stamp, index)
    return index


def _manifest(directory: Path) -> tuple[str, Any]:
    """The manifest's text and its JSON value, as last read while the file is unchanged.

    A start reads it twice (``index_order``, then ``load``): 1.5 MB of JSON at 10^6
    passages. The value is shared: a caller that changes it works on a copy.
    """
    stamp = _stamp(directory)
    with _OPENED_LOCK:
        known = _PARSED.get(str(directory))
    if known is not None and known[0] == stamp:
        return known[1], known[2]
    raw = (directory / _META).read_text(encoding="utf-8")
    value = json.loads(raw)
    with _OPENED_LOCK:
        if len(_PARSED) >= 2:  # the corpus's and the titles' index: no more are kept
            _PARSED.clear()
        _PARSED[str(directory)] = (stamp, raw, value)
    return raw, value


def _stamp(directory: Path) -> tuple[int, int, int]:
    """What tells a rewritten manifest from the one opened (inode, size, modification time)."""
    meta = (directory / _META).stat()
    return meta.st_ino, meta.st_size, meta.st_mtime_ns


def child_timeout(passages: int) -> float:
    """Seconds a child gets to build the index of ``passages``: max(120, 1 per 1,000)."""
    return max(MIN_CHILD_SECONDS, passages / PASSAGES_PER_CHILD_SECOND)


def _context() -> ForkServerContext | SpawnContext:
    """A start method that does not fork this (threaded) process: forkserver, else spawn."""
    # Imported here: a start with a saved index never builds in a child (7 ms of every start).
    import multiprocessing as mp

    if "forkserver" in mp.get_all_start_methods():
        context: ForkServerContext = mp.get_context("forkserver")
        # The server imports numpy, the stemmer and the index code once; each child is
        # then a fork of that single-threaded server. Takes effect when it starts.
        context.set_forkserver_preload([__name__])
        return context
    return mp.get_context("spawn")


def _build_in_child(
    cache_dir: Path, key: str, texts: Sequence[str], tokenizer: Tokenizer,
    k1: float, b: float, epsilon: float, timeout: float,
    family: str = "", documents: Sequence[tuple[str, str, int]] = (),
) -> bool:
    """Tokenize, build and save in a child process; True when the child saved the index."""
    try:
        # Not parents=True: a missing corpus directory is not to be created here.
        cache_dir.mkdir(exist_ok=True)
        # The texts handed over take about their own size (0.6 GB at 1M passages).
        check_room(cache_dir, sum(len(t) for t in texts))
        scratch = Path(tempfile.mkdtemp(prefix=f".tmp-{key}-build-", dir=cache_dir))
    except OSError as exc:
        logger.warning("cannot prepare a child build in %s (%s): building the index here", cache_dir, exc)
        return False
    try:
        started = time.perf_counter()
        _write_texts(texts, scratch)
        written = time.perf_counter() - started
        process = _context().Process(
            target=_child_build,
            args=(str(scratch), str(cache_dir), key, tokenizer, k1, b, epsilon, family, list(documents)),
            name=f"index-build-{key[:8]}", daemon=True,
        )
        process.start()
        process.join(timeout)  # waits without the GIL: the answering threads run meanwhile
        if process.is_alive():
            process.kill()
            process.join(5)
            logger.warning("building the index of %d passages in a child process did not finish within "
                           "%.0f s: killed it, building it here", len(texts), timeout)
            return False
    except (OSError, pickle.PicklingError, AttributeError, TypeError) as exc:
        # AttributeError/PicklingError: a tokenizer that cannot go to another process.
        logger.warning("cannot build the index in a child process (%s): building it here", exc)
        return False
    finally:
        # The texts, and whatever a killed child left half-written.
        shutil.rmtree(scratch, ignore_errors=True)
    if process.exitcode != 0:
        logger.warning("building the index in a child process failed (exit code %s): building it here",
                       process.exitcode)
        return False
    logger.info("built the index of %d passages in a child process in %.1f s (texts handed over in %.1f s)",
                len(texts), time.perf_counter() - started, written)
    return True


def _write_texts(texts: Sequence[str], scratch: Path) -> None:
    """``texts`` as one UTF-8 file and their byte lengths, for the child to read."""
    lengths = np.zeros(len(texts), dtype=np.int64)
    with open(scratch / "texts.bin", "wb") as out:
        for first in range(0, len(texts), _WRITE_STEP):
            encoded = [t.encode("utf-8", "surrogatepass") for t in texts[first : first + _WRITE_STEP]]
            lengths[first : first + len(encoded)] = [len(e) for e in encoded]
            out.write(b"".join(encoded))
    np.save(scratch / "lengths.npy", lengths, allow_pickle=False)


def _child_build(
    scratch: str, cache_dir: str, key: str, tokenizer: Tokenizer, k1: float, b: float, epsilon: float,
    family: str = "", documents: Sequence[tuple[str, str, int]] = (),
) -> None:
    """In the child process: read the texts, tokenize, build and save the index."""
    work = Path(scratch)
    texts = _EncodedTexts((work / "texts.bin").read_bytes(), np.load(work / "lengths.npy", allow_pickle=False))
    arrays = build_arrays(_tokens(texts, tokenizer), k1, b, epsilon)
    del texts
    # Written inside the parent's scratch directory, which it removes if this is killed.
    save(arrays, Path(cache_dir), key, scratch=work, family=family, documents=documents)


def save(
    arrays: IndexArrays, cache_dir: Path, key: str, scratch: Path | None = None, *,
    family: str = "", documents: Sequence[tuple[str, str, int]] = (),
) -> Path:
    """Write ``arrays`` to ``cache_dir/key`` atomically; drop the other saved indexes.

    ``family`` and ``documents`` (name, digest, passages, in index order) go into the
    manifest: what a later corpus, changed by a few files, merges from.

    The files are written in a temporary directory (in ``scratch`` when given), flushed
    to disk, the manifest last, then renamed into place. An array that is already a
    ``.npy`` file of the same volume, memory-mapped (``on_disk``: a merge's postings), is
    synced and moved there rather than written again.
    """
    # Not parents=True: a missing corpus directory is not to be created here.
    cache_dir.mkdir(exist_ok=True)
    mapped = {name: _npy_file(getattr(arrays, name)) for name in _ARRAYS}
    # Never the volume's last free space (the parse cache's rule): served from memory instead.
    check_room(cache_dir, sum(getattr(arrays, name).nbytes for name in _ARRAYS if mapped[name] is None))
    target = cache_dir / key
    work = Path(tempfile.mkdtemp(prefix=f".tmp-{key}-", dir=scratch or cache_dir))
    try:
        # mkdtemp's 0700 would lock out a bot run as another user (the Docker image's uid
        # 10001 over a volume first indexed as root), which would then rebuild at every start.
        os.chmod(work, 0o755)
        files: dict[str, int] = {}
        checksums: dict[str, int] = {}
        for name in _ARRAYS:
            path = work / f"{name}.npy"
            source = mapped[name]
            if source is not None:
                # fsync, not the map's flush(): on Linux a shared map's pages are the file's
                # page cache, which fsync writes out without the GIL; msync through
                # flush() held it for 0.14 s per 300 MB, a stall for every question meanwhile.
                with open(source, "rb+") as written:
                    os.fsync(written.fileno())
                os.replace(source, path)  # the map stays valid: the same file, another name
            else:
                with open(path, "wb") as out:
                    np.save(out, getattr(arrays, name), allow_pickle=False)
                    out.flush()
                    os.fsync(out.fileno())
            os.chmod(path, 0o644)  # whatever the umask: see the directory's mode above
            files[name] = path.stat().st_size
            checksums[name] = _crc32(path)
        meta: dict[str, object] = {f.name: getattr(arrays, f.name)
                                   for f in fields(IndexArrays) if f.name not in _ARRAYS}
        meta["format"] = FORMAT
        meta["key"] = key
        meta["files"] = files
        meta["checksums"] = checksums
        meta["family"] = family
        meta["documents"] = [list(doc) for doc in documents]
        # Written last, once the arrays are on disk: a directory without it, or whose
        # files differ from it, is an interrupted or damaged save.
        with open(work / _META, "w", encoding="utf-8") as out:
            # ASCII escapes: a word with a lone surrogate (a text decoded with
            # surrogateescape) still round-trips.
            body = json.dumps(meta)
            # The manifest's own CRC-32, last: a changed word or parameter is damage too.
            out.write(f'{body[:-1]}{_MANIFEST_CRC}{zlib.crc32(body.encode())}}}')
            out.flush()
            os.fchmod(out.fileno(), 0o644)
            os.fsync(out.fileno())
        if target.exists():
            shutil.rmtree(target)
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    now = time.time()
    for other in cache_dir.iterdir():
        if other.name in (key, TITLES) or not other.is_dir():
            continue
        # Indexes of earlier corpus versions go. A temporary directory may be another
        # process's save in progress: left alone unless it is too old to be one.
        if other.name.startswith(".tmp-") and now - other.stat().st_mtime < _STALE_SECONDS:
            continue
        with _OPENED_LOCK:
            _OPENED.pop(str(other), None)  # its maps go with it
        shutil.rmtree(other, ignore_errors=True)
    logger.info("saved the index of %d passages in %s", arrays.size, target)
    return target


def on_disk(directory: Path) -> Allocate:
    """An ``index_merge.Allocate`` that makes each array a memory-mapped ``.npy`` file in
    ``directory`` (which ``save`` then moves into place instead of writing it again).

    A merge of 10^6 passages held its postings and frequencies in memory (320 MB) beside
    the served index until it was saved: in a file, the kernel can write them out and
    reclaim them, so the merge's anonymous memory stays about what the rest needs.
    """
    def allocate(name: str, size: int, dtype: np.dtype) -> np.ndarray:
        check_room(directory, size * dtype.itemsize)
        array: np.ndarray = np.lib.format.open_memmap(directory / f"{name}.npy", mode="w+", dtype=dtype, shape=(size,))
        return array

    return allocate


def _npy_file(array: np.ndarray) -> Path | None:
    """The ``.npy`` file ``array`` maps, writable and whole (``on_disk``'s), else None."""
    if not isinstance(array, np.memmap) or array.filename is None or array.mode not in ("r+", "w+"):
        return None
    if not isinstance(array.base, mmap.mmap) or array.offset == 0:
        return None  # a view of part of a map, or a raw map with no .npy header
    path = Path(array.filename)
    try:
        whole = path.suffix == ".npy" and path.stat().st_size == array.offset + array.nbytes
    except OSError:
        return None
    return path if whole else None


def load(directory: Path, *, defer: bool = False) -> IndexArrays:
    """The arrays saved in ``directory``, memory-mapped; ValueError when inconsistent.

    With ``defer``, the large arrays (``DEFERRED``) are checked for sizes and shapes
    only: their checksums and bounds are left to ``verify_deferred``, which the caller
    runs after the start (see ``load_or_build``).
    """
    meta_path = directory / _META
    raw, value = _manifest(directory)
    meta = dict(value) if isinstance(value, dict) else value  # popped below: the kept one stays whole
    if not isinstance(meta, dict):
        kind = {type(None): "null", list: "array", str: "string", bool: "boolean"}.get(type(meta), "number")
        raise ValueError(f"{meta_path} holds a JSON {kind}, not the manifest object")
    body = raw[: raw.rfind(_MANIFEST_CRC)] + "}"
    if meta.pop("manifest_crc", None) != zlib.crc32(body.encode()):
        raise ValueError(f"{meta_path} does not match its own checksum: a damaged save")
    if meta.get("format") != FORMAT:
        raise ValueError(f"{meta_path}: format {meta.get('format')!r}, expected {FORMAT}")
    if (saved_as := meta.pop("key", None)) != directory.name:
        # A directory copied by hand from another corpus (or another version of this one)
        # may even hold as many passages: its answers would be another corpus's.
        raise ValueError(f"{meta_path} was saved for index {str(saved_as)[:20]!r}, not {directory.name[:20]!r}")
    files = meta.pop("files")
    checksums = meta.pop("checksums")
    del meta["format"], meta["family"], meta["documents"]
    if not isinstance(files, dict) or not isinstance(checksums, dict):
        raise ValueError(f"{meta_path}: the file sizes or checksums are not a mapping")
    for name in _ARRAYS:
        path = directory / f"{name}.npy"
        try:
            actual = path.stat().st_size
        except FileNotFoundError:
            # The manifest is there, so the save finished: this file went missing since.
            raise ValueError(f"{path} is missing") from None
        if actual != files[name]:
            raise ValueError(f"{path} is {actual} bytes, the manifest says {files[name]}: "
                             "a damaged or half-written save")
    for name in _ARRAYS:
        # Same-size damage (a negated idf, a NaN norm) passes the checks below and
        # changes answers. A CRC-32 reads each file once, at gigabytes a second.
        if defer and name in DEFERRED:
            continue
        path = directory / f"{name}.npy"
        if _crc32(path) != checksums[name]:
            raise ValueError(f"{path} does not match its checksum in the manifest: a damaged save")
    # Plain ndarray views of the maps: np.memmap's Python-level __getitem__ and
    # __array_finalize__ cost more than the work of a query's small slices.
    loaded: dict[str, Any] = {name: np.asarray(np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False))
              for name in _ARRAYS}
    arrays = IndexArrays(**meta, **loaded)
    _check(arrays, directory)
    if not defer:
        _check_postings(arrays, directory)
    return arrays


def verify_deferred(directory: Path) -> None:
    """What ``load(directory, defer=True)`` left: the large arrays' checksums; ValueError naming the damage.

    Read a step at a time, not through the maps: the check does not make the whole index
    resident. The postings' bounds need no pass of their own: they are those of the
    arrays saved, which a build or a merge made.
    """
    checksums = json.loads((directory / _META).read_text(encoding="utf-8"))["checksums"]
    for name in DEFERRED:
        path = directory / f"{name}.npy"
        if _crc32(path) != checksums[name]:
            raise ValueError(f"{path} does not match its checksum in the manifest: a damaged save")


def _verify_later(directory: Path, on_damaged: Callable[[Path, str], None] | None) -> threading.Thread:
    """``verify_deferred`` in a thread; a damaged save is removed (the next load rebuilds it) and reported."""

    def run() -> None:
        try:
            verify_deferred(directory)
        except FileNotFoundError:
            return  # replaced meanwhile (a merge, a rebuild): that index was checked on its own
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.error("saved index %s is damaged (%s): removed; it is rebuilt at the next reload or start",
                         directory, exc)
            shutil.rmtree(directory, ignore_errors=True)  # the maps in use stay readable until then
            if on_damaged is not None:
                on_damaged(directory, str(exc))
        else:
            logger.debug("saved index %s verified", directory)

    thread = threading.Thread(target=run, name="index-verify", daemon=True)
    thread.start()
    return thread


def _crc32(path: Path) -> int:
    """The CRC-32 of a file's bytes, read a step at a time into one buffer.

    A new 16 MB bytes object per step cost twice the checksum itself (fresh pages to
    fault in, then given back): the start's check of the norms and block maxima at 10^6
    passages took 30 ms that way, 15 ms this way. Not through a map: a file truncated
    meanwhile is then a short read, never a SIGBUS.
    """
    crc = 0
    buffer = bytearray(_CRC_STEP)
    view = memoryview(buffer)
    with open(path, "rb") as handle:
        while size := handle.readinto(buffer):
            crc = zlib.crc32(view[:size], crc)
    return crc


def _check(a: IndexArrays, directory: Path) -> None:
    """Cheap structural checks: shapes and bounds, not every value."""
    vocab, n = len(a.words), a.size
    nblocks = -(-n // a.block) if a.block > 0 else -1
    big = a.block_max.shape[0] if a.block_max.ndim == 2 else -1
    problems = [
        (a.indptr.shape == (vocab + 1,), "indptr"),
        (a.indptr.shape[0] > 0 and int(a.indptr[0]) == 0 and int(a.indptr[-1]) == a.postings.shape[0], "indptr"),
        (a.tf.shape == a.postings.shape, "tf"),
        (a.norm.shape == (n,), "norm"),
        (a.lengths.shape == (n,), "lengths"),
        (a.idf.shape == (vocab,) and a.max_weight.shape == (vocab,) and a.big_row.shape == (vocab,), "idf"),
        (a.block_offsets.shape == (big, nblocks + 1) and a.block_max.shape == (big, nblocks), "blocks"),
        (a.bitmaps.shape == (big, -(-n // 64)) and a.bitmaps.dtype == np.dtype("<u8"), "bitmaps"),
        (a.bitmap_rank.shape == a.bitmaps.shape, "bitmap_rank"),
    ]
    for ok, name in problems:
        if not ok:
            raise ValueError(f"{directory}: {name} does not match the rest of the saved index")


def _check_postings(a: IndexArrays, directory: Path) -> None:
    """Every posting names a passage (reads the whole array: not done at a start, see ``DEFERRED``)."""
    if a.postings.shape[0] and not (0 <= int(a.postings.min(initial=0)) and int(a.postings.max(initial=0)) < a.size):
        raise ValueError(f"{directory}: postings does not match the rest of the saved index")
