"""A warm start makes no passage it does not serve, and what it serves is what a fresh parse gives."""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from bot.answers.service import Service
from bot.corpus import cache as corpus_cache
from bot.corpus.cache import CACHE_DIR, PassagesUnreadable, shard_of
from bot.corpus.lazy import LazyPassages
from bot.corpus.load import load_corpus
from bot.search import index_store, ranking
from bot.search.kept import read_kept
from bot.search.resolutions import Layout
from bot.search.segments import SegmentedIndex

FILES = 50
PER_FILE = 100  # 5,000 passages: the smallest corpus whose parse cache and index are saved
WORDS = "water energy trade climate budget enlargement digital media courts elections".split()


def _code(f: int, n: int) -> str:
    """A word only paragraph ``n`` of file ``f`` holds (letters: the tokenizer splits digits off)."""
    return "zz" + "".join(chr(ord("a") + int(d)) for d in f"{f:02d}{n:02d}")


def _paragraph(f: int, n: int) -> str:
    return (f"{n + 1}. Calls on the Commission to report on {WORDS[n % 10]} and {WORDS[(n // 10) % 10]} "
            f"in {_code(f, n)} before the next session;")


def _text(f: int, n: int) -> str:
    """The passage as served: the paragraph less its number."""
    return _paragraph(f, n).split(". ", 1)[1]


@pytest.fixture(autouse=True)
def trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files trusted as soon as read (here they are milliseconds old: the racy guard would parse them)."""
    monkeypatch.setattr(corpus_cache, "RACY_NS", 0)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("big") / "corpus"
    directory.mkdir()
    for f in range(FILES):
        body = "\n\n".join(_paragraph(f, n) for n in range(PER_FILE))
        (directory / f"file{f:02d}.md").write_text(
            f"---\ntitle: European Parliament resolution of 1 March 2024 on region {f}\n"
            f"reference: 2024/{2500 + f}(RSP)\nadopted: 2024-03-01\nkind: text_adopted\n---\n"
            f"The European Parliament,\n\n{body}\n",
            encoding="utf-8",
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(corpus_cache, "RACY_NS", 0)
        Service(directory)  # the first start parses every file and saves the cache and the index
    assert (directory / CACHE_DIR).is_dir() and (directory / ".index").is_dir()
    return directory


@pytest.fixture
def copied(big: Path, tmp_path: Path) -> Path:
    """A copy of ``big`` that a test may change: the module's corpus stays as it is."""
    corpus = tmp_path / "corpus"
    shutil.copytree(big, corpus)
    return corpus


def _made(service: Service) -> int:
    return sum(1 for d in service.snapshot.documents.values()
               if not isinstance(d.passages, LazyPassages) or d.passages.made)


def test_a_warm_start_reads_no_passage_and_a_question_reads_only_its_documents(big: Path) -> None:
    service = Service(big)
    assert len(service.snapshot.passages) == FILES * PER_FILE
    assert _made(service) == 0
    answer = service.ask(_code(17, 42))
    top = answer.hits[0]
    assert top.passage.text == _text(17, 42)
    assert top.passage.position.label == "paragraph 43"
    assert top.document.name == "file17.md"
    assert _made(service) <= 3  # the answer's document, not the corpus


def test_passages_damaged_in_the_cache_are_parsed_again_from_their_file(
    big: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    service = Service(big)
    shard = big / CACHE_DIR / f"parse-{shard_of('file23.md'):02d}.bin"
    data = bytearray(shard.read_bytes())
    at = data.index(_code(23, 7).encode())
    data[at] = ord("R")  # the same length: only the passages' own checksum tells
    shard.write_bytes(bytes(data))  # in place: the running bot reads this very file
    with caplog.at_level(logging.WARNING, logger="bot.corpus.cache"):
        answer = service.ask(_code(23, 7))
    assert answer.hits[0].passage.text == _text(23, 7)
    assert any("passages of 'file23.md'" in r.getMessage() and "parsed the file again" in r.getMessage()
               for r in caplog.records)
    assert not shard.exists()  # the next start writes it again
    assert Service(big).ask(_code(23, 7)).hits[0].passage.text == _text(23, 7)


def test_a_truncated_shard_under_a_running_bot_costs_a_parse_not_a_crash(big: Path) -> None:
    service = Service(big)
    shard = big / CACHE_DIR / f"parse-{shard_of('file31.md'):02d}.bin"
    with shard.open("r+b") as out:
        out.truncate(200)
    assert service.ask(_code(31, 99)).hits[0].passage.text == _text(31, 99)


def test_damaged_passages_of_a_file_changed_since_are_a_clear_error(big: Path) -> None:
    service = Service(big)
    shard = big / CACHE_DIR / f"parse-{shard_of('file40.md'):02d}.bin"
    shard.write_bytes(b"\0" * shard.stat().st_size)
    (big / "file40.md").write_text((big / "file40.md").read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    with pytest.raises(PassagesUnreadable, match="file40.md cannot be read: reload the corpus"):
        service.ask(_code(40, 1))
    report = service.reload()  # what the message asks for
    assert report.changed == ("file40.md",)
    assert service.ask(_code(40, 1)).hits[0].passage.text == _text(40, 1)


def test_a_saved_index_found_damaged_after_the_start_is_rebuilt_while_the_bot_answers(
    big: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settled = Service(big).snapshot.index  # the corpus as the earlier tests left it, merged and saved
    if isinstance(settled, SegmentedIndex):
        assert settled.wait_merged(60)
    (saved,) = [p for p in (big / ".index").iterdir() if p.is_dir() and p.name != index_store.TITLES]
    # Damaged in place, as a disk damages a file: it keeps its size (truncating a file
    # that a running process maps would be a SIGBUS, not a damaged index).
    postings = np.load(saved / "postings.npy", mmap_mode="r+")
    postings[:] = postings[::-1].copy()  # every id still a passage: only the checksum tells
    postings.flush()
    del postings
    with caplog.at_level(logging.WARNING):
        service = Service(big)  # served at once; the postings are checked meanwhile
        first = service.snapshot
        deadline = time.monotonic() + 60
        while service.snapshot is first:
            assert time.monotonic() < deadline, "the damaged index was never rebuilt"
            time.sleep(0.05)
    assert "postings.npy does not match its checksum" in caplog.text
    assert "rebuilding the index" in caplog.text
    assert service.ask(_code(12, 5)).hits[0].passage.text == _text(12, 5)
    (again,) = [p for p in (big / ".index").iterdir() if p.is_dir() and p.name != index_store.TITLES]
    index_store.load(again)  # saved again, whole (its key names the documents' new order)


def test_a_warm_start_maps_the_titles_index_saved_beside_the_corpus_index(
    big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = Service(big).snapshot.context
    assert fresh is not None
    (titles,) = (big / ".index").glob("titles.json")
    (saved,) = (big / ".index" / "titles").iterdir()

    def unbuilt(*args: object, **kwargs: object) -> None:
        raise AssertionError("the titles' index was built again")

    monkeypatch.setattr(ranking.Context, "build", unbuilt)
    monkeypatch.setattr(ranking, "tokenize", unbuilt)
    warm = Service(big).snapshot.context
    assert warm is not None and warm.titles.vocab == fresh.titles.vocab
    assert warm.documents_with("region", FILES) is not None  # every title: "... on region N"
    monkeypatch.undo()
    # Damage costs the building, no more: a damaged titles' index is built again from the
    # titles' tokens kept beside it, and damaged tokens are tokenized again.
    (saved / "idf.npy").write_bytes(b"damaged")
    again = Service(big).snapshot.context
    assert again is not None and again.titles.vocab == fresh.titles.vocab
    titles.write_text("{not json", encoding="utf-8")
    ranking._KNOWN_TITLES.clear()  # as in a new process
    shutil.rmtree(big / ".index" / "titles")
    again = Service(big).snapshot.context
    assert again is not None and again.titles.vocab == fresh.titles.vocab
    saved = json.loads(titles.read_bytes().partition(b"\n")[2])  # after the line of its CRC-32
    kept = read_kept(titles, saved["key"], saved["code"])
    assert isinstance(kept, dict) and kept == saved["value"]
    assert kept["European Parliament resolution of 1 March 2024 on region 0"].split(" ")[-2:] == ["region", "0"]


def test_a_warm_start_reads_the_layout_kept_beside_the_index_and_a_changed_date_is_seen(
    copied: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = copied
    fresh = Layout.of_documents(Service(corpus).snapshot.documents)

    def unmade(*args: object) -> Layout:
        raise AssertionError("the layout was made from the documents, not read")

    with monkeypatch.context() as patch:
        patch.setattr(Layout, "of_documents", unmade)
        warm = Service(corpus).snapshot.layout
    assert warm.adopted.tolist() == fresh.adopted.tolist() and warm.resolution_keys == fresh.resolution_keys
    assert [r.reference for r in warm.resolutions][:2] == ["2024/2500(RSP)", "2024/2501(RSP)"]
    # A file whose front matter now gives another date: the next start serves the new date.
    path = corpus / "file07.md"
    path.write_text(path.read_text(encoding="utf-8").replace("adopted: 2024-03-01", "adopted: 2023-11-22"),
                    encoding="utf-8")
    service = Service(corpus)
    assert [h.passage.text for h in service.ask(f"{_code(7, 3)} year:2023").hits] == [_text(7, 3)]
    assert service.ask(f"{_code(7, 3)} year:2024").hits == ()
    assert service.ask(f"{_code(8, 3)} year:2024").hits[0].document.name == "file08.md"


def test_a_file_whose_name_is_not_utf8_is_served_and_kept(copied: Path) -> None:
    # Linux file names are bytes: Python gives this one as "caf\udce9.md" (surrogateescape),
    # which the index key once could not encode: the whole start failed on one file name.
    os.rename(copied / "file07.md", os.fsencode(copied) + b"/caf\xe9.md")
    for _ in range(2):  # parsed and saved, then from the parse cache and the saved index
        hits = Service(copied).ask(_code(7, 3)).hits
        assert [h.passage.text for h in hits] == [_text(7, 3)] and hits[0].document.name == "caf\udce9.md"


def test_a_reload_after_an_added_file_tokenizes_that_files_title_only(
    copied: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = copied
    service = Service(corpus)
    ranking._KNOWN_TITLES.clear()  # a process that started from the saved titles' index
    tokenized: list[str] = []
    real = ranking.tokenize

    def counting(text: str) -> list[str]:
        tokenized.append(text)
        return real(text)

    monkeypatch.setattr(ranking, "tokenize", counting)
    (corpus / "added.md").write_text("# European Parliament resolution on the Examplestan harbour\n\n"
                                  "1. Calls for the harbour to reopen;\n", encoding="utf-8")
    before = service.snapshot.layout

    def unbuilt(*args: object, **kwargs: object) -> None:
        raise AssertionError("the titles' index was built again, not merged")

    with monkeypatch.context() as patch:
        patch.setattr(ranking.Context, "build", unbuilt)
        service.reload()
    assert tokenized == ["European Parliament resolution on the Examplestan harbour"]
    assert service.ask("Examplestan harbour").hits[0].document.name == "added.md"
    # The layout was extended by the added document, and is the one a fresh start makes.
    layout = service.snapshot.layout
    assert layout.documents[:FILES] == before.documents and layout.documents[-1].name == "added.md"
    fresh = Layout.of_documents(service.snapshot.documents)
    assert layout.resolution_keys == fresh.resolution_keys and layout.doc_of.tolist() == fresh.doc_of.tolist()
    # The titles' index, merged, scores as a fresh build of every title.
    merged, built = service.snapshot.context, ranking.Context.build(layout)
    assert merged is not None
    for token in ("examplestan", "harbour", "region", "resolut", "7"):
        assert merged.titles.scores([token]).tolist() == built.titles.scores([token]).tolist(), token


def _replaced_shards_open() -> list[str]:
    fds = Path("/proc/self/fd")
    links = []
    for fd in fds.iterdir():
        try:
            links.append(os.readlink(fd))
        except OSError:
            continue
    return [link for link in links if "/.cache/parse-" in link and link.endswith("(deleted)")]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_reloads_that_rewrite_shards_leave_no_replaced_shard_on_disk(big: Path) -> None:
    corpus = load_corpus(big)
    for n in range(3):
        path = big / "file05.md"
        path.write_text(path.read_text(encoding="utf-8") + f"\n{PER_FILE + 1 + n}. Notes edit {n};\n", encoding="utf-8")
        corpus = load_corpus(big, reuse=corpus)  # a reload: file05.md's shard is written again
    gc.collect()
    documents = {d.name: d for d in corpus.documents}
    # file25.md and file45.md share that shard; their passages, never read, now read the new file.
    assert [shard_of(n) for n in ("file05.md", "file25.md", "file45.md")] == [shard_of("file05.md")] * 3
    unread = [documents[n].passages for n in ("file25.md", "file45.md")]
    assert all(isinstance(p, LazyPassages) and not p.made for p in unread)
    assert _replaced_shards_open() == []
    assert documents["file25.md"].passages[60].text == _text(25, 60)


def test_a_reload_serves_the_new_file_before_the_parse_cache_is_written(
    copied: Path, monkeypatch: pytest.MonkeyPatch, parsed: list[str]
) -> None:
    corpus = copied
    service = Service(corpus)
    release = threading.Event()
    real = corpus_cache.ParseCache.save

    def held(self: corpus_cache.ParseCache) -> None:
        assert release.wait(30)
        real(self)

    monkeypatch.setattr(corpus_cache.ParseCache, "save", held)
    (corpus / "added.md").write_text("# European Parliament resolution on the Examplestan harbour\n\n"
                                     "1. Calls for the harbour to reopen;\n", encoding="utf-8")
    service.reload()  # returns while the cache's write waits
    assert service.ask("Examplestan harbour").hits[0].document.name == "added.md"
    release.set()
    assert service.wait_saved(30)  # the write, queued before, is done
    monkeypatch.setattr(corpus_cache.ParseCache, "save", real)
    parsed.clear()
    again = Service(corpus)  # a new process: every file from the cache, the added one too
    assert parsed == [] and again.ask("Examplestan harbour").hits[0].document.name == "added.md"


def test_a_parse_cache_write_that_fails_after_a_reload_is_logged(
    copied: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = copied
    service = Service(corpus)

    def broken(self: corpus_cache.ParseCache) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(corpus_cache.ParseCache, "save", broken)
    (corpus / "added.md").write_text("# On the harbour\n\n1. Calls for the harbour to reopen;\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        service.reload()
        assert service.wait_saved(30)
    assert "writing the parse cache failed" in caplog.text and "disk on fire" in caplog.text
    assert service.ask("harbour reopen").hits[0].document.name == "added.md"


def test_a_warm_start_imports_no_parser(big: Path) -> None:
    # Every file comes from the parse cache: the parser (and PyYAML) would cost 40-50 ms of
    # the start. Through the command line, whose other commands (check-corpus) need it.
    probe = (
        "import sys; from bot.__main__ import main; "
        "from bot.corpus import cache; cache.RACY_NS = 0; "  # as the fixture: files written just now
        f"code = main(['ask', {_code(3, 7)!r}, '--corpus', {str(big)!r}]); "
        "print(code, sorted(m for m in ('bot.corpus.structure', 'bot.corpus.frontmatter', "
        "'bot.corpus.metadata', 'bot.corpus.layout', 'yaml') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert _text(3, 7) in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "0 []"


def test_a_start_that_parsed_nothing_imports_the_parser_a_while_after(big: Path) -> None:
    # ... so that the first reload or upload does not pay for it.
    probe = (
        "import sys, time; from pathlib import Path; from bot.answers import service; "
        "from bot.corpus import cache; cache.RACY_NS = 0; service.PARSER_AFTER = 0.1; "
        f"s = service.Service(Path({str(big)!r})); before = 'bot.corpus.structure' in sys.modules; "
        "deadline = time.monotonic() + 20\n"
        "while 'bot.corpus.structure' not in sys.modules and time.monotonic() < deadline: time.sleep(0.05)\n"
        "print(before, 'bot.corpus.structure' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert done.stdout.strip() == "False True"
