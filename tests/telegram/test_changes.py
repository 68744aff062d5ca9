"""What a corpus change calls for: one notice per chat and document, for its best topic, none already sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answers.follows import check_topic, text_digest
from bot.answers.service import Service
from bot.state.store import State, open_state
from bot.telegram.changes import plan_notices
from tests.conftest import NEW_RESOLUTION, grown_corpus

NEW = NEW_RESOLUTION


@pytest.fixture
def grown(tmp_path: Path) -> Service:
    return Service(grown_corpus(tmp_path, {"new.md": NEW}))


@pytest.fixture
def state(tmp_path: Path) -> Iterator[State]:
    opened = open_state(tmp_path / "data")
    yield opened
    opened.close()


def follow(state: State, service: Service, chat: int, topic: str) -> None:
    checked = check_topic(service.snapshot, topic)
    state.follow(chat, checked.topic, checked.key, chat, 20)


def test_a_chat_with_two_matching_topics_gets_one_notice_and_nobody_twice(grown: Service, state: State) -> None:
    follow(state, grown, 1, "political prisoners Kazakhstan")
    follow(state, grown, 1, "release political prisoners")
    follow(state, grown, 2, "political prisoners Kazakhstan")
    follow(state, grown, 3, "bloggers freedom of expression")  # the older resolutions, not the new one
    notices = plan_notices(grown.snapshot, state, {"new.md"})
    assert sorted((n.chat_id, n.document) for n in notices) == [(1, "new.md"), (2, "new.md")]
    assert all(n.match.hit.passage.text.startswith("Calls on the authorities of Kazakhstan") for n in notices)
    state.mark_notified(1, "new.md", text_digest(grown.snapshot.documents["new.md"]))
    assert [n.chat_id for n in plan_notices(grown.snapshot, state, {"new.md"})] == [2]


def test_a_document_no_longer_served_calls_for_nothing(grown: Service, state: State) -> None:
    follow(state, grown, 1, "political prisoners Kazakhstan")
    assert plan_notices(grown.snapshot, state, {"gone.md"}) == []
