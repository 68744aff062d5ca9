"""A saved index damaged in ways its sizes do not show is rebuilt, and the log says so."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.search import index_store
from bot.search.index import Bm25Index
from bot.search.index_store import load, load_or_build, save
from bot.search.tokens import tokenize

TEXTS = [
    "Parliament calls for the release of Vladimir Kozlov",
    "the court sentenced the journalist",
    "Parliament condemns the arbitrary detention of journalists and calls for their release",
    "the release of political prisoners is urged",
    "freedom of expression in Kazakhstan",
]


def _tokens(text: str) -> list[str]:
    return text.lower().split()


def _fresh() -> Bm25Index:
    return Bm25Index.build([_tokens(t) for t in TEXTS])


@pytest.mark.parametrize("manifest", ["null", "[]", "3", '"text"'])
def test_a_manifest_that_is_not_an_object_is_rebuilt(
    tmp_path: Path, manifest: str, caplog: pytest.LogCaptureFixture
) -> None:
    directory = save(_fresh().arrays, tmp_path, "k")
    (directory / "meta.json").write_text(manifest, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        index = load_or_build(tmp_path, "k", TEXTS, _tokens, min_passages=0)  # raised AttributeError
    assert "not the manifest object): rebuilding it" in caplog.text
    assert index.top(["release"], 3)[0].tolist() == _fresh().top(["release"], 3)[0].tolist()
    load(directory)  # saved again, whole


def _negate_idf(directory: Path) -> None:
    idf = np.load(directory / "idf.npy")
    np.save(directory / "idf.npy", -idf)


def _nan_norm(directory: Path) -> None:
    norm = np.load(directory / "norm.npy")
    norm[:] = np.nan
    np.save(directory / "norm.npy", norm)


@pytest.mark.parametrize("damage", [_negate_idf, _nan_norm], ids=["negated idf", "NaN norm"])
def test_same_size_damage_to_an_array_is_caught_by_its_checksum(
    tmp_path: Path, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    directory = save(_fresh().arrays, tmp_path, "k")
    sizes = {p.name: p.stat().st_size for p in directory.glob("*.npy")}
    assert callable(damage)
    damage(directory)
    assert {p.name: p.stat().st_size for p in directory.glob("*.npy")} == sizes  # the sizes cannot tell
    with caplog.at_level(logging.WARNING):
        index = load_or_build(tmp_path, "k", TEXTS, _tokens, min_passages=0)
    assert "does not match its checksum in the manifest: a damaged save): rebuilding it" in caplog.text
    ids, scores, total = index.top(["release", "parliament"], 5)
    want_ids, want_scores, want_total = _fresh().top(["release", "parliament"], 5)
    assert ids.tolist() == want_ids.tolist() and total == want_total == 3
    np.testing.assert_array_equal(scores, want_scores)


def _reversed_postings(directory: Path) -> None:
    postings = np.load(directory / "postings.npy")
    np.save(directory / "postings.npy", postings[::-1].copy())  # every id still a passage: only the checksum tells


def test_same_size_damage_to_a_large_array_is_found_after_the_start_and_the_index_removed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = save(_fresh().arrays, tmp_path, "k")
    _reversed_postings(directory)
    told: list[tuple[Path, str]] = []
    done = threading.Event()

    def damaged(where: Path, why: str) -> None:
        told.append((where, why))
        done.set()

    with caplog.at_level(logging.ERROR):
        index_store.load_or_build(tmp_path, "k", TEXTS, _tokens, min_passages=0, on_damaged=damaged)
        assert done.wait(10)  # served at once, checked in full meanwhile
    assert told == [(directory, told[0][1])] and "postings.npy does not match its checksum" in told[0][1]
    assert "is damaged" in caplog.text and "rebuilt at the next reload or start" in caplog.text
    assert not directory.exists()
    rebuilt = load_or_build(tmp_path, "k", TEXTS, _tokens, min_passages=0)  # what the next reload does
    assert rebuilt.top(["release"], 3)[0].tolist() == _fresh().top(["release"], 3)[0].tolist()
    load(directory)  # saved again, whole


def test_a_sound_saved_index_is_verified_without_a_word(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    save(_fresh().arrays, tmp_path, "k")
    told: list[str] = []
    with caplog.at_level(logging.WARNING):
        load_or_build(tmp_path, "k", TEXTS, _tokens, min_passages=0, on_damaged=lambda _, why: told.append(why))
        for thread in threading.enumerate():
            if thread.name == "index-verify":
                thread.join(10)
    assert told == [] and caplog.text == ""


def test_the_manifest_records_a_checksum_of_every_array(tmp_path: Path) -> None:
    directory = save(_fresh().arrays, tmp_path, "k")
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    assert set(meta["checksums"]) == {p.stem for p in directory.glob("*.npy")}


def test_the_saved_index_is_readable_by_another_user(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        directory = save(_fresh().arrays, tmp_path, "k")
    finally:
        os.umask(old)
    assert directory.stat().st_mode & 0o777 == 0o755  # was mkdtemp's 0700
    for path in directory.iterdir():
        assert path.stat().st_mode & 0o777 == 0o644, path.name


def test_same_size_damage_to_the_manifest_is_caught(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    directory = save(_fresh().arrays, tmp_path, "k")
    meta = directory / "meta.json"
    text = meta.read_text(encoding="utf-8")
    damaged = text.replace('"kozlov"', '"kozlow"')  # one word of the vocabulary, same length
    assert damaged != text and len(damaged) == len(text)
    meta.write_text(damaged, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        index = load_or_build(tmp_path, "k", TEXTS, _tokens, min_passages=0)
    assert "meta.json does not match its own checksum: a damaged save): rebuilding it" in caplog.text
    assert index.top(["kozlov"], 3)[0].tolist() == [0]


def test_a_nearly_full_volume_gets_no_saved_index_and_the_index_serves_from_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.corpus import cache as corpus_cache
    from bot.search import index_store

    real = shutil.disk_usage

    def nearly_full(path: Any) -> Any:
        usage = real(path)
        total = 4 * corpus_cache.RESERVE_BYTES
        free = corpus_cache.RESERVE_BYTES + 100  # only the reserve is left
        return type(usage)(total, total - free, free)

    monkeypatch.setattr(corpus_cache.shutil, "disk_usage", nearly_full)
    texts = [f"the parliament calls for the release of journalist {n}" for n in range(50)]
    cache_dir = tmp_path / ".index"
    with caplog.at_level(logging.WARNING, logger="bot.search.index_store"):
        index = index_store.load_or_build(cache_dir, "key", texts, min_passages=1, isolate_from=10**9)
    ids, _, _ = index.top(tokenize("journalist 7"), 1)
    assert list(ids) == [7]  # served all the same
    assert list(cache_dir.iterdir()) == []  # nothing written, no temporary left
    assert any("bytes free, and a cache leaves" in r.getMessage() for r in caplog.records)


def test_a_saved_index_copied_under_another_key_is_not_served(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Another corpus with as many passages: its saved index copied by hand into this one's place.
    other = [text.replace("Kozlov", "Kozlow") for text in TEXTS]
    directory = save(Bm25Index.build([_tokens(t) for t in other]).arrays, tmp_path, "theirs")
    shutil.copytree(directory, tmp_path / "ours")
    with caplog.at_level(logging.WARNING):
        index = load_or_build(tmp_path, "ours", TEXTS, _tokens, min_passages=0)
    assert "was saved for index 'theirs', not 'ours'" in caplog.text
    assert index.top(["kozlov"], 3)[0].tolist() == [0]
