"""One hostile corpus file must not stop a start, a reload or an upload."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.answers.service import Service
from bot.corpus.models import CorpusError
from bot.search import index_store
from bot.search.index import Bm25Index
from tests.conftest import CORPUS

SPAM = ("Parliament " + "torture " * 65536 + "must end.\n").encode()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


def test_a_word_repeated_65536_times_does_not_stop_the_start(corpus: Path) -> None:
    assert len(SPAM) < 600_000
    (corpus / "spam.md").write_bytes(SPAM)
    service = Service(corpus)  # raised "a token occurs 65536 times in one passage"
    answer = service.ask("torture must end")
    assert answer.found and answer.hits[0].document.name == "spam.md"
    assert service.ask("Kozlov").found  # the rest of the corpus is served as before
    report = service.reload()
    assert not report.kept_old and report.documents_after == report.documents_before


def test_a_word_repeated_65536_times_can_be_uploaded_and_survives_restarts(corpus: Path) -> None:
    service = Service(corpus)
    result = service.add_document("spam.md", SPAM)
    assert result.passages == 1 and result.reload.added == ("spam.md",)
    assert service.reload().documents_after == result.reload.documents_after
    assert Service(corpus).ask("torture").hits[0].document.name == "spam.md"


@pytest.mark.parametrize("length", [225, 250, 255])
def test_a_hand_placed_file_with_a_long_name_can_be_removed(corpus: Path, length: int) -> None:
    name = "r" * (length - 3) + ".md"
    (corpus / name).write_text("Parliament calls on Sylvania to inspect every reservoir dam before the floods.\n")
    service = Service(corpus)
    assert service.ask("reservoir dam").found
    report = service.remove_document(name)  # raised OSError: File name too long
    assert report.removed == (name,) and not service.ask("reservoir dam").found
    [trashed] = (corpus / ".trash").iterdir()
    assert trashed.name.startswith("r" * 200) and len(trashed.name.encode()) <= 255
    assert trashed.read_text().startswith("Parliament calls on Sylvania")


def test_a_reload_whose_index_cannot_be_built_keeps_serving_the_old_one(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = Service(corpus)
    (corpus / "new.md").write_text("Parliament calls on Sylvania to inspect every reservoir dam before the floods.\n")

    def fails(*args: object, **kwargs: object) -> object:
        raise ValueError("no room for the postings")

    monkeypatch.setattr(index_store, "build_arrays", fails)
    report = service.reload()  # raised ValueError out of /reload
    assert report.kept_old and report.added == () and report.documents_after == report.documents_before
    assert any("the index cannot be built: no room for the postings; old corpus kept" in p.message
               for p in report.problems)
    assert service.ask("Kozlov").found
    monkeypatch.undo()
    assert service.reload().added == ("new.md",)


def test_an_upload_is_indexed_before_it_is_written(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = Service(corpus)
    before = sorted(p.name for p in corpus.iterdir())

    def fails(cls: object, *args: object, **kwargs: object) -> object:
        raise ValueError("a token occurs 65536 times in one passage")

    monkeypatch.setattr(Bm25Index, "build", classmethod(fails))
    with pytest.raises(CorpusError, match=r"spam.md: error: cannot be indexed: a token occurs 65536 times"):
        service.add_document("spam.md", SPAM)
    assert sorted(p.name for p in corpus.iterdir()) == before  # nothing written, nothing to delete by hand
