"""A question in another script or language is told which languages the corpus holds."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers.service import Service
from bot.cli import run_cli
from bot.search import language as language_module
from bot.search.language import corpus_languages, language_note, language_of, saved_corpus_languages, script_of
from tests.conftest import CORPUS


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("политические заключённые в Казахстане", "Cyrillic"),
        ("πολιτικοί κρατούμενοι", "Greek"),
        ("prisonniers politiques au Kazakhstan et les blogueurs", "French"),
        ("Was ist mit den Bloggern in Kasachstan?", "German"),
        ("What did Parliament say about the bloggers?", "English"),
        ("Kozlov", None),  # no sign either way: nothing is guessed
    ],
)
def test_language_of_a_question(text: str, language: str | None) -> None:
    assert language_of(text) == language


def test_the_corpus_languages_and_the_note() -> None:
    assert corpus_languages(["The Parliament called on the authorities to release the bloggers."] * 3) == ("English",)
    assert language_note("political prisoners", ("English",)) is None
    assert language_note("Kozlov", ("English",)) is None
    note = language_note("политические заключённые", ("English",))
    assert note == (
        "Your question seems to be written in Cyrillic script; the corpus holds documents in English. "
        "Ask in English, for example: “political prisoners in Kazakhstan”."
    )


def test_a_cyrillic_question_is_told_the_corpus_is_in_english(service: Service) -> None:
    answer = service.ask("политические заключённые в Казахстане")
    assert answer.hits == ()
    assert answer.language_note is not None and "the corpus holds documents in English" in answer.language_note
    out = io.StringIO()
    assert run_cli(["ask", "политические заключённые", "--corpus", str(CORPUS)], out) == 1
    assert out.getvalue().startswith("Your question seems to be written in Cyrillic script;")
    assert "No passage matches" in out.getvalue()


def test_an_english_question_gets_no_note(service: Service) -> None:
    assert service.ask("Vladimir Kozlov release").language_note is None


def test_the_corpus_languages_are_sampled_once_per_corpus(tmp_path: Path) -> None:
    sampled: list[str] = []

    def texts() -> list[str]:
        sampled.append("sampled")
        return ["The Parliament calls on the Commission to act."] * 3

    path = tmp_path / ".index" / "languages.json"
    assert saved_corpus_languages(path, "corpus-1", texts) == ("English",)
    assert not path.parent.exists()  # no saved index, no file: sampled again next time
    path.parent.mkdir()
    assert saved_corpus_languages(path, "corpus-1", texts) == ("English",)
    assert saved_corpus_languages(path, "corpus-1", texts) == ("English",)  # read back, not sampled
    assert sampled == ["sampled"] * 2
    assert saved_corpus_languages(path, "corpus-2", texts) == ("English",)  # another corpus: sampled again
    path.write_text("{not json", encoding="utf-8")
    assert saved_corpus_languages(path, "corpus-2", texts) == ("English",)  # damage costs a sample, no more
    assert len(sampled) == 4


_FUNCTION = [w for words in language_module._FUNCTION_WORDS.values() for w in words]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_FUNCTION), st.text(max_size=6)), max_size=30).map(" ".join))
def test_the_quick_counts_read_a_text_as_the_plain_ones(text: str) -> None:
    """The early stop and the counted words change no answer (the plain code, inline)."""
    letters = sum(c.isalpha() for c in text)
    if text.isascii():
        assert script_of(text) == ("Latin" if letters >= language_module.MIN_LETTERS else None)
    if script_of(text) == "Latin":
        tokens = [w.strip(".,;:!?()\"'«»“”") for w in text.lower().split()]
        votes = {name: sum(t in words for t in tokens) for name, words in language_module._FUNCTION_WORDS.items()}
        best = max(votes.values())
        leaders = [name for name, count in votes.items() if count == best]
        assert language_of(text) == (leaders[0] if best and len(leaders) == 1 else None)
