"""The service writes an imported text and reloads, refusing duplicates unless forced."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.answers.service import Service
from bot.corpus.importer import ImportRefused, prepare_file
from tests.conftest import CORPUS
from tests.standin_ep import IMPORT_FIXTURES

PUBLIC = "https://www.europarl.europa.eu/"


def test_an_imported_text_is_served_after_the_write(tmp_path: Path) -> None:
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus_dir)
    service = Service(corpus_dir)
    before = len(service.documents())
    prepared = prepare_file(IMPORT_FIXTURES / "TA-9-2021-0056_EN.html", base_url=PUBLIC)
    result = service.import_document(prepared)
    assert result.name == "2021-02-11_2021-2544_TA-9-2021-0056.md" and not result.replaced
    assert result.reload.added == (result.name,)
    assert len(service.documents()) == before + 1
    answer = service.ask("release persons detained freedom of assembly Kazakhstan")
    assert answer.hits[0].document.name == result.name

    with pytest.raises(ImportRefused, match="same text number TA-9-2021-0056"):
        service.import_document(prepared)
    forced = service.import_document(prepared, force=True)
    assert forced.replaced and len(service.documents()) == before + 1
    assert len(list((corpus_dir / ".trash").iterdir())) == 1
