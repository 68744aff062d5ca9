"""Writing and removing corpus files safely: safe names, atomic writes, nothing lost.

A replaced or removed file is moved into ``.trash/`` inside the corpus directory rather
than deleted, so an admin's mistake can be undone by hand.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from bot.corpus.load import SUFFIXES, corpus_files

logger = logging.getLogger(__name__)

MAX_NAME_CHARS = 120
TRASH = ".trash"
_UNSAFE_RE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME_BYTES = 255  # NAME_MAX of ext4, xfs, btrfs, tmpfs and overlayfs


class StoreError(ValueError):
    """A file name or file operation refused; the message is meant for the admin."""


def safe_name(requested: str) -> str:
    """A file name that cannot leave the corpus directory, or StoreError.

    Only the last path component is kept ("../../x.md" becomes "x.md"); anything but
    letters, digits, dot, dash and underscore becomes a dash; hidden names are refused
    because the corpus ignores them.
    """
    if "\x00" in requested:
        raise StoreError("The file name contains a NUL byte.")
    base = re.split(r"[\\/]", requested.strip())[-1]
    cleaned = _UNSAFE_RE.sub("-", base).strip("-")
    if not cleaned or cleaned.startswith(".") or cleaned in {".", ".."}:
        raise StoreError(f"{requested!r} is not a usable file name.")
    if not cleaned.lower().endswith(SUFFIXES):
        raise StoreError(f"{requested!r}: only .txt and .md files are accepted.")
    if len(cleaned) > MAX_NAME_CHARS:
        raise StoreError(f"The file name is longer than {MAX_NAME_CHARS} characters.")
    return cleaned


def existing_file(directory: Path, name: str) -> Path:
    """The corpus file called exactly ``name``, or StoreError (no sanitising: it must exist)."""
    for path in corpus_files(directory):
        if path.name == name:
            return path
    raise StoreError(f"There is no file called {name!r} in the corpus.")


def write_atomically(directory: Path, name: str, data: bytes, overwrite: bool) -> Path:
    """Write ``data`` to ``directory/name`` so that readers see the old or the new file, whole."""
    target = directory / safe_name(name)
    if target.resolve().parent != directory.resolve():
        raise StoreError(f"{name!r} would leave the corpus directory.")
    if target.exists() and not overwrite:
        raise FileExistsError(target.name)
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            # mkstemp makes 0600: a corpus file is read by whoever runs the bot (the
            # Docker image's uid 10001, say), so it gets the shipped files' 0644.
            os.fchmod(handle.fileno(), 0o644)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            # Link, not move: the old file stays in place until os.replace swaps in the
            # new one, so a concurrent reload never finds the file missing.
            _to_trash(target, keep=True)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    logger.info("wrote %s (%d bytes)", target, len(data))
    return target


def remove(directory: Path, name: str) -> Path:
    """Move a corpus file into the trash; return where it went."""
    path = existing_file(directory, name)
    moved = _to_trash(path)
    logger.info("removed %s (kept as %s)", path, moved)
    return moved


def _to_trash(path: Path, keep: bool = False) -> Path:
    """Move ``path`` into the trash, or with ``keep`` hard-link a copy there."""
    trash = path.parent / TRASH
    trash.mkdir(exist_ok=True)
    stamp = f".{time.strftime('%Y%m%dT%H%M%S')}.{time.monotonic_ns()}"
    # The stamp must fit in the file system's 255-byte name limit: a long name placed by
    # hand is cut (at a character boundary) rather than make the file impossible to remove.
    room = _MAX_NAME_BYTES - len(stamp.encode())
    base = path.name.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "ignore")
    moved = trash / f"{base}{stamp}"
    if keep:
        try:
            os.link(path, moved)
        except OSError:  # a filesystem without hard links (some volume mounts)
            shutil.copy2(path, moved)
    else:
        os.replace(path, moved)
    return moved
