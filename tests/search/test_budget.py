"""One question's CPU budget: repeated or many phrases cannot hold the GIL for seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers.quote import Verdict
from bot.answers.service import BadQuestion, Service
from bot.search import budget as budget_module
from bot.search import phrases as phrases_module
from bot.search import query as query_module
from bot.search.budget import Budget
from bot.search.query import parse_query
from bot.search.ranking import OutOfTime, rank_passages
from bot.search.tokens import words


@pytest.fixture
def uyghurs(tmp_path: Path) -> Service:
    """250 passages naming the Uyghurs (one file each), and others so that the word is rare."""
    for i in range(250):
        (tmp_path / f"u-{i:03d}.md").write_text(
            f"Parliament condemns the detention number {i} of Uyghurs in camps in Xinjiang.\n", encoding="utf-8"
        )
    for i in range(700):
        (tmp_path / f"f-{i:03d}.md").write_text(f"The fisheries quota number {i} was debated at length.\n")
    return Service(tmp_path)


class _Checks(Budget):
    """A budget that lasts ``n`` looks at the clock: deterministic, whatever the machine's speed."""

    def __init__(self, n: int) -> None:
        super().__init__(3600)
        self.left = n

    def spent(self) -> bool:
        self.left -= 1
        if self.left < 0:
            self.exhausted = True
        return self.exhausted


def test_a_phrase_quoted_409_times_reads_each_passage_once(
    uyghurs: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []

    def counting(text: str) -> list[str]:
        # Not the phrase or the question itself, read when the question is parsed.
        if text.lower() != "uyghurs" and not text.startswith('"uyghurs"'):
            read.append(text)
        return words(text)

    monkeypatch.setattr(phrases_module, "words", counting)
    monkeypatch.setattr(query_module, "words", counting)
    question = " ".join(['"uyghurs"'] * 409)
    assert len(question) < 4096
    answer = uyghurs.ask(question)
    assert answer.total == 250 and answer.total_complete
    # Each passage once: not 409 x 250 folds of the same texts.
    assert len(read) == 250


def test_out_of_time_with_nothing_confirmed_says_so_instead_of_no_match(
    uyghurs: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(budget_module, "QUESTION_CPU_SECONDS", 0.0)
    for ask in (uyghurs.ask, uyghurs.timeline):
        with pytest.raises(BadQuestion, match="That question took too long to check, so I stopped before"):
            ask('Xinjiang "detention number" "uyghurs in camps"')
    assert uyghurs.ask("uyghurs camps").total == 250  # no phrase to check: no Python-level reading


def test_out_of_time_part_way_never_lists_an_unchecked_passage(uyghurs: Service) -> None:
    snap = uyghurs.snapshot
    query = parse_query('"uyghurs in camps" "detention number"')
    full = rank_passages(query, snap.index, snap.passages, snap.layout, 3)
    assert full.complete and full.total == 250
    outcomes = set()
    for looks in (0, 1, 100, 249, 260, 400, 499, 10_000):
        checks = _Checks(looks)
        try:
            ranking = rank_passages(query, snap.index, snap.passages, snap.layout, 3, budget=checks)
        except OutOfTime:
            assert checks.exhausted
            outcomes.add("out of time")
            continue
        assert all("detention number" in snap.passages[i].text for i in ranking.ids)
        assert ranking.complete == (not checks.exhausted)  # incomplete: shown as "at least N"
        outcomes.add("complete" if ranking.complete else "partial")
    assert {"out of time", "complete"} <= outcomes


def test_a_quote_out_of_time_does_not_claim_what_it_did_not_read(
    uyghurs: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(budget_module, "QUESTION_CPU_SECONDS", 0.0)
    result = uyghurs.quote("Parliament condemns the detention number 7 of Uyghurs in camps")
    assert result.verdict is not Verdict.verbatim or result.more
    assert result.verdict is Verdict.verbatim or result.resolution_text_unchecked


def test_an_answer_cut_short_by_the_budget_says_so_everywhere(
    uyghurs: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from bot.answers import service as service_module
    from bot.cli import run_cli
    from bot.telegram import render_answer

    monkeypatch.setattr(service_module, "Budget", lambda: _Checks(300))  # time for a few checks only
    answer = uyghurs.ask('"detention number" "camps in Xinjiang" Uyghurs')
    assert answer.found and answer.stopped_early and not answer.total_complete
    assert answer.as_json()["stopped_early"] is True
    [message] = render_answer.render_answer(answer)
    assert "the search stopped early: more passages may match" in message
    assert f"of at least {answer.total}</b>" in message
    out = io.StringIO()
    from bot import cli

    monkeypatch.setattr(cli, "Service", lambda directory: uyghurs)
    run_cli(["ask", '"detention number" "camps in Xinjiang" Uyghurs', "--corpus", "x"], out)
    assert "the search stopped early: more passages may match" in out.getvalue()
