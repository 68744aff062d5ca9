"""A built index persisted next to its corpus, so a start does not re-tokenize it.

The cache lives in ``CORPUS_DIR/.index/<key>/``: one ``.npy`` file per array (loaded
with ``mmap_mode="r"``, so 10^6 passages load in well under a second) and a JSON file
with the vocabulary and the parameters. The key is a digest of the corpus content (each
document's name and sha256), the BM25 parameters, and the code that turns files into
tokens and tokens into arrays, so any change to one of them means a rebuild, never a
stale answer. A cache that cannot be read or written (read-only directory, truncated or
corrupt file) is logged and the index is built in memory instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing as mp
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from pathlib import Path

import numpy as np
import Stemmer

from bot import corpus as corpus_module
from bot import index as index_module
from bot import tokens as tokens_module
from bot.index import Bm25Index, IndexArrays, build_arrays

logger = logging.getLogger(__name__)

# Bump when the layout of the saved files changes.
FORMAT = 1
_ARRAYS = ("indptr", "postings", "tf", "norm", "idf", "max_weight", "big_row",
           "block_offsets", "block_max", "bitmaps")
_META = "meta.json"
# Below this many passages a build takes milliseconds: not worth files in the corpus.
PERSIST_MIN_PASSAGES = 5000
# From this many passages a build takes over a second of GIL-holding work: do it aside.
ISOLATE_MIN_PASSAGES = 50_000


def cache_key(digests: Iterable[str], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25) -> str:
    """Digest of the corpus content and of everything that shapes its index."""
    h = hashlib.sha256(f"format {FORMAT} k1 {k1!r} b {b!r} epsilon {epsilon!r}\n".encode())
    # The passage splitter, the tokenizer (and its stemmer) and the index builder.
    for module in (corpus_module, tokens_module, index_module):
        source = module.__file__
        h.update(Path(source).read_bytes() if source else module.__name__.encode())
    h.update(str(getattr(Stemmer, "__version__", "")).encode())
    for digest in digests:
        h.update(f"\n{digest}".encode())
    return h.hexdigest()[:32]


def load_or_build(
    cache_dir: Path | None,
    key: str,
    tokens: Callable[[], Sequence[Sequence[str]]],
    size: int,
    k1: float = 1.5,
    b: float = 0.75,
    epsilon: float = 0.25,
    min_passages: int = PERSIST_MIN_PASSAGES,
    isolate_from: int = ISOLATE_MIN_PASSAGES,
) -> Bm25Index:
    """The index saved under ``cache_dir/key``, else one built from ``tokens()`` and saved.

    ``size`` is the number of passages the caller expects; a saved index of another
    size is not used. Corpora under ``min_passages`` are built in memory only. From
    ``isolate_from`` passages, tokenizing and building run in a forked child process
    that saves the index, which is then loaded here: a reload of a large corpus then
    does not hold the GIL for seconds while other threads answer questions.
    """
    if size == 0 or size < min_passages:
        cache_dir = None
    if cache_dir is not None:
        try:
            arrays = load(cache_dir / key)
        except FileNotFoundError:
            logger.info("no saved index %s in %s: building it", key, cache_dir)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("saved index %s is unusable (%s): rebuilding it", cache_dir / key, exc)
        else:
            if arrays.size == size and (arrays.k1, arrays.b, arrays.epsilon) == (k1, b, epsilon):
                return Bm25Index(arrays)
            logger.warning("saved index %s has %d passages, expected %d: rebuilding it",
                           cache_dir / key, arrays.size, size)
    if cache_dir is not None and size >= isolate_from and _build_in_child(cache_dir, key, tokens, k1, b, epsilon):
        try:
            return Bm25Index(load(cache_dir / key))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("index built aside in %s is unusable (%s): building it here", cache_dir / key, exc)
    arrays = build_arrays(tokens(), k1, b, epsilon)
    if cache_dir is not None:
        try:
            save(arrays, cache_dir, key)
        except OSError as exc:
            logger.warning("cannot save the index in %s (%s): serving it from memory", cache_dir, exc)
    return Bm25Index(arrays)


def _build_in_child(
    cache_dir: Path, key: str, tokens: Callable[[], Sequence[Sequence[str]]],
    k1: float, b: float, epsilon: float,
) -> bool:
    """Tokenize, build and save in a forked child; True when the child saved the index."""
    if "fork" not in mp.get_all_start_methods():
        return False

    def child() -> None:
        # Fork, not spawn: the child inherits the passages (and ``tokens``) as they are.
        save(build_arrays(tokens(), k1, b, epsilon), cache_dir, key)

    try:
        process = mp.get_context("fork").Process(target=child, name=f"index-build-{key[:8]}", daemon=True)
        process.start()
        process.join()  # waits without the GIL: the answering threads run meanwhile
    except OSError as exc:
        logger.warning("cannot fork to build the index (%s): building it here", exc)
        return False
    if process.exitcode != 0:
        logger.warning("building the index in a child process failed (exit code %s): building it here",
                       process.exitcode)
        return False
    return True


def save(arrays: IndexArrays, cache_dir: Path, key: str) -> Path:
    """Write ``arrays`` to ``cache_dir/key`` atomically; drop the other saved indexes."""
    # Not parents=True: a missing corpus directory is not to be created here.
    cache_dir.mkdir(exist_ok=True)
    target = cache_dir / key
    work = Path(tempfile.mkdtemp(prefix=f".tmp-{key}-", dir=cache_dir))
    try:
        for name in _ARRAYS:
            np.save(work / f"{name}.npy", getattr(arrays, name), allow_pickle=False)
        meta = {f.name: getattr(arrays, f.name) for f in fields(IndexArrays) if f.name not in _ARRAYS}
        meta["format"] = FORMAT
        # Written last: a directory without it is an interrupted save.
        (work / _META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    for other in cache_dir.iterdir():
        if other.name != key and other.is_dir():
            # Indexes of earlier corpus versions; another process may be writing a
            # temporary one, which is young and left alone.
            if other.name.startswith(".tmp-"):
                continue
            shutil.rmtree(other, ignore_errors=True)
    logger.info("saved the index of %d passages in %s", arrays.size, target)
    return target


def load(directory: Path) -> IndexArrays:
    """The arrays saved in ``directory``, memory-mapped; ValueError when inconsistent."""
    meta_path = directory / _META
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        raise ValueError(f"{meta_path}: format {meta.get('format')!r}, expected {FORMAT}")
    loaded = {name: np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in _ARRAYS}
    del meta["format"]
    arrays = IndexArrays(**meta, **loaded)
    _check(arrays, directory)
    return arrays


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
        (a.idf.shape == (vocab,) and a.max_weight.shape == (vocab,) and a.big_row.shape == (vocab,), "idf"),
        (a.block_offsets.shape == (big, nblocks + 1) and a.block_max.shape == (big, nblocks), "blocks"),
        (a.bitmaps.shape == (big, -(-n // 8)), "bitmaps"),
        (a.postings.shape[0] == 0 or 0 <= int(a.postings.min(initial=0)) and int(a.postings.max(initial=0)) < n,
         "postings"),
    ]
    for ok, name in problems:
        if not ok:
            raise ValueError(f"{directory}: {name} does not match the rest of the saved index")
