"""Asking the service: ranking on the shipped corpus and the messages for bad questions."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.answers.service import BadQuestion, Service


def test_kozlov_question_ranks_the_2016_list_item_first(service: Service) -> None:
    answer = service.ask("When did Parliament call for the release of Vladimir Kozlov?")
    first = answer.hits[0]
    assert first.passage.text.startswith("release the opposition leader Vladimir Kozlov")
    assert first.passage.lead == "It called on the Kazakh authorities to:"
    assert first.document.meta.reference == "2016/2607(RSP)"
    assert first.document.meta.adopted == dt.date(2016, 3, 10)
    # Only the two passages about Kozlov: "Parliament" and "call" alone are no match (issue 7).
    assert [h.passage.document[:9] for h in answer.hits] == ["2016-2607", "2019-2610"]
    assert [h.rank for h in answer.hits] == [1, 2]
    assert answer.hits[0].score >= answer.hits[1].score


def test_absent_topic_gets_no_passage(service: Service) -> None:
    answer = service.ask("cryptocurrency")
    assert not answer.found and answer.total == 0


def test_non_latin_question_gets_no_passage(service: Service) -> None:
    assert not service.ask("Казахстан политзаключённые").found


def test_html_hostile_question_is_just_words(service: Service) -> None:
    answer = service.ask("<b>Kozlov</b> & <script>alert(1)</script>")
    assert answer.hits[0].passage.text.startswith("release the opposition leader Vladimir Kozlov")


def test_numbers_and_references_are_searchable(service: Service) -> None:
    hit = service.ask("Article 174").hits[0]
    assert "Article 174" in hit.passage.text


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ("what is the and of it?", "only common words"),
        ("x" * 4097, "4,097 characters"),
    ],
)
def test_bad_questions_get_a_clear_message(service: Service, question: str, message: str) -> None:
    with pytest.raises(BadQuestion, match=message):
        service.ask(question)


def test_a_4096_character_question_is_answered(service: Service) -> None:
    question = ("Kozlov " * 700)[:4096]
    assert service.ask(question).found


def test_offset_pages_through_results(service: Service) -> None:
    first = service.ask("political prisoners", top=1)
    second = service.ask("political prisoners", top=1, offset=1)
    assert first.hits[0].passage != second.hits[0].passage
    assert second.hits[0].rank == 2
    assert first.total == second.total >= 2


def test_sources_lists_each_resolution_oldest_first(service: Service) -> None:
    resolutions = service.sources()
    assert [r.reference for r in resolutions] == ["2016/2607(RSP)", "2019/2610(RSP)"]
    assert resolutions[0].adopted == dt.date(2016, 3, 10)
    assert [d.meta.source for d in resolutions[1].documents] == ["Times of Central Asia"]


def test_summary_and_news_wording_is_flagged(service: Service) -> None:
    hits = service.ask("political repression").hits
    notes = {h.document.meta.kind: h.document.wording_note for h in hits}
    for note in notes.values():
        assert note is not None and "not the resolution's text" in note


@pytest.mark.parametrize(
    "question",
    ["Kozlov year:" + "9" * 4080, "Kozlov ref:" + "x" * 4080, 'Kozlov "' + "of the " * 580 + '"'],
    ids=["huge-year", "huge-ref", "huge-common-phrase"],
)
def test_refusals_repeat_only_a_short_part_of_what_was_typed(service: Service, question: str) -> None:
    from bot.telegram import render

    with pytest.raises(BadQuestion) as info:
        service.ask(question)
    message = str(info.value)
    assert len(message) < 400, message
    assert "…" in message  # the echoed value was shortened, and says so
    assert len(render.bad_question("x " * 5000)) <= render.MAX_MESSAGE
