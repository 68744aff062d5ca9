"""Tokens: one word pattern with spans on the original text, per-thread stemmers, text checks."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from bot.search import tokens
from bot.search.tokens import MAX_TEXT_CHARS, TextMessages, check_text, tokenize, word_spans, words
from tests.conftest import ROOT

MESSAGES = TextMessages(
    empty="empty!", too_long="{length:,} over {limit:,}", no_words="no words!", common_words="common!"
)


def test_word_spans_point_at_the_words_as_written() -> None:
    text = "Kozlov’s case, 2016/2607(RSP) of 10/03/2016: the Hauptstraße’s ﬁnal word"
    spans = word_spans(text)
    assert [s.word for s in spans] == words(text)
    assert [text[s.start : s.end] for s in spans] == [
        "Kozlov’s", "case", "2016/2607(RSP)", "of", "10/03/2016", "the", "Hauptstraße’s", "ﬁnal", "word",
    ]
    # A word's search tokens are the same whether taken from its span or from the whole text.
    assert [t for s in spans for t in tokenize(text[s.start : s.end])] == tokenize(text)


def test_each_thread_stems_with_its_own_stemmer() -> None:
    # PyStemmer's Stemmer is not safe to share between threads.
    seen: list[object] = []

    def work() -> None:
        seen.append(tokens._stemmer())
        assert tokens._stemmer() is seen[-1]  # made once per thread

    workers = [threading.Thread(target=work) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len({id(s) for s in seen}) == 3
    assert tokenize("Parliament resolutions") == ["parliament", "resolut"]


def test_importing_the_search_modules_stems_nothing() -> None:
    code = (
        "import bot.search.query, bot.answers.quote, bot.answers.service, bot.search.tokens as t; "
        "print(hasattr(t._local, 'stemmer'), t._stem.cache_info().currsize)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "0"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty!"),
        (" \n\t", "empty!"),
        ("x" * (MAX_TEXT_CHARS + 1), "4,097 over 4,096"),
        ("… — ?!", "no words!"),
        ("what is the", "common!"),
    ],
)
def test_check_text_names_what_is_wrong_in_the_callers_words(text: str, message: str) -> None:
    with pytest.raises(LookupError) as info:
        check_text(text, MESSAGES, LookupError)
    assert str(info.value) == message


def test_check_text_gives_the_stripped_text_and_its_tokens() -> None:
    assert check_text("  release of Kozlov \n", MESSAGES, ValueError) == ("release of Kozlov", ["releas", "kozlov"])
    padded = " " + "k" * MAX_TEXT_CHARS + " "
    assert check_text(padded, MESSAGES, ValueError)[0] == "k" * MAX_TEXT_CHARS
