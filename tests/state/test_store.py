"""The kept state: follows and their limit, notifications once per text, unanswered questions, /forget."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.state.store import State, open_state


@pytest.fixture
def state(tmp_path: Path) -> Iterator[State]:
    opened = open_state(tmp_path)
    yield opened
    opened.close()


def test_follow_once_per_topic_and_at_most_the_limit(state: State) -> None:
    assert state.follow(1, "Kazakhstan", "kazakhstan", 1, 2).outcome == "added"
    assert state.follow(1, "KAZAKHSTAN", "kazakhstan", 1, 2).outcome == "exists"
    assert state.follow(1, "Belarus", "belarus", 1, 2).outcome == "added"
    full = state.follow(1, "Russia", "russia", 1, 2)
    assert (full.outcome, full.count) == ("full", 2)
    assert [f.topic for f in state.following(1)] == ["Kazakhstan", "Belarus"]
    assert state.following(2) == []


def test_unfollow_by_topic_or_id_only_in_its_own_chat(state: State) -> None:
    mine = state.follow(1, "Kazakhstan", "kazakhstan", 1, 20).follow
    assert mine is not None
    assert state.unfollow(2, follow_id=mine.id) is None  # another chat's button
    assert state.unfollow(1, follow_id=mine.id) == mine
    state.follow(1, "Belarus", "belarus", 1, 20)
    removed = state.unfollow(1, topic_key="belarus")
    assert removed is not None and removed.topic == "Belarus"
    assert state.following(1) == []


def test_notified_once_per_document_text(state: State) -> None:
    assert state.not_yet_notified([1, 2], "a.md", "d1") == [1, 2]
    state.mark_notified(1, "a.md", "d1")
    state.mark_notified(1, "a.md", "d1")
    assert state.not_yet_notified([1, 2], "a.md", "d1") == [2]
    assert state.not_yet_notified([1, 2], "a.md", "d2") == [1, 2]  # a new text of it


def test_unanswered_most_frequent_first_without_users(state: State) -> None:
    for question in ("weather in Paris", "Weather  in paris", "pancakes", "weather in paris"):
        state.record_unanswered(question)
    assert state.unanswered(10) == [("weather in Paris", 3), ("pancakes", 1)]


def test_forget_deletes_the_user_s_follows_and_questions_only(state: State) -> None:
    state.follow(7, "Kazakhstan", "kazakhstan", 7, 20)
    state.follow(7, "Belarus", "belarus", 7, 20)
    state.follow(-100, "Russia", "russia", 7, 20)  # a group's follow stays the group's
    state.put_question("k1", "political prisoners", 7)
    state.put_question("k2", "other", 8)
    forgotten = state.forget(7)
    assert (forgotten.follows, forgotten.questions) == (2, 1)
    assert state.following(7) == [] and [f.topic for f in state.following(-100)] == ["Russia"]
    assert state.get_question("k1") is None and state.get_question("k2") == "other"


def test_counters_add_up_across_restarts(tmp_path: Path) -> None:
    first = open_state(tmp_path)
    first.count("questions", 3)
    first.close()
    second = open_state(tmp_path)
    second.count("questions")
    assert second.counters() == {"questions": 4}
    second.close()
