"""Filters as per-document arrays, and quoted phrases that never make the bot read every passage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers.service import BadQuestion, Service
from bot.corpus.models import Document, DocumentMeta, Passage, Position
from bot.search import phrases as phrases_module
from bot.search import ranking as search
from bot.search.query import Period, Query, parse_query
from bot.search.ranking import rank_passages
from bot.search.resolutions import Layout
from bot.search.tokens import tokenize, words

PHRASE = "labour union leaders"


def _document(name: str, reference: str | None, adopted: dt.date | None) -> Document:
    meta = DocumentMeta(reference=reference, adopted=adopted, kind=None)
    passage = Passage(name, Position(1, None, 1), "text")
    return Document(name, meta, {}, (passage,), name)


def test_a_phrase_of_common_words_only_is_refused_with_a_message(service: Service) -> None:
    with pytest.raises(BadQuestion, match="The phrase “of the” has only common words"):
        service.ask('w5 "of the"')
    with pytest.raises(BadQuestion, match="only common words"):
        service.timeline('political prisoners "to be or not"')


def _phrase_corpus(tmp_path: Path, with_phrase: int, without: int) -> Path:
    """Passages that all hold the phrase's words; only ``with_phrase`` of them hold the phrase."""
    paragraphs = [f"Passage {i}: the {PHRASE} were jailed in Zhanaozen." for i in range(with_phrase)]
    paragraphs += [f"Passage {i}: union members said the leaders of labour were jailed." for i in range(without)]
    # Passages on other topics, so that "jailed" is not in nearly every passage.
    paragraphs += [f"Passage {i}: the fisheries quota was debated." for i in range(100)]
    for i, text in enumerate(paragraphs):
        year = 2010 + i % 10
        (tmp_path / f"doc-{i:03d}.md").write_text(
            f"---\nreference: {year}/{i:04d}(RSP)\nadopted: {year}-05-10\nkind: text_adopted\n---\n{text}\n",
            encoding="utf-8",
        )
    return tmp_path


@pytest.fixture
def counted_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every passage the search reads word for word (to check a phrase in it), recorded."""
    calls: list[str] = []

    def counting(text: str) -> list[str]:
        if text != PHRASE:  # the phrase itself is read once per question
            calls.append(text)
        return words(text)

    monkeypatch.setattr(phrases_module, "words", counting)
    return calls


def test_a_common_phrase_is_checked_only_among_the_best_passages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted_checks: list[str]
) -> None:
    service = Service(_phrase_corpus(tmp_path, with_phrase=6, without=30))
    question = f'jailed "{PHRASE}"'
    everything = service.ask(question, top=10)  # 36 candidates: within the budget, all checked
    assert everything.total == 6 and all(PHRASE in h.passage.text for h in everything.hits)
    counted_checks.clear()
    monkeypatch.setattr(search, "PHRASE_CHECKS", 8)
    answer = service.ask(question, top=3)
    assert 0 < len(counted_checks) <= 8  # not the 36 passages holding the words
    assert [h.passage for h in answer.hits] == [h.passage for h in everything.hits[:3]]
    assert all(PHRASE in h.passage.text for h in answer.hits)
    # Not every candidate was checked: the count is a lower bound, so More ▸ stays offered.
    assert not answer.total_complete and answer.total >= 3


def test_the_count_is_marked_incomplete_when_not_every_candidate_was_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = Service(_phrase_corpus(tmp_path, with_phrase=2, without=30))
    snap = service.snapshot
    monkeypatch.setattr(search, "PHRASE_CHECKS", 4)
    query = parse_query(f'jailed "{PHRASE}"')
    ranking = rank_passages(query, snap.index, snap.passages, snap.layout, 3)
    assert not ranking.complete
    assert all(PHRASE in snap.passages[i].text for i in ranking.ids)
    monkeypatch.setattr(search, "PHRASE_CHECKS", 1000)
    ranking = rank_passages(query, snap.index, snap.passages, snap.layout, 3)
    assert ranking.complete and ranking.total == 2


def test_a_timeline_with_a_common_phrase_checks_a_bounded_number_of_passages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted_checks: list[str]
) -> None:
    service = Service(_phrase_corpus(tmp_path, with_phrase=3, without=30))
    full = service.timeline(f'jailed "{PHRASE}"')
    assert full.complete and len(full.entries) == 3
    counted_checks.clear()
    monkeypatch.setattr(search, "PHRASE_CHECKS", 5)
    partial = service.timeline(f'jailed "{PHRASE}"')
    assert 0 < len(counted_checks) <= 5
    assert all(PHRASE in e.hit.passage.text for e in partial.entries)
    assert not partial.complete and partial.as_json()["complete"] is False


def test_unknown_adoption_dates_pass_no_date_filter(tmp_path: Path) -> None:
    (tmp_path / "dated.md").write_text(
        "---\nreference: 1958/0001(RSP)\nadopted: 1958-05-10\n---\nThe steel workers were jailed.\n",
        encoding="utf-8",
    )
    (tmp_path / "undated.md").write_text("---\nreference: 1958/0002(RSP)\n---\nThe steel workers were freed.\n")
    service = Service(tmp_path)
    assert [h.document.name for h in service.ask("steel workers before 1960").hits] == ["dated.md"]
    assert [h.document.name for h in service.ask("steel workers year:1952-2100").hits] == ["dated.md"]
    assert [h.document.name for h in service.ask("steel workers ref:1958/0002").hits] == ["undated.md"]
    assert {h.document.name for h in service.ask("steel workers in 1958").hits} == {"dated.md", "undated.md"}
    assert service.ask("steel workers in 1958").hits[0].document.name == "dated.md"


DATES = st.one_of(st.none(), st.dates(dt.date(1950, 1, 1), dt.date(2030, 12, 31)))
REFERENCES = st.one_of(
    st.none(), st.builds(lambda n, s: f"2016/{n:04d}({s})", st.integers(2600, 2603), st.sampled_from(["RSP", "INI"]))
)


@settings(max_examples=60, deadline=None)
@given(
    docs=st.lists(st.tuples(REFERENCES, DATES), min_size=1, max_size=12),
    spans=st.lists(st.tuples(DATES, DATES), max_size=3),
    wanted=st.lists(
        st.sampled_from(["2016/2600", "2016/2601(RSP)", "2016/2602(INI)", "2016/2603", "2017/2600"]), max_size=2
    ),
)
def test_the_layout_arrays_agree_with_the_query_rules(
    docs: list[tuple[str | None, dt.date | None]],
    spans: list[tuple[dt.date | None, dt.date | None]],
    wanted: list[str],
) -> None:
    documents = {f"d{i}.md": _document(f"d{i}.md", ref, day) for i, (ref, day) in enumerate(docs)}
    passages = [p for d in documents.values() for p in d.passages]
    layout = Layout.build(passages, documents)
    periods = tuple(
        Period(a or dt.date.min, b or dt.date.max, "span") for a, b in spans
    )
    query = Query(text="q", terms="q", references=tuple(wanted), periods=periods, preferred=periods)
    metas = [d.meta for d in layout.documents]
    assert layout.adopted_in(periods).tolist() == [query.in_preferred(m.adopted) for m in metas]
    assert layout.with_reference(query).tolist() == [
        bool(wanted) and query.matches_reference(m.reference) for m in metas
    ]


def _authority_corpus(tmp_path: Path, news: str) -> Service:
    (tmp_path / "ta.md").write_text(
        "---\nreference: 2023/2573(RSP)\nadopted: 2023-03-15\nkind: text_adopted\n---\n"
        "Calls for the release of Andrzej Poczobut and Ales Bialiatski.\n", encoding="utf-8")
    (tmp_path / "news.md").write_text(
        f"---\nreference: 2023/2573(RSP)\nadopted: 2023-03-15\nkind: news_report\n---\n{news}\n", encoding="utf-8")
    return Service(tmp_path)


def test_the_text_adopted_comes_before_a_news_report_that_answers_about_as_well(tmp_path: Path) -> None:
    service = _authority_corpus(tmp_path, "MEPs called for the release of Andrzej Poczobut and Ales Bialiatski.")
    hits = service.ask("release of Poczobut and Bialiatski").hits
    assert [h.document.meta.kind.value for h in hits if h.document.meta.kind] == ["text_adopted", "news_report"]


def test_a_news_report_that_answers_much_better_stays_first(tmp_path: Path) -> None:
    service = _authority_corpus(
        tmp_path, "Poczobut was sentenced to eight years; Bialiatski, a Nobel laureate, to ten years in prison.")
    hits = service.ask("how many years in prison were Poczobut and Bialiatski sentenced to").hits
    assert hits[0].document.name == "news.md"


def test_a_question_in_the_other_spelling_finds_the_passage(tmp_path: Path) -> None:
    # "recognise" in the question, "recognize" in a news report quoting the resolution.
    (tmp_path / "ta.md").write_text(
        "---\nreference: 2024/2567(RSP)\nadopted: 2024-02-29\nkind: text_adopted\n---\n"
        "Calls on the Member States not to recognize the results of the presidential elections.\n\n"
        "Condemns the results of the crackdown on the opposition.\n", encoding="utf-8")
    hits = Service(tmp_path).ask("should the EU recognise the results?").hits
    assert "recognize" in hits[0].passage.text
    assert tokenize("recognise organisations") == tokenize("recognize organizations")
    # -ize is read as -ise, not the other way: the stemmer keeps "supervise" with "supervision".
    for verb, noun in (("supervise", "supervision"), ("revise", "revision"), ("precise", "precision")):
        assert tokenize(verb) == tokenize(noun), verb



def _dated_corpus(tmp_path: Path) -> Service:
    (tmp_path / "ta.md").write_text(
        "---\nreference: 2019/0001(NLE)\nadopted: 2020-02-12\nkind: text_adopted\n---\n"
        "Welcomes the signed partnership agreement as a step forward.\n\n"
        "Recalls that the partnership agreement was signed in Brussels on 27 June 2012.\n\n"
        "Notes that 650 members backed the partnership agreement signed after talks.\n",
        encoding="utf-8")
    # Passages on other topics, so that the question's words are rare.
    (tmp_path / "other.md").write_text(
        "---\nreference: 2019/0002(RSP)\nadopted: 2020-02-12\nkind: text_adopted\n---\n"
        + "\n\n".join(f"Paragraph {i} on the fisheries quota." for i in range(12)) + "\n", encoding="utf-8")
    return Service(tmp_path)


def test_a_question_asking_when_or_how_many_puts_a_passage_stating_one_first(tmp_path: Path) -> None:
    service = _dated_corpus(tmp_path)
    assert service.ask("the signed partnership agreement").hits[0].passage.text.startswith("Welcomes")
    assert "27 June 2012" in service.ask("When was the partnership agreement signed?").hits[0].passage.text
    assert not service.ask("How many signed the partnership agreement?").hits[0].passage.text.startswith("Welcomes")


def test_a_question_asking_how_parliament_voted_puts_the_tally_first(tmp_path: Path) -> None:
    (tmp_path / "ta.md").write_text(
        "---\nreference: 2019/0003(INI)\nadopted: 2021-06-24\nkind: text_adopted\n---\n"
        "having regard to its resolution of 29 November 2018 on the Commission report on Montenegro,\n\n"
        "Recalls that its committee held a vote on amendments to the draft report on the rule of law and the "
        "judiciary in Montenegro;\n", encoding="utf-8")
    (tmp_path / "oeil.md").write_text(
        "---\nreference: 2019/0003(INI)\nadopted: 2021-06-24\nkind: summary\n---\n"
        "The European Parliament adopted by 595 votes to 66, with 34 abstentions, a resolution on the "
        "Commission reports on Montenegro.\n\nMembers welcomed the progress made by Montenegro.\n", encoding="utf-8")
    (tmp_path / "other.md").write_text(
        "---\nreference: 2019/0002(RSP)\nadopted: 2020-02-12\nkind: text_adopted\n---\n"
        + "\n\n".join(f"Paragraph {i} on the fisheries quota." for i in range(12)) + "\n", encoding="utf-8")
    service = Service(tmp_path)
    # The committee's vote matches the question's words best; the tally answers it.
    assert service.ask("a vote on the report on Montenegro").hits[0].passage.text.startswith("Recalls")
    assert "595 votes to 66" in service.ask("How did MEPs vote on the report on Montenegro?").hits[0].passage.text


def _spread_corpus(tmp_path: Path, *extra: str) -> Service:
    paragraphs = [
        "The signing of the agreement was delayed by a year.",
        "The passengers of the diverted flight were held in Minsk.",
        "Calls for compensation of the victims of the floods.",
        "Welcomes the training of judges in the region.",
        "Condemns the pressure of Russia on the Transnistrian region.",
        "The Russian language is taught in schools.",
        "The troops of the mission were withdrawn.",
        *extra,
    ] + [f"Paragraph {i} on the fisheries quota." for i in range(100)]  # a corpus of 100 passages or more
    (tmp_path / "ta.md").write_text(
        "---\nreference: 2019/0001(RSP)\nadopted: 2020-02-12\nkind: text_adopted\n---\n" + "\n\n".join(paragraphs)
        + "\n", encoding="utf-8")
    return Service(tmp_path)


def test_a_question_whose_words_no_passage_holds_two_of_gets_no_passage(tmp_path: Path) -> None:
    service = _spread_corpus(tmp_path)
    assert service.ask("compensation for delayed train passengers").hits == ()
    assert service.timeline("compensation for delayed train passengers").entries == ()


def test_two_words_in_one_passage_or_a_form_of_one_still_answer(tmp_path: Path) -> None:
    service = _spread_corpus(tmp_path, "Passengers of delayed flights are owed compensation.")
    assert service.ask("compensation for delayed train passengers").hits[0].passage.text.startswith("Passengers of del")
    # "Russian" and "Transnistria" stand in the passage as "Russia" and "Transnistrian": two words.
    assert any("Transnistrian" in h.passage.text for h in service.ask("Russian troops in Transnistria").hits)


def _text_adopted(path: Path, reference: str, adopted: str, title: str, body: str) -> None:
    path.write_text(
        f"---\nreference: {reference}\nadopted: {adopted}\nkind: text_adopted\ntitle: {title}\n---\n{body}\n",
        encoding="utf-8",
    )


# Twelve paragraphs that share no word with the questions below: the longer document's filler.
_FILLER = "\n\n".join(f"Paragraph {i} on the fisheries quota." for i in range(12))


def _subject_corpus(tmp_path: Path) -> Service:
    _text_adopted(
        tmp_path / "kyrgyzstan.md", "2010/2770(RSP)", "2010-07-08", "Resolution on the situation in Kyrgyzstan",
        "Calls for a credible investigation of the clashes in southern Kyrgyzstan by the interim government,"
        " with the help of international observers and experts.\n\nNotes that the Kyrgyz border was closed.",
    )
    _text_adopted(
        tmp_path / "energy.md", "2018/0001(COD)", "2018-11-13", "Resolution on energy efficiency targets",
        "Member states are asked to investigate the national targets set out in the draft law.\n\n" + _FILLER,
    )
    return Service(tmp_path)


def test_a_passage_that_holds_none_of_the_names_the_question_asks_about_yields(tmp_path: Path) -> None:
    service = _subject_corpus(tmp_path)
    # The energy passage holds more of the question's words, but not "Kyrgyz" (nor "Kyrgyzstan").
    assert service.ask("What did MEPs ask the Kyrgyz government to investigate?").hits[0].document.name == (
        "kyrgyzstan.md")
    # Without a name in the question, the energy passage, which holds more of its words, stays first.
    assert service.ask("what were they asked to investigate").hits[0].document.name == "energy.md"


def test_a_passage_that_holds_only_the_commoner_of_two_names_yields_too(tmp_path: Path) -> None:
    _text_adopted(
        tmp_path / "vietnam.md", "2018/0356(NLE)", "2020-02-12", "Resolution on the trade agreement with Viet Nam",
        "Having regard to the request for consent of the Council under Articles 91, 100 and 207 of the Treaty"
        " and its annexes.\n\nNotes the growth of the exports of Vietnam.",
    )
    _text_adopted(
        tmp_path / "agency.md", "2016/0204(APP)", "2016-11-22", "Resolution on the Fundamental Rights Agency",
        "Having regard to the request for consent of the Council under Article 352 of the Treaty, as amended.\n\n"
        + _FILLER,
    )
    hits = Service(tmp_path).ask("Under which articles did the Council request consent for the Vietnam agreement?").hits
    assert hits[0].passage.text.startswith("Having regard") and hits[0].document.name == "vietnam.md"
