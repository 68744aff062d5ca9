"""A parse-cache write never takes the volume's last free space, and leaves nothing behind when it stops."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.corpus import cache as corpus_cache
from bot.corpus import load as corpus
from bot.corpus.cache import CACHE_DIR, RESERVE_BYTES
from bot.corpus.load import load_corpus

TEXT = "The European Parliament calls for the release of the journalist number {n} held in detention.\n"


@pytest.fixture
def many(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(corpus, "CACHE_MIN_PASSAGES", 0)
    monkeypatch.setattr(corpus_cache, "RACY_NS", 0)
    directory = tmp_path / "corpus"
    directory.mkdir()
    for n in range(80):  # spread over most of the 32 shards
        (directory / f"resolution-{n:02d}.md").write_text(TEXT.format(n=n), encoding="utf-8")
    return directory


def test_a_nearly_full_volume_gets_no_cache_and_keeps_its_space(
    many: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = shutil.disk_usage
    calls: list[int] = []

    def nearly_full(path: Any) -> Any:
        # Room for three shards, then only the reserve is left.
        usage, total = real(path), 4 * RESERVE_BYTES  # a small volume: the fixed reserve is the larger
        calls.append(1)
        free = RESERVE_BYTES + (10**6 if len(calls) <= 3 else 100)
        return type(usage)(total, total - free, free)

    monkeypatch.setattr(corpus_cache.shutil, "disk_usage", nearly_full)
    with caplog.at_level(logging.WARNING, logger="bot.corpus.cache"):
        loaded = load_corpus(many)
    assert len(loaded.documents) == 80  # served all the same
    # Three files' passages set aside (corpus_cache._Spill), the fourth refused: the rest are
    # held in memory, and the save is refused at its first shard.
    assert len(calls) == 5
    assert [d.passages[0].text for d in loaded.documents] == [TEXT.format(n=n).strip() for n in range(80)]
    assert list((many / CACHE_DIR).iterdir()) == []  # the three shards written went too, and no temporary
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith(f"cannot write the parse cache in {many / CACHE_DIR} (")
    assert "bytes free, and a cache leaves" in line


def test_with_room_the_cache_is_written(many: Path) -> None:
    load_corpus(many)
    assert len(list((many / CACHE_DIR).glob("parse-*.bin"))) > 3
