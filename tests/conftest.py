"""Shared fixtures: the shipped corpus and a service over it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.answers.service import Service
from bot.corpus import load as corpus_load

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# A resolution on the shipped corpus's subject that it does not hold yet: what a follower is told of.
NEW_RESOLUTION = (
    "---\ntitle: European Parliament resolution of 20 March 2025 on political prisoners in Kazakhstan\n"
    "reference: 2025/2600(RSP)\nadopted: 2025-03-20\nkind: text_adopted\nsource: European Parliament\n---\n"
    "The European Parliament,\n\n"
    "1. Calls on the authorities of Kazakhstan to release all political prisoners without delay;\n"
)


def grown_corpus(tmp_path: Path, files: dict[str, str]) -> Path:
    """A copy of the shipped corpus in ``tmp_path`` with ``files`` (name: text) added."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns(".index", ".cache"))
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return corpus


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def service() -> Service:
    return Service(CORPUS)


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own DATA_DIR (the bot's SQLite file), never ./data beside the repository's corpus.

    Set in the environment, so the bot's subprocesses get it too; a test that restarts the
    bot within itself keeps the same folder, as a restarted process would. Outside tmp_path:
    tests that check what the bot wrote there see only the corpus.
    """
    folder = tmp_path_factory.mktemp("bot-data")
    monkeypatch.setenv("DATA_DIR", str(folder))
    return folder


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files actually parsed (not served from the cache), in order."""
    names: list[str] = []
    real = corpus_load.parse_document

    def counting(name: str, raw: bytes) -> object:
        names.append(name)
        return real(name, raw)

    monkeypatch.setattr(corpus_load, "parse_document", counting)
    return names
