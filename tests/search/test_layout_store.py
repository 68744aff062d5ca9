"""A Layout kept beside the saved index is the one the documents make, or it is made again."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from bot.corpus.models import Document, DocumentMeta, Kind, Passage, Position
from bot.search import layout_store
from bot.search.kept import keep, read_kept
from bot.search.layout_store import LAYOUT_FILE, files_of, layout_key, saved_layout
from bot.search.resolutions import Layout
from tests.layouts import assert_same_layout

PARSER = "parser-1"


def _document(number: int, reference: str | None, adopted: dt.date | None, kind: Kind | None,
              text_id: str | None = None, size: int = 2) -> Document:
    name = f"d{number}.md"
    meta = DocumentMeta(reference=reference, title=f"On subject {number % 3}", adopted=adopted, kind=kind,
                        text_id=text_id)
    passages = tuple(Passage(name, Position(n, None, n), f"text {n}") for n in range(1, size + 1))
    return Document(name, meta, {}, passages, f"sha-{number}")


DOCUMENTS = {
    d.name: d
    for d in (
        _document(0, "2016/2600(RSP)", dt.date(2016, 3, 10), Kind.text_adopted, "P8_TA(2016)0001", size=3),
        _document(1, "2016/2600(RSP)", None, Kind.news_report),
        _document(2, "2016/2600", dt.date(2016, 3, 10), Kind.summary, size=1),
        _document(3, None, None, None, "TA-9-2021-0056"),
        _document(4, "2017/2601(INI)", dt.date(2017, 1, 2), Kind.text_adopted, size=4),
    )
}


def _unmade(monkeypatch: pytest.MonkeyPatch) -> None:
    def made(*args: object) -> Layout:
        raise AssertionError("the layout was made again, not read")

    monkeypatch.setattr(Layout, "of_documents", made)


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the layouts made from documents from now on."""
    calls: list[int] = []
    made = Layout.of_documents

    def counting(documents: dict[str, Document]) -> Layout:
        calls.append(len(documents))
        return made(documents)

    monkeypatch.setattr(Layout, "of_documents", counting)
    return calls


def test_a_kept_layout_is_read_back_as_the_documents_make_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = layout_key(PARSER, files_of(DOCUMENTS.values()))
    first = saved_layout(tmp_path, key, DOCUMENTS)
    assert (tmp_path / LAYOUT_FILE).is_file()
    _unmade(monkeypatch)
    again = saved_layout(tmp_path, key, DOCUMENTS)
    assert_same_layout(again, first)
    assert_same_layout(again, Layout.build([p for d in DOCUMENTS.values() for p in d.passages], DOCUMENTS))
    assert again.adopted_in([]).tolist() == [False] * 5
    assert [r.reference for r in again.resolutions] == ["2016/2600(RSP)", "2016/2600", None, "2017/2601(INI)"]


def test_another_file_or_parser_makes_it_again(tmp_path: Path) -> None:
    documents = list(DOCUMENTS.values())
    key = layout_key(PARSER, files_of(documents))
    saved_layout(tmp_path, key, DOCUMENTS)
    # The same name with other bytes (another date in its front matter): another key.
    redated = documents[4].meta.model_copy(update={"adopted": dt.date(2018, 5, 6)})
    changed = dataclasses.replace(documents[4], meta=redated, digest="sha-4-edited")
    edited = {**DOCUMENTS, changed.name: changed}
    assert layout_key(PARSER, files_of(edited.values())) != key
    assert layout_key("parser-2", files_of(documents)) != key
    assert layout_key(PARSER, files_of(documents[::-1])) != key  # index order is part of it
    layout = saved_layout(tmp_path, layout_key(PARSER, files_of(edited.values())), edited)
    assert layout.adopted.tolist()[4] == dt.date(2018, 5, 6).toordinal()


def _kept_value(tmp_path: Path) -> tuple[str, str, dict[str, object]]:
    key = layout_key(PARSER, files_of(DOCUMENTS.values()))
    saved_layout(tmp_path, key, DOCUMENTS)
    saved = json.loads((tmp_path / LAYOUT_FILE).read_bytes().partition(b"\n")[2])
    return key, saved["code"], saved["value"]


def test_a_damaged_file_is_made_again(tmp_path: Path) -> None:
    key, _, _ = _kept_value(tmp_path)
    path = tmp_path / LAYOUT_FILE
    ordinal = str(dt.date(2017, 1, 2).toordinal()).encode()
    raw = path.read_bytes()
    assert raw.count(ordinal) == 1
    # One digit of an adoption date changed: still JSON, still a date; the checksum tells.
    path.write_bytes(raw.replace(ordinal, str(dt.date(2017, 1, 3).toordinal()).encode()))
    layout = saved_layout(tmp_path, key, DOCUMENTS)
    assert layout.adopted.tolist()[4] == dt.date(2017, 1, 2).toordinal()


@pytest.mark.parametrize(
    "change",
    [
        {"adopted": [1, 2]},  # too short
        {"resolution_of_doc": [0, 0, 1, 9, 3]},  # a resolution that is not there
        {"reference_of_doc": [0, 0, 1, -2, 2]},
        {"is_text": [1, 0, 0, 2, 1]},
        {"authority": [2.5, 0, 1, 0, 2]},  # not whole numbers
        {"references": ["2016/2600(RSP)", 7, "2017/2601(INI)"]},
        {"text_id_of_doc": [None] * 4},
    ],
)
def test_a_kept_value_that_does_not_fit_the_documents_is_made_again(
    tmp_path: Path, change: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    key, code, value = _kept_value(tmp_path)
    keep(tmp_path / LAYOUT_FILE, key, code, {**value, **change})  # a valid checksum over a wrong value
    assert read_kept(tmp_path / LAYOUT_FILE, key, code) is not None
    calls = _counted(monkeypatch)
    assert_same_layout(saved_layout(tmp_path, key, DOCUMENTS), Layout.of_documents(DOCUMENTS))
    assert calls == [5, 5]  # made again by saved_layout, then here
    assert saved_layout(tmp_path, key, DOCUMENTS) is not None and calls == [5, 5]  # and kept right


def test_new_layout_code_makes_it_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key, _, _ = _kept_value(tmp_path)
    monkeypatch.setattr(layout_store, "_code", lambda: "another")
    calls = _counted(monkeypatch)
    saved_layout(tmp_path, key, DOCUMENTS)
    assert calls == [5]


def test_no_file_where_the_corpus_has_no_saved_index(tmp_path: Path) -> None:
    saved_layout(tmp_path / "missing", "k", DOCUMENTS)
    assert not (tmp_path / "missing").exists()
