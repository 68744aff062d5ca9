"""The command line: JSON shape, plain output and exit codes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import run_cli
from bot.corpus.models import NO_MATCH
from tests.conftest import CORPUS, FIXTURES, ROOT

HIT_KEYS = {
    "rank", "score", "text", "title", "reference", "adopted", "kind", "source", "url",
    "document", "position",
}


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run_cli(list(argv), out)
    return code, out.getvalue()


def test_ask_json_shape() -> None:
    code, out = _run("ask", "Vladimir Kozlov release", "--json", "--corpus", str(CORPUS), "--top", "2")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {
        "query", "searched", "unmatched_terms", "language_note", "stopped_early", "read_as", "did_you_mean", "hits"}
    assert data["stopped_early"] is False
    assert data["language_note"] is None
    assert data["query"] == "Vladimir Kozlov release"
    assert data["unmatched_terms"] == []
    assert data["searched"]["words"] == "vladimir kozlov release" and data["searched"]["adopted"] is None
    assert len(data["hits"]) == 2
    first = data["hits"][0]
    assert HIT_KEYS <= set(first)
    assert first["rank"] == 1 and isinstance(first["score"], float)
    assert first["reference"] == "2016/2607(RSP)"
    assert first["adopted"] == "2016-03-10"
    assert first["kind"] == "summary"
    assert first["document"] == "2016-2607-kazakhstan-freedom-of-expression-oeil.md"
    assert first["position"] == {"paragraph": 8, "item": 1, "line": 24}
    assert first["url"] is None


def test_ask_plain_text_shows_passage_and_citation() -> None:
    code, out = _run("ask", "When did Parliament call for the release of Vladimir Kozlov?", "--corpus", str(CORPUS))
    assert code == 0
    assert "It called on the Kazakh authorities to:" in out
    assert "– release the opposition leader Vladimir Kozlov" in out
    assert "2016/2607(RSP) · adopted 2016-03-10 · summary, Legislative Observatory (OEIL)" in out
    assert "paragraph 8, item 1 of 2016-2607-kazakhstan-freedom-of-expression-oeil.md" in out
    assert "This is the summary's wording, not the resolution's text." in out


def test_ask_no_match_exit_1() -> None:
    code, out = _run("ask", "cryptocurrency", "--corpus", str(CORPUS))
    assert code == 1
    assert "No passage matches" in out
    code, out = _run("ask", "cryptocurrency", "--json", "--corpus", str(CORPUS))
    data = json.loads(out)
    assert code == 1 and data["hits"] == [] and data["unmatched_terms"] == ["cryptocurrency"]


def test_ask_bad_question_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run("ask", "  ", "--corpus", str(CORPUS))
    assert code == 2 and out == ""
    assert "empty" in capsys.readouterr().err
    code, out = _run("ask", "y" * 5000, "--json", "--corpus", str(CORPUS))
    assert code == 2 and "5,000 characters" in json.loads(out)["error"]


def test_ask_unknown_fields_are_shown_as_unknown(tmp_path: Path) -> None:
    (tmp_path / "bare.txt").write_text(
        "Lawmakers said on March 14 that the reservoir dam inspections must resume quickly.\n"
    )
    code, out = _run("ask", "reservoir dam", "--corpus", str(tmp_path))
    assert code == 0
    assert "Title unknown" in out
    assert "reference unknown · adoption date unknown · document of unknown kind, source unknown" in out
    data = json.loads(_run("ask", "reservoir dam", "--json", "--corpus", str(tmp_path))[1])
    assert data["hits"][0]["adopted"] is None and data["hits"][0]["reference"] is None


def test_top_must_be_a_sensible_number(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        run_cli(["ask", "Kozlov", "--top", "0"])
    assert info.value.code == 2
    assert "not between 1 and 100" in capsys.readouterr().err


def test_check_corpus_clean_exit_0() -> None:
    code, out = _run("check-corpus", str(CORPUS))
    assert code == 0
    assert "2 documents, 20 passages, 0 errors" in out
    assert "2019-2610-kazakhstan-human-rights-tca.txt: 7 passages" in out
    assert "reference: 2019/2610(RSP) (front matter)" in out
    assert "url: unknown" in out


def test_check_corpus_reads_the_files_and_leaves_no_parse_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.corpus import load as corpus_module

    monkeypatch.setattr(corpus_module, "CACHE_MIN_PASSAGES", 0)  # the bot would cache this corpus
    directory = tmp_path / "corpus"
    directory.mkdir()
    for path in CORPUS.iterdir():
        if path.is_file():
            (directory / path.name).write_bytes(path.read_bytes())
    code, out = _run("check-corpus", str(directory))
    assert code == 0 and "2 documents, 20 passages, 0 errors" in out
    assert not (directory / ".cache").exists()


def test_check_corpus_with_errors_exit_1() -> None:
    code, out = _run("check-corpus", str(FIXTURES / "mixed_corpus"))
    assert code == 1
    assert "reference: 2020/2999(RSP) (inferred)" in out
    assert "unknown-key.md:3: error: unknown key 'summary_by'" in out
    assert "latin1.txt:2: error: not UTF-8" in out


def test_python_dash_m_bot_runs_as_a_process() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "Article 174", "--json", "--corpus", str(CORPUS)],
        capture_output=True, text=True, cwd=ROOT, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Article 174" in json.loads(result.stdout)["hits"][0]["text"]


def test_help_lists_the_commands_and_says_no_command_runs_the_bot() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    for command in ("ask", "quote", "timeline", "check-corpus", "eval"):
        assert command in result.stdout
    assert "{run," not in result.stdout and " run " not in result.stdout
    assert "Without a command, python -m bot runs the Telegram bot" in " ".join(result.stdout.split())


def test_run_is_not_a_command_line_command(capsys: pytest.CaptureFixture[str]) -> None:
    # The bot runs without a command, from bot.__main__; "run" here once raised KeyError.
    with pytest.raises(SystemExit) as info:
        run_cli(["run"])
    assert info.value.code == 2
    assert "invalid choice: 'run'" in capsys.readouterr().err
    assert run_cli([]) == 2
    assert capsys.readouterr().err.startswith("usage: python -m bot")


def test_a_reader_closing_the_pipe_gets_no_traceback() -> None:
    # `python -m bot ask ... | head`: head exits first. Closing the read end before the
    # command writes makes every write fail, as it does once head has gone.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "ask", "political prisoners", "--corpus", str(CORPUS)],
            stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=60, check=False,
        )
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 141


def test_a_filter_that_left_nothing_says_so() -> None:
    # The words alone find passages; none of them is of a resolution adopted in 2016.
    code, out = _run("ask", "journalists year:2016", "--corpus", str(CORPUS))
    assert code == 1
    assert out == "Searched: adopted in 2016\n\nNo passage matches: nothing adopted in 2016 mentions journalists.\n"


def test_no_match_wording_is_the_shared_one() -> None:
    code, out = _run("ask", "cryptocurrency", "--corpus", str(CORPUS))
    assert code == 1 and out == f"Nothing in the corpus mentions: cryptocurrency\n\n{NO_MATCH}\n"
    # timeline says what ask says: the word the corpus lacks, named.
    code, out = _run("timeline", "cryptocurrency", "--corpus", str(CORPUS))
    assert code == 1 and out == f"Nothing in the corpus mentions: cryptocurrency\n\n{NO_MATCH}\n"


@pytest.mark.parametrize(
    ("topic", "said"),
    [
        ("political prisoners Uzbekistan", "Nothing in the corpus mentions: Uzbekistan\n\n"),
        ("политические заключённые", "Your question seems to be written in Cyrillic script; "),
        ("Kozlov year:2016", "Searched: adopted in 2016\n\n2016-03-10 · 2016/2607(RSP) · “release"),
        ("Kozlov Gefängnis year:2016", "Searched: adopted in 2016\n\nNothing in the corpus mentions: Gefängnis\n\n"),
    ],
)
def test_timeline_says_the_notes_ask_says(topic: str, said: str) -> None:
    # The language note, "Searched:" and the words the corpus lacks, as ask says them.
    code, out = _run("timeline", topic, "--corpus", str(CORPUS))
    assert out.startswith(said)
    _, asked = _run("ask", topic, "--corpus", str(CORPUS))
    notes = [p for p in asked.split("\n\n") if p.startswith(("Searched:", "Nothing in", "Your question"))]
    assert notes and out.startswith("\n\n".join(notes) + "\n\n")


def test_timeline_json_carries_the_notes() -> None:
    code, out = _run("timeline", "political prisoners Uzbekistan", "--json", "--corpus", str(CORPUS))
    data = json.loads(out)
    assert code == 1 and data["unmatched_terms"] == ["Uzbekistan"] and data["entries"] == []
    assert data["language_note"] is None and data["stopped_early"] is False
    assert data["searched"]["words"] == "political prisoners uzbekistan"


def test_a_timeline_entry_is_one_line_whatever_the_passage_s_line_breaks(tmp_path: Path) -> None:
    (tmp_path / "text.md").write_text(
        "---\nreference: 2019/2610(RSP)\nadopted: 2019-03-14\nkind: text_adopted\n---\n"
        "It calls on the authorities\nof Kazakhstan to:\n\n- free the jailed labour union\n  leaders without delay;\n",
        encoding="utf-8",
    )
    code, out = _run("timeline", "jailed labour union leaders", "--corpus", str(tmp_path))
    assert code == 0
    assert out == (
        "2019-03-14 · 2019/2610(RSP) · “free the jailed labour union leaders without delay;” "
        "(a list item after “It calls on the authorities of Kazakhstan to:”) — text adopted, source unknown, "
        "paragraph 2, item 1 of text.md\n"
    )


def test_timeline_quotes_the_passage_as_written(tmp_path: Path) -> None:
    (tmp_path / "text.md").write_text(
        "---\nreference: 2019/2610(RSP)\nadopted: 2019-03-14\nkind: text_adopted\n---\n"
        "Parliament notes the trials of the labour union leaders\nheld in Shymkent last winter.\n\n"
        "It calls on the authorities to:\n\n- free the jailed labour union leaders without delay;\n",
        encoding="utf-8",
    )
    code, out = _run("timeline", "labour union leaders trials Shymkent", "--corpus", str(tmp_path))
    assert code == 0
    # One resolution, one line: the passage's line break is a space, nothing else changes.
    assert out == (
        "2019-03-14 · 2019/2610(RSP) · “Parliament notes the trials of the labour union leaders "
        "held in Shymkent last winter.” — text adopted, source unknown, paragraph 1 of text.md\n"
    )
    code, out = _run("timeline", "free jailed labour union leaders delay", "--corpus", str(tmp_path))
    assert code == 0
    assert (
        "· “free the jailed labour union leaders without delay;” "
        "(a list item after “It calls on the authorities to:”) — text adopted" in out
    )


def _ep_corpus(directory: Path, layouts: tuple[str, ...] = ("web",)) -> Path:
    from tests.corpus.ep_texts import example, render

    directory.mkdir(exist_ok=True)
    for layout in layouts:
        (directory / f"examplestan-{layout}.txt").write_text(render(example(), layout), encoding="utf-8")
    return directory


def test_check_corpus_json_has_the_documented_shape(tmp_path: Path) -> None:
    directory = _ep_corpus(tmp_path / "c")
    (directory / "broken.md").write_text("---\nkind: poem\n---\nA paragraph long enough to count.\n")
    code, out = _run("check-corpus", str(directory), "--json")
    assert code == 1  # the plain form's exit code: a file with an error
    data = json.loads(out)
    assert set(data) == {"documents", "problems"}
    (doc,) = data["documents"]
    assert set(doc) == {
        "file", "title", "reference", "adopted", "kind", "source", "url", "text_id",
        "origins", "found_at_import", "parts", "passages", "left_out",
    }
    assert doc["text_id"] == "P9_TA(2031)0056" and doc["origins"]["text_id"] == "inferred"
    assert doc["adopted"] == "2031-02-11" and doc["origins"]["adopted"] == "inferred"
    assert doc["parts"] == {"citation": 3, "recital": 2, "paragraph": 3, "point": 2}
    assert doc["passages"][7] == {
        "label": "paragraph 1, point (b)", "part": "paragraph", "number": "1", "point": "b", "line": 50,
        "text": "guarantee the freedom of assembly and of association;",
    }
    assert {"line": 27, "text": "PDF 146kWORD 61k", "reason": "navigation"} in doc["left_out"]
    assert {p["file"] for p in data["problems"]} == {"broken.md"}
    assert set(data["problems"][0]) == {"file", "line", "severity", "message"}


def test_check_corpus_reports_units_per_part_and_lines_left_out(tmp_path: Path) -> None:
    code, out = _run("check-corpus", str(_ep_corpus(tmp_path / "c", ("pdf",))))
    assert code == 0
    assert "  units: 3 citations, 2 recitals (A\u2013B), 3 paragraphs (1\u20133), 2 points" in out
    assert "    line 19 (footnote): 1 OJ C 93, 9.3.2026, p. 111." in out
    assert "    line 21 (page header): PE123.456v01-00" in out
    code, out = _run("check-corpus", str(CORPUS))
    assert "  units: the file's paragraphs (a summary has no EP structure)" in out
    assert "    line 10 (heading): Resolution on freedom of expression in Kazakhstan" in out


def test_a_short_citation_is_quotable_and_cited_by_its_label(tmp_path: Path) -> None:
    directory = _ep_corpus(tmp_path / "c", ("lines",))
    code, out = _run("quote", "having regard to the Universal Declaration of Human Rights of 1948",
                     "--json", "--corpus", str(directory))
    assert code == 0
    match = json.loads(out)["matches"][0]
    assert (match["label"], match["part"], match["number"], match["point"]) == ("citation 2", "citation", "2", None)
    assert (match["file"], match["line"]) == ("examplestan-lines.txt", 8)
    code, out = _run("quote", "having regard to the Universal Declaration of Human Rights of 1948",
                     "--corpus", str(directory))
    assert "citation 2 of examplestan-lines.txt (line 8)" in out


def test_ask_json_carries_the_ep_label_and_ref_takes_the_text_number(tmp_path: Path) -> None:
    directory = _ep_corpus(tmp_path / "c", ("oj",))
    (directory / "other.md").write_text(
        "---\ntext_id: P9_TA(2031)0099\n---\nJournalists detained in Otherland must be released at once.\n"
    )
    code, out = _run("ask", "journalists detained ref:TA-9-2031-0056", "--json", "--corpus", str(directory))
    assert code == 0
    hits = json.loads(out)["hits"]
    assert {h["document"] for h in hits} == {"examplestan-oj.txt"}
    assert hits[0]["text_id"] == "P9_TA(2031)0056"
    assert {h["label"] for h in hits} >= {"recital B", "paragraph 1, point (a)"}
    code, out = _run("ask", "journalists detained", "--corpus", str(directory))
    assert "recital B of examplestan-oj.txt (line " in out


def test_a_corpus_with_problems_gets_one_note_not_a_log_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    corpus = Path(__file__).parent / "eval" / "corpus"  # 80 real documents, some without a stated reference
    out = io.StringIO()
    assert run_cli(["ask", "political prisoners in Belarus", "--corpus", str(corpus)], out) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("note: the corpus has ") and "check-corpus" in err[0]
    assert "WARNING" not in err[0]


def test_check_corpus_takes_corpus_dir_as_every_command_does(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run("check-corpus", "--corpus", str(CORPUS))
    assert code == 0 and out.startswith(f"{CORPUS}: 2 documents")
    with pytest.raises(SystemExit) as stopped:
        _run("check-corpus", str(CORPUS), "--corpus", str(CORPUS.parent))
    assert stopped.value.code == 2
    assert f"two corpus folders: {CORPUS} and --corpus {CORPUS.parent}; give one" in capsys.readouterr().err


def test_eval_half_takes_each_half_of_the_split_and_names_them_for_a_wrong_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.answers.halves import HALVES

    for half in HALVES:  # the parser's spelling of the halves is the split's
        assert run_cli(["eval", "--half", half, "--corpus", str(CORPUS)], out=io.StringIO()) == 0
    with pytest.raises(SystemExit):
        run_cli(["eval", "--half", "test", "--corpus", str(CORPUS)], out=io.StringIO())
    assert "invalid choice: 'test' (choose from 'dev', 'held-out')" in capsys.readouterr().err


def test_ask_with_its_corpus_named_imports_neither_the_settings_nor_the_evaluation_modules() -> None:
    # Every start pays for what it imports: a question needs neither (see docs/performance.md).
    probe = (
        "import sys, io; from bot.__main__ import main; "
        f"code = main(['ask', 'journalists', '--corpus', {str(CORPUS)!r}]); "
        "print(sorted(m for m in ('pydantic_settings', 'bot.answers.evaluate', 'bot.answers.halves', "
        "'bot.answers.quote', 'bot.answers.quote_result', 'bot.answers.quote_words', 'bot.answers.timeline') "
        "if m in sys.modules), code)"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[] 0"
