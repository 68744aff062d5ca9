"""Filters mean what the "Searched:" line says: one period, their words not scored, bad dates refused."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.search.query import QueryError, parse_query


def test_date_phrases_combine_into_one_period() -> None:
    query = parse_query("journalists since 2017 before 2018")
    assert [(p.start, p.end) for p in query.periods] == [(dt.date(2017, 1, 1), dt.date(2017, 12, 31))]
    assert query.describe() == ["adopted in 2017"]


def test_a_year_filter_and_a_date_phrase_combine() -> None:
    assert parse_query("prisoners year:2016-2020 after 2018").describe() == ["adopted in 2019–2020"]
    assert parse_query("prisoners since March 2019 until June 2019").describe() == [
        "adopted from 1 March 2019 to 30 June 2019"
    ]


@pytest.mark.parametrize("question", ["political prisoners since 2019", "political prisoners after 2016"])
def test_the_words_of_a_date_filter_are_not_scored(question: str) -> None:
    query = parse_query(question)
    assert query.search_tokens == ["polit", "prison"]
    assert query.periods


def test_a_date_in_passing_is_still_scored() -> None:
    assert "2016" in parse_query("bloggers in 2016").search_tokens


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("prisoners since 32 March 2019", "“32 March 2019” is not a date. Write it like 14 March 2019"),
        ("prisoners before 31 February 2019", "“31 February 2019” is not a date."),
        ("prisoners since 1800", "“1800” is out of range: resolutions are dated from 1952 to 2100."),
        ("prisoners between 2019 and 2017", "“between 2019 and 2017” ends before it starts"),
        ("prisoners year:2016 year:2019", "No date is adopted in 2016 and adopted in 2019: every date filter must"),
        ("prisoners since 2020 before 2019", "No date is adopted since 2020 and adopted before 2019"),
        ("prisoners on 30 February 2019", "“30 February 2019” is not a date."),
    ],
)
def test_impossible_or_out_of_range_dates_get_a_clear_message(question: str, message: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(question)
    assert message in str(info.value)


def test_a_bare_number_out_of_range_stays_a_word() -> None:
    query = parse_query("1800 prisoners")
    assert not query.periods and "1800" in query.search_tokens


def test_searched_in_json_names_the_period_and_phrases() -> None:
    data = parse_query('"freedom of association" since 2017 before 2018 ref:2016/2607').as_json()
    assert data["described"] == [
        "reference 2016/2607", "adopted in 2017", "the phrase “freedom of association”"
    ]
    assert data["adopted"] == {"from": "2017-01-01", "to": "2017-12-31"}
    assert data["references"] == ["2016/2607"] and data["phrases"] == ["freedom of association"]
    assert parse_query("prisoners since 2019").as_json()["adopted"] == {"from": "2019-01-01", "to": None}
