"""Small results computed once per saved index and kept beside it, so a start does not compute them again.

A start with a saved index should do no work a question does not need: sampling the
corpus languages (half a second) or tokenizing every document's title (0.3 s at 10,000
documents) would otherwise be done by every process. Each result is a JSON file in the
saved index's directory naming the index key (and, where other code shapes it, a
digest of that code): another corpus, or another way of computing it, computes it
again. The JSON text is preceded by a line holding its CRC-32, so a damaged file (a
changed digit would be a changed date or count, still valid JSON) is computed again
rather than served. A file that cannot be read or written only costs the computation.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


def kept(path: Path, key: str, code: str, compute: Callable[[], _T], read: Callable[[object], _T | None]) -> _T:
    """``compute()``, or the value kept in ``path`` for ``key`` and ``code``.

    ``read`` turns the kept JSON value back into the result, or None when it is not of
    the expected shape. The file is written only where ``path``'s directory exists (a
    saved index's): a corpus too small for a saved index gets no file either.
    """
    saved = read_kept(path, key, code)
    if saved is not None:
        value = read(saved)
        if value is not None:
            return value
    value = compute()
    keep(path, key, code, value)
    return value


def read_kept(path: Path, key: str, code: str) -> object | None:
    """The JSON value kept in ``path`` for ``key`` and ``code``; None when missing, damaged or another's."""
    try:
        crc, _, body = path.read_bytes().partition(b"\n")
        if not crc.isdigit() or int(crc) != zlib.crc32(body):
            return None  # damaged, or written before the checksum: the caller computes it
        saved = json.loads(body)
    except (OSError, ValueError):
        return None  # missing or damaged: the caller computes it
    if isinstance(saved, dict) and saved.get("key") == key and saved.get("code") == code:
        return cast("object", saved.get("value"))
    return None


def keep(path: Path, key: str, code: str, value: object) -> None:
    """Write ``value`` (JSON) to ``path`` for ``key`` and ``code``, atomically; only where the directory exists."""
    if not path.parent.is_dir():
        return
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".tmp-{path.stem}-", dir=path.parent)
        try:
            body = json.dumps({"key": key, "code": code, "value": value}).encode()
            with os.fdopen(handle, "wb") as out:
                out.write(b"%d\n%s" % (zlib.crc32(body), body))
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except (OSError, TypeError, ValueError) as exc:
        logger.info("cannot keep %s (%s)", path, exc)
