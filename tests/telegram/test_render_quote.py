"""Telegram HTML for quote checks, timelines and grouped answers.

Every message is parsed with the end-to-end stand-in's parser, which refuses what
Telegram refuses, and measured as Telegram measures it (UTF-16 units after parsing).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers.answer import Answer
from bot.answers.quote import DiffOp, QuoteMatch, QuoteResult, Verdict
from bot.answers.service import Service
from bot.answers.timeline import Timeline, TimelineEntry
from bot.corpus.models import Document, DocumentMeta, Hit, Kind, Passage, Position
from bot.search.query import parse_query
from bot.telegram import render, render_answer, render_quote, render_timeline
from tests.conftest import CORPUS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from fake_telegram import parse_html, utf16_len  # noqa: E402

TITLE = "European Parliament resolution of 14 March 2019 on the human rights situation in Kazakhstan"


def document(name: str, kind: Kind | None, **meta: object) -> Document:
    fields: dict[str, object] = {
        "title": TITLE, "reference": "2019/2610(RSP)", "adopted": dt.date(2019, 3, 14),
        "kind": kind, "source": "Times <of> Central Asia & Co", **meta,
    }
    return Document(name, DocumentMeta(**fields), {}, (), "digest")  # type: ignore[arg-type]


NEWS = document("news.txt", Kind.news_report)
ADOPTED = document("ta.md", Kind.text_adopted, source="Official Journal")


def passage(text: str, doc: Document = NEWS, lead: str | None = None, paragraph: int = 3) -> Passage:
    return Passage(doc.name, Position(paragraph, None, 12), text, lead)


def match(
    text: str,
    spans: list[tuple[int, int]],
    doc: Document = NEWS,
    lead: str | None = None,
    lead_span: tuple[int, int] | None = None,
    similarity: float = 1.0,
    diff: tuple[DiffOp, ...] = (),
) -> QuoteMatch:
    span = (spans[0][0], spans[-1][1]) if spans else (0, 0)
    return QuoteMatch(passage(text, doc, lead), doc, span, tuple(spans), lead_span, similarity, diff)


def result(
    verdict: Verdict, *matches: QuoteMatch, quote: str = "the quote", omissions: bool = False,
    similarity: float = 1.0, more: bool = False, unchecked: bool = False,
) -> QuoteResult:
    return QuoteResult(quote, verdict, omissions, similarity, matches, more, unchecked)


def shown(messages: list[str]) -> str:
    for message in messages:
        assert utf16_len(parse_html(message)[0]) <= render.MAX_MESSAGE
    return "\n\n".join(parse_html(m)[0] for m in messages)


def entities(message: str, kind: str) -> list[str]:
    text, found = parse_html(message)
    units = text.encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in found
        if e["type"] == kind
    ]


# Quote checks ----------------------------------------------------------------------


def test_verbatim_in_a_news_report_only_says_so_plainly_and_bolds_the_span() -> None:
    text = "They urged Kazakhstan to “put an end to all forms of political repression”."
    start = text.index("put")
    end = text.index("”.")
    [message] = render_quote.render_quote(result(Verdict.verbatim, match(text, [(start, end)])))
    lines = shown([message]).splitlines()
    assert lines[0] == "✅ Verbatim: the words stand in this order in 1 passage."
    assert lines[1] == "You checked: “the quote”"
    assert lines[2].startswith("⚠️ Not the resolution's text: these words stand only in a news report")
    assert lines[4:] == [
        "1.",
        text,
        TITLE,
        "2019/2610(RSP) · adopted 2019-03-14 · news report, Times <of> Central Asia & Co",
        "paragraph 3 of news.txt",
        "⚠️ This is the news report's wording, not the resolution's text.",
    ]
    assert entities(message, "bold")[-1] == "put an end to all forms of political repression"


@pytest.mark.parametrize("typed", ['"{}"', "“{}”", "«{}»", "'{}'"])
def test_a_quote_typed_in_quotation_marks_is_echoed_in_one_pair(shipped: Service, typed: str) -> None:
    # /quote "…" was echoed as You checked: “"…"”.
    words = "put an end to all forms of political repression"
    messages = render_quote.render_quote(shipped.quote(typed.format(words)))
    lines = shown(messages).splitlines()
    assert lines[0].startswith("✅ Verbatim")
    assert lines[1] == f"You checked: “{words}”"


def test_a_changed_last_word_shows_what_the_passage_says(shipped: Service) -> None:
    messages = render_quote.render_quote(shipped.quote("put an end to all forms of political oppression"))
    text = shown(messages)
    assert "✏️ the passage says “repression”, the quote “oppression”" in text
    assert "the quote adds" not in text  # was "➕ the quote adds “oppression”" alone


def test_the_closest_passage_bolds_only_words_the_quote_holds(shipped: Service) -> None:
    quote = "Kazakhstan must free the political prisoners and stop the harassment of bloggers"
    [message] = render_quote.render_quote(shipped.quote(quote))
    bold = entities(message, "bold")
    assert "political prisoners" in bold
    # Was one bold span, "political repression, since the number … freedom of association".
    assert not any("repression" in b or "association" in b for b in bold)


def test_the_same_words_in_the_resolution_text_and_a_report_list_both_without_the_warning() -> None:
    words = "put an end to all forms of political repression"
    matches = (match(words, [(0, len(words))], ADOPTED), match(f"“{words}”", [(1, len(words) + 1)]))
    text = shown(render_quote.render_quote(result(Verdict.verbatim, *matches, more=True)))
    assert text.startswith("✅ Verbatim: the words stand in this order in 2+ passages.")
    assert "Not the resolution's text" not in text
    assert "They stand in 2 documents, each listed below." in text
    assert text.index("text adopted, Official Journal") < text.index("news report, Times")
    assert text.count("This is the news report's wording") == 1
    assert text.endswith("More passages hold these words; the first 2 are listed.")


def test_omissions_bold_each_part_and_the_lead_span() -> None:
    lead = "It called on the authorities to:"
    text = "quash the convictions of bloggers and to ensure access"
    spans = [(0, 5), (text.index("ensure"), text.index(" access"))]
    quote_match = match(text, spans, ADOPTED, lead=lead, lead_span=(lead.index("authorities"), len(lead) - 1))
    [message] = render_quote.render_quote(result(Verdict.verbatim, quote_match, omissions=True))
    assert shown([message]).startswith("✅ Verbatim with omissions: each part stands, in order, in 1 passage.")
    assert f"{lead}\n– {text}" in shown([message])
    assert entities(message, "bold")[-3:] == ["authorities to", "quash", "ensure"]
    assert entities(message, "italic")[-2:] == [lead, TITLE]


def test_near_miss_lists_each_kind_of_difference_and_marks_the_passage() -> None:
    text = "put an end to all forms of political repression now"
    diff = (
        DiffOp("same", "put an end", "put an end", (0, 10)),
        DiffOp("add", "quickly", "", None),
        DiffOp("same", "to all forms of", "to all forms of", (11, 26)),
        DiffOp("drop", "", "political", (27, 36)),
        DiffOp("change", "oppression", "repression", (37, 47)),
        DiffOp("cut", "", "now", (48, 51)),
    )
    near = match(text, [(0, 51)], similarity=0.8571, diff=diff)
    [message] = render_quote.render_quote(result(Verdict.near, near, similarity=0.8571))
    out = shown([message])
    assert out.startswith("🟡 Near (85% similar): not word for word. The closest passage and the differences:")
    assert "the closest wording stands only in a news report" in out
    assert "1. 85% similar\n" in out
    assert (
        "Differences, the quote against the passage:\n"
        "➕ the quote adds “quickly”\n"
        "➖ the quote leaves out “political”\n"
        "✏️ the passage says “repression”, the quote “oppression”\n"
        "✂️ cut marked in the quote: “now”\n"
    ) in out
    assert entities(message, "underline") == ["political", "repression"]
    # After the verdict, the warning and the number: the matched words, the differences.
    assert entities(message, "bold")[3:] == ["put an end", "to all forms of", "Differences"]


def test_a_near_miss_never_reads_100_percent_and_long_diffs_are_capped() -> None:
    diff = tuple(DiffOp("add", f"word{i} " * 50, "", None) for i in range(30))
    near = match("some passage text here", [(0, 4)], ADOPTED, similarity=0.999, diff=diff)
    [message] = render_quote.render_quote(result(Verdict.near, near, similarity=0.999))
    out = shown([message])
    assert "Near (99% similar)" in out
    assert out.count("➕") == render_quote.MAX_DIFF_LINES
    assert "… and 22 more differences" in out
    assert "Not the resolution's text" not in out  # the text adopted is the closest


def test_not_found_labels_the_closest_passage_as_not_a_match() -> None:
    closest = match("The Parliament adopted a resolution.", [(4, 14)], similarity=0.4712)
    out = shown(render_quote.render_quote(result(Verdict.not_found, closest, similarity=0.4712)))
    assert out.startswith("❌ Not found: no passage has these words in this order.")
    assert "Closest passage, NOT a match (47% similar; the closest words in bold):" in out
    assert "Not the resolution's text" not in out  # that warning is about matches
    assert "This is the news report's wording" in out  # but the citation keeps its note
    assert "\n1.\n" not in out
    nothing = shown(render_quote.render_quote(result(Verdict.not_found, similarity=0.0)))
    assert nothing.startswith("❌ Not found: no passage shares a word with this quote.")


def test_html_hostile_passages_quotes_and_metadata_are_escaped() -> None:
    hostile = document("<b>&amp;.txt", None, title="<script>x</script>", source="A & B <C>")
    text = "a < b && <i>c</i> > d"
    quote_match = match(text, [(text.index("<i>"), text.index(" > d"))], hostile, lead="If <x> & y:")
    messages = render_quote.render_quote(result(Verdict.verbatim, quote_match, quote="<i>c</i> & </b>"))
    out = shown(messages)
    assert "You checked: “<i>c</i> & </b>”" in out
    assert f"If <x> & y:\n– {text}" in out
    assert "<script>x</script>" in out and "A & B <C>" in out and "<b>&amp;.txt" in out
    assert "these words stand only in a document of unknown kind" in out
    assert "The kind of this document is unknown" in out
    assert entities(messages[0], "bold")[-1] == "<i>c</i>"


def test_a_long_passage_is_cut_around_the_span_keeping_the_citation() -> None:
    before = " ".join(f"before{i}" for i in range(800))
    after = " ".join(f"after{i}" for i in range(800))
    target = "put an end to all forms of political repression"
    text = f"{before} {target} {after}"
    start = len(before) + 1
    [message] = render_quote.render_quote(result(Verdict.verbatim, match(text, [(start, start + len(target))])))
    out = shown([message])
    quoted = out.splitlines()[5]
    assert quoted.startswith("…before") and quoted.endswith("…")
    assert not quoted.startswith("…efore")  # cut at a word boundary
    assert target in quoted and entities(message, "bold")[-1] == target
    assert out.endswith("paragraph 3 of news.txt\n⚠️ This is the news report's wording, not the resolution's text.")


def test_a_span_longer_than_a_message_is_shown_from_its_start() -> None:
    text = "intro words " + "repression " * 600
    quote_match = match(text, [(len("intro words "), len(text) - 1)])
    [message] = render_quote.render_quote(result(Verdict.verbatim, quote_match, quote="repression " * 400))
    out = shown([message])
    assert "\n…repression repression" in out or "\nrepression repression" in out
    assert entities(message, "bold")[-1].startswith("repression")
    assert out.splitlines()[1].endswith("…”")  # the echoed quote is cut


def test_many_long_matches_are_split_between_passages() -> None:
    long = " ".join(["freedom"] * 700)
    matches = [match(long, [(0, 7)], document(f"d{i}.txt", Kind.news_report)) for i in range(4)]
    messages = render_quote.render_quote(result(Verdict.verbatim, *matches))
    assert len(messages) == 4
    for number, message in enumerate(messages, start=1):
        out = shown([message])
        assert f"\n{number}.\n" in f"\n{out}" and f"paragraph 3 of d{number - 1}.txt" in out


def test_real_near_miss_from_the_shipped_corpus() -> None:
    service = Service(CORPUS)
    [message] = render_quote.render_quote(service.quote("put an end to all forms of repression"))
    out = shown([message])
    assert out.startswith("🟡 Near (94% similar)")
    assert "➖ the quote leaves out “political”" in out
    assert entities(message, "underline") == ["political"]


@settings(max_examples=100, deadline=None)
@given(
    text=st.text(min_size=1, max_size=6000),
    data=st.data(),
    quote=st.text(min_size=1, max_size=300),
)
def test_any_passage_and_span_render_to_html_telegram_accepts(text: str, data: st.DataObject, quote: str) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    lead = data.draw(st.none() | st.text(min_size=1, max_size=2000))
    verdict = data.draw(st.sampled_from(list(Verdict)))
    diff = (DiffOp("drop", "", text[start:end], (start, end)),) if verdict is Verdict.near else ()
    quote_match = match(text, [(start, end)], lead=lead, diff=diff, similarity=0.9)
    shown(render_quote.render_quote(result(verdict, quote_match, quote=quote)))


@pytest.mark.parametrize("verdict", [Verdict.verbatim, Verdict.near])
def test_only_in_a_report_is_never_said_when_the_check_stopped_early(verdict: Verdict) -> None:
    words = "put an end to all forms of political repression"
    found = match(words, [(0, len(words))])
    # Verification stopped before every passage of a resolution's text was read.
    unproven = shown(render_quote.render_quote(result(verdict, found, more=True, unchecked=True)))
    assert " only " not in unproven.split("\n\n")[0]
    assert "the passages listed are in a news report: that document's wording." in unproven
    assert "the words may stand there too" in unproven
    # Every one was read and none holds the words: now "only" is proven, and said.
    proven = shown(render_quote.render_quote(result(verdict, found, more=True)))
    assert " only in a news report: that document's wording" in proven.split("\n\n")[0]


# Timeline --------------------------------------------------------------------------


def entry(adopted: dt.date | None, reference: str | None, text: str, doc: Document) -> TimelineEntry:
    return TimelineEntry(reference, doc.meta.title, adopted, Hit(1, 1.0, passage(text, doc), doc))


def test_timeline_shows_date_reference_best_passage_and_wording_note() -> None:
    timeline = Timeline(
        "political <prisoners>",
        (
            entry(dt.date(2016, 3, 10), "2016/2607(RSP)", "Release the political prisoners.", ADOPTED),
            entry(None, None, "x " * 1000 + "political prisoners", document("u.txt", None, title=None)),
        ),
        parse_query("political <prisoners>"),
    )
    page = render_timeline.render_timeline(timeline)
    assert page is not None and page.next_offset is None
    message = page.text
    out = shown([message])
    assert out.startswith("Timeline of “political <prisoners>”: 2 resolutions, oldest first")
    first, second = out.split("\n\n")[1:]
    assert first.splitlines() == [
        "2016-03-10 · 2016/2607(RSP)",
        TITLE,
        "Release the political prisoners.",
        "paragraph 3 of ta.md — text adopted, Official Journal",
    ]
    assert second.startswith("adoption date unknown · reference unknown\nTitle unknown\n")
    cut_passage = second.splitlines()[2]
    # Cut around the topic's words, which end the passage (its start used to be shown, without them).
    assert cut_passage.startswith("…x x") and cut_passage.endswith("x political prisoners")
    assert utf16_len(cut_passage) <= render_timeline.TIMELINE_PASSAGE_CHARS
    assert second.endswith("The kind of this document is unknown: do not take it as the resolution's text.")
    assert entities(message, "bold")[1:3] == ["2016-03-10", "political"]
    assert entities(message, "bold")[-2:] == ["political", "prisoners"]


def test_empty_timeline_is_no_match_with_the_filters_searched() -> None:
    page = render_timeline.render_timeline(Timeline("zebra year:2016", (), parse_query("zebra year:2016")))
    assert page is not None and page.next_offset is None
    message = page.text
    out = shown([message])
    assert out.startswith("No passage matches")
    assert out.endswith("Searched: adopted in 2016")


# Grouped answers -------------------------------------------------------------------


def test_grouped_answer_shows_shared_wording_once_and_each_source() -> None:
    words = "put an end to all forms of political repression in the country"
    hits = (
        Hit(1, 3.0, passage(words, ADOPTED), ADOPTED),
        Hit(2, 2.0, passage(f"They urged: “{words}”.", NEWS, paragraph=5), NEWS),
    )
    question = 'repression "all forms" year:2019'
    [message] = render_answer.render_answer(Answer(question, hits, 2, 0, parse_query(question)))
    out = shown([message])
    assert out.startswith(f"Passages 1–2 of 2 for “{question}”\nSearched: adopted in 2019; the phrase “all forms”")
    assert out.count(TITLE) == 1 and out.count(words) == 1
    assert "\n1.\n" in out and "\n2.\n" not in out  # one wording, numbered once in reading order
    assert (
        "The same words stand in 2 documents:\n"
        "• paragraph 3 of ta.md — text adopted, Official Journal\n"
        "• paragraph 5 of news.txt — news report, Times <of> Central Asia & Co"
    ) in out
    assert "wording, not the resolution's text" not in out  # the text adopted carries them


def test_shared_wording_only_in_reports_keeps_every_note() -> None:
    summary = document("s.md", Kind.summary)
    words = "put an end to all forms of political repression in the country"
    hits = (Hit(1, 3.0, passage(words, summary), summary), Hit(2, 2.0, passage(words, NEWS), NEWS))
    out = shown(render_answer.render_answer(Answer("repression", hits, 2)))
    assert "This is the summary's wording, not the resolution's text." in out
    assert "This is the news report's wording, not the resolution's text." in out


def test_no_match_says_what_was_searched() -> None:
    question = "zebra <x> ref:2016/2607"
    out = shown(render_answer.render_answer(Answer(question, (), 0, 0, parse_query(question))))
    assert out.startswith("No passage matches")
    assert "You asked: “zebra <x> ref:2016/2607”" in out
    assert out.endswith("Searched: reference 2016/2607")


def test_a_filter_that_left_nothing_is_named_in_telegram_as_on_the_command_line(service: Service) -> None:
    answer = service.ask("journalists year:2016")
    assert answer.no_match == "No passage matches: nothing adopted in 2016 mentions journalists."
    out = shown(render_answer.render_answer(answer))
    assert out.startswith("No passage matches: nothing adopted in 2016 mentions journalists.\nYou asked:")
    inline = render_answer.inline_no_match("journalists year:2016", answer)
    assert inline.description == "Nothing adopted in 2016 mentions journalists."
    assert parse_html(inline.html)[0].startswith("No passage matches: nothing adopted in 2016 mentions journalists.")
    # Words that find nothing even without the filter keep the usual wording.
    assert service.ask("zebra year:2016").no_match == "No passage matches: the corpus does not speak about that."


@pytest.mark.parametrize("kind", [Kind.summary, Kind.news_report, None])
def test_grouped_single_documents_keep_their_wording_note(kind: Kind | None) -> None:
    doc = document("one.txt", kind)
    out = shown(render_answer.render_answer(Answer("q", (Hit(1, 1.0, passage("Some words here."), doc),), 1)))
    assert doc.wording_note is not None and doc.wording_note in out


@pytest.fixture(scope="module")
def shipped() -> Service:
    return Service(CORPUS)


@pytest.mark.parametrize("surrogate", ["\ud800", "\udfff", "\ud83d"])
def test_a_lone_surrogate_in_the_text_is_replaced_in_every_renderer(shipped: Service, surrogate: str) -> None:
    # A lone surrogate made utf16_length raise in the ask, timeline and quote renderers.
    question = f"release of Vladimir Kozlov {surrogate}"
    assert render.utf16_length(question) == len(question)
    rendered = [
        *render_answer.render_answer(shipped.ask(question)),
        *render_quote.render_quote(shipped.quote(f"release the opposition leader {surrogate} Vladimir Kozlov")),
        render_answer.no_match(question),
        render.echo(question),
    ]
    page = render_timeline.render_timeline(shipped.timeline(f"Kozlov {surrogate}", 0, render_timeline.TIMELINE_PAGE))
    assert page is not None
    for html_text in [*rendered, page.text]:
        assert surrogate not in html_text
        assert "\ufffd" in html_text or "Kozlov" in html_text
        plain, _ = parse_html(html_text)
        plain.encode("utf-8")  # what Telegram receives must be UTF-8


def test_a_quote_across_two_units_says_so_in_telegram(tmp_path: Path) -> None:
    from tests.corpus.ep_texts import example, render

    (tmp_path / "ta.txt").write_text(render(example(), "blank"), encoding="utf-8")
    result = Service(tmp_path).quote("monitor the situation in Examplestan closely; Instructs its President to forward")
    [reply] = render_quote.render_quote(result)
    assert reply.startswith(
        "✅ <b>Verbatim across two units</b>: the words run, in order, from paragraph 2 into paragraph 3."
    )
    plain, _ = parse_html(reply)
    assert "paragraph 2 of ta.txt (line" in plain and "paragraph 3 of ta.txt (line" in plain


@pytest.mark.parametrize("layout", ["blank", "lines", "web", "oj", "pdf"])
def test_answers_cite_the_parliaments_own_labels_in_telegram(tmp_path: Path, layout: str) -> None:
    from tests.corpus.ep_texts import example, render

    (tmp_path / "ta.txt").write_text(render(example(), layout), encoding="utf-8")
    service = Service(tmp_path)
    plain = "\n".join(parse_html(m)[0] for m in render_answer.render_answer(service.ask("release all journalists")))
    assert "paragraph 1, point (a) of ta.txt (line " in plain
    assert "P9_TA(2031)0056" in plain or layout in {"blank", "lines"}  # stated only in the copies that print it
    assert "paragraph 9" not in plain and "item 1" not in plain  # never the file's own count


def test_telegram_names_the_words_no_document_contains(shipped: Service) -> None:
    answer = shipped.ask("political prisoners Uzbekistan")
    [message] = render_answer.render_answer(answer)
    plain, _ = parse_html(message)
    assert "Nothing in the corpus mentions: Uzbekistan" in plain
    assert plain.startswith("No passage matches")  # the subject is absent: no Kazakhstan passages instead


def test_telegram_tells_a_question_in_another_script_which_language_the_corpus_holds(shipped: Service) -> None:
    [message] = render_answer.render_answer(shipped.ask("политические заключённые"))
    plain, _ = parse_html(message)
    assert "English" in plain


def test_grouped_answers_number_in_reading_order_in_telegram(shipped: Service) -> None:
    plain = "\n".join(parse_html(m)[0] for m in render_answer.render_answer(shipped.ask("Kozlov release", top=5)))
    numbers = [int(line[:-1]) for line in plain.splitlines() if line[:-1].isdigit() and line.endswith(".")]
    assert numbers == sorted(numbers) and numbers == list(range(1, len(numbers) + 1))


def test_a_quote_pasted_with_html_tags_says_they_were_removed(shipped: Service) -> None:
    [reply] = render_quote.render_quote(shipped.quote("<p>quash the convictions of <b>bloggers</b></p>"))
    plain, _ = parse_html(reply)
    assert plain.startswith("✅ Verbatim")
    assert "HTML tags were removed from the quote before checking." in plain


def test_a_pasted_page_is_checked_piece_by_piece_in_telegram(shipped: Service) -> None:
    page = (CORPUS / "2016-2607-kazakhstan-freedom-of-expression-oeil.md").read_text(encoding="utf-8")
    result = shipped.quote(page[:4000])
    messages = render_quote.render_quote(result)
    plain = "\n".join(parse_html(m)[0] for m in messages)
    assert plain.startswith("❌ Not found as a whole: some pieces stand in no passage.")
    assert f"Checked in {result.pieces} pieces" in plain and "word for word" in plain
    assert "Closest passage, NOT a match" not in plain  # each piece's best passage is judged on its own
