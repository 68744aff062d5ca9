"""A corpus large enough for a saved index takes an added or removed file without a rebuild."""

from __future__ import annotations

import logging
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.answers.service import Service
from bot.search import index_store
from bot.search.merger import Merger
from bot.search.segments import SegmentedIndex

_DRAW = random.Random(3)
WORDS = tuple(dict.fromkeys("".join(_DRAW.choice("bdfgklmnprstvz") + _DRAW.choice("aeiou") for _ in range(3))
                            for _ in range(800)))
WEIGHTS = [1 / rank for rank in range(1, len(WORDS) + 1)]  # Zipf, as words are
QUESTIONS = (f"{WORDS[30]} {WORDS[200]}", f"{WORDS[60]} {WORDS[61]} {WORDS[400]}", WORDS[150], "zanzibarium")


def _file(number: int, paragraphs: int, rng: random.Random, extra: str = "") -> str:
    body = [" ".join(rng.choices(WORDS, WEIGHTS, k=rng.randint(8, 14))).capitalize() + "." for _ in range(paragraphs)]
    if extra:
        body[0] = extra
    return (f"---\ntitle: Resolution {number} on human rights\nreference: 2020/{number:04d}(RSP)\n"
            f"adopted: 2020-{1 + number % 12:02d}-{1 + number % 28:02d}\n---\n\n" + "\n\n".join(body) + "\n")


def _merged(service: Service) -> None:
    """Wait for the background merge of the segments the reload answers from."""
    index = service.snapshot.index
    assert isinstance(index, SegmentedIndex)
    assert index.wait_merged(60)


def _answers(service: Service) -> list[list[tuple[str, str, float]]]:
    return [[(h.document.name, h.passage.text, h.score) for h in service.ask(q, top=10).hits] for q in QUESTIONS]


@pytest.fixture
def big_corpus(tmp_path: Path) -> Path:
    rng = random.Random(5)
    for number in range(101):  # 5,050 passages: from 5,000 the index is saved
        (tmp_path / f"res-{number:03d}.md").write_text(_file(number, 50, rng), encoding="utf-8")
    return tmp_path


def test_an_added_file_is_merged_in_and_answers_as_after_a_rebuild(
    big_corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    service = Service(big_corpus)
    new = _file(500, 50, random.Random(9), extra="The court heard the zanzibarium case of the journalist.")
    with caplog.at_level(logging.INFO, logger="bot.search.index_store"):
        service.add_document("new.md", new.encode())
        _merged(service)
    assert "merged 50 new passages into the saved index of 5,050" in caplog.text.replace("5050", "5,050")
    answer = service.ask("zanzibarium")
    assert [h.document.name for h in answer.hits] == ["new.md"]
    assert answer.hits[0].passage.text == "The court heard the zanzibarium case of the journalist."

    merged = _answers(service)
    assert all(merged)  # every question finds passages
    shutil.rmtree(big_corpus / ".index")
    rebuilt = Service(big_corpus)  # a fresh build, in the same order: the saved index's files first
    assert _answers(rebuilt) == merged

    # A removed file is masked: no rebuild either, and answers as a fresh build of the rest.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.search.index_store"):
        rebuilt.remove_document("res-007.md")
        _merged(rebuilt)
    assert "merged 0 new passages" in caplog.text
    masked = _answers(rebuilt)
    assert all(name != "res-007.md" for hits in masked for name, _, _ in hits)
    shutil.rmtree(big_corpus / ".index")
    assert _answers(Service(big_corpus)) == masked


@pytest.mark.parametrize("room", [True, False])
def test_a_large_merge_writes_its_postings_to_files_and_answers_as_in_memory(
    big_corpus: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, room: bool
) -> None:
    monkeypatch.setattr(index_store, "MERGE_ON_DISK_PASSAGES", 0)  # as a corpus of 10^5 passages or more
    allocated: list[str] = []
    real = index_store.on_disk

    def recorded(directory: Path) -> Any:
        allocate = real(directory)

        def counted(name: str, size: int, dtype: Any) -> Any:
            allocated.append(name)
            if not room:
                raise OSError(28, "No space left on device")
            return allocate(name, size, dtype)

        return counted

    monkeypatch.setattr(index_store, "on_disk", recorded)
    service = Service(big_corpus)
    new = _file(500, 50, random.Random(9), extra="The court heard the zanzibarium case of the journalist.")
    with caplog.at_level(logging.INFO, logger="bot.search.index_store"):
        service.add_document("new.md", new.encode())
        _merged(service)
    assert allocated[:1] == ["postings"] and (allocated == ["postings", "tf"]) is room
    assert ("merging in memory: cannot write the merge's files" in caplog.text) is not room
    assert [p.name for p in (big_corpus / ".index").iterdir() if p.name.startswith(".tmp-")] == []
    merged = _answers(service)
    assert service.ask("zanzibarium").hits[0].document.name == "new.md"
    restarted = Service(big_corpus)  # the merged index, saved and opened as a start opens it
    assert not isinstance(restarted.snapshot.index, SegmentedIndex) and _answers(restarted) == merged
    shutil.rmtree(big_corpus / ".index")
    assert _answers(Service(big_corpus)) == merged  # a fresh build


class _Held(Merger):
    """Stands in for the merging thread: holds the merges until told to run them."""

    def __init__(self) -> None:
        super().__init__()
        self.jobs: list[tuple[Any, tuple[Any, ...]]] = []

    def submit(self, function: Any, *args: Any, must_finish: bool = False) -> None:
        self.jobs.append((function, args))

    def run(self) -> None:
        for function, args in self.jobs:
            function(*args)
        self.jobs.clear()


def test_a_reload_answers_from_the_segments_before_the_merge_as_after_it(
    big_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = Service(big_corpus)
    held = _Held()
    monkeypatch.setattr(index_store, "_MERGER", held)
    new = _file(501, 50, random.Random(11), extra="The zanzibarium court convicted the journalist.")
    service.add_document("new.md", new.encode())
    service.remove_document("res-003.md")
    index = service.snapshot.index
    assert isinstance(index, SegmentedIndex) and index.segmented  # nothing merged yet
    assert [h.document.name for h in service.ask("zanzibarium").hits] == ["new.md"]
    segmented = _answers(service)
    held.run()
    assert not index.segmented
    assert _answers(service) == segmented
    shutil.rmtree(big_corpus / ".index")
    # A fresh build indexes new.md first (file-name order), the reloads last: the same
    # scores, and the same passages but for the order of ties.
    for fresh, grown in zip(_answers(Service(big_corpus)), segmented, strict=True):
        assert [score for _, _, score in fresh] == [score for _, _, score in grown]
        cut = fresh[-1][2] if len(fresh) == 10 else -1.0
        assert {hit for hit in fresh if hit[2] > cut} == {hit for hit in grown if hit[2] > cut}


def test_a_reload_keeps_the_languages_counted_until_enough_documents_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.answers import service as service_module
    from bot.search import language

    rng = random.Random(8)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(40):
        (corpus / f"r{n:02d}.md").write_text(_file(n, 3, rng), encoding="utf-8")
    service = Service(corpus)
    counted = service.snapshot.languages
    counts: list[int] = []
    real = language.corpus_languages

    def counting(texts: Any, sample: int = 2000) -> tuple[str, ...]:
        counts.append(1)
        return real(texts, sample)

    monkeypatch.setattr(language, "corpus_languages", counting)
    monkeypatch.setattr(service_module, "LANGUAGES_DRIFT", 0.05)  # 2 of 40 documents
    for n in (40, 41):
        (corpus / f"r{n:02d}.md").write_text(_file(n, 3, rng), encoding="utf-8")
        service.reload()
        assert counts == [] and service.snapshot.languages == counted  # 1, then 2 changed: kept
    (corpus / "r42.md").write_text(
        "---\ntitle: Résolution 42\n---\n\n" + "\n\n".join(
            "Le Parlement européen demande la libération immédiate des journalistes détenus." for _ in range(3)
        ) + "\n", encoding="utf-8",
    )
    service.reload()
    assert counts == [1]  # the third change since the count: counted again
    assert service.snapshot.languages_drift == 0


def _new_parser_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An upgrade that changes the parser's source: every module of it edited (a comment added)."""
    import importlib

    from bot.corpus import load

    for name in load.PARSER:
        module = importlib.import_module(name)
        assert module.__file__ is not None
        edited = tmp_path / f"{name}.py"
        edited.write_bytes(Path(module.__file__).read_bytes() + b"\n# the next version\n")
        monkeypatch.setattr(module, "__file__", str(edited))
    load._parser_version.cache_clear()
    monkeypatch.setattr(load, "_parser_version", load._parser_version.__wrapped__)


def test_a_new_parser_that_reads_the_same_passages_keeps_the_saved_index(
    big_corpus: Path, tmp_path_factory: pytest.TempPathFactory, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch, parsed: list[str],
) -> None:
    before = _answers(Service(big_corpus))
    saved = {d.name for d in (big_corpus / ".index").iterdir() if d.is_dir()}
    # Every file is parsed again (the parse cache is another parser's), into the same
    # passages: the saved index is the one served, not rebuilt (3 minutes at 10^6 passages).
    _new_parser_code(tmp_path_factory.mktemp("code"), monkeypatch)
    parsed.clear()
    with caplog.at_level(logging.INFO, logger="bot.search.index_store"):
        service = Service(big_corpus)
    assert "no saved index" not in caplog.text and "built the index" not in caplog.text
    assert len(parsed) == 101
    assert not isinstance(service.snapshot.index, SegmentedIndex)  # nothing merged in: the same index
    assert {d.name for d in (big_corpus / ".index").iterdir() if d.is_dir()} == saved
    assert _answers(service) == before


def test_a_new_parser_that_reads_one_file_otherwise_reindexes_that_file_only(
    big_corpus: Path, tmp_path_factory: pytest.TempPathFactory, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.corpus import load

    Service(big_corpus)
    real_parse = load.parse_document

    def parse_otherwise(name: str, raw: bytes) -> Any:
        # The new parser reads res-004.md's last paragraph as something else.
        if name == "res-004.md":
            raw = raw.rstrip() + b" The zanzibarium clause.\n"
        return real_parse(name, raw)

    _new_parser_code(tmp_path_factory.mktemp("code"), monkeypatch)
    monkeypatch.setattr(load, "parse_document", parse_otherwise)
    with caplog.at_level(logging.INFO, logger="bot.search.index_store"):
        service = Service(big_corpus)
        _merged(service)
    assert "merged 50 new passages into the saved index of 5,050 (50 masked)" in caplog.text.replace("5050", "5,050")
    answer = service.ask("zanzibarium")
    assert [h.document.name for h in answer.hits] == ["res-004.md"]
    assert answer.hits[0].passage.text.endswith("The zanzibarium clause.")
    merged = _answers(service)
    shutil.rmtree(big_corpus / ".index")
    assert _answers(Service(big_corpus)) == merged  # as a fresh build of what the new parser reads


def test_a_new_parser_that_reads_a_title_otherwise_is_searched_by_the_new_title(
    big_corpus: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.corpus import load

    assert not Service(big_corpus).ask("zanzibarium").hits
    real_parse = load.parse_document

    def parse_otherwise(name: str, raw: bytes) -> Any:
        return real_parse(name, raw.replace(b"Resolution 4 on human rights", b"Resolution 4 on zanzibarium"))

    _new_parser_code(tmp_path_factory.mktemp("code"), monkeypatch)
    monkeypatch.setattr(load, "parse_document", parse_otherwise)
    service = Service(big_corpus)  # the same passages, so the same saved index; not the same titles
    assert not isinstance(service.snapshot.index, SegmentedIndex)
    answer = service.ask("zanzibarium")
    assert answer.hits and {h.document.name for h in answer.hits} == {"res-004.md"}
    assert answer.hits[0].document.meta.title == "Resolution 4 on zanzibarium"
