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
