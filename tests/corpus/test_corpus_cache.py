"""The parse cache: a restart or reload serves exactly what a fresh parse would, parsing only what changed."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.answers.service import Service, Snapshot, _searchable
from bot.corpus import cache as corpus_cache
from bot.corpus import frontmatter, layout, metadata, models, passages, structure
from bot.corpus import load as corpus
from bot.corpus.cache import CACHE_DIR, SHARDS, parser_version, shard_of
from bot.corpus.lazy import LazyPassages
from bot.corpus.load import load_corpus
from bot.search.index_store import Mapped
from bot.search.resolutions import Layout
from tests.conftest import CORPUS, FIXTURES
from tests.layouts import assert_same_layout

GOOD = """---
title: European Parliament resolution of 10 March 2016 on freedom of expression in Kazakhstan
reference: 2016/2607(RSP)
adopted: 2016-03-10
kind: summary
source: Legislative Observatory (OEIL)
---
# Freedom of expression

The European Parliament calls on the authorities of Kazakhstan to release journalists.

It stresses that **independent media** are essential to any democratic society:

- an end to the harassment of civil society activists and of their families;
- the repeal of the criminal offence of spreading false information online.
"""
INFERRED = """European Parliament resolution of 14 March 2019 on the human rights situation in Kazakhstan

The Parliament condemns the continued detention of peaceful protesters in Nur-Sultan.

A statement posted 20 March 2019 recalled the resolution of 2016/2607(RSP) in passing.
"""
BAD = """---
votes: 500
---
The European Parliament adopted a resolution today on this matter of concern.
"""


@pytest.fixture
def cached(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache written for any corpus size, and files trusted as soon as they were read.

    The racy guard is off here (a file written by a test is a few milliseconds old);
    test_a_racy_edit_is_parsed_again puts it back.
    """
    monkeypatch.setattr(corpus, "CACHE_MIN_PASSAGES", 0)
    monkeypatch.setattr(corpus_cache, "RACY_NS", 0)


def _write(directory: Path, files: dict[str, str]) -> None:
    directory.mkdir(exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")


def _seen(directory: Path, **kwargs: bool) -> tuple[list[object], list[str]]:
    """What a user is shown of the corpus: every citation, passage, lead and field origin, and the problems."""
    loaded = load_corpus(directory, **kwargs)
    documents: list[object] = [
        (
            d.name, d.citation(), d.meta, d.origins, d.digest,
            [(d.citation(p.position), p.position, p.text, p.lead, p.searchable) for p in d.passages],
        )
        for d in loaded.documents
    ]
    return documents, [str(p) for p in loaded.problems]


@pytest.fixture
def three(tmp_path: Path) -> Path:
    directory = tmp_path / "corpus"
    _write(directory, {"good.md": GOOD, "inferred.txt": INFERRED, "bad.md": BAD})
    return directory


def _shard_file(directory: Path, name: str) -> Path:
    return directory / CACHE_DIR / f"parse-{shard_of(name):02d}.bin"


def test_an_unchanged_restart_serves_a_fresh_parse_without_parsing(
    cached: None, three: Path, parsed: list[str]
) -> None:
    fresh = _seen(three, cache=False)
    assert sorted(parsed) == ["bad.md", "good.md", "inferred.txt"]
    assert _seen(three) == fresh  # this load parses and fills the cache
    assert (three / CACHE_DIR).is_dir()
    parsed.clear()
    again = _seen(three)
    assert parsed == []
    assert again == fresh
    documents, problems = again
    assert [d[0] for d in documents] == ["good.md", "inferred.txt"]
    assert any("unknown key 'votes'" in p and p.startswith("bad.md:2") for p in problems)  # from the cache
    assert any("inferred.txt" in p and "warning" in p for p in problems)  # warnings too
    restored = load_corpus(three)
    assert restored.documents == load_corpus(three, cache=False).documents


def test_a_start_that_parsed_its_files_holds_none_of_their_passages_once_they_are_cached(
    cached: None, three: Path, parsed: list[str]
) -> None:
    fresh = load_corpus(three, cache=False)
    started = load_corpus(three)  # parses every file and writes the cache
    assert sorted(parsed) == ["bad.md", "bad.md", "good.md", "good.md", "inferred.txt", "inferred.txt"]
    for document in started.documents:
        assert isinstance(document.passages, LazyPassages) and not document.passages.made
    # Read again from the cache, on demand: the same passages as the parse made.
    assert [list(d.passages) for d in started.documents] == [list(d.passages) for d in fresh.documents]
    assert [d.passages.made for d in started.documents if isinstance(d.passages, LazyPassages)] == [True, True]


@pytest.mark.parametrize("fast", [True, False], ids=["slots-set-from-c", "constructor"])
def test_the_shipped_and_fixture_corpora_come_back_identical(
    cached: None, tmp_path: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    monkeypatch.setattr(corpus_cache, "_FAST_PASSAGES", fast and corpus_cache._FAST_PASSAGES)
    monkeypatch.setattr(corpus_cache, "_FAST_META", fast and corpus_cache._FAST_META)
    assert corpus_cache._FAST_PASSAGES is fast  # models.Passage is what the fast path expects
    assert corpus_cache._FAST_META is fast  # and models.DocumentMeta
    for source in (CORPUS, FIXTURES / "mixed_corpus"):
        directory = tmp_path / source.name
        shutil.copytree(source, directory, ignore=shutil.ignore_patterns(".*"))
        fresh = load_corpus(directory, cache=False)
        load_corpus(directory)
        parsed.clear()
        again = load_corpus(directory)
        assert parsed == []
        assert again.documents == fresh.documents
        assert again.problems == fresh.problems
        assert again.passage_count == fresh.passage_count


def test_the_fast_metadata_is_the_model_construct_one() -> None:
    values = {f: None for f in models.DocumentMeta.model_fields}
    values.update(title="T", adopted=models.dt.date(2021, 2, 11), kind=models.Kind.summary)
    fast = corpus_cache._meta(dict(values), {"title", "kind"})
    slow = models.DocumentMeta.model_construct(_fields_set={"title", "kind"}, **values)
    assert fast == slow and fast.model_fields_set == slow.model_fields_set == {"title", "kind"}
    assert fast.model_dump() == slow.model_dump() and repr(fast) == repr(slow)
    assert hash(fast) == hash(slow)  # frozen: hashable, as the constructed one
    with pytest.raises(Exception, match="frozen"):
        fast.title = "changed"  # type: ignore[misc]


def test_an_edit_that_keeps_the_size_is_seen(cached: None, three: Path, parsed: list[str]) -> None:
    load_corpus(three)
    path = three / "good.md"
    before = path.stat()
    edited = GOOD.replace("release journalists", "free the newsmakers")
    assert len(edited) == len(GOOD)
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns - 5_000_000_000))  # another mtime, in the past
    parsed.clear()
    documents, _ = _seen(three)
    assert parsed == ["good.md"]
    texts = [p[2] for p in documents[0][5]]  # type: ignore[index]
    assert "The European Parliament calls on the authorities of Kazakhstan to free the newsmakers." in texts
    assert not any("release journalists" in t for t in texts)
    assert documents == _seen(three, cache=False)[0]


def test_a_racy_edit_is_parsed_again(three: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # A filesystem whose timestamps do not show an edit made just after the file was
    # read (coarse mtime, no ctime): size and mtime stay, only the racy guard can tell.
    monkeypatch.setattr(corpus, "CACHE_MIN_PASSAGES", 0)
    monkeypatch.setattr(corpus, "file_key", lambda st: (st.st_size, st.st_mtime_ns, 0))
    assert corpus_cache.RACY_NS == 2_000_000_000
    load_corpus(three)  # stores good.md, read well within 2 s of its last change
    path = three / "good.md"
    before = path.stat()
    edited = GOOD.replace("release journalists", "free the newsmakers")
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # the stat the cache holds
    parsed.clear()
    documents, _ = _seen(three)
    assert "good.md" in parsed
    assert any("free the newsmakers" in p[2] for p in documents[0][5])  # type: ignore[index]


def test_files_copied_in_just_before_a_start_are_checked_by_their_bytes_not_parsed_again(
    three: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every file was written milliseconds before the first load: each entry is racy. The
    # next load (a restart, or a reload in the same process) compares the files' sha256 with
    # the stored ones instead of parsing them; an edit the stat does not show is parsed.
    monkeypatch.setattr(corpus, "CACHE_MIN_PASSAGES", 0)
    monkeypatch.setattr(corpus, "file_key", lambda st: (st.st_size, st.st_mtime_ns, 0))
    assert corpus_cache.RACY_NS == 2_000_000_000
    first = load_corpus(three)
    parsed.clear()
    warm = _seen(three)
    assert parsed == ["bad.md"]  # a file that cannot be served has no digest to check: parsed
    assert warm == _seen(three, cache=False)
    parsed.clear()
    path = three / "good.md"
    before = path.stat()
    path.write_text(GOOD.replace("release journalists", "free the newsmakers"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # the stat the cache holds
    again = load_corpus(three, reuse=first)  # a reload: the previous load's entries, in memory
    assert "good.md" in parsed and "inferred.txt" not in parsed
    assert any("free the newsmakers" in p.text for d in again.documents for p in d.passages)


def test_a_file_old_enough_is_trusted_despite_the_guard(
    three: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus, "CACHE_MIN_PASSAGES", 0)
    monkeypatch.setattr(corpus, "file_key", lambda st: (st.st_size, st.st_mtime_ns, 0))
    for path in three.iterdir():
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - 10_000_000_000))
    load_corpus(three)
    parsed.clear()
    load_corpus(three)
    assert parsed == []


def test_a_removed_file_disappears(cached: None, three: Path, parsed: list[str]) -> None:
    load_corpus(three)
    (three / "good.md").unlink()
    documents, problems = _seen(three)
    assert [d[0] for d in documents] == ["inferred.txt"]
    assert not any("good.md" in p for p in problems)
    assert parsed.count("good.md") == 1  # the first load only
    shard = _shard_file(three, "good.md")
    assert not shard.exists() or b"good.md" not in shard.read_bytes()  # its entry went too


def test_a_file_removed_from_a_shared_shard_leaves_it_and_an_unchanged_start_writes_none(
    cached: None, tmp_path: Path, parsed: list[str]
) -> None:
    directory = tmp_path / "many"
    _write(directory, {f"f{n}.md": GOOD.replace("Kazakhstan", f"Region{n}") for n in range(40)})  # 40 files, 32 shards
    load_corpus(directory)
    shards = sorted((directory / CACHE_DIR).glob("parse-*.bin"))
    written = {path.name: path.stat().st_mtime_ns for path in shards}
    parsed.clear()
    load_corpus(directory)  # nothing changed: served from the shards, none written again
    assert parsed == [] and {p.name: p.stat().st_mtime_ns for p in shards} == written
    shared = next(n for n in range(40) if any(shard_of(f"f{m}.md") == shard_of(f"f{n}.md") for m in range(n)))
    (directory / f"f{shared}.md").unlink()
    documents, _ = _seen(directory)
    assert f"f{shared}.md" not in [d[0] for d in documents] and len(documents) == 39
    shard = _shard_file(directory, f"f{shared}.md")
    assert f"f{shared}.md".encode() not in shard.read_bytes()  # its entry went, its neighbour's stayed
    assert parsed == []
    assert _seen(directory) == _seen(directory, cache=False)


def test_a_new_file_is_parsed_and_the_others_are_not(cached: None, three: Path, parsed: list[str]) -> None:
    load_corpus(three)
    parsed.clear()
    (three / "new.md").write_text(GOOD.replace("Kazakhstan", "Belarus"), encoding="utf-8")
    documents, _ = _seen(three)
    assert parsed == ["new.md"]
    assert [d[0] for d in documents] == ["good.md", "inferred.txt", "new.md"]
    assert documents == _seen(three, cache=False)[0]


def test_a_fixed_bad_file_is_served(cached: None, three: Path, parsed: list[str]) -> None:
    load_corpus(three)
    (three / "bad.md").write_text(BAD.replace("votes: 500\n", "kind: news_report\n"), encoding="utf-8")
    documents, problems = _seen(three)
    assert "bad.md" in [d[0] for d in documents]
    assert not any("votes" in p for p in problems)


@pytest.mark.parametrize("damage", ["truncated", "flipped-text-byte", "garbage", "empty", "extended"])
def test_a_damaged_cache_is_ignored_with_one_warning(
    cached: None, three: Path, parsed: list[str], caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    fresh = _seen(three, cache=False)
    load_corpus(three)
    shard = _shard_file(three, "good.md")
    data = shard.read_bytes()
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "flipped-text-byte":
        at = data.index(b"release journalists")
        data = data[:at] + b"R" + data[at + 1 :]  # the same length: only the checksum tells
    elif damage == "garbage":
        data = os.urandom(len(data))
    elif damage == "empty":
        data = b""
    else:
        data += b"\x00"
    shard.write_bytes(data)
    parsed.clear()
    with caplog.at_level(logging.WARNING, logger="bot.corpus.cache"):
        seen = _seen(three)
    assert seen == fresh
    assert "good.md" in parsed
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name == "bot.corpus.cache"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert shard.name in warnings[0].getMessage()
    if damage == "flipped-text-byte":
        # Passages are read when first used, so this damage is found then: the file was
        # parsed again and the shard removed; the next load writes it again, quietly.
        assert "passages of 'good.md'" in warnings[0].getMessage() and not shard.exists()
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="bot.corpus.cache"):
            assert _seen(three) == fresh
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    # The load rewrote it: the next one parses nothing and warns of nothing.
    caplog.clear()
    parsed.clear()
    with caplog.at_level(logging.WARNING, logger="bot.corpus.cache"):
        assert _seen(three) == fresh
    assert parsed == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_cache_that_cannot_be_written_still_serves_with_one_line(
    cached: None, three: Path, parsed: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    # Root ignores permission bits: a FILE named .cache makes every write fail for anyone.
    (three / CACHE_DIR).write_text("in the way", encoding="utf-8")
    fresh = _seen(three, cache=False)
    with caplog.at_level(logging.INFO, logger="bot.corpus.cache"):
        assert _seen(three) == fresh
        assert _seen(three) == fresh
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 2  # one per load
    assert all("cannot write the parse cache in " + str(three / CACHE_DIR) in line for line in lines)
    assert (three / CACHE_DIR).read_text(encoding="utf-8") == "in the way"


def test_a_new_parser_invalidates_the_cache(
    cached: None, three: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    load_corpus(three)
    # Another parser: it keeps the ** markers. Under the same version the cache still
    # answers with the old parse; under a new version the new parser is used.
    monkeypatch.setattr(passages, "clean", lambda text: text)
    parsed.clear()
    documents, _ = _seen(three)
    assert parsed == []
    assert not any("**" in p[2] for d in documents for p in d[5])  # type: ignore[index]
    monkeypatch.setattr(corpus, "_parser_version", lambda: "another parser")
    documents, _ = _seen(three)
    assert sorted(parsed) == ["bad.md", "good.md", "inferred.txt"]
    assert any("**independent media**" in p[2] for d in documents for p in d[5])  # type: ignore[index]


def test_a_shard_of_an_earlier_format_is_parsed_again_without_a_warning(
    cached: None, three: Path, parsed: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    import marshal
    import zlib

    fresh = _seen(three, cache=False)
    shard = _shard_file(three, "good.md")
    payload = marshal.dumps(([], []))
    # Format 4's header: five fields, its own parser version.
    shard.parent.mkdir(exist_ok=True)
    shard.write_bytes(b"ep-resolutions-bot-parse-cache 0123abcd 1 %d %d\n" % (len(payload), zlib.crc32(payload))
                      + payload)
    parsed.clear()
    with caplog.at_level(logging.WARNING, logger="bot.corpus.cache"):
        assert _seen(three) == fresh
    assert "good.md" in parsed
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_parser_version_follows_the_code(tmp_path: Path) -> None:
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("x = 1\n", encoding="utf-8")
    b.write_text("x = 2\n", encoding="utf-8")
    assert parser_version([a]) == parser_version([a])
    assert parser_version([a]) != parser_version([b])
    parsing = [frontmatter, metadata, passages, structure, layout, models]
    assert corpus._parser_version() == parser_version([Path(m.__file__ or "") for m in (corpus, *parsing)])


def test_every_parsing_module_is_in_the_parser_version() -> None:
    # An edit to any of them changes what a file parses to, so it must invalidate the cache.
    assert {m.__name__ for m in (frontmatter, metadata, passages, models, corpus)} <= set(corpus.PARSER)


def test_small_corpora_leave_no_cache(three: Path, parsed: list[str]) -> None:
    load_corpus(three)
    load_corpus(three)
    assert not (three / CACHE_DIR).exists()
    assert parsed.count("good.md") == 2


def test_the_cache_is_sharded_so_an_edit_rewrites_one_part(cached: None, tmp_path: Path) -> None:
    directory = tmp_path / "corpus"
    _write(directory, {f"doc-{i:03d}.md": GOOD.replace("Kazakhstan", f"country {i}") for i in range(100)})
    load_corpus(directory)
    shards = sorted((directory / CACHE_DIR).glob("parse-*.bin"))
    assert len(shards) == SHARDS
    stamps = {p.name: p.stat().st_mtime_ns for p in shards}
    (directory / "doc-007.md").write_text(GOOD.replace("Kazakhstan", "Moldova"), encoding="utf-8")
    loaded = load_corpus(directory)
    changed = [p.name for p in shards if p.stat().st_mtime_ns != stamps[p.name]]
    assert changed == [_shard_file(directory, "doc-007.md").name]
    assert "Moldova" in next(d for d in loaded.documents if d.name == "doc-007.md").citation()[0]


def test_a_reload_after_one_change_parses_that_file_only(cached: None, three: Path, parsed: list[str]) -> None:
    service = Service(three)
    assert service.ask("harassment of civil society activists").found
    parsed.clear()
    path = three / "good.md"
    path.write_text(GOOD.replace("harassment", "persecution"), encoding="utf-8")
    report = service.reload()
    assert service.wait_saved(30)  # the reload writes the parse cache after its swap
    assert parsed == ["good.md"]
    assert report.changed == ("good.md",)
    hit = service.ask("persecution of civil society activists").hits[0]
    assert hit.passage.text.startswith("an end to the persecution of civil society activists")
    assert hit.passage.lead == "It stresses that independent media are essential to any democratic society:"


def test_a_snapshot_from_the_cache_is_the_fresh_one(cached: None, three: Path) -> None:
    fresh = Snapshot.build(load_corpus(three, cache=False))
    load_corpus(three)
    warm = Snapshot.build(load_corpus(three))
    assert warm.passages == fresh.passages
    assert warm.documents == fresh.documents
    assert warm.resolutions == fresh.resolutions
    assert warm.index.size == len(fresh.passages)
    # The layout Snapshot.build makes from the documents is the one made passage by passage.
    by_passage = Layout.build(fresh.passages, fresh.documents)
    assert_same_layout(warm.layout, by_passage)
    assert warm.layout.doc_of.tolist() == [0, 0, 0, 0, 1, 1]
    texts = Mapped(warm.passages, _searchable)  # what Snapshot.build hands the index
    assert len(texts) == len(warm.passages)
    assert list(texts) == [p.searchable for p in fresh.passages] == texts[:]
    assert texts[3] == fresh.passages[3].searchable
    assert texts[3].startswith("It stresses that independent media are essential to any democratic society:\n")
    assert texts[1:3] == [p.searchable for p in fresh.passages[1:3]]


def test_the_collector_is_paused_then_back_and_frozen_only_on_success() -> None:
    import gc

    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    with corpus_cache.paused_gc():
        assert not gc.isenabled()
        kept = [[] for _ in range(10)]
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    with pytest.raises(RuntimeError), corpus_cache.paused_gc(freeze=True):
        raise RuntimeError
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    with corpus_cache.paused_gc(freeze=True):
        kept.append([])
    assert gc.isenabled() and gc.get_freeze_count() > frozen
    gc.disable()
    try:
        with corpus_cache.paused_gc():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def _rewrite_entry(shard: Path, name: str, change: Callable[[tuple[Any, ...]], tuple[Any, ...]]) -> None:
    """Rewrite ``name``'s entry in ``shard`` as ``change`` makes it: the shard stays whole and checksummed."""
    import marshal
    import zlib

    raw = shard.read_bytes()
    end = raw.index(b"\n")
    magic, version, stamp, length, _, area = raw[:end].split(b" ")
    rows = [change(row) if row[0] == name else row for row in marshal.loads(raw[end + 1 : end + 1 + int(length)])]
    payload = marshal.dumps(rows)
    header = b" ".join([magic, version, stamp, str(len(payload)).encode(), str(zlib.crc32(payload)).encode(), area])
    shard.write_bytes(header + b"\n" + payload + raw[end + 1 + int(length) :])


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda row: (*row[:4], 7, "what is this"), "unknown entry status 7"),  # no parse result
        (lambda row: (*row[:6], {**row[6], "kind": "resolution"}, *row[7:]), "unknown kind 'resolution'"),
    ],
    ids=["an unknown status", "a kind no version knows"],
)
def test_a_well_formed_shard_with_a_wrong_entry_is_parsed_again_with_one_warning(
    cached: None, three: Path, parsed: list[str], caplog: pytest.LogCaptureFixture,
    change: Callable[[tuple[Any, ...]], tuple[Any, ...]], said: str,
) -> None:
    fresh = _seen(three, cache=False)
    load_corpus(three)
    _rewrite_entry(_shard_file(three, "good.md"), "good.md", change)
    parsed.clear()
    with caplog.at_level(logging.WARNING, logger="bot.corpus.cache"):
        assert _seen(three) == fresh
    assert parsed == ["good.md"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and said in warnings[0]


def test_a_reload_takes_unchanged_files_from_memory(cached: None, three: Path, parsed: list[str]) -> None:
    service = Service(three)
    before = {d.name: d for d in service.documents()}
    shutil.rmtree(three / CACHE_DIR)  # only memory can spare the parse now
    (three / "good.md").write_text(GOOD.replace("harassment", "persecution"), encoding="utf-8")
    parsed.clear()
    report = service.reload()
    assert service.wait_saved(30)  # the reload writes the parse cache after its swap
    assert parsed == ["good.md"]
    assert report.changed == ("good.md",)
    after = {d.name: d for d in service.documents()}
    assert after["inferred.txt"] is before["inferred.txt"]  # the very objects, not a copy
    assert _seen(three, cache=False)[0] == [
        (d.name, d.citation(), d.meta, d.origins, d.digest,
         [(d.citation(p.position), p.position, p.text, p.lead, p.searchable) for p in d.passages])
        for d in service.documents()
    ]
    assert [str(p) for p in service.problems] == _seen(three, cache=False)[1]
    assert service.ask("persecution of civil society activists").found


def test_a_racy_edit_is_seen_by_a_reload(three: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus, "CACHE_MIN_PASSAGES", 0)
    monkeypatch.setattr(corpus, "file_key", lambda st: (st.st_size, st.st_mtime_ns, 0))
    service = Service(three)  # read well within 2 s of the files' last change
    path = three / "good.md"
    before = path.stat()
    path.write_text(GOOD.replace("release journalists", "free the newsmakers"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # the stat held in memory
    parsed.clear()
    service.reload()
    assert service.wait_saved(30)  # the reload writes the parse cache after its swap
    assert "good.md" in parsed
    assert service.ask("free the newsmakers Kazakhstan").hits[0].passage.text.endswith("to free the newsmakers.")


def test_a_reload_by_another_parser_parses_everything(
    cached: None, three: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    service = Service(three)
    monkeypatch.setattr(passages, "clean", lambda text: text)  # keeps the ** markers
    monkeypatch.setattr(corpus, "_parser_version", lambda: "another parser")
    parsed.clear()
    service.reload()
    assert service.wait_saved(30)  # the reload writes the parse cache after its swap
    assert sorted(parsed) == ["bad.md", "good.md", "inferred.txt"]
    assert any("**independent media**" in p.text for d in service.documents() for p in d.passages)


def test_after_a_reload_a_restart_parses_nothing_and_misses_nothing(
    cached: None, three: Path, parsed: list[str]
) -> None:
    service = Service(three)
    (three / "inferred.txt").unlink()
    (three / "new.md").write_text(GOOD.replace("Kazakhstan", "Belarus"), encoding="utf-8")
    service.reload()
    assert service.wait_saved(30)  # the reload writes the parse cache after its swap
    fresh = _seen(three, cache=False)
    parsed.clear()
    assert _seen(three) == fresh  # a new process: nothing in memory, all from the files on disk
    assert parsed == []
    assert [d[0] for d in fresh[0]] == ["good.md", "new.md"]
    assert not any(b"inferred.txt" in p.read_bytes() for p in (three / CACHE_DIR).glob("parse-*.bin"))


def test_a_file_removed_before_a_reload_leaves_its_shard(cached: None, three: Path) -> None:
    # A file sharing good.md's shard: that shard is never read by the reload (good.md
    # comes from memory), yet it must lose the removed file's entry.
    twin = next(n for n in (f"twin-{i}.md" for i in range(1000)) if shard_of(n) == shard_of("good.md"))
    (three / twin).write_text(GOOD.replace("Kazakhstan", "Azerbaijan"), encoding="utf-8")
    service = Service(three)
    shard = _shard_file(three, "good.md")
    assert twin.encode() in shard.read_bytes()
    (three / twin).unlink()
    service.reload()
    assert service.wait_saved(30)  # the reload writes the parse cache after its swap
    assert twin.encode() not in shard.read_bytes()
    assert b"good.md" in shard.read_bytes()


@pytest.mark.usefixtures("cached")
def test_the_ep_labels_and_text_number_come_back_from_the_cache(tmp_path: Path, parsed: list[str]) -> None:
    from tests.corpus.ep_texts import LAYOUTS, example, render

    directory = tmp_path / "ep"
    _write(directory, {f"{layout}.txt": render(example(), layout) for layout in LAYOUTS})
    fresh = load_corpus(directory)
    assert len(parsed) == len(LAYOUTS)
    again = load_corpus(directory)
    assert len(parsed) == len(LAYOUTS)  # nothing parsed again: every file from the shards
    assert again.documents == fresh.documents
    point = again.documents[0].passages[7].position
    assert (point.part, point.number, point.point) == ("paragraph", "1", "b")
    assert point.describe() == "paragraph 1, point (b)"
    assert {d.meta.text_id for d in again.documents} == {None, "P9_TA(2031)0056"}


def test_the_parser_version_follows_the_libraries_that_read_the_front_matter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pydantic

    source = tmp_path / "a.py"
    source.write_text("x = 1\n", encoding="utf-8")
    before = parser_version([source])
    with monkeypatch.context() as patch:
        patch.setattr(pydantic, "VERSION", "0.0-other")
        assert parser_version([source]) != before
    other_yaml = tmp_path / "yaml_init.py"
    other_yaml.write_text("__version__ = '0.0-other'\n", encoding="utf-8")
    real = corpus_cache.module_path
    with monkeypatch.context() as patch:
        patch.setattr(corpus_cache, "module_path", lambda name: other_yaml if name == "yaml" else real(name))
        assert parser_version([source]) != before
    assert parser_version([source]) == before


def test_a_load_that_parses_every_file_holds_one_files_passages_at_a_time(
    cached: None, tmp_path: Path
) -> None:
    import random
    import tracemalloc

    rng = random.Random(4)
    words = ["".join(rng.choice("abcdefghij") for _ in range(7)) for _ in range(2000)]
    directory = tmp_path / "corpus"
    directory.mkdir()
    for n in range(30):  # 30 files of 20 paragraphs of about 10 KB: 6 MB of text
        body = "\n\n".join(" ".join(rng.choices(words, k=1250)) + "." for _ in range(20))
        (directory / f"res-{n:02d}.md").write_text(f"---\ntitle: Resolution {n}\n---\n\n{body}\n", encoding="utf-8")
    fresh = load_corpus(directory, cache=False)
    total = sum(len(p.text) for d in fresh.documents for p in d.passages)
    assert total >= 6_000_000
    tracemalloc.start()
    try:
        loaded = load_corpus(directory)  # parses every file (an empty cache), then writes the cache
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Each file's passages go to disk once it is parsed: the load never held the corpus's text.
    assert peak < total / 3
    assert [list(d.passages) for d in loaded.documents] == [list(d.passages) for d in fresh.documents]
    assert [p.name for p in (directory / CACHE_DIR).iterdir() if not p.name.startswith("parse-")] == []
