"""Question understanding: filters, references, dates, phrases and common words."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers.service import BadQuestion, Service
from bot.search.query import QueryError, parse_query

OEIL = "2016-2607-kazakhstan-freedom-of-expression-oeil.md"
TCA = "2019-2610-kazakhstan-human-rights-tca.txt"


def _docs(service: Service, question: str, top: int = 10) -> list[str]:
    return [h.document.name for h in service.ask(question, top=top).hits]


def test_year_filter_keeps_only_that_year(service: Service) -> None:
    answer = service.ask("year:2016 opposition leader in prison", top=10)
    assert answer.hits[0].passage.text.startswith("release the opposition leader Vladimir Kozlov")
    assert {h.document.meta.adopted.year for h in answer.hits if h.document.meta.adopted} == {2016}
    assert answer.understood is not None and answer.understood.describe() == ["adopted in 2016"]


def test_ref_filter_full_and_partial(service: Service) -> None:
    assert set(_docs(service, "ref:2019/2610(RSP) harassment of activists")) == {TCA}
    assert set(_docs(service, "ref:2019/2610 harassment of activists")) == {TCA}
    assert not service.ask("ref:2019/2611 harassment").found


def test_reference_in_the_question_matches_exactly(service: Service) -> None:
    assert set(_docs(service, "What does 2016/2607(RSP) say about torture?")) == {OEIL}
    assert set(_docs(service, "what does 2016/2607 say about activists")) == {OEIL}
    assert not service.ask("What does 2016/2608(RSP) say about torture?").found


def test_reference_alone_lists_that_resolution(service: Service) -> None:
    answer = service.ask("2019/2610(RSP)")
    assert answer.found and {h.document.name for h in answer.hits} == {TCA}
    assert answer.hits[0].passage.text.startswith("ASTANA (TCA)")


def test_malformed_filters_name_the_value(service: Service) -> None:
    with pytest.raises(BadQuestion, match="year:20x6 is not a year"):
        service.ask("year:20x6 torture")
    with pytest.raises(BadQuestion, match=r"ref:2016-2607 is not a procedure reference"):
        service.ask("ref:2016-2607 torture")


def test_a_date_in_passing_puts_that_resolution_first(service: Service) -> None:
    # Both resolutions speak of Kozlov's release; the year says which to show first,
    # and the other still follows.
    assert _docs(service, "Kozlov's release, March 2019") == [TCA, OEIL]
    assert _docs(service, "Kozlov's release in 2016") == [OEIL, TCA]


def test_since_and_before_filter_by_adoption_date(service: Service) -> None:
    assert set(_docs(service, "political prisoners and activists since 2019")) == {TCA}
    assert set(_docs(service, "activists before 2019")) == {OEIL}
    assert set(_docs(service, "activists between 2015 and 2017")) == {OEIL}
    assert not service.ask("activists after March 2019").found


def test_only_a_date_lists_what_was_adopted_then(service: Service) -> None:
    assert set(_docs(service, "What did Parliament say in 2019?")) == {TCA}


def test_quoted_phrase_must_stand_as_a_phrase(service: Service) -> None:
    hits = service.ask('Did they mention "freedom of association"?', top=10).hits
    assert hits and all("freedom of association" in h.passage.text for h in hits)
    assert not service.ask('"association freedom"').found
    # Curly quotes, as phones type them, work the same.
    assert service.ask("\u201cfair trial\u201d").hits[0].document.name == TCA


def test_common_words_alone_are_no_match(service: Service) -> None:
    with pytest.raises(BadQuestion, match="nearly every passage"):
        service.ask("What did the Parliament's resolution say about Kazakhstan?")
    assert not service.ask("What did Parliament say about Kazakhstan's space programme?").found
    # With a real topic the common words still help rank, and only topic passages match.
    hits = service.ask("Kazakhstan torture").hits
    assert [h.passage.text for h in hits] == ["implement the national torture prevention mechanism;"]


def test_a_refusal_repeats_the_words_as_the_user_wrote_them(service: Service) -> None:
    with pytest.raises(BadQuestion) as refused:
        service.ask("Kazakhstan")
    assert str(refused.value).startswith("“Kazakhstan” is in nearly every passage")
    with pytest.raises(BadQuestion) as refused:
        service.ask("What did the European PARLIAMENT say about Kazakhstan?")
    assert "“European”, “PARLIAMENT”, “Kazakhstan” are in nearly every passage" in str(refused.value)
    with pytest.raises(BadQuestion, match="The phrase “Of The” has only common words"):
        service.ask('Kazakhstan "Of The"')
    answer = service.ask('"Freedom of Association"')
    assert answer.found and answer.understood.describe() == ["the phrase “Freedom of Association”"]


def test_a_filter_makes_common_words_enough(service: Service) -> None:
    assert set(_docs(service, "ref:2016/2607 Kazakhstan")) == {OEIL}


def test_undated_documents_never_pass_a_date_filter(tmp_path: Path) -> None:
    (tmp_path / "undated.txt").write_text(
        "Lawmakers said that the reservoir dam inspections must resume quickly.\n"
    )
    service = Service(tmp_path)
    assert service.ask("reservoir dam").found
    assert service.ask("reservoir dam in 2020").found  # a preference, not a filter
    assert not service.ask("year:2020 reservoir dam").found
    assert not service.ask("reservoir dam since 2020").found


def test_parse_query_reads_dates_at_their_precision() -> None:
    query = parse_query("What did MEPs say on 14 March 2019 and in March 2016?")
    spans = [(p.start, p.end) for p in query.preferred]
    assert (dt.date(2019, 3, 14), dt.date(2019, 3, 14)) in spans
    assert (dt.date(2016, 3, 1), dt.date(2016, 3, 31)) in spans
    assert "2019" not in query.terms and "14" not in query.terms
    assert parse_query("Article 174 and 1000 prisoners").preferred == ()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("year:ref2016/7(RSP) \"“”-sinceMarch14abc.")), max_size=60))
def test_parse_query_never_fails_but_with_a_message(text: str) -> None:
    try:
        parse_query(text)
    except QueryError as exc:
        assert str(exc).endswith(".")


@pytest.mark.parametrize("asked", ["ref:1998/0031R(NLE)", "ref:1998/0031r(nle)", "ref:1998/0031", "1998/0031R(NLE)"])
def test_an_interim_report_reference_is_a_filter(asked: str) -> None:
    query = parse_query(f"{asked} consent".lower())
    assert query.matches_reference("1998/0031R(NLE)")
    assert not query.matches_reference("1998/0032R(NLE)") and not query.matches_reference(None)
    assert "0031" not in " ".join(query.terms)


def test_a_reversed_year_span_is_called_so_not_out_of_range(service: Service) -> None:
    with pytest.raises(BadQuestion, match=r"year:2019-2016 ends before it starts: write the earlier year first, "
                                          r"for example year:2016-2019\."):
        service.ask("year:2019-2016 torture")


@pytest.mark.parametrize(
    ("question", "favoured"),
    [
        ("human rights defenders in 2016", True),
        ("what was said on 10 March 2016 about bloggers", True),
        ("what did the 2019 resolution say about trade unions", True),
        ("Montenegro 2020 elections first change of power", False),  # the year of an election
        ("Who were the rapporteurs on the 2020 EU budget?", False),  # the year of a budget
    ],
)
def test_a_date_favours_what_was_adopted_then_only_when_it_says_when_parliament_spoke(
    question: str, favoured: bool
) -> None:
    query = parse_query(question)
    assert bool(query.preferred) is favoured
    assert ("favouring texts adopted" in " ".join(query.describe())) is favoured
    assert query.date_terms  # the year is searched either way


def test_a_favoured_year_does_not_outrank_the_passage_that_answers(tmp_path: Path) -> None:
    # "the 2020 elections" named in a 2021 text must not lose to any 2020 text that mentions elections.
    (tmp_path / "a.md").write_text(
        "---\nreference: 2021/0001(RSP)\nadopted: 2021-06-10\n---\n"
        "The 2020 parliamentary elections in Montenegro brought the first change of power.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text(
        "---\nreference: 2020/0002(RSP)\nadopted: 2020-09-17\n---\n"
        "The Parliament discussed elections and the budget.\n", encoding="utf-8")
    (tmp_path / "c.md").write_text(
        "---\nreference: 2019/0003(RSP)\nadopted: 2019-04-18\n---\n"
        "The Parliament discussed elections and the budget.\n", encoding="utf-8")
    service = Service(tmp_path)
    assert service.ask("Montenegro 2020 elections first change of power").hits[0].document.name == "a.md"
    # Said of when the Parliament spoke, a close call goes to the text adopted then.
    assert [h.document.name for h in service.ask("what did Parliament say about the budget in 2019").hits] == [
        "c.md", "b.md"]
    assert [h.document.name for h in service.ask("what did Parliament say about the budget in 2020").hits] == [
        "b.md", "c.md"]
