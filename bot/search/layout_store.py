"""A corpus's Layout kept beside its saved index, so that a start does not read every document's metadata.

``Layout.of_documents`` reads five metadata fields of every document: 50-60 ms of a
start at 10,000 documents, for facts that change only when a file does. What it makes
from them (the per-document arrays, the resolutions' and references' keys, the text
numbers) is kept in ``CORPUS_DIR/.index/layout.json`` (bot.search.kept: JSON behind
its CRC-32) under a key that names every document by its file's sha256, in index
order, and the parser's version (``Parses.version``): metadata is what that parser
reads from those bytes, and a document dropped or added, a file changed or a new
parser gives another key. The passage-to-document array is not kept: it is made from
the documents' passage counts, which the parse cache holds. A kept value of the wrong
shape, or one that does not fit the documents, is made again; it can only cost the
50 ms it saves.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from bot.corpus.models import Document
from bot.search import resolutions
from bot.search.kept import keep, read_kept
from bot.search.resolutions import Layout

logger = logging.getLogger(__name__)

LAYOUT_FILE = "layout.json"
_ARRAYS = ("resolution_of_doc", "adopted", "reference_of_doc", "is_text", "authority")
_STRINGS = ("resolution_keys", "references")


def layout_key(parser: str, files: Sequence[str]) -> str:
    """The key of the layout of the documents of ``files`` (each ``f"{name}\\0{digest}"``, in
    index order) as read by the parser of version ``parser``."""
    return hashlib.sha256("\n".join([parser, *files]).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def files_of(documents: Iterable[Document]) -> list[str]:
    """What ``layout_key`` takes for ``documents``: each one's name and file digest."""
    return [f"{d.name}\0{d.digest}" for d in documents]


def saved_layout(cache_dir: Path, key: str, documents: dict[str, Document]) -> Layout:
    """``Layout.of_documents(documents)``, kept in ``cache_dir`` for ``key`` (see ``layout_key``)."""
    path = cache_dir / LAYOUT_FILE
    code = _code()
    docs = tuple(documents.values())
    value = read_kept(path, key, code)
    layout = _from_value(value, docs) if value is not None else None
    if layout is not None:
        return layout
    if value is not None:
        logger.info("the layout kept in %s does not fit the corpus: made again", path)
    layout = Layout.of_documents(documents)
    keep(path, key, code, _value(layout))
    return layout


def _code() -> str:
    # The layout's rules (which kinds are the resolution's words, the authorities) are
    # resolutions.py's, and the kept form this module's: a change to either makes it again.
    h = hashlib.sha256()
    for module in (resolutions.__file__, __file__):
        h.update(Path(module).read_bytes())
    return h.hexdigest()[:16]


def _value(layout: Layout) -> dict[str, object]:
    value: dict[str, object] = {name: getattr(layout, name).astype(np.int64).tolist() for name in _ARRAYS}
    value.update({name: list(getattr(layout, name)) for name in _STRINGS})
    value["text_id_of_doc"] = list(layout.text_id_of_doc)
    return value


def _from_value(value: object, documents: tuple[Document, ...]) -> Layout | None:
    """The Layout kept as ``value`` for ``documents``; None when it is not one of theirs."""
    if not isinstance(value, dict):
        return None
    n = len(documents)
    arrays: dict[str, np.ndarray] = {}
    for name in _ARRAYS:
        column = value.get(name)
        if not isinstance(column, list) or len(column) != n:
            return None
        array = np.array(column)
        if n and array.dtype.kind != "i":  # not whole numbers: floats, strings, nested lists
            return None
        arrays[name] = array.astype(np.int64)
    strings: dict[str, tuple[str, ...]] = {}
    for name in _STRINGS:
        column = value.get(name)
        if not isinstance(column, list) or not all(type(s) is str for s in column):
            return None
        strings[name] = tuple(column)
    text_ids = value.get("text_id_of_doc")
    if not isinstance(text_ids, list) or len(text_ids) != n or not all(t is None or type(t) is str for t in text_ids):
        return None
    keys, references = strings["resolution_keys"], strings["references"]
    resolution_of_doc, reference_of_doc = arrays["resolution_of_doc"], arrays["reference_of_doc"]
    if n and (resolution_of_doc.min() < 0 or resolution_of_doc.max() >= len(keys)
              or reference_of_doc.min() < -1 or reference_of_doc.max() >= len(references)
              or not np.isin(arrays["is_text"], (0, 1)).all()):
        return None
    counts = np.fromiter((len(d.passages) for d in documents), dtype=np.int64, count=n)
    return Layout(
        documents=documents,
        doc_of=np.repeat(np.arange(n, dtype=np.int64), counts),
        resolution_of_doc=resolution_of_doc,
        resolution_keys=keys,
        adopted=arrays["adopted"],
        reference_of_doc=reference_of_doc,
        references=references,
        text_id_of_doc=tuple(text_ids),
        is_text=arrays["is_text"].astype(np.bool_),
        authority=arrays["authority"],
    )
