"""Files and pages written to hurt: a DOCX decompression bomb, PDFs too big to unfold, stray bytes in a page."""

from __future__ import annotations

import pytest

from bot.corpus import limits
from bot.corpus.extract import html_text
from bot.corpus.importer import ImportRefused, prepare_bytes
from tests.ep_documents import docx_bomb, make_docx, make_pdf

PUBLIC = "https://www.europarl.europa.eu/"


def _refusal(name: str, data: bytes) -> str:
    with pytest.raises(ImportRefused) as info:
        prepare_bytes(name, data, base_url=PUBLIC)
    return info.value.reason


def test_the_issues_docx_bomb_is_refused_before_python_docx_reads_it() -> None:
    bomb = docx_bomb(1_000_000)  # 188 KB that inflate to 52 MB
    assert len(bomb) < 200_000
    assert _refusal("bomb.docx", bomb) == "the DOCX inflates to 50.4 MiB, over the limit of 50.0 MiB"


def test_a_smaller_bomb_is_refused_for_its_ratio() -> None:
    reason = _refusal("bomb.docx", docx_bomb(400_000))  # 21 MB: under the total, but 340 to 1
    assert reason.startswith("the DOCX part word/document.xml inflates ")
    assert reason.endswith("a decompression bomb, not a document")


def test_a_docx_with_too_many_paragraphs_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_PARAGRAPHS", 100)
    monkeypatch.setattr(limits, "RATIO_FLOOR_BYTES", 1 << 40)  # the count, not the ratio, is tested
    assert _refusal("long.docx", docx_bomb(200)) == "the DOCX holds over 100 paragraphs: not one text adopted"


def test_a_docx_inflating_past_the_total_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_INFLATED_BYTES", 10_000)
    assert _refusal("big.docx", make_docx()).startswith("the DOCX inflates to ")


def test_an_ordinary_docx_passes_the_checks() -> None:
    prepared = prepare_bytes("TA-9-2021-0056_EN.docx", make_docx(), base_url=PUBLIC)
    assert [p.position.describe() for p in prepared.document.passages][:2] == ["citation 1", "citation 2"]


def test_a_pdf_with_too_many_pages_or_objects_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_PDF_PAGES", 1)
    assert _refusal("long.pdf", make_pdf()) == "the PDF has 2 pages, over the limit of 1"
    monkeypatch.setattr(limits, "MAX_PDF_PAGES", 3_000)
    monkeypatch.setattr(limits, "MAX_PDF_OBJECTS", 3)
    assert _refusal("many.pdf", make_pdf()).startswith("the PDF declares ")


def test_one_bad_byte_in_a_utf8_page_replaces_that_byte_only() -> None:
    page = '<meta charset="utf-8"><p>\u2013 having regard to its resolution \u2013 of 2021,</p><p>caf\xe9</p>'
    data = page.encode("utf-8").replace("\xe9".encode(), b"\xe9")  # one Latin-1 byte among UTF-8
    extracted = html_text(data)
    assert extracted.lines == ("\u2013 having regard to its resolution \u2013 of 2021,", "caf\ufffd")
    assert extracted.notes[0] == "replaced 1 byte that was not UTF-8 with \ufffd"


def test_an_undeclared_page_with_a_stray_byte_is_still_utf8_and_a_windows_page_is_read_as_one() -> None:
    stray = "<p>\u2013 having regard to \u201cthe Treaty\u201d, \xff</p>".encode().replace(b"\xc3\xbf", b"\xff")
    assert html_text(stray).lines == ("\u2013 having regard to \u201cthe Treaty\u201d, \ufffd",)
    windows = "<p>\u2013 having regard to the caf\xe9 owners,</p>".encode("cp1252")
    extracted = html_text(windows)
    assert extracted.lines == ("\u2013 having regard to the caf\xe9 owners,",)
    assert extracted.notes == ("not UTF-8 and no encoding declared: read as Windows-1252",)


def test_the_header_charset_wins_and_a_page_in_it_reads_clean() -> None:
    data = "<p>\u2013 having regard to the caf\xe9 owners,</p>".encode("cp1252")
    assert html_text(data, "windows-1252").lines == ("\u2013 having regard to the caf\xe9 owners,",)
    assert html_text(data, "windows-1252").notes == ()
