"""Keeping the corpus current without Telegram: reload, upload, remove, stats."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.answers.service import BadQuestion, NeedsConfirmation, Service, Snapshot, UploadResult
from bot.corpus import store
from bot.corpus.load import MAX_FILE_BYTES, corpus_files
from bot.corpus.models import CorpusError
from tests.conftest import CORPUS

GOOD = (
    b"---\ntitle: European Parliament resolution on reservoir safety in Sylvania\n"
    b"reference: 2021/2001(RSP)\nadopted: 2021-05-20\nkind: text_adopted\n"
    b"source: European Parliament\n---\n"
    b"Parliament calls on Sylvania to inspect every reservoir dam before the spring floods.\n"
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


def test_upload_is_served_and_survives_a_restart(corpus: Path) -> None:
    service = Service(corpus)
    assert not service.ask("reservoir dam").found
    result = service.add_document("reservoirs.md", GOOD)
    assert result.name == "reservoirs.md" and result.passages == 1 and not result.replaced
    assert result.reload.added == ("reservoirs.md",)
    assert (result.reload.passages_before, result.reload.passages_after) == (20, 21)
    hit = service.ask("reservoir dam").hits[0]
    assert hit.document.meta.reference == "2021/2001(RSP)"
    assert Service(corpus).ask("reservoir dam").hits[0].passage.text == hit.passage.text
    # Readable by the Docker image's uid 10001 as by any other user, like the shipped files.
    assert (corpus / "reservoirs.md").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("Café résolution adoptée aujourd'hui par le Parlement.".encode("latin-1"), "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        (b"", "empty file"),
        (b"x" * (MAX_FILE_BYTES + 1), "byte cap"),
        (b"---\ntitle: [unclosed\n---\nThe European Parliament adopted a resolution today on this.\n", "broken YAML"),
        (b"---\nvotes: 500\n---\nThe European Parliament adopted a resolution today on this.\n", "unknown key 'votes'"),
        (b"---\ntitle: x\n---\nToo short.\n", "no passage"),
        (
            b"---\nreference: 2016/2607(RSP)\nadopted: 2016-04-01\n---\n"
            b"The European Parliament adopted a resolution today on this matter.\n",
            "2016-03-10 in 2016-2607",
        ),
    ],
    ids=["latin1", "binary", "empty", "oversize", "broken-yaml", "unknown-key", "no-passage", "conflicting-date"],
)
def test_bad_uploads_are_refused_and_never_written(corpus: Path, data: bytes, message: str) -> None:
    service = Service(corpus)
    before = sorted(p.name for p in corpus.iterdir())
    with pytest.raises(CorpusError, match=message):
        service.add_document("upload.md", data)
    assert sorted(p.name for p in corpus.iterdir()) == before


@pytest.mark.parametrize(
    ("requested", "saved"),
    [("../../x.md", "x.md"), ("a/b/c.txt", "c.txt"), ("..\\..\\win.md", "win.md"), ("my notes.md", "my-notes.md")],
)
def test_path_traversal_names_stay_inside_the_corpus(corpus: Path, requested: str, saved: str) -> None:
    result = Service(corpus).add_document(requested, GOOD)
    assert result.name == saved
    assert (corpus / saved).read_bytes() == GOOD
    assert not (corpus.parent / "x.md").exists() and not (corpus.parent.parent / "x.md").exists()


@pytest.mark.parametrize(
    ("requested", "message"),
    [("evil\x00.md", "NUL"), (".hidden.md", "not a usable"), ("../", "not a usable"), ("run.sh", "only .txt and .md")],
)
def test_unusable_names_are_refused(corpus: Path, requested: str, message: str) -> None:
    with pytest.raises(store.StoreError, match=message):
        Service(corpus).add_document(requested, GOOD)


def test_replacing_needs_confirmation_and_keeps_the_old_file(corpus: Path) -> None:
    service = Service(corpus)
    service.add_document("reservoirs.md", GOOD)
    newer = GOOD.replace(b"spring floods", b"autumn storms")
    with pytest.raises(NeedsConfirmation):
        service.add_document("reservoirs.md", newer)
    assert (corpus / "reservoirs.md").read_bytes() == GOOD
    result = service.add_document("reservoirs.md", newer, overwrite=True)
    assert result.replaced and result.reload.changed == ("reservoirs.md",)
    assert "autumn storms" in service.ask("reservoir dam").hits[0].passage.text
    trashed = list((corpus / store.TRASH).iterdir())
    assert [p.read_bytes() for p in trashed] == [GOOD]


def test_a_replaced_file_never_goes_missing(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = Service(corpus)
    service.add_document("reservoirs.md", GOOD)
    seen: list[bool] = []
    real_replace = os.replace

    def watching_replace(src: str | Path, dst: str | Path) -> None:
        if Path(dst).name == "reservoirs.md":
            seen.append(Path(dst).exists())  # what a concurrent reload would see
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", watching_replace)
    service.add_document("reservoirs.md", GOOD.replace(b"spring", b"autumn"), overwrite=True)
    assert seen == [True]


def test_remove_moves_to_trash_and_reloads(corpus: Path) -> None:
    service = Service(corpus)
    report = service.remove_document("2019-2610-kazakhstan-human-rights-tca.txt")
    assert report.removed == ("2019-2610-kazakhstan-human-rights-tca.txt",)
    assert report.passages_after == 13
    assert all(h.document.meta.reference == "2016/2607(RSP)" for h in service.ask("political prisoners").hits)
    with pytest.raises(store.StoreError, match="no file called '../corpus/x.md'"):
        service.remove_document("../corpus/x.md")


def test_reload_reports_bad_files_and_keeps_serving(corpus: Path) -> None:
    service = Service(corpus)
    (corpus / "broken.md").write_bytes(b"---\ntitle: [\n---\nbody\n")
    report = service.reload()
    assert [p.file for p in report.problems] == ["broken.md"]
    assert report.passages_after == 20 and not report.kept_old
    assert service.ask("Kozlov").found


def test_nothing_loadable_keeps_the_old_index(corpus: Path) -> None:
    service = Service(corpus)
    for path in corpus_files(corpus):
        path.write_bytes(b"\xff\xfe broken")
    report = service.reload()
    assert report.kept_old and report.passages_after == 20
    assert service.ask("Kozlov").found


class _Gate:
    """Holds Snapshot.build until released, and tells when a caller waits for a reload."""

    def __init__(self, service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
        self.builds: list[int] = []
        self.building = threading.Event()
        self.release = threading.Event()
        self.waiting = threading.Event()
        original = Snapshot.build.__func__  # type: ignore[attr-defined]
        gate = self

        def held_build(cls: type[Snapshot], corpus: object, *args: object, **kwargs: object) -> Snapshot:
            gate.builds.append(1)
            gate.building.set()
            assert gate.release.wait(10)
            return original(cls, corpus, *args, **kwargs)  # type: ignore[no-any-return]

        class NoticingCondition(threading.Condition):
            def wait(self, timeout: float | None = None) -> bool:
                gate.waiting.set()
                return super().wait(timeout)

        monkeypatch.setattr(Snapshot, "build", classmethod(held_build))
        service._reload_cond = NoticingCondition()


def _in_thread(target: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(target()))
    thread.start()
    return thread, results


def test_two_reloads_at_once_build_once(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = Service(corpus)
    gate = _Gate(service, monkeypatch)
    first, first_report = _in_thread(service.reload)
    assert gate.building.wait(10)
    second, second_report = _in_thread(service.reload)
    assert gate.waiting.wait(10)
    gate.release.set()
    first.join()
    second.join()
    assert len(gate.builds) == 1
    assert first_report[0] is second_report[0]


def test_an_upload_during_a_reload_is_served(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = Service(corpus)
    gate = _Gate(service, monkeypatch)
    running, _ = _in_thread(service.reload)
    assert gate.building.wait(10)
    upload, results = _in_thread(lambda: service.add_document("reservoirs.md", GOOD))
    assert gate.waiting.wait(10)
    gate.release.set()
    running.join()
    upload.join()
    (result,) = results
    assert isinstance(result, UploadResult)
    # The reload that was running listed the directory before the file existed: the
    # upload must get a build of its own, and say the file was added.
    assert result.reload.added == ("reservoirs.md",)
    assert service.ask("reservoir dam").found
    assert len(gate.builds) == 2


def test_reload_during_concurrent_questions_never_fails(corpus: Path) -> None:
    service = Service(corpus)
    failures: list[str] = []
    answered = 0
    stop = threading.Event()

    def ask_forever() -> None:
        nonlocal answered
        while not stop.is_set():
            try:
                answer = service.ask("Vladimir Kozlov release")
                if not answer.found or answer.hits[0].document.meta.reference != "2016/2607(RSP)":
                    failures.append(f"bad answer: {answer}")
                answered += 1
            except Exception as exc:  # the point of the test: any failure is recorded
                failures.append(repr(exc))

    askers = [threading.Thread(target=ask_forever) for _ in range(4)]
    for thread in askers:
        thread.start()
    for i in range(15):
        name = f"extra-{i % 3}.md"
        if (corpus / name).exists():
            service.remove_document(name)
        else:
            service.add_document(name, GOOD.replace(b"2021/2001", f"2021/20{10 + i}".encode()))
    stop.set()
    for thread in askers:
        thread.join()
    assert failures == []
    assert answered > 15


def test_stats_count_answers(corpus: Path) -> None:
    service = Service(corpus)
    for _ in range(5):
        service.ask("Kozlov")
    with pytest.raises(BadQuestion):
        service.ask("")  # refused, not answered
    stats = service.stats()
    assert stats.documents == 2 and stats.passages == 20
    assert stats.answers.questions == 5
    assert stats.answers.median_ms is not None and stats.answers.p95_ms is not None
    assert stats.answers.p95_ms >= stats.answers.median_ms


def test_corpus_file_names_only_files_inside_the_corpus(corpus: Path) -> None:
    (corpus / "skipped.md").write_bytes(b"")  # a bad file can still be named, to remove it
    (corpus.parent / "outside.md").write_text("A file next to the corpus, not in it at all.")
    service = Service(corpus)
    assert service.corpus_file("skipped.md") == "skipped.md"
    for name in ["../outside.md", "nope.md", "", "sub/x.md", "x\x00.md"]:
        with pytest.raises(store.StoreError):
            service.corpus_file(name)


def test_an_upload_of_a_text_already_in_the_corpus_under_another_name_is_refused(corpus: Path) -> None:
    text = GOOD.replace(b"reference: 2021/2001(RSP)\n", b"reference: 2021/2001(RSP)\ntext_id: P9_TA(2021)0099\n")
    service = Service(corpus)
    service.add_document("reservoirs.md", text)
    with pytest.raises(CorpusError) as refused:
        service.add_document("reservoirs-again.md", text.replace(b"spring floods", b"spring floods, again"))
    assert str(refused.value) == (
        "reservoirs-again.md: error: the corpus holds this text already as reservoirs.md (same text number "
        "P9_TA(2021)0099): send it as reservoirs.md to replace that file, or remove it first"
    )
    assert not (corpus / "reservoirs-again.md").exists()
    # Under its own name it replaces the file, as asked.
    assert service.add_document("reservoirs.md", text.replace(b"floods", b"storms"), overwrite=True).replaced
