"""Topics to follow: what is refused and why, the digest that ignores spacing, and matching a new document."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.answers.follows import BadTopic, check_topic, clean_topic, match_topic, text_digest, topic_key
from bot.answers.service import Service
from tests.conftest import NEW_RESOLUTION, grown_corpus

NEW = NEW_RESOLUTION
OTHER = (
    "---\ntitle: European Parliament resolution on reservoir safety in Sylvania\nreference: 2021/2001(RSP)\n"
    "adopted: 2021-05-20\nkind: text_adopted\nsource: European Parliament\n---\n"
    "Parliament calls on Sylvania to inspect every reservoir dam before the spring floods.\n"
)


@pytest.fixture
def grown(tmp_path: Path) -> Service:
    return Service(grown_corpus(tmp_path, {"new.md": NEW, "other.md": OTHER}))


@pytest.mark.parametrize(
    ("topic", "reason"),
    [
        ("", "Please name a topic to follow"),
        ("   \n ", "Please name a topic to follow"),
        ("Kazakhstan " * 30, "please keep it under 200"),
        ("Kazakhstan\u200b bloggers", "invisible or control characters"),
        ("the of and", "only common words"),
        ("pancake recipes", "nothing in the corpus mentions pancake, recipes"),
        ("world cup football", "nothing in the corpus mentions world, cup, football"),  # generic words: off-topic
    ],
)
def test_refused_topics_say_why(service: Service, topic: str, reason: str) -> None:
    with pytest.raises(BadTopic, match=reason):
        check_topic(service.snapshot, topic)


def test_a_topic_nothing_matches_today_is_accepted_and_said(service: Service) -> None:
    checked = check_topic(service.snapshot, "Kazakhstan   year:2030")
    assert (checked.topic, checked.key) == ("Kazakhstan year:2030", "kazakhstan year:2030")
    assert not checked.matches_today
    assert check_topic(service.snapshot, "bloggers Kazakhstan").matches_today


@pytest.mark.parametrize("topic", ["Turkmenistan", "human rights in Turkmenistan", "Uzbekistan journalists"])
def test_a_subject_the_corpus_does_not_hold_yet_can_be_followed(service: Service, topic: str) -> None:
    checked = check_topic(service.snapshot, topic)  # a resolution on it may come: that is what following is for
    assert checked.topic == topic and not checked.matches_today


def test_topics_differ_by_words_not_case_or_spacing() -> None:
    assert topic_key(clean_topic(" Political  Prisoners\nKazakhstan ")) == "political prisoners kazakhstan"


def test_the_digest_ignores_spacing_but_not_words(service: Service) -> None:
    document = service.documents()[0]
    passages = document.passages
    respaced = dataclasses.replace(
        document, passages=tuple(dataclasses.replace(p, text=p.text.replace(" ", "  \n")) for p in passages)
    )
    reworded = dataclasses.replace(
        document, passages=(dataclasses.replace(passages[0], text=passages[0].text + " Not."), *passages[1:])
    )
    assert text_digest(respaced) == text_digest(document) != text_digest(reworded)


def test_a_new_document_on_the_topic_matches_with_its_best_passage_and_an_unrelated_one_does_not(
    grown: Service,
) -> None:
    found = match_topic(grown.snapshot, "political prisoners Kazakhstan", ["new.md", "other.md"])
    assert list(found) == ["new.md"]
    assert found["new.md"].hit.passage.text.startswith("Calls on the authorities of Kazakhstan to release")
    assert match_topic(grown.snapshot, "reservoir dams", ["new.md"]) == {}
    assert list(match_topic(grown.snapshot, "reservoir dams", ["new.md", "other.md"])) == ["other.md"]
