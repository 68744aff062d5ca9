"""Titles as a context field: plain passage scoring stays rank-bm25's, and the context only adds."""

from __future__ import annotations

from pathlib import Path

import pytest
from rank_bm25 import BM25Okapi

from bot.answers.service import Service
from bot.search.query import parse_query
from bot.search.ranking import Context, rank_passages
from bot.search.tokens import tokenize
from tests.conftest import ROOT

REAL_CORPUS = ROOT / "tests" / "eval" / "corpus"


@pytest.fixture(scope="module")
def real() -> Service:
    return Service(REAL_CORPUS)


@pytest.mark.parametrize("question", ["bloggers journalists", "political prisoners Belarus", "Ryanair flight"])
def test_plain_passage_scoring_equals_rank_bm25(real: Service, question: str) -> None:
    snap = real.snapshot
    okapi = BM25Okapi([tokenize(p.searchable) for p in snap.passages])
    query = parse_query(question)
    plain = rank_passages(query, snap.index, snap.passages, snap.layout, 10)
    expected = okapi.get_scores(query.search_tokens)
    assert plain.ids and plain.scores == [expected[i] for i in plain.ids]


def test_a_zero_title_weight_scores_as_plain_bm25(real: Service) -> None:
    # The title still counts as a shared word (a passage on bloggers in a resolution on
    # Kazakhstan matches), but with weight 0 every score is rank-bm25's.
    snap = real.snapshot
    okapi = BM25Okapi([tokenize(p.searchable) for p in snap.passages])
    query = parse_query("Which bloggers did Parliament want freed in Kazakhstan?")
    zero = rank_passages(query, snap.index, snap.passages, snap.layout, 10, Context.build(snap.layout, weight=0.0))
    expected = okapi.get_scores(query.search_tokens)
    assert zero.ids and zero.scores == [expected[i] for i in zero.ids]


def test_the_title_adds_only_the_words_a_passage_lacks(real: Service) -> None:
    snap = real.snapshot
    assert snap.context is not None
    query = parse_query("political prisoners Kazakhstan")
    ranked = rank_passages(query, snap.index, snap.passages, snap.layout, 3, snap.context)
    # The passages about Kazakhstan come first; a title full of "political prisoners"
    # (the 2023 Navalny resolution's) adds nothing to a passage already holding them.
    assert all("kazakhstan" in snap.passages[i].document for i in ranked.ids)


def test_unmatched_words_found_in_a_title_are_not_named(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "---\ntitle: European Parliament resolution on Examplestan\nkind: text_adopted\n---\n"
        "Calls for the release of the bloggers detained for their posts online.\n",
        encoding="utf-8",
    )
    answer = Service(tmp_path).ask("bloggers in Examplestan")
    assert answer.unmatched_terms == () and answer.hits


# A user's own resolution *on* press freedom beside the shipped corpus (issue 19): its
# paragraphs speak of journalists, newspapers and websites, never of "press freedom".
PRESS_FREEDOM = """---
title: "European Parliament resolution of 10 March 2016 on press freedom in Examplestan"
reference: 2016/2999(RSP)
adopted: 2016-03-10
kind: text_adopted
---
European Parliament resolution of 10 March 2016 on press freedom in Examplestan (2016/2999(RSP))

The European Parliament,

– having regard to its previous resolutions on Examplestan,

A. whereas journalists and editors in Examplestan are harassed, detained and prosecuted for their reporting;

1. Calls on the authorities of Examplestan to release every journalist detained for reporting;

2. Urges the authorities to stop closing newspapers and broadcasters and blocking websites;
"""


@pytest.fixture
def press_corpus(tmp_path: Path) -> Service:
    for shipped in (ROOT / "corpus").iterdir():
        if shipped.suffix in (".md", ".txt"):
            (tmp_path / shipped.name).write_bytes(shipped.read_bytes())
    (tmp_path / "2016-press-freedom-ta.md").write_text(PRESS_FREEDOM, encoding="utf-8")
    return Service(tmp_path)


def test_a_resolution_on_the_topic_is_found_by_its_title_though_no_paragraph_repeats_it(
    press_corpus: Service,
) -> None:
    # Before: five passages matching only "freedom" (on Kazakhstan) and none of this one.
    answer = press_corpus.ask("press freedom", top=5)
    assert answer.hits[0].document.name == "2016-press-freedom-ta.md"
    assert answer.hits[0].document.meta.reference == "2016/2999(RSP)"


def test_one_word_of_a_title_alone_finds_its_resolution(press_corpus: Service) -> None:
    # Before: "No passage matches: the corpus does not speak about that", unmatched_terms
    # empty: "press" stands in a title, so it is no absent word, yet no passage held it.
    answer = press_corpus.ask("press", top=5)
    assert answer.hits
    assert {h.document.name for h in answer.hits} == {"2016-press-freedom-ta.md"}
    assert answer.unmatched_terms == ()


def test_the_timeline_of_a_title_word_lists_its_resolution(press_corpus: Service) -> None:
    timeline = press_corpus.timeline("press freedom")
    entry = next(e for e in timeline.entries if e.reference == "2016/2999(RSP)")
    # Its first unit that says something stands for it, not its first citation.
    assert entry.hit.passage.text.startswith("whereas journalists and editors")


def test_a_word_in_no_passage_and_no_title_is_still_named_absent(press_corpus: Service) -> None:
    answer = press_corpus.ask("press freedom Uzbekistan", top=5)
    assert not answer.hits
    assert answer.unmatched_terms == ("Uzbekistan",)
