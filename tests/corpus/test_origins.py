"""The front matter's origins line: how the importer found each value, read back or named when malformed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corpus.load import load_corpus


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("origins: adopted", "'adopted' is not a field and how it was found, like 'adopted (title line)'"),
        ("origins: colour (title line)", "'colour (title line)' is not a field and how it was found"),
        ("origins: adopted (title line); adopted (date line)", "'adopted' is given twice"),
    ],
)
def test_a_malformed_origins_line_is_named(tmp_path: Path, line: str, message: str) -> None:
    (tmp_path / "a.md").write_text(f"---\nreference: 2016/2607(RSP)\n{line}\n---\nThe Parliament calls for release.\n")
    corpus = load_corpus(tmp_path)
    assert not corpus.documents
    [problem] = corpus.problems
    assert problem.line == 3 and "bad value for 'origins'" in problem.message and message in problem.message


def test_origins_are_read_and_a_hand_written_file_needs_none(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "---\nadopted: 2016-03-10\norigins: adopted (the page's date line (the sitting))\n---\n"
        "The Parliament calls for release.\n")
    (tmp_path / "b.md").write_text("---\nadopted: 2016-03-10\n---\nThe Parliament calls for release.\n")
    docs = {d.name: d for d in load_corpus(tmp_path).documents}
    assert docs["a.md"].meta.recorded_origins() == {"adopted": "the page's date line (the sitting)"}
    assert docs["b.md"].meta.recorded_origins() == {}
