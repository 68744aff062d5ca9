"""Telegram HTML: escaped, bold where the question matched, cited, within 4,096 characters.

Each rendered message is checked with the end-to-end stand-in's parser, which refuses
what Telegram refuses, so these tests cannot pass on HTML that Telegram would reject.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers.answer import Answer
from bot.answers.service import Resolution
from bot.corpus.models import Document, DocumentMeta, Hit, Kind, Passage, Position
from bot.search.query import parse_query
from bot.telegram import render, render_answer, render_sources

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from fake_telegram import parse_html, utf16_len  # noqa: E402


def document(name: str = "doc.md", **meta: object) -> Document:
    return Document(name, DocumentMeta(**meta), {}, (), "digest")  # type: ignore[arg-type]


FULL = document(
    "2016-2607.md",
    title="European Parliament resolution of 10 March 2016 on freedom of expression in Kazakhstan",
    reference="2016/2607(RSP)",
    adopted=dt.date(2016, 3, 10),
    kind=Kind.text_adopted,
    source="Official Journal",
    url="https://example.org/a?b=1&c=2",
)


def hit(text: str, doc: Document = FULL, rank: int = 1, lead: str | None = None) -> Hit:
    return Hit(rank, 1.0, Passage(doc.name, Position(3, None, 7), text, lead), doc)


def plain(html_text: str) -> str:
    text, _ = parse_html(html_text)
    return text


def bold(html_text: str) -> list[str]:
    text, entities = parse_html(html_text)
    units = text.encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in entities
        if e["type"] == "bold"
    ]


def test_passage_is_quoted_as_written_with_its_full_citation() -> None:
    text = render.render_hit(hit("Parliament calls for the release of Vladimir Kozlov."), frozenset())
    assert plain(text).splitlines() == [
        "1.",
        "Parliament calls for the release of Vladimir Kozlov.",
        "European Parliament resolution of 10 March 2016 on freedom of expression in Kazakhstan",
        "2016/2607(RSP) · adopted 2016-03-10 · text adopted, Official Journal",
        "paragraph 3 of 2016-2607.md",
        "https://example.org/a?b=1&c=2",
    ]
    _, entities = parse_html(text)
    [link] = [e for e in entities if e["type"] == "text_link"]
    assert link["url"] == "https://example.org/a?b=1&c=2"


def test_unknown_citation_fields_are_shown_as_unknown_with_the_wording_note() -> None:
    text = plain(render.render_hit(hit("Some words of a passage here.", document("x.txt")), frozenset()))
    assert "Title unknown" in text
    assert "reference unknown · adoption date unknown · document of unknown kind, source unknown" in text
    assert "do not take it as the resolution's text" in text


@pytest.mark.parametrize("kind", [Kind.summary, Kind.news_report])
def test_summaries_and_news_reports_are_never_presented_as_the_resolution(kind: Kind) -> None:
    doc = document("n.txt", kind=kind)
    text = plain(render.render_hit(hit("Words about the resolution.", doc), frozenset()))
    assert f"This is the {kind.label}'s wording, not the resolution's text." in text


def test_matched_words_are_bold_including_inflections() -> None:
    terms = render.query_terms("release of political prisoners")
    text = render.render_hit(
        hit("Parliament wants prisoners released; the prisoner’s release is political."), terms
    )
    assert bold(text)[1:] == ["prisoners", "released", "prisoner’s", "release", "political"]


def test_every_fragment_is_escaped() -> None:
    doc = document("<b>&amp;.md", title='<script>"x"</script> & co', source="A & B <C>")
    text = render.render_hit(hit("3 < 4 && <i>x</i> > 2", doc, lead="If a & b <c>:"), frozenset(["4"]))
    shown = plain(text)
    assert "If a & b <c>:\n– 3 < 4 && <i>x</i> > 2" in shown
    assert '<script>"x"</script> & co' in shown
    assert "A & B <C>" in shown and "<b>&amp;.md" in shown
    assert bold(text) == ["1.", "4"]


def test_over_long_passage_is_cut_at_a_word_boundary_keeping_the_citation() -> None:
    words = " ".join(f"word{i}" for i in range(2000))
    text = render.render_hit(hit(words), frozenset())
    shown = plain(text)
    assert utf16_len(shown) <= render.MAX_MESSAGE
    quote = shown.splitlines()[1]
    assert quote.endswith("…")
    assert words.startswith(quote[:-1]) and words[len(quote) - 1] == " "
    assert shown.endswith("paragraph 3 of 2016-2607.md\nhttps://example.org/a?b=1&c=2")


FILLER = " ".join(f"word{i}" for i in range(1500))  # about 12,000 characters


def test_a_long_passage_is_cut_around_a_match_near_its_end() -> None:
    # Telegram used to show the passage's start: the matched words were cut away.
    text = f"{FILLER} Parliament calls for the release of Vladimir Kozlov. Closing words."
    [message] = render_answer.render_answer(
        Answer("release of Vladimir Kozlov", (hit(text),), 1, understood=parse_query("release of Vladimir Kozlov"))
    )
    shown = plain(message)
    assert utf16_len(shown) <= render.MAX_MESSAGE
    quote = shown.splitlines()[6]
    assert quote.startswith("…word")
    assert quote.endswith("Parliament calls for the release of Vladimir Kozlov. Closing words.")
    assert text.endswith(quote[1:]) and text[len(text) - len(quote)] == " "  # cut at a word boundary
    assert bold(message)[-3:] == ["release", "Vladimir", "Kozlov"]
    # The label and the citation are whole.
    assert shown.splitlines()[5] == "1."
    assert shown.endswith("paragraph 3 of 2016-2607.md (link)")
    assert utf16_len(shown) > render.MAX_MESSAGE - 40  # the room before the match is used


def test_a_match_in_the_middle_is_shown_with_a_cut_marked_at_each_end() -> None:
    text = f"{FILLER} the release of Vladimir Kozlov {FILLER}"
    shown = plain(render.render_hit(hit(text), render.query_terms("Kozlov")))
    assert utf16_len(shown) <= render.MAX_MESSAGE
    quote = shown.splitlines()[1]
    assert quote.startswith("…word") and quote.endswith("…")
    assert "the release of Vladimir Kozlov" in quote
    assert quote[1:-1] in text  # the passage's own words, cut only at its ends
    assert shown.endswith("paragraph 3 of 2016-2607.md\nhttps://example.org/a?b=1&c=2")


def test_the_part_kept_holds_the_most_of_the_question_s_words() -> None:
    # "release" alone early on; "release" and "Kozlov" together near the end.
    text = f"A call for release. {FILLER} Kozlov must see his release. {FILLER}"
    quote = plain(render.render_hit(hit(text), render.query_terms("release Kozlov"))).splitlines()[1]
    assert "Kozlov must see his release." in quote and quote.startswith("…")


def test_a_match_the_start_can_show_is_shown_from_the_start() -> None:
    text = f"Parliament calls for the release of Vladimir Kozlov. {FILLER}"
    quote = plain(render.render_hit(hit(text), render.query_terms("Kozlov"))).splitlines()[1]
    assert quote.startswith("Parliament calls for the release of Vladimir Kozlov.") and quote.endswith("…")


def test_length_is_counted_as_telegram_does_in_utf16_units() -> None:
    emoji = " ".join(["🇪🇺"] * 3000)
    shown = plain(render.render_hit(hit(emoji), frozenset()))
    assert utf16_len(shown) <= render.MAX_MESSAGE < len(emoji.encode("utf-16-le")) // 2


def answer(texts: list[str], total: int | None = None, offset: int = 0) -> Answer:
    hits = tuple(hit(t, rank=offset + i + 1) for i, t in enumerate(texts))
    return Answer("the question", hits, total if total is not None else len(hits), offset)


def test_several_hits_share_a_message_when_they_fit() -> None:
    [message] = render_answer.render_answer(answer(["First passage here.", "Second one there."], 7, 3))
    shown = plain(message)
    assert shown.startswith("Passages 4–5 of 7 for “the question”")
    assert "4.\nFirst passage here." in shown and "5.\nSecond one there." in shown


def test_long_hits_are_split_into_messages_only_between_passages() -> None:
    long = " ".join(["freedom"] * 700)  # about 5,600 characters: cut to fit one message
    messages = render_answer.render_answer(answer([long, "A short passage.", long]))
    assert len(messages) == 3
    shown = [plain(m) for m in messages]
    assert all(utf16_len(s) <= render.MAX_MESSAGE for s in shown)
    assert shown[0].startswith("Passages 1–3 of 3") and "\n1.\n" in shown[0]
    # A resolution split across messages repeats its citation header in each.
    title = FULL.meta.title or ""
    assert shown[1].startswith(f"{title}\n2016/2607(RSP) · adopted 2016-03-10 · text adopted")
    assert "\n\n2.\nA short passage." in shown[1] and "\n3.\n" not in shown[1]
    assert shown[2].startswith(title) and "\n\n3.\n" in shown[2]
    for text in shown:  # every passage keeps its citation in its own message
        assert text.count("paragraph 3 of 2016-2607.md") == text.count("2016/2607(RSP)") >= 1


def test_no_hits_is_no_match_and_has_more_follows_the_total() -> None:
    [message] = render_answer.render_answer(Answer("zebra <unicorn>", (), 0))
    assert plain(message).startswith("No passage matches")
    assert "zebra <unicorn>" in plain(message)
    assert render_answer.has_more(answer(["a b c d e"], total=5))
    assert not render_answer.has_more(answer(["a b c d e"], total=1))


def test_an_incomplete_count_is_at_least_and_keeps_more() -> None:
    full_page = dataclasses.replace(answer(["One.", "Two.", "Three."], total=3), total_complete=False)
    [message] = render_answer.render_answer(full_page)
    assert plain(message).startswith("Passages 1–3 of at least 3 for “the question”")
    assert render_answer.has_more(full_page)  # more may exist beyond the checked candidates
    short_page = dataclasses.replace(answer(["One."], total=1), total_complete=False)
    assert not render_answer.has_more(short_page)  # the checked candidates ran out first


def test_bold_marks_the_words_search_matched_as_written() -> None:
    # Search folds a soft hyphen and a prime used as an apostrophe away; so must bold.
    text = "Free every pris\u00adoner and protect the journalist\u2032s sources."
    html_text = render.highlight(text, render.query_terms("prisoner journalist"))
    assert bold(html_text) == ["pris\u00adoner", "journalist\u2032s"]
    assert plain(html_text) == text  # quoted as written


def test_sources_list_dates_references_and_documents() -> None:
    unknown = document("undated.txt")
    resolutions = [
        Resolution("2016/2607(RSP)", FULL.meta.title, dt.date(2016, 3, 10), (FULL,)),
        Resolution(None, None, None, (unknown,)),
    ]
    page = render_sources.render_sources(resolutions)
    assert page is not None and page.next_offset is None  # one page: no More button
    shown = plain(page.text)
    assert shown.startswith("2 resolutions in the corpus, oldest first:")
    assert "2016-03-10 · 2016/2607(RSP)" in shown
    assert "• 2016-2607.md: text adopted, Official Journal (link)" in shown
    assert "adoption date unknown · reference unknown\nTitle unknown" in shown
    assert "• undated.txt: document of unknown kind, source unknown" in shown


def sources_pages(resolutions: list[Resolution]) -> list[str]:
    """Every page of /sources, following the More offsets as the button does."""
    texts: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = render_sources.render_sources(resolutions, offset)
        assert page is not None
        texts.append(plain(page.text))
        offset = page.next_offset
    return texts


def test_many_sources_come_in_pages_and_a_huge_one_is_shortened() -> None:
    many = [Resolution(f"2016/{i:04d}(RSP)", "T" * 100, dt.date(2016, 1, 1), (FULL,)) for i in range(100)]
    pages = sources_pages(many)
    assert len(pages) > 1 and all(utf16_len(p) <= render.MAX_MESSAGE for p in pages)
    # Each page says which resolutions it shows; together they show each one once.
    assert pages[0].startswith("100 resolutions in the corpus, oldest first (1–")
    assert pages[-1].split(":")[0].endswith("–100)")
    joined = "\n".join(pages)
    assert all(joined.count(f"2016/{i:04d}(RSP)") == 1 for i in range(100))
    assert render_sources.render_sources(many, 100) is None  # past the end: the button has expired
    huge = [Resolution("2016/2607(RSP)", "T", None, tuple(document(f"d{i}.md") for i in range(500)))]
    [text] = sources_pages(huge)
    assert "more documents" in text and utf16_len(text) <= render.MAX_MESSAGE


def test_a_page_of_a_huge_list_renders_only_its_own_items() -> None:
    rendered: list[int] = []

    def block(index: int, limit: int) -> str:
        rendered.append(index)
        return f"item {index}"

    page = render.list_page(100_000, lambda first, last: f"{first}–{last}", block, 50_000)
    assert page is not None and page.next_offset is not None
    assert page.text.startswith("50001–") and rendered[0] == 50_000
    assert len(rendered) < 1000  # one message's worth, not the whole list


def test_examples_come_from_the_latest_titles() -> None:
    resolutions = [
        Resolution("2016/2607(RSP)", FULL.meta.title, dt.date(2016, 3, 10), (FULL,)),
        Resolution(None, "Not a resolution title", None, ()),
        Resolution(None, "European Parliament resolution of 1 May 2020 on water.", None, ()),
    ]
    assert render_sources.example_questions(resolutions) == [
        "What did Parliament say about water?",
        "What did Parliament say about freedom of expression in Kazakhstan?",
    ]


def test_inline_articles_and_buttons() -> None:
    articles = render_answer.inline_articles(answer(["First <passage> here.", "Second."]))
    assert [a.id for a in articles] == ["p1", "p2"]
    assert articles[0].title == "First <passage> here."  # plain text, not parsed
    assert "2016/2607(RSP)" in articles[0].description
    assert plain(articles[0].html).startswith("First <passage> here.")
    with pytest.raises(ValueError, match="over 64 bytes"):
        render.Button("More", "more:" + "x" * 60)


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(min_size=1, max_size=6000).filter(lambda t: t.strip()),
    question=st.text(max_size=300),
)
def test_any_passage_renders_to_html_telegram_accepts(text: str, question: str) -> None:
    message = render.render_hit(hit(text), render.query_terms(question))
    shown, _ = parse_html(message)
    assert utf16_len(shown) <= render.MAX_MESSAGE


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(["freedom", "word", "🇪🇺", "élan", "a\u00adb", "x" * 50, "\n"]), min_size=1, max_size=2000
    ),
    at=st.integers(min_value=0, max_value=2000),
    limit=st.integers(min_value=10, max_value=4000),
)
def test_around_keeps_a_match_and_the_passage_s_own_words_within_the_limit(
    words: list[str], at: int, limit: int
) -> None:
    words.insert(min(at, len(words)), "Kozlov")
    text = " ".join(words)
    shown = render.around(text, render.query_terms("Kozlov"), limit)
    assert render.utf16_length(shown) <= limit
    if render.utf16_length(text) <= limit:
        assert shown == text
        return
    inner = shown.removeprefix("…").removesuffix("…")
    assert inner.rstrip() in text
    if limit >= 40:
        assert "Kozlov" in shown
