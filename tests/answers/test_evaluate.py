"""The evaluation set, its validation, the metrics and the floor they must not fall below."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.answers.evaluate import (
    EvalSet,
    EvalSetError,
    check_against_corpus,
    evaluate,
    load_eval_set,
)
from bot.answers.service import Service
from bot.cli import run_cli
from tests.conftest import CORPUS, ROOT

QUESTIONS = ROOT / "tests" / "eval" / "questions.yaml"
# The level reached in issue 7 (plain BM25 before: MRR@5 0.885, recall@3 0.910).
# Lower only with a reason in the commit message.
MRR_FLOOR = 0.88
RECALL_FLOOR = 0.94


@pytest.fixture(scope="module")
def eval_set() -> EvalSet:
    return load_eval_set(QUESTIONS)


def test_the_set_is_big_enough_and_names_real_passages(service: Service, eval_set: EvalSet) -> None:
    answerable = [q for q in eval_set.questions if q.answers]
    assert len(answerable) >= 30
    check_against_corpus(eval_set, service.snapshot.corpus.documents, QUESTIONS)


def test_ranking_holds_the_floor(service: Service, eval_set: EvalSet) -> None:
    report = evaluate(service, eval_set)
    assert report.mrr >= MRR_FLOOR, report.misses()
    assert report.recall >= RECALL_FLOOR, report.misses()
    assert report.refused_correctly == len(report.unanswerable), report.misses()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("questions:\n  - {id: a, question: x, answers: [], extra: 1}\n",
         "questions[0].extra (question 'a'): unknown key"),
        ("questions:\n  - {id: a, question: x, answers: [{document: d.md, paragraph: 0}]}\n",
         "questions[0].answers[0].paragraph (question 'a'): Input should be greater than or equal to 1: got 0"),
        ("questions:\n  - {id: a, question: x, answers: []}\n  - {id: a, question: y, answers: []}\n",
         "question id 'a' is used twice"),
        ("questions:\n  - {id: a, question: x\n", "q.yaml:3: broken YAML"),
        ("- just a list\n", "expected a mapping"),
    ],
)
def test_bad_files_are_named_with_the_place(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(EvalSetError) as info:
        load_eval_set(_write(tmp_path, text))
    assert message in str(info.value) and "q.yaml" in str(info.value)


def test_an_answer_that_is_not_a_passage_is_named(tmp_path: Path, service: Service) -> None:
    path = _write(
        tmp_path,
        "questions:\n  - {id: ghost, question: x, answers: [{document: nope.md, paragraph: 2, item: 1}]}\n",
    )
    with pytest.raises(EvalSetError, match="question 'ghost': no passage at nope.md paragraph 2, item 1"):
        check_against_corpus(load_eval_set(path), service.snapshot.corpus.documents, path)


def test_metrics_on_a_known_case(tmp_path: Path, service: Service) -> None:
    # Kozlov: the 2016 item comes first, the 2019 report second; one of two expected
    # answers is a passage that does not rank at all for this question.
    path = _write(
        tmp_path,
        "questions:\n"
        "  - id: k\n    question: Vladimir Kozlov release\n    answers:\n"
        "      - {document: 2019-2610-kazakhstan-human-rights-tca.txt, paragraph: 5}\n"
        "      - {document: 2016-2607-kazakhstan-freedom-of-expression-oeil.md, paragraph: 4}\n",
    )
    report = evaluate(service, load_eval_set(path))
    assert report.mrr == pytest.approx(0.5)
    assert report.recall == pytest.approx(0.5)


def test_eval_command_prints_both_figures(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_cli(["eval", "--corpus", str(CORPUS), "--questions", str(QUESTIONS)], out) == 0
    text = out.getvalue()
    assert "MRR@5: " in text and "recall@3: " in text
    assert run_cli(["eval", "--corpus", str(CORPUS), "--questions", str(tmp_path / "none.yaml")], out) == 2
    assert "none.yaml: no such evaluation file; name one with --questions FILE" in capsys.readouterr().err


def test_the_default_set_is_found_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # not the repository root
    out = io.StringIO()
    assert run_cli(["eval", "--corpus", str(CORPUS)], out) == 0, capsys.readouterr().err
    assert "MRR@5: " in out.getvalue()


def test_an_answer_named_by_a_snippet_survives_renumbering(tmp_path: Path, service: Service) -> None:
    # The same Kozlov case as above, named by words of the passages instead of positions.
    path = _write(
        tmp_path,
        "questions:\n"
        "  - id: k\n    question: Vladimir Kozlov release\n    answers:\n"
        "      - {document: 2019-2610-kazakhstan-human-rights-tca.txt, contains: 'early release from jail'}\n"
        "      - {document: 2016-2607-kazakhstan-freedom-of-expression-oeil.md, contains: 'Parliament STRESSED its'}\n",
    )
    eval_set = load_eval_set(path)
    check_against_corpus(eval_set, service.snapshot.corpus.documents, path)
    report = evaluate(service, eval_set)
    assert report.mrr == pytest.approx(0.5)
    assert report.recall == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("{document: 2019-2610-kazakhstan-human-rights-tca.txt, contains: 'no such words here'}",
         "question 'g': no passage at 2019-2610-kazakhstan-human-rights-tca.txt containing “no such words here”"),
        ("{document: 2019-2610-kazakhstan-human-rights-tca.txt, contains: 'Kazakhstan'}",
         "passages match 2019-2610-kazakhstan-human-rights-tca.txt containing “Kazakhstan”; make it distinctive"),
    ],
)
def test_a_snippet_must_name_one_passage(tmp_path: Path, service: Service, answer: str, message: str) -> None:
    path = _write(tmp_path, f"questions:\n  - {{id: g, question: x, answers: [{answer}]}}\n")
    with pytest.raises(EvalSetError) as info:
        check_against_corpus(load_eval_set(path), service.snapshot.corpus.documents, path)
    assert message in str(info.value)


def test_an_answer_needs_a_place(tmp_path: Path) -> None:
    path = _write(tmp_path, "questions:\n  - {id: a, question: x, answers: [{document: d.md}]}\n")
    with pytest.raises(EvalSetError, match=r"name the passage with paragraph \(and item\), with contains, or whole"):
        load_eval_set(path)


def _kozlov_set(tmp_path: Path) -> Path:
    return _write(
        tmp_path,
        "questions:\n"
        "  - {id: k, question: Vladimir Kozlov release, answers: "
        "[{document: 2019-2610-kazakhstan-human-rights-tca.txt, contains: early release from jail}]}\n"
        "  - {id: penguins, question: penguin colonies, answers: []}\n"
        "quotes:\n"
        "  - {id: q1, quote: implement the national torture prevention mechanism, verdict: verbatim,"
        " document: 2019-2610-kazakhstan-human-rights-tca.txt}\n"
        "  - {id: q2, quote: implement the national torture mechanism quickly, verdict: not_found,"
        " document: 2019-2610-kazakhstan-human-rights-tca.txt}\n",
    )


def _split_kozlov_held_out(tmp_path: Path) -> None:
    # penguins is off-topic: its half comes from the seeded hash of its id (dev for seed 19).
    (tmp_path / "split.yaml").write_text(
        "seed: 19\ndocuments:\n  dev: [2016-2607-kazakhstan-freedom-of-expression-oeil.md]\n"
        "  held-out: [2019-2610-kazakhstan-human-rights-tca.txt]\n",
        encoding="utf-8",
    )


def _rows(lines: list[str]) -> dict[str, list[str]]:
    return {line[:34].strip(): line[34:].split() for line in lines}


def test_compare_prints_both_halves_side_by_side_with_both_baselines(tmp_path: Path) -> None:
    path = _kozlov_set(tmp_path)
    _split_kozlov_held_out(tmp_path)
    out = io.StringIO()
    assert run_cli(["eval", "--compare", "--corpus", str(CORPUS), "--questions", str(path)], out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "dev: 1 questions (0 answerable, 1 off-topic), 0 quotes, 1 document"
    assert lines[1] == "held-out: 1 questions (1 answerable, 0 off-topic), 2 quotes, 1 document"
    assert lines[2].split() == ["dev", "held-out"]
    assert lines[3].split() == ["bot", "rank-bm25", "bm25s"] * 2
    rows = _rows(lines[4:])
    assert rows["off-topic with no passage"][:3] == ["1/1", "1/1", "1/1"]
    assert rows["off-topic with no passage"][3:] == ["0/0", "0/0", "0/0"]
    assert rows["answerable that lost their answer"][3:] == ["0/1", "0/1", "0/1"]
    assert rows["quote verdicts right"][:3] == ["-", "-", "-"]
    assert rows["quote verdicts right"][4:] == ["-", "-"]
    assert rows["quote verdicts right"][3] in {"1/2", "2/2"}


def test_half_prints_one_half_and_json_carries_both(tmp_path: Path) -> None:
    path = _kozlov_set(tmp_path)
    _split_kozlov_held_out(tmp_path)
    args = ["eval", "--compare", "--corpus", str(CORPUS), "--questions", str(path)]
    out = io.StringIO()
    assert run_cli([*args, "--half", "held-out"], out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("held-out: 1 questions (1 answerable")
    assert lines[1].split() == ["held-out"] and lines[2].split() == ["bot", "rank-bm25", "bm25s"]
    assert not any(line.startswith("dev") for line in lines)

    out = io.StringIO()
    assert run_cli([*args, "--json"], out) == 0
    data = json.loads(out.getvalue())
    assert data["split"] == {"file": str(tmp_path / "split.yaml"), "seed": 19}
    assert set(data["halves"]) == {"dev", "held-out"}
    held = data["halves"]["held-out"]
    assert held["documents"] == 1
    assert set(held["systems"]) == {"bot", "rank-bm25", "bm25s"}
    assert held["systems"]["bot"]["answerable"] == 1 and held["systems"]["bot"]["quotes"] == 2
    assert held["systems"]["rank-bm25"]["quotes"] is None
    assert data["halves"]["dev"]["systems"]["bot"]["off_topic_with_no_passage"] == 1


def test_details_list_dev_misses_and_held_out_ones_only_when_asked(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "questions:\n"
        "  - {id: wrong, question: penguin colonies, answers: "
        "[{document: 2019-2610-kazakhstan-human-rights-tca.txt, contains: early release from jail}]}\n",
    )
    _split_kozlov_held_out(tmp_path)
    args = ["eval", "--corpus", str(CORPUS), "--questions", str(path), "--details"]
    out = io.StringIO()
    assert run_cli(args, out) == 0
    assert "wrong:" not in out.getvalue()
    assert "misses (held-out): not listed; tune on dev only (--half held-out lists them)" in out.getvalue()
    out = io.StringIO()
    assert run_cli([*args, "--half", "held-out"], out) == 0
    assert "  wrong: " in out.getvalue()


def test_compare_without_bm25s_installed_leaves_its_column_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_bm25s(name: str, *args: object, **kwargs: object) -> object:
        if name == "bm25s":
            raise ImportError("No module named 'bm25s'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_bm25s)
    monkeypatch.delitem(__import__("sys").modules, "bm25s", raising=False)
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    out = io.StringIO()
    path = _kozlov_set(tmp_path)
    assert run_cli(["eval", "--compare", "--corpus", str(CORPUS), "--questions", str(path)], out) == 0
    assert "note: bm25s is not installed (pip install -e '.[test]'): its column is left out" in err.getvalue()
    lines = out.getvalue().splitlines()
    assert lines[3].split() == ["bot", "rank-bm25"] * 2
    assert len(_rows(lines[4:])["MRR@5"]) == 4


def test_a_quote_naming_a_missing_document_is_refused(tmp_path: Path, service: Service) -> None:
    path = _write(
        tmp_path,
        "questions:\n  - {id: a, question: x, answers: []}\n"
        "quotes:\n  - {id: q, quote: some words, verdict: not_found, document: nowhere.md}\n",
    )
    with pytest.raises(EvalSetError, match="quote 'q': no document nowhere.md"):
        check_against_corpus(load_eval_set(path), service.snapshot.corpus.documents, path)


def test_a_document_the_split_file_does_not_list_is_named_with_its_half(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _kozlov_set(tmp_path)
    (tmp_path / "split.yaml").write_text(
        "seed: 19\ndocuments:\n  held-out: [2019-2610-kazakhstan-human-rights-tca.txt]\n", encoding="utf-8"
    )
    assert run_cli(["eval", "--corpus", str(CORPUS), "--questions", str(path)], io.StringIO()) == 0
    err = capsys.readouterr().err
    assert "note: 1 document not in " in err and "placed by the seeded hash (add it to the file)" in err
    # Its half by the hash (the committed split.yaml puts it in dev: listed documents never move).
    assert "2016-2607-kazakhstan-freedom-of-expression-oeil.md: held-out" in err


def test_a_bad_split_file_is_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _kozlov_set(tmp_path)
    (tmp_path / "split.yaml").write_text("seed: 19\ndocuments:\n  train: [a.md]\n", encoding="utf-8")
    assert run_cli(["eval", "--corpus", str(CORPUS), "--questions", str(path)], io.StringIO()) == 2
    assert "split.yaml: documents.train" in capsys.readouterr().err
