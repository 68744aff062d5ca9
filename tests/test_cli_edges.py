"""Command-line edges a new user meets in the first hour: one clear line, never a traceback."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import run_cli
from tests.conftest import CORPUS, ROOT

BASE_ENV = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}


def _bot(cwd: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv], capture_output=True, text=True, cwd=cwd,
        env=BASE_ENV | env, timeout=60, check=False,
    )


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return run_cli(list(argv), out), out.getvalue()


def test_an_empty_corpus_dir_setting_is_refused_not_the_current_folder(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("Vladimir Kozlov is mentioned in this readme, not in a resolution.\n")
    result = _bot(tmp_path, "ask", "Kozlov", CORPUS_DIR="")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "Bad setting CORPUS_DIR: CORPUS_DIR is empty: set it to the corpus folder, or unset it for ./corpus"
    ]


def test_an_empty_corpus_option_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        run_cli(["ask", "Kozlov", "--corpus", ""])
    assert info.value.code == 2
    assert "argument --corpus: the corpus folder is empty: give the path of a folder" in capsys.readouterr().err


def test_a_file_given_as_the_corpus_folder_is_named_as_a_file(tmp_path: Path) -> None:
    result = _bot(tmp_path, "ask", "Kozlov", "--corpus", str(ROOT / "README.md"))
    assert result.returncode == 2
    assert result.stderr.strip().endswith(f"{ROOT / 'README.md'}: error: is a file, not a folder")


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ([], "no .txt or .md file: the folder is empty"),
        (["report.pdf", "page.html"],
         "no .txt or .md file; ignored: page.html (not .txt or .md), report.pdf (not .txt or .md)"),
        (["2016/resolution.md"],
         "no .txt or .md file; ignored: 2016/ (a folder: only the files directly inside are read)"),
    ],
    ids=["empty", "pdf-and-html", "subfolder"],
)
def test_check_corpus_calls_an_unusable_folder_unusable(tmp_path: Path, files: list[str], reason: str) -> None:
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("The European Parliament calls for the release of Vladimir Kozlov.\n")
    code, out = _run("check-corpus", str(tmp_path))
    assert code == 1  # was 0: "0 documents ... 0 errors"
    assert f"{tmp_path}: 0 documents, 0 passages, 1 error, 0 warnings" in out
    assert f"  {tmp_path}: error: {reason}" in out


def test_an_env_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes("CORPUS_DIR=corpus\nADMIN_IDS=12 # Zoë\n".encode("utf-16"))
    for argv in (["ask", "Kozlov"], []):
        result = _bot(tmp_path, *argv)
        assert result.returncode == 2
        assert result.stderr.strip().splitlines() == [
            f"Cannot read {tmp_path / '.env'}: not UTF-8 (byte 0xff on line 1); save it as UTF-8"
        ], argv


def test_an_ascii_terminal_gets_degraded_output_not_a_traceback(tmp_path: Path) -> None:
    result = _bot(tmp_path, "ask", "Kozlov", "--corpus", str(CORPUS), PYTHONIOENCODING="ascii")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "2016/2607(RSP) ? adopted 2016-03-10 ? summary" in result.stdout


@pytest.mark.parametrize("top", ["1000", "0", "abc", "2.5"])
def test_top_out_of_range_says_the_allowed_range(top: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        run_cli(["ask", "Kozlov", "--top", top])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --top: {top} is not between 1 and 100 (a whole number from 1 to 100)" in err
    assert "_positive" not in err


def test_unquoted_words_are_one_question() -> None:
    code, out = _run("ask", "release", "of", "Vladimir", "Kozlov", "--corpus", str(CORPUS), "--json")
    assert code == 0
    assert '"query": "release of Vladimir Kozlov"' in out
    code, out = _run("timeline", "Vladimir", "Kozlov", "--corpus", str(CORPUS))
    assert code == 0 and "2016-03-10 · 2016/2607(RSP)" in out
    code, out = _run("quote", "release", "the", "opposition", "leader", "--corpus", str(CORPUS))
    assert code == 0 and out.startswith("Verbatim")
