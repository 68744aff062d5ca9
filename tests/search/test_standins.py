"""A name the corpus lacks searched as one it has (a capital as its country, the corpus's spelling), or a miss named."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.answers.answer import notes
from bot.answers.service import Service
from bot.cli import run_cli
from bot.telegram.render_answer import answer_note

MONTENEGRO = (
    "---\nreference: 2019/2173(INI)\nadopted: 2021-05-19\ntitle: Report on Montenegro\n---\n"
    "Parliament expressed concern about plans to change the composition of the Judicial Council of Montenegro.\n\n"
    "Parliament welcomed the release of the activist Svetlana Tsikhanukhaya from detention.\n\n"
    "Parliament regretted the delay in the negotiations on the rule of law chapters.\n"
)


@pytest.fixture
def service(tmp_path: Path) -> Service:
    (tmp_path / "montenegro.md").write_text(MONTENEGRO, encoding="utf-8")
    return Service(tmp_path)


def test_a_capital_is_searched_as_its_country_and_the_answer_says_so(service: Service) -> None:
    answer = service.ask("concerns about the Judicial Council in Podgorica")
    assert "Judicial Council of Montenegro" in answer.hits[0].passage.text
    assert answer.read_as == ("“Podgorica” as “Montenegro” (the capital of Montenegro)",)
    assert notes(answer) == ["Searched “Podgorica” as “Montenegro” (the capital of Montenegro)."]
    assert not answer.unmatched_terms
    assert "Searched “Podgorica” as “Montenegro” (the capital of Montenegro)." in answer_note(answer)


def test_a_place_whose_country_the_corpus_lacks_stays_a_named_miss(service: Service) -> None:
    answer = service.ask("concerns about the Judicial Council in Tashkent")  # Uzbekistan: not in the corpus
    assert not answer.hits and answer.unmatched_terms == ("Tashkent",) and not answer.read_as


def test_a_country_is_never_respelled_into_another(service: Service) -> None:
    answer = service.ask("negotiations with Montenegra")  # a typo of a country in the corpus is respelled ...
    assert answer.read_as == ("“Montenegra” as “Montenegro” (the corpus's spelling)",)
    answer = service.ask("rule of law chapters Macedonia")  # ... a country it lacks is not
    assert not answer.hits and answer.unmatched_terms == ("Macedonia",)


def test_a_name_spelled_another_way_is_searched_in_the_corpus_spelling(service: Service) -> None:
    answer = service.ask("Was the activist Tsikhanouskaya released?")
    assert "Tsikhanukhaya" in answer.hits[0].passage.text
    assert answer.read_as == ("“Tsikhanouskaya” as “Tsikhanukhaya” (the corpus's spelling)",)


def test_an_ordinary_misspelling_is_only_offered_as_did_you_mean(service: Service, tmp_path: Path) -> None:
    answer = service.ask("relese of the activist")
    assert answer.did_you_mean == (("relese", "release"),)
    assert answer.unmatched_terms == ("relese",) and not answer.read_as  # not searched as "release"
    out = io.StringIO()
    run_cli(["ask", "relese of the activist", "--corpus", str(tmp_path)], out)
    assert out.getvalue().startswith("Did you mean: “release” for “relese”?\n")
    assert answer.as_json()["did_you_mean"] == [{"word": "relese", "corpus_word": "release"}]
