"""Text out of the formats the Parliament publishes: HTML, DOCX, PDF and plain text.

Each extractor returns the text as lines, one block (paragraph, table cell or row,
list item, heading) a line, in reading order, and notes that say what was changed or
dropped and why. Nothing here decides what a resolution is: bot.corpus.page does.

- HTML: selectolax (the lexbor engine: a C parser that is fast and reads broken markup
  as browsers do). Scripts, styles, forms and navigation landmarks are dropped.
- DOCX: python-docx, body paragraphs and tables in document order.
- PDF: pypdf's text, with running headers and footers dropped and hard-wrapped,
  hyphenated lines joined back into units.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.corpus.layout import is_footnote
from bot.corpus.limits import LimitError, check_docx, check_pdf
from bot.corpus.models import CITATION_OPENING, PROCEDURE_REF, plural

logger = logging.getLogger(__name__)


class ExtractError(ValueError):
    """A file that cannot be read as its format; the message is one line for the admin."""


@dataclass(frozen=True, slots=True)
class Extracted:
    """The text of a file as lines (one unit or block each), and what extraction did to it."""

    lines: tuple[str, ...]
    notes: tuple[str, ...] = ()
    canonical_url: str | None = None
    # Whether lines are finished units (HTML, DOCX) or wrapped lines to be joined (PDF, text).
    wrapped: bool = False


# Elements whose text is never the document's: code, styling, forms, navigation landmarks.
_DROPPED_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "iframe", "object", "canvas", "form",
    "button", "select", "input", "textarea", "nav", "head", "map", "audio", "video", "footer",
})
_DROPPED_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "menu", "menubar"})
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hr", "html", "li", "main", "ol", "p", "pre", "section",
    "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "br",
})
_SPACE_RE = re.compile(r"[ \t\n\r\f]+")
# A table cell that is only a unit's marker: the Official Journal sets each citation as
# a row of two cells, "—" and "having regard to ...". The row is one unit.
MARKER_RE = re.compile(r"^(?:[\u2013\u2014\u2012-]|\(?[A-Z]{1,2}[.)]|\(?\d{1,3}[.)]|\([a-z]{1,4}\)|\([ivxl]{1,6}\))$")
_SUPERSCRIPT_RE = re.compile(r"vertical-align\s*:\s*super", re.IGNORECASE)
_FOOTNOTE_CALL_RE = re.compile(r"\d{1,3}[a-z]?|\*{1,3}")
_META_CHARSET_RE = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", re.IGNORECASE)


def html_text(data: bytes, charset: str | None = None) -> Extracted:
    """The blocks of an HTML page in reading order, without scripts, styles or navigation."""
    text, decoded = _decode_html(data, charset)
    if "<" not in text:
        raise ExtractError("not an HTML page: no markup at all")
    tree = LexborHTMLParser(text)
    canonical = None
    link = tree.css_first('link[rel="canonical"]')
    if link is not None:
        href = (link.attributes.get("href") or "").strip()
        canonical = href if href.startswith(("http://", "https://")) else None
    root = tree.body or tree.root
    if root is None:
        raise ExtractError("not an HTML page: nothing in it")
    lines, dropped, calls = _html_blocks(root)
    notes = [*decoded]
    if dropped:
        notes.append(f"dropped {plural(dropped, 'navigation, script, style or form element')}")
    if calls:
        notes.append(f"set {plural(calls, 'superscript footnote call')} in brackets ('transparency[13]')")
    return Extracted(tuple(lines), tuple(notes), canonical)


def _decode_html(data: bytes, charset: str | None) -> tuple[str, list[str]]:
    """The page's text and a note on what decoding changed.

    A page declared (or found to be) UTF-8 is read as UTF-8 whatever a stray byte says:
    each bad sequence becomes U+FFFD and is counted, instead of the whole page being
    re-read as Windows-1252, which would turn every correct "–" into "â€“".
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _utf8(data[3:])
    declared = charset
    if declared is None and (match := _META_CHARSET_RE.search(data[:4096])):
        declared = match.group(1).decode("ascii")
    if declared is not None and declared.strip().lower().replace("_", "-") in {"utf-8", "utf8"}:
        return _utf8(data)
    if declared:
        try:
            return data.decode(declared), []
        except LookupError:
            pass  # an encoding Python does not know: as if none were declared
        except UnicodeDecodeError:
            return data.decode(declared, errors="replace"), [f"bytes not valid as the declared {declared} replaced"]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    # Undeclared and not clean UTF-8: UTF-8 with a few stray bytes when its well-formed
    # multi-byte characters are at least as many as the bad bytes, else (usually) Windows-1252.
    escaped = data.decode("utf-8", errors="surrogateescape")
    bad = sum(len(run) for run in _ESCAPED_RE.findall(escaped))
    if len(_WELL_FORMED_RE.findall(escaped)) >= bad:
        return _utf8(data)
    return data.decode("cp1252", errors="replace"), ["not UTF-8 and no encoding declared: read as Windows-1252"]


# A run of bytes that are not UTF-8, as the surrogateescape handler gives them: one U+FFFD for each run.
_ESCAPED_RE = re.compile("[\udc80-\udcff]+")
# A character that took two to four well-formed UTF-8 bytes.
_WELL_FORMED_RE = re.compile("[\u0080-\udbff\ue000-\U0010ffff]")


def _utf8(data: bytes) -> tuple[str, list[str]]:
    text = data.decode("utf-8", errors="surrogateescape")  # C speed, each bad byte kept apart
    bad = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal bad
        bad += len(match[0])
        return "\ufffd"

    text = _ESCAPED_RE.sub(replace, text)
    if not bad:
        return text, []
    return text, [f"replaced {plural(bad, 'byte')} that {'was' if bad == 1 else 'were'} not UTF-8 with \ufffd"]


def _html_blocks(root: LexborNode) -> tuple[list[str], int, int]:
    """Walk the tree without recursion (pages nest deeply) and cut text at block edges.

    Returns the lines, the elements dropped and the footnote calls set in brackets.
    """
    lines: list[str] = []
    inline: list[str] = []
    dropped = calls = 0
    # Stack entries: a node to visit, or ("end", tag, lines-before) once its children are done.
    stack: list[LexborNode | tuple[str, str, int]] = [root]
    rows: list[list[tuple[int, int]]] = []  # per open row: its cells' line ranges
    tables: list[AmendmentTable] = []  # per open table: its amendment columns, once seen

    def flush() -> None:
        text = _SPACE_RE.sub(" ", "".join(inline)).strip()
        inline.clear()
        if text:
            lines.append(text)

    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            _, tag, start = item
            flush()
            if tag in {"td", "th"} and rows:
                rows[-1].append((start, len(lines)))
            elif tag == "table" and tables:
                tables.pop()
            elif tag == "tr":
                cells = [lines[a:b] for a, b in rows.pop()] if rows else []
                if not (tables and tables[-1].take_row(lines, start, cells)):
                    _join_marker_row(lines, start)
            elif tag in {"ul", "ol"} and len(lines) - start > 1:
                # One list, one block: its items stay together under the sentence that leads in.
                block = "\n".join(lines[start:])
                del lines[start:]
                lines.append(block)
            continue
        tag = item.tag or ""
        if tag == "-text":
            inline.append(item.text_content or "")
            continue
        if tag.startswith("-"):  # comments, doctype
            continue
        attributes = item.attributes
        if (
            tag in _DROPPED_TAGS
            or (attributes.get("role") or "").lower() in _DROPPED_ROLES
            or "hidden" in attributes
            or (attributes.get("aria-hidden") or "").lower() == "true"
        ):
            dropped += 1
            continue
        if tag == "header" and not _inside(item, {"main", "article"}):
            dropped += 1  # the site's banner; a header inside the article may hold its title
            continue
        if (tag == "sup" or _SUPERSCRIPT_RE.search(attributes.get("style") or "")) and (
            call := _FOOTNOTE_CALL_RE.fullmatch((item.text() or "").strip())
        ):
            # A footnote call glued to its word ("transparency" + superscript "13") would read
            # as "transparency13", a word in no dictionary: it is set off as "transparency[13]".
            inline.append(f"[{call[0]}]")
            calls += 1
            continue
        if tag in _BLOCK_TAGS:
            flush()
            stack.append(("end", tag, len(lines)))
            if tag == "tr":
                rows.append([])
            elif tag == "table":
                tables.append(AmendmentTable())
        if tag == "li":
            inline.append(_bullet(item))
        stack.extend(reversed(list(item.iter(include_text=True))))
    flush()
    return lines, dropped, calls


def _inside(node: LexborNode, tags: set[str]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.parent
    return False


def _bullet(item: LexborNode) -> str:
    """The marker a browser draws before a list item: "• ", or "3. " in a numbered list."""
    parent = item.parent
    if parent is None or parent.tag != "ol":
        return "\u2022 "
    start = parent.attributes.get("start") or "1"
    number = int(start) if start.isdigit() else 1
    sibling = item.prev
    while sibling is not None:
        if sibling.tag == "li":
            number += 1
        sibling = sibling.prev
    return f"{number}. "


# The header row of an amendment's two columns: "Text proposed by the Commission |
# Amendment" (legislative texts), "Present text | Amendment" (the Rules of Procedure).
_AMENDMENT_COLUMN = "Amendment"
_MAX_COLUMN_WORDS = 8


@dataclass(slots=True)
class AmendmentTable:
    """One table, and the amendment columns its header row named, if any.

    A two-column amendment table flattened cell by cell would run the text amended and
    the amendment together. Each cell's text is kept whole and as written, its first line
    led by its column's heading ("Text proposed by the Commission: …", "Amendment: …")
    where the column changes, so that the reader (and a quote) can tell the two apart;
    empty cells give nothing.
    """

    columns: tuple[str, str] | None = None
    last: int | None = None  # the column of the last cell written: a heading is repeated only on a change

    def take_row(self, lines: list[str], start: int, cells: list[list[str]]) -> bool:
        """Rewrite the row at ``lines[start:]``; False when it is no amendment table's row."""
        if len(cells) != 2:
            return False
        texts = [" ".join(cell) for cell in cells]
        if texts[1] == _AMENDMENT_COLUMN and _column_heading(texts[0]):
            self.columns = (texts[0], _AMENDMENT_COLUMN)
            del lines[start:]  # the headings now lead each cell's text
            return True
        if self.columns is None:
            return False
        del lines[start:]
        for column, (heading, cell) in enumerate(zip(self.columns, cells, strict=True)):
            if cell:
                lines.append(cell[0] if column == self.last else f"{heading}: {cell[0]}")
                lines.extend(cell[1:])
                self.last = column
        return True


def _column_heading(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= _MAX_COLUMN_WORDS and text[:1].isupper() and not text.endswith((".", ";", ",", ":"))


def _join_marker_row(lines: list[str], start: int) -> None:
    """A table row of a marker cell and a text cell ("—" | "having regard to ...") becomes one line."""
    if len(lines) - start >= 2 and MARKER_RE.match(lines[start]):
        marker = lines[start]
        rest = " ".join(lines[start + 1 :])
        del lines[start:]
        lines.append(f"{marker} {rest}")


def docx_text(data: bytes) -> Extracted:
    """Paragraphs and table rows of a DOCX body, in document order."""
    # Imported here: python-docx pulls in lxml, which only DOCX imports need.
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        check_docx(io.BytesIO(data))  # before python-docx builds anything
    except LimitError as exc:
        raise ExtractError(str(exc)) from None
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractError(f"not a readable DOCX file ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # lxml's XMLSyntaxError and friends: a broken part inside the zip
        raise ExtractError(f"not a readable DOCX file ({type(exc).__name__})") from None
    lines: list[str] = []
    auto_numbered = 0

    def add_paragraph(paragraph: Paragraph) -> None:
        nonlocal auto_numbered
        text = _docx_line(paragraph.text)
        if not text:
            return
        p_pr = paragraph._p.pPr
        if p_pr is not None and p_pr.numPr is not None:
            auto_numbered += 1
        lines.append(text)

    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            add_paragraph(block)
        elif isinstance(block, Table):
            table = AmendmentTable()
            for row in block.rows:
                start = len(lines)
                seen: set[int] = set()
                cells: list[list[str]] = []
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell is listed once per column it spans
                        continue
                    seen.add(id(cell._tc))
                    before = len(lines)
                    for paragraph in cell.paragraphs:
                        add_paragraph(paragraph)
                    cells.append(lines[before:])
                if not table.take_row(lines, start, cells):
                    _join_marker_row(lines, start)
    notes = []
    if auto_numbered:
        notes.append(
            f"{plural(auto_numbered, 'paragraph')} use Word's automatic numbering: their numbers or bullets "
            "are not in the text, check them against the published page"
        )
    return Extracted(tuple(lines), tuple(notes))


def _docx_line(text: str) -> str:
    # Word separates "1." from its text with a tab; a line break inside a paragraph is a space.
    return _SPACE_RE.sub(" ", text.replace("\t", " ")).strip()


def pdf_text(data: bytes) -> Extracted:
    """The text of a PDF's pages, without running headers and footers; lines still wrapped."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.lstrip().startswith(b"%PDF"):
        raise ExtractError("not a PDF file (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ExtractError("the PDF is encrypted; save an unprotected copy")
        check_pdf(reader)
        pages = [page.extract_text() or "" for page in reader.pages]
    except LimitError as exc:
        raise ExtractError(str(exc)) from None
    except ExtractError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise ExtractError(f"not a readable PDF file ({type(exc).__name__}: {exc})") from None
    if not any(p.strip() for p in pages):
        raise ExtractError("the PDF has no text layer (a scan?); nothing to import")
    lines, notes = _drop_page_furniture(pages)
    return Extracted(tuple(lines), tuple(notes), wrapped=True)


# Furniture of EP and OJ PDFs (see the research notes): document codes and the motto,
# dropped wherever they stand; page counters, dropped only as a page's first or last line
# (a bare "12" inside the text is the end of "Article\n12", not a page number).
_FURNITURE_RES = (
    re.compile(r"\b[A-Z]{2}\\\d{6,7}[A-Z]{2}\.docx?\b"),  # "RE\1222621EN.docx"
    re.compile(r"^PE\d{3}\.\d{3}v\d{2}-\d{2}\b"),
    re.compile(r"United in diversity"),
)
_PAGE_NUMBER_RES = (
    re.compile(r"^\d{1,3}\s*/\s*\d{1,3}$"),  # "2/15"
    re.compile(r"^(?:-\s*)?\d{1,3}(?:\s*-)?$"),  # "- 3 -", "3"
)
# A line that is only a unit marker ("–", "(a)", "1.", "B."): recurring on many pages is
# what markers do, so such a line is never taken for a running header.
_MARKER_ONLY_RE = re.compile(
    r"^(?:[\u2013\u2014\u2012\u2022*-]|\(?[A-Z]{1,2}\.|\d{1,3}\.|\([a-z]{1,4}\)|\([ivxl]{1,6}\)|[a-z]\))$"
)
# How many lines at the top and at the bottom of a page a running header or footer may
# stand in (a header is often two lines: a document code, then a title).
_EDGE_LINES = 3


def _header_shaped(line: str) -> bool:
    return len(line.split()) >= 2 or _MARKER_ONLY_RE.match(line) is None


def _drop_page_furniture(pages: list[str]) -> tuple[list[str], list[str]]:
    """Lines of every page less running headers/footers, page numbers and furniture.

    A running header or footer is a line found at the top or bottom of most pages (at
    least three) that is not a bare unit marker; it is dropped where it stands at its
    page's top or bottom (only furniture above or below it). A page number is dropped
    only as a page's first or last line, furniture aside.
    """
    # A justified line comes out of pypdf with runs of spaces between its words: one space
    # each, as written ("European  Parliament  resolution" is "European Parliament resolution").
    page_lines = [[" ".join(line.split()) for line in page.splitlines()] for page in pages]
    repeated: set[str] = set()
    if len(pages) >= 3:
        counts: Counter[str] = Counter()
        for page in page_lines:
            filled = [line for line in page if line]
            counts.update({*filled[:_EDGE_LINES], *filled[-_EDGE_LINES:]})
        repeated = {
            line for line, n in counts.items() if n >= max(3, len(pages) // 2 + 1) and _header_shaped(line)
        }
    lines: list[str] = []
    dropped = calls = 0
    for page in page_lines:
        calls += _mark_footnotes(page)
        drop = [bool(line) and any(r.search(line) for r in _FURNITURE_RES) for line in page]
        for order in (range(len(page)), range(len(page) - 1, -1, -1)):
            for at in order:  # peel the page's top, then its bottom, up to the first line of text
                line = page[at]
                if not line or drop[at]:
                    continue
                if line in repeated or any(r.match(line) for r in _PAGE_NUMBER_RES):
                    drop[at] = True
                    continue
                break
        dropped += sum(drop)
        lines.extend(line for line, gone in zip(page, drop, strict=True) if not gone)
        lines.append("")  # a page break ends a block
    notes = [f"dropped {plural(dropped, 'page header, footer or page-number line')}"] if dropped else []
    if calls:
        notes.append(f"set {plural(calls, 'footnote call')} glued to a word in brackets ('Committee[1],')")
    return lines, notes


# A PDF's superscript footnote call comes out of pypdf glued to its word ("the Committee1,",
# "29 December 20211,"), and its footnotes ("1 OJ C 115, 11.3.2022, p. 5.", "36 Directive
# 2014/32/EU of ...", "3 This position replaces ...") at the foot of the page, a line or
# several each. A footnote is told from a line of text by its number standing as a call
# on the same page; the calls are looked for after a lower-case word of three letters or
# more, after a year or after an act's number. Each footnote is made one line, "[36] Directive ...", and each
# call "instruments[36]": bot.corpus.layout leaves the one out, and the other stays in
# its place in the text.
_FOOTNOTE_START_RE = re.compile(r"^(\d{1,3})\s+([^\s.)].*)$")
# What a call is glued to: a word's last three letters, a year, or an act's "/EU" ("2014/32/EU36").
_CALL_AFTER = r"(?P<after>[a-z]{3}|\b(?:19|20)\d\d|/(?:EU|EC|EEC|Euratom|CFSP|JHA))"
_ANY_CALL_RE = re.compile(rf"{_CALL_AFTER}(?P<call>\d{{1,3}})(?=[,.;:)]|\s|$)")


def _mark_footnotes(page: list[str]) -> int:
    """Make the footnotes of ``page`` (changed in place) "[N] …" lines, bracket their calls; how many calls."""
    # A footnote comes after its call: the first line "N …" whose N stands as a call above it,
    # or, a call or not, a line shaped as a footnote ("1 OJ C 115, ...").
    called: set[str] = set()
    start = None
    for at, line in enumerate(page):
        match = _FOOTNOTE_START_RE.match(line)
        if match and (match.group(1) in called or is_footnote(line)):
            start = at
            break
        called.update(m["call"] for m in _ANY_CALL_RE.finditer(line))
    if start is None:
        return 0
    notes: list[str] = []
    expected = int(_FOOTNOTE_START_RE.match(page[start]).group(1))  # type: ignore[union-attr]
    numbers: set[str] = set()
    for line in page[start:]:
        match = _FOOTNOTE_START_RE.match(line)
        if match and int(match.group(1)) == expected:
            notes.append(f"[{match.group(1)}] {match.group(2)}")
            numbers.add(match.group(1))
            expected += 1
        elif line and notes:
            notes[-1] = _join_footnote(notes[-1], line)
    page[start:] = notes
    alternatives = "|".join(sorted(numbers, key=len, reverse=True))
    call = re.compile(rf"{_CALL_AFTER}(?P<call>{alternatives})(?=[,.;:)]|\s|$)")
    count = 0
    for at in range(start):
        page[at], found = call.subn(r"\g<after>[\g<call>]", page[at])
        count += found
    return count


def _join_footnote(text: str, line: str) -> str:
    if _HYPHEN_END_RE.search(text) and line[:1].islower():
        return text[:-1] + line
    return f"{text} {line}"


def plain_text(data: bytes) -> Extracted:
    """A UTF-8 text or markdown file, as lines (still to be joined into units)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtractError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    if "\x00" in text:
        raise ExtractError("binary file (contains NUL bytes), not text")
    if text.startswith("---\n") or text.startswith("---\r\n"):
        raise ExtractError("the file already has front matter: it is a corpus file, add it with upload")
    return Extracted(tuple(line.rstrip() for line in text.splitlines()), wrapped=True)


# Where a wrapped line starts a new unit: the markers of EP texts (citations, recitals,
# paragraphs, points, list bullets) and the openings of a text adopted.
UNIT_START_RE = re.compile(
    r"^(?:[\u2013\u2014\u2012\u2022*-]\s*|"  # citation dash or bullet
    r"\(?[A-Z]{1,2}\.\s|"  # recital "A. ", "AA. "
    r"\d{1,3}\.\s|"  # paragraph "1. "
    r"\([a-z]{1,4}\)\s|\([ivxl]{1,6}\)\s|"  # point "(a) ", "(ii) "
    rf"{CITATION_OPENING}|whereas\b|"
    r"The European Parliament,|European Parliament (?:\S+ )?(?:resolution|recommendation|decision)\b|"
    rf"Resolution on\b|{PROCEDURE_REF}|#|"
    r"\((?:\d{4}/C \d|C/\d{4}/)|"  # the Official Journal's "(2018/C 050/05)", "(C/2023/399)"
    # The Parliament's position attached (bot.corpus.position) and a legislative text's amendments:
    r"P\d{1,2}_TC\d-|Position of the European Parliament adopted\b|Having regard\b|Whereas:|"
    r"After (?:transmission|consulting)\b|Acting in accordance\b|\(\d{1,3}[a-z]?\)\s|\(Text with EEA relevance\)|"
    r"Amendment \d{1,4}$|(?:Section|Part) (?:[A-Z]|\d{1,2}|[IVX]{1,5})\b(?! of\b))"
)
# Lines that stand alone whatever follows: "Article 5", "CHAPTER I", "HAVE ADOPTED THIS REGULATION:".
_ALONE_RE = re.compile(
    r"^(?:Article \d{1,3}[a-z]?|Amendment \d{1,4}|ANNEX(?: [IVX]+)?|[A-Z]{2,}(?:[ \u2013-]+[A-Z]+)+[,:]?)$"
)
# A unit that ends with a procedure reference closing its last parenthesis is a complete
# title line: "(2021/2544(RSP))", "(COM(2021)0206 – C9-0146/2021 – 2021/0106(COD))".
_ENDS_TITLE_RE = re.compile(rf"\b{PROCEDURE_REF}\)$")
_HYPHEN_END_RE = re.compile(r"[^\W\d_]-$")
# A document code broken after its hyphen: "A9-" + "0188/2023" is "A9-0188/2023".
_CODE_HYPHEN_END_RE = re.compile(r"\b(?:RC-)?[A-Z]\d{1,2}-$")
_CELL_END_RE = re.compile(r"\s*\|$")
_MAX_TITLE_WORDS = 12
# A wrapped line that ends on a word naming a numbered provision: the bare number next is its number.
_REFERS_RE = re.compile(r"\b(?:Articles?|Rules?|paragraphs?|points?|Annex|Chapter|Section|Title|Recitals?)$")
_NUMBER_ONLY_RE = re.compile(r"\d{1,3}[a-z]?[.,;:)]?")
_CLOSING = (".", ",", ";", ":", "!", "?")


@dataclass(slots=True)
class _Joined:
    units: list[str] = field(default_factory=list)
    hyphens: int = 0
    cells: int = 0


def join_wrapped(lines: Iterable[str]) -> tuple[list[str], list[str]]:
    """Units from hard-wrapped lines: a blank line or a unit marker starts a new unit.

    A line-end hyphen before a lower-case letter is taken as a word broken by the wrap and
    removed (counted in the notes); "EU-" before "Kazakhstan" keeps its hyphen. Table
    cells flattened with a trailing "|" lose the bar, and a marker alone in its cell
    ("— |") joins the text that follows.
    """
    out = _Joined()
    current: list[str] = []
    titled = False  # the unit before was "Article N": its title ("Subject matter") stands alone

    def close() -> None:
        if current:
            out.units.append(" ".join(current))
            current.clear()

    for raw in lines:
        line = raw.strip()
        if _CELL_END_RE.search(line):
            line = _CELL_END_RE.sub("", line)
            out.cells += 1
        if not line:
            close()
            continue
        if current and MARKER_RE.match(current[-1]) and len(current) == 1:
            current.append(line)
            continue
        if current and _REFERS_RE.search(current[-1]) and _NUMBER_ONLY_RE.fullmatch(line):
            current.append(line)  # "... laid down in Article" + "31.": the number it refers to, no paragraph
            continue
        # A footnote at a page's foot is a unit of its own (bot.corpus.layout leaves it out),
        # never the end of the sentence it interrupts.
        footnote = is_footnote(line)
        alone = _ALONE_RE.match(line) is not None and not MARKER_RE.match(line)
        if current and (
            footnote or alone or UNIT_START_RE.match(line) or MARKER_RE.match(line)
            or _ENDS_TITLE_RE.search(current[-1]) or _ALONE_RE.match(current[-1])
        ):
            close()
        if titled and not current and len(line.split()) <= _MAX_TITLE_WORDS and not line.endswith(_CLOSING):
            out.units.append(line)  # an article's title
            titled = False
            continue
        titled = line.startswith("Article ") and alone
        if current and _HYPHEN_END_RE.search(current[-1]) and line[:1].islower():
            current[-1] = current[-1][:-1] + line
            out.hyphens += 1
            continue
        if current and _CODE_HYPHEN_END_RE.search(current[-1]) and line[:1].isdigit():
            current[-1] += line
            continue
        current.append(line)
    close()
    notes = []
    if out.hyphens:
        notes.append(f"joined {plural(out.hyphens, 'word')} hyphenated across a line break (hyphen removed)")
    if out.cells:
        notes.append(f"removed the table-cell bar '|' at the end of {plural(out.cells, 'line')}")
    return out.units, notes
