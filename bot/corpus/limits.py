"""Bounds on what an uploaded or fetched file may unfold into, checked before a library reads it.

The 20 MiB cap on a source counts its bytes as sent. A DOCX is a zip: 150 KB of it can
inflate to 50 MB of XML (a million empty paragraphs), which python-docx would build in
memory for minutes while holding the interpreter. A PDF can likewise declare thousands
of pages or millions of objects. Each check here is cheap (a zip's directory, a stream
inflated a piece at a time and counted, a PDF's page tree) and refuses in one line.
"""

from __future__ import annotations

import logging
import zipfile
from typing import IO, Protocol

logger = logging.getLogger(__name__)

# The EP's largest texts adopted (budgets, long reports with annexes) are a few MB of XML.
MAX_INFLATED_BYTES = 50 * 1024 * 1024
# An office file's XML compresses about 10:1; a bomb's repeated tags by hundreds to one.
MAX_RATIO = 100
# Below this a member's ratio does not matter: it cannot hurt whatever it is.
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_MEMBERS = 10_000
# A text adopted of several hundred pages has some tens of thousands of paragraphs.
MAX_PARAGRAPHS = 200_000
MAX_PDF_PAGES = 3_000
MAX_PDF_OBJECTS = 2_000_000
_DOCUMENT = "word/document.xml"
_PIECE = 1024 * 1024
# Word's paragraph element: "<w:p>", "<w:p/>" (empty) or "<w:p " with attributes (never "<w:pPr>" and kin).
_PARAGRAPH_TAGS = (b"<w:p>", b"<w:p/>", b"<w:p ")


class LimitError(ValueError):
    """A file that would unfold past a bound; the message is one line for the admin."""


def check_docx(data: IO[bytes]) -> None:
    """Refuse a DOCX (a zip, given as a binary file) that inflates past the bounds.

    Every member's declared size and ratio are checked from the zip's directory; then
    every member is inflated, a piece at a time and thrown away, to find a member that
    inflates to more than it declares, and the paragraphs of the body are counted.
    """
    try:
        archive = zipfile.ZipFile(data)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip: python-docx says so in its own words
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise LimitError(f"the DOCX holds {len(members):,} parts, over the limit of {MAX_MEMBERS:,}")
        declared = sum(member.file_size for member in members)
        if declared > MAX_INFLATED_BYTES:
            raise LimitError(f"the DOCX inflates to {_mib(declared)}, over the limit of {_mib(MAX_INFLATED_BYTES)}")
        for member in members:
            if member.file_size > RATIO_FLOOR_BYTES and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                ratio = member.file_size // max(member.compress_size, 1)
                raise LimitError(
                    f"the DOCX part {member.filename[:60]} inflates {ratio:,} times ({_mib(member.file_size)} "
                    f"from {member.compress_size:,} bytes): a decompression bomb, not a document"
                )
        total = 0
        for member in members:
            total += _inflated(archive, member, MAX_INFLATED_BYTES - total)


def _inflated(archive: zipfile.ZipFile, member: zipfile.ZipInfo, room: int) -> int:
    """The bytes ``member`` truly inflates to (at most its declared size and ``room``), counting paragraphs."""
    size = paragraphs = 0
    tail = b""
    limit = min(member.file_size, room)
    try:
        with archive.open(member) as stream:
            while piece := stream.read(_PIECE):
                size += len(piece)
                if size > limit:
                    raise LimitError(
                        f"the DOCX part {member.filename[:60]} inflates to more than it declares "
                        f"({member.file_size:,} bytes) or than the limit of {_mib(MAX_INFLATED_BYTES)}"
                    )
                if member.filename == _DOCUMENT:
                    window = tail + piece
                    paragraphs += sum(window.count(tag) for tag in _PARAGRAPH_TAGS)
                    tail = piece[-5:]  # a tag cut by the piece boundary is counted once, in the next window
                    if paragraphs > MAX_PARAGRAPHS:
                        raise LimitError(f"the DOCX holds over {MAX_PARAGRAPHS:,} paragraphs: not one text adopted")
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        # A broken or encrypted member: python-docx would fail on it too; its message is clearer.
        logger.debug("zip member %s unreadable: %s", member.filename, exc)
    return size


class _Pages(Protocol):
    def __len__(self) -> int: ...


class _Reader(Protocol):
    @property
    def trailer(self) -> object: ...

    @property
    def pages(self) -> _Pages: ...


def check_pdf(reader: _Reader) -> None:
    """Refuse a PDF (a pypdf reader, nothing extracted yet) declaring too many objects or pages."""
    trailer = reader.trailer
    size = trailer.get("/Size") if isinstance(trailer, dict) else None
    if isinstance(size, int) and size > MAX_PDF_OBJECTS:
        raise LimitError(f"the PDF declares {size:,} objects, over the limit of {MAX_PDF_OBJECTS:,}")
    pages = len(reader.pages)
    if pages > MAX_PDF_PAGES:
        raise LimitError(f"the PDF has {pages:,} pages, over the limit of {MAX_PDF_PAGES:,}")


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MiB"
