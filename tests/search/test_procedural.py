"""Passages on the procedure alone (citations, "tabled by", vote counts) yield to the units that answer,
unless the question asks about that procedure (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers.service import Service

TEXT = """---
title: "European Parliament resolution of 10 March 2016 on Examplestan"
reference: 2016/2999(RSP)
adopted: 2016-03-10
kind: text_adopted
---
European Parliament resolution of 10 March 2016 on Examplestan (2016/2999(RSP))

The European Parliament,

– having regard to the reports on journalists detained in Examplestan,

– having regard to Rule 144 of its Rules of Procedure,

A. whereas dozens of editors were jailed last year;

B. whereas, with regard to journalists, the reports they file are censored by the authorities of the country;

1. Calls for the immediate release of the journalists detained in Examplestan for their reporting;
"""

SUMMARY = "\n\n".join((
    '---\ntitle: "Resolution on Examplestan"\nreference: 2016/2999(RSP)\nadopted: 2016-03-10\nkind: summary\n---',
    "The European Parliament adopted by 512 votes to 30, with 40 abstentions, a resolution on Examplestan.",
    "The text adopted in plenary was tabled by the EPP, S&D, Renew and Greens/EFA groups.",
    "Members deplored the closing of newspapers in Examplestan and the blocking of independent websites, "
    "and asked for the tabled charges against bloggers to be withdrawn.",
    "Members asked that the people of Examplestan be free to vote in fair elections and that the groups "
    "tabled for dissolution be allowed to register again.",
)) + "\n"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    folder: Path = tmp_path_factory.mktemp("procedural")
    (folder / "2016-examplestan-ta.md").write_text(TEXT, encoding="utf-8")
    (folder / "2016-examplestan-oeil.md").write_text(SUMMARY, encoding="utf-8")
    return Service(folder)


def _first(service: Service, question: str) -> str:
    answer = service.ask(question, top=5)
    assert answer.hits, question
    return answer.hits[0].passage.text


def test_the_paragraph_that_answers_comes_before_a_citation_holding_the_same_words(service: Service) -> None:
    # Plain BM25 puts the short citation first: it holds both words in a few.
    assert _first(service, "journalists detained in Examplestan").startswith("Calls for the immediate release")


# Each question below has a unit that is not on the procedure but shares its words (the
# recital B "with regard to journalists", the summary's "vote ... groups tabled"): the
# procedural passage the question asks about keeps its score and comes first.
def test_a_citation_answers_a_question_on_what_the_resolution_cited(service: Service) -> None:
    assert _first(service, "which reports on journalists did the resolution have regard to").startswith(
        "having regard to the reports"
    )


def test_the_vote_count_answers_how_meps_voted(service: Service) -> None:
    assert _first(service, "how did MEPs vote on Examplestan").startswith("The European Parliament adopted by 512")


def test_the_groups_that_tabled_it_answer_who_tabled_it(service: Service) -> None:
    assert _first(service, "which groups tabled it").startswith("The text adopted in plenary was tabled")
