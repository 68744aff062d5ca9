"""Shared fixtures: the shipped corpus and a service over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers.service import Service

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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
