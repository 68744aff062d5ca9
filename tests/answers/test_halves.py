"""The evaluation set's split by document: committed once, stable as documents are added."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers.evaluate import EvalQuestion, EvalQuote, EvalSetError, PassageRef
from bot.answers.halves import DEV, HELD_OUT, Split, hashed_half, load_split
from bot.corpus.load import load_corpus
from tests.conftest import ROOT

EVAL = ROOT / "tests" / "eval"


def _question(id_: str, *documents: str) -> EvalQuestion:
    return EvalQuestion(
        id=id_, question="q", answers=tuple(PassageRef(document=d, contains="word") for d in documents)
    )


def test_the_committed_split_lists_every_document_of_the_real_corpus_once() -> None:
    split = load_split(EVAL / "split.yaml")
    names = [doc.name for doc in load_corpus(EVAL / "corpus", cache=False).documents]
    assert split.unlisted(names) == []
    assert set(split.documents) == set(names)  # nothing listed that the corpus lacks
    dev = sum(split.document_half(n) == DEV for n in names)
    assert abs(dev - (len(names) - dev)) <= len(names) // 5  # two halves of about the same size


def test_the_first_split_is_pinned() -> None:
    # The 35 documents split in issue 19: they never move, whatever is added later.
    split = load_split(EVAL / "split.yaml")
    assert split.seed == 19
    assert split.document_half("2019-2610-kazakhstan-human-rights-tca.txt") == HELD_OUT
    assert split.document_half("2016-2607-kazakhstan-freedom-of-expression-oeil.md") == DEV
    first = [n for n in split.documents if n.endswith((".md", ".txt"))]
    assert len(first) >= 35


def test_a_new_document_takes_the_seeded_hash_and_moves_no_other() -> None:
    before = Split(19, {"a.md": DEV, "b.md": HELD_OUT})
    after = Split(19, {**before.documents, "c.md": hashed_half(19, "c.md")})
    for name in ("a.md", "b.md"):
        assert before.document_half(name) == after.document_half(name)
    assert before.document_half("c.md") == after.document_half("c.md")  # unlisted: the same hash
    # The hash is fixed for ever (sha256 of "seed:name"), not Python's per-process hash():
    # these halves are pinned.
    assert [hashed_half(19, f"doc-{i}.md") for i in range(6)] == [DEV, HELD_OUT, DEV, DEV, HELD_OUT, DEV]
    halves = {hashed_half(19, f"doc-{i}.md") for i in range(40)}
    assert halves == {DEV, HELD_OUT}


def test_a_question_follows_its_documents_and_one_spanning_both_goes_to_held_out() -> None:
    split = Split(19, {"a.md": DEV, "b.md": HELD_OUT, "c.md": DEV})
    assert split.question_half(_question("x", "a.md", "c.md")) == DEV
    assert split.question_half(_question("x", "b.md")) == HELD_OUT
    assert split.question_half(_question("x", "a.md", "b.md")) == HELD_OUT


def test_off_topic_questions_and_quotes_without_a_document_go_by_the_hash_of_their_id() -> None:
    split = Split(19, {"a.md": DEV, "b.md": HELD_OUT})
    for id_ in ("off-climate", "off-tourism", "penguins"):
        assert split.question_half(_question(id_)) == hashed_half(19, id_)
    quote = EvalQuote(id="q-x", quote="words", verdict="not_found")
    assert split.quote_half(quote) == hashed_half(19, "q-x")
    placed = EvalQuote(id="q-x", quote="words", verdict="verbatim", document="b.md")
    assert split.quote_half(placed) == HELD_OUT


def test_a_missing_split_file_places_everything_by_the_hash(tmp_path: Path) -> None:
    split = load_split(tmp_path / "split.yaml")
    assert split.path is None and split.document_half("a.md") == hashed_half(19, "a.md")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("seed: 19\ndocuments:\n  dev: [a.md]\n  held-out: [a.md]\n", "'a.md' is listed twice (dev and held-out)"),
        ("seed: 19\ndocuments:\n  train: [a.md]\n", "documents.train"),
        ("seed: [19\n", "broken YAML"),
    ],
)
def test_a_bad_split_file_is_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "split.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EvalSetError) as info:
        load_split(path)
    assert str(path) in str(info.value) and message in str(info.value)
