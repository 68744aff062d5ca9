"""Quote check: verdicts, citations, spans, diffs and messages, as a journalist sees them."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.answers.quote import MAX_MATCHES, MAX_QUOTE_CHARS, BadQuote, QuoteMatch, QuoteResult, Verdict, quoted_text
from bot.answers.quote_words import word_cache_bytes
from bot.answers.service import Service
from bot.cli import run_cli
from bot.corpus.models import Document, DocumentMeta, Kind, Passage, Position
from bot.search.tokens import fold_map, word_spans, words
from tests.conftest import CORPUS

TCA = "2019-2610-kazakhstan-human-rights-tca.txt"
OEIL = "2016-2607-kazakhstan-freedom-of-expression-oeil.md"
ASK_CITATION_KEYS = {
    "text", "lead", "title", "reference", "adopted", "kind", "source", "url", "document", "position",
}


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run_cli(list(argv), out)
    return code, out.getvalue()


def _write(directory: Path, name: str, body: str, **meta: str) -> None:
    front = "".join(f"{key}: {value}\n" for key, value in meta.items())
    text = f"---\n{front}---\n{body}\n" if meta else f"{body}\n"
    (directory / name).write_text(text, encoding="utf-8")


def _spans_hold_the_words(result: QuoteResult) -> None:
    for match in result.matches:
        start, end = match.span
        assert 0 <= start <= end <= len(match.passage.text)


# The shipped corpus -----------------------------------------------------------------


def test_verbatim_in_a_news_report_of_2019(service: Service) -> None:
    result = service.quote("put an end to all forms of political repression")
    assert result.verdict is Verdict.verbatim and not result.omissions
    assert result.similarity == 1.0
    [match] = result.matches
    assert match.document.name == TCA
    assert match.document.meta.adopted is not None and match.document.meta.adopted.year == 2019
    assert match.matched_text == "put an end to all forms of political repression"
    assert match.passage.text[match.span[0] : match.span[1]] == match.matched_text
    assert match.diff == ()
    # The only match is a news report: the answer must not pass it off as the resolution.
    assert not result.in_resolution_text
    assert match.document.wording_note == "This is the news report's wording, not the resolution's text."


def test_verbatim_across_markdown_bold_markers(service: Service) -> None:
    result = service.quote("concerns about the climate for media and free speech in Kazakhstan")
    assert result.verdict is Verdict.verbatim
    [match] = result.matches
    assert match.document.name == OEIL
    assert match.matched_text == "concerns about the climate for media and free speech in Kazakhstan"


@pytest.mark.parametrize("cut", ["…", "...", "[...]", "[…]", "(...)"])
def test_ellipsis_marks_a_cut(service: Service, cut: str) -> None:
    quote = (
        f"Members regretted the indiscriminate blocking of news {cut} "
        "on the grounds that they feature unlawful content"
    )
    result = service.quote(quote)
    assert result.verdict is Verdict.verbatim and result.omissions
    [match] = result.matches
    text = match.passage.text
    assert [text[s:e] for s, e in match.segments] == [
        "Members regretted the indiscriminate blocking of news",
        "on the grounds that they feature unlawful content",
    ]
    assert text[match.span[0] : match.span[1]].startswith("Members regretted")
    assert text[match.span[0] : match.span[1]].endswith("unlawful content")


def test_parts_out_of_order_are_not_verbatim(service: Service) -> None:
    result = service.quote(
        "on the grounds that they feature unlawful content … "
        "Members regretted the indiscriminate blocking of news"
    )
    assert result.verdict is not Verdict.verbatim


def test_near_miss_with_a_dropped_word_and_its_diff(service: Service) -> None:
    result = service.quote("put an end to all forms of repression")
    assert result.verdict is Verdict.near
    assert NEAR <= result.similarity < 1.0
    match = result.matches[0]
    assert match.document.name == TCA
    changes = [op for op in match.diff if op.kind != "same"]
    assert [(op.kind, op.quote, op.passage) for op in changes] == [("drop", "", "political")]
    assert changes[0].span is not None
    assert match.passage.text[changes[0].span[0] : changes[0].span[1]] == "political"
    assert match.matched_text == "put an end to all forms of political repression"


def test_near_miss_shows_added_and_changed_words(service: Service) -> None:
    result = service.quote("Parliament stressed its grave concerns about the climate for press and free speech")
    assert result.verdict is Verdict.near
    ops = {(op.kind, op.quote, op.passage) for op in result.matches[0].diff if op.kind != "same"}
    assert ops == {("add", "grave", ""), ("change", "press", "media")}


def test_near_miss_labels_the_quotes_own_cut(service: Service) -> None:
    result = service.quote(
        "called on the Kazakh authorities to ... ensure that any measure to restrict "
        "access to internet resources is based on the law"
    )
    assert result.verdict is Verdict.near and result.omissions
    ops = [(op.kind, op.passage or op.quote) for op in result.matches[0].diff if op.kind != "same"]
    assert ops == [("cut", "quash the convictions of bloggers and to"), ("add", "the")]


def test_sentence_not_in_the_corpus_shows_the_closest_passage_as_no_match(service: Service) -> None:
    result = service.quote("The Parliament demanded the immediate release of all journalists in Uzbekistan")
    assert result.verdict is Verdict.not_found and not result.found
    assert result.similarity < NEAR
    [closest] = result.matches
    assert closest.diff == ()
    code, out = _run("quote", result.quote, "--corpus", str(CORPUS))
    assert code == 1
    assert out.startswith("Not found: no passage has these words in this order.")
    assert "Closest passage, NOT a match" in out


def test_no_shared_word_means_no_closest_passage(service: Service) -> None:
    result = service.quote("cryptocurrency mining regulations")
    assert result.verdict is Verdict.not_found and result.matches == ()
    code, out = _run("quote", "cryptocurrency mining regulations", "--corpus", str(CORPUS))
    assert code == 1 and out.strip() == "Not found: no passage shares a word with this quote."


def test_a_quote_of_4000_characters_is_checked(service: Service) -> None:
    paragraph = service.quote("put an end to all forms of political repression").matches[0].passage.text
    quote = (paragraph + " ") * (4000 // len(paragraph) + 1)
    quote = quote[:4000]
    assert len(quote) == 4000
    result = service.quote(quote)
    # Repeated, it stands nowhere as a whole: it is checked piece by piece, and each piece
    # (a sentence of the paragraph) stands word for word in that paragraph.
    assert result.pieces > 1 and set(result.piece_verdicts) <= {Verdict.verbatim, Verdict.not_found}
    assert result.matches[0].passage.text == paragraph


def test_a_4000_character_passage_quoted_whole_is_verbatim(tmp_path: Path) -> None:
    sentence = "The committee reviewed annual report number {} on regional water supply. "
    body = "".join(sentence.format(i) for i in range(80))[:4000].rsplit(" ", 1)[0]
    _write(tmp_path, "long.txt", body, kind="text_adopted")
    service = Service(tmp_path)
    quote = body[: MAX_QUOTE_CHARS - 96]
    quote = quote.rsplit(" ", 1)[0]
    result = service.quote(quote)
    assert result.verdict is Verdict.verbatim
    assert result.matches[0].span == (0, len(quote))


def test_over_long_quote_gets_a_clear_message(service: Service) -> None:
    service.quote("put an end " * (MAX_QUOTE_CHARS // 11))  # just under the cap: answered
    with pytest.raises(BadQuote, match="4,097 characters long"):
        service.quote("x" * (MAX_QUOTE_CHARS + 1))


@pytest.mark.parametrize("quote", ["", "   ", "\n\t"])
def test_empty_quote_gets_a_clear_message(service: Service, quote: str) -> None:
    with pytest.raises(BadQuote, match="empty"):
        service.quote(quote)


def test_empty_quote_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run("quote", "", "--corpus", str(CORPUS))
    assert code == 2 and out == ""
    assert "Please paste a quote to check: the message is empty." in capsys.readouterr().err
    code, out = _run("quote", " ", "--json", "--corpus", str(CORPUS))
    assert code == 2
    assert json.loads(out) == {
        "quote": " ", "error": "Please paste a quote to check: the message is empty.", "matches": [],
    }


@pytest.mark.parametrize("quote", ["...", "[…] — !!", "« »"])
def test_quote_without_words_gets_a_clear_message(service: Service, quote: str) -> None:
    with pytest.raises(BadQuote, match="no words"):
        service.quote(quote)


def test_quote_of_only_common_words_gets_a_clear_message(service: Service) -> None:
    with pytest.raises(BadQuote, match="only common words"):
        service.quote("to be or not to be")


def test_non_latin_quote_is_answered_not_found(service: Service) -> None:
    result = service.quote("Казахстан должен освободить политических заключённых")
    assert result.verdict is Verdict.not_found and result.matches == ()


def test_html_tags_are_stripped_from_a_quote_and_the_result_says_so(service: Service) -> None:
    result = service.quote("<b>put an end</b> to all forms of <i>political</i> repression&nbsp;")
    assert result.verdict is Verdict.verbatim and result.html_stripped
    assert result.matches[0].matched_text == "put an end to all forms of political repression"
    assert not service.quote("put an end to all forms of political repression").html_stripped
    # A quote that only looks like a tag is not changed: "a < b" is no tag.
    assert not service.quote("put an end to all forms of political repression, a < b").html_stripped


@pytest.mark.parametrize(
    "quote",
    [
        "\u201cput an end to all forms of political repression\u201d",
        '"put an end to all forms of political repression"',
        "\u00abput an end to all forms of political repression\u00bb",
    ],
)
def test_typographic_and_straight_quotation_marks_are_the_same(service: Service, quote: str) -> None:
    result = service.quote(quote)
    assert result.verdict is Verdict.verbatim
    assert result.matches[0].matched_text == "put an end to all forms of political repression"


def test_straight_apostrophe_matches_a_typographic_one(service: Service) -> None:
    straight = service.quote("an end to the Kazakh government's harassment of and reprisals against journalists")
    curly = service.quote("an end to the Kazakh government\u2019s harassment of and reprisals against journalists")
    assert straight.verdict is curly.verdict is Verdict.verbatim
    assert straight.matches[0].span == curly.matches[0].span
    # The text served is as written, with its typographic apostrophe.
    assert "government\u2019s" in straight.matches[0].matched_text


def test_quote_running_from_the_lead_into_a_list_item(service: Service) -> None:
    result = service.quote(
        "It called on the Kazakh authorities to release the opposition leader Vladimir Kozlov"
    )
    assert result.verdict is Verdict.verbatim
    [match] = result.matches
    assert match.passage.position.item == 1
    assert match.lead_span == (0, len("It called on the Kazakh authorities to:") - 1)
    assert match.matched_text == "release the opposition leader Vladimir Kozlov"


def test_words_and_search_tokens_agree(service: Service) -> None:
    # The quote check's words come from bot.search.tokens.word_spans; if they drifted apart from
    # the search tokens' words, a verbatim quote could miss its own passage.
    from bot.answers.quote_words import words_of

    for passage in service.snapshot.passages:
        assert list(words_of(passage.searchable).words) == words(passage.searchable)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_run_of_words_from_a_passage_is_verbatim_there(service: Service, data: st.DataObject) -> None:
    passage = data.draw(st.sampled_from(service.snapshot.passages))
    spans = [m.span() for m in re.finditer(r"[^\W_]+(?:['\u2019][^\W_]+)*", passage.text)]
    i = data.draw(st.integers(0, len(spans) - 4))
    j = data.draw(st.integers(i + 4, len(spans)))
    quote = passage.text[spans[i][0] : spans[j - 1][1]]
    result = service.quote(quote)
    assert result.verdict is Verdict.verbatim
    assert any(
        m.passage == passage and m.passage.text[m.span[0] : m.span[1]] == quote for m in result.matches
    )
    _spans_hold_the_words(result)


# Fast paths give what the plain computation gives ------------------------------------

# Few distinct words, so that random quotes and passages share many, in and out of order;
# with typographic, accented and combining characters, and ASCII before combining marks.
_WORDS = st.sampled_from(
    ["the", "of", "rights", "press", "Kazakh", "l\u2019État", "cafe\u0301", "Straße", "ﬁnancial", "2019", "…"]
)
_TEXTS = st.lists(_WORDS, min_size=1, max_size=40).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | _TEXTS)
def test_fast_fold_map_is_the_cluster_by_cluster_fold(text: str) -> None:
    # fold_map folds ASCII runs at C speed; every offset must stay what folding cluster
    # by cluster gives, or spans would point at the wrong words.
    from bot.answers.quote_words import words_of
    from bot.search.tokens import _fold_clusters, folded_text

    assert fold_map(text) == _fold_clusters(text)
    assert folded_text(text) == _fold_clusters(text)[0]
    found = word_spans(text)
    q = words_of(text)
    assert list(q.words) == [w.word for w in found]
    assert list(q.starts) == [w.start for w in found]
    assert list(q.ends) == [w.end for w in found]
    assert list(q.folded_starts) == [w.folded_start for w in found]


def _passage(n: int, text: str, lead: str | None = None) -> Passage:
    return Passage(f"doc-{n}.txt", Position(n + 1, None, n + 1), text, lead)


@settings(max_examples=300, deadline=None)
@given(quote=_TEXTS, text=_TEXTS, lead=st.none() | _TEXTS)
def test_similarity_bound_is_never_below_the_alignment(quote: str, text: str, lead: str | None) -> None:
    from collections import Counter

    from bot.answers.quote import segments
    from bot.answers.quote_align import align, similarity_bound
    from bot.answers.quote_words import words_of

    q = words_of(quote)
    passage = _passage(0, text, lead)
    document = Document(passage.document, DocumentMeta(kind=Kind.text_adopted), {}, (passage,), "")
    p = words_of(passage.searchable)
    match = align(q, {i for i, _ in segments(q)[1:]}, passage, document, p)
    if match is not None:
        assert match.similarity <= similarity_bound(q, Counter(q.words), p)


@settings(max_examples=150, deadline=None)
@given(
    quote=_TEXTS,
    texts=st.lists(_TEXTS, min_size=1, max_size=15),
    kinds=st.lists(st.booleans(), min_size=15, max_size=15),
)
def test_skipping_candidates_by_their_bound_changes_no_verdict(
    quote: str, texts: list[str], kinds: list[bool]
) -> None:
    # The pre-filter against the plain computation, which aligns every candidate: the
    # same verdict, similarity, matches and diffs (a skipped candidate could neither be
    # near nor the closest passage).
    from unittest import mock

    from bot.answers.quote import check_quote
    from bot.search.index import Bm25Index
    from bot.search.tokens import tokenize

    passages = [_passage(n, text) for n, text in enumerate(texts)]
    documents = {
        p.document: Document(p.document, DocumentMeta(kind=Kind.text_adopted if own else Kind.news_report),
                             {}, (p,), "")
        for p, own in zip(passages, kinds, strict=False)
    }
    index = Bm25Index.build([tokenize(p.searchable) for p in passages])
    try:
        pruned = check_quote(quote, passages, documents, index)
    except BadQuote:
        return  # only common words: nothing is aligned
    with mock.patch("bot.answers.quote_align.similarity_bound", return_value=1.0):
        everything = check_quote(quote, passages, documents, index)
    assert pruned.as_json() == everything.as_json()


# Words run together or apart by any punctuation, as an ASCII passage may write them.
_GLUED = st.lists(
    st.tuples(
        st.sampled_from(["the", "of", "rights", "press", "s", "2019", "10.5", "2016/2607(RSP)", "o"]),
        st.sampled_from([" ", "", ", ", "'", "_", "-", "\n", " ... ", "/", "."]),
    ),
    min_size=1,
    max_size=30,
).map(lambda pairs: "".join(word + sep for word, sep in pairs))


@settings(max_examples=500, deadline=None)
@given(quote=_TEXTS | _GLUED, text=_TEXTS | _GLUED, lead=st.none() | _TEXTS | _GLUED)
def test_screening_never_drops_a_passage_that_holds_the_quote(quote: str, text: str, lead: str | None) -> None:
    # Verbatim candidates are screened at C speed before being read word by word: the
    # screen may let through a passage that does not hold the words, never the reverse.
    from bot.answers.quote import segments
    from bot.answers.quote_verbatim import find_in_order, may_hold, screen
    from bot.answers.quote_words import needle, words_of

    q = words_of(quote)
    cuts = segments(q)
    needles = [needle(q.words[i:j]) for i, j in cuts]
    assume(needles)  # a quote without words never gets this far (validate_quote)
    passage = _passage(0, text, lead)
    if find_in_order(needles, passage) is not None:
        assert may_hold(screen(q, cuts), passage.searchable)


def test_words_in_a_late_candidate_are_verbatim_not_near() -> None:
    # Hundreds of passages hold every word of the quote, out of order; the one holding
    # them in order comes last. Stopping before it would call the quote a near miss.
    from bot.answers.quote import check_quote
    from bot.search.index import Bm25Index
    from bot.search.tokens import tokenize

    decoy = "Prisoners political release immediately, the delegation said on day {}."
    passages = [_passage(n, decoy.format(n)) for n in range(300)]
    passages.append(_passage(300, "The delegation asked to release political prisoners immediately."))
    documents = {
        p.document: Document(p.document, DocumentMeta(kind=Kind.news_report), {}, (p,), "") for p in passages
    }
    index = Bm25Index.build([tokenize(p.searchable) for p in passages])
    result = check_quote("release political prisoners immediately", passages, documents, index)
    assert result.verdict is Verdict.verbatim and not result.more
    assert [m.passage for m in result.matches] == [passages[300]]
    assert result.in_resolution_text is False  # every candidate was read


def test_a_check_stopped_at_its_bound_never_says_only_in_a_report() -> None:
    # Passages of resolution text hold the quote's words out of order, more than the
    # check reads; whatever the verdict, "only in a report" would be an unproven claim.
    from unittest import mock

    from bot.answers.quote import check_quote
    from bot.search.index import Bm25Index
    from bot.search.tokens import tokenize

    decoy = "Prisoners political release immediately, the delegation said on day {}."
    passages = [_passage(n, decoy.format(n)) for n in range(20)]
    passages.append(_passage(20, "The delegation asked to release political prisoners immediately."))
    documents = {
        p.document: Document(p.document, DocumentMeta(kind=Kind.text_adopted if p is not passages[20]
                                                      else Kind.news_report), {}, (p,), "")
        for p in passages
    }
    index = Bm25Index.build([tokenize(p.searchable) for p in passages])
    with mock.patch("bot.answers.quote_verbatim.MAX_VERIFIED", 5):
        result = check_quote("release political prisoners immediately", passages, documents, index)
    assert result.verdict is not Verdict.verbatim
    assert result.in_resolution_text is None


# Tiny corpora --------------------------------------------------------------------------

SENTENCE = "Parliament calls for the immediate release of all political prisoners in the country."


def test_the_same_words_in_several_documents_are_each_listed(tmp_path: Path) -> None:
    _write(tmp_path, "a-report.txt", f"Reporters wrote: {SENTENCE}", kind="news_report",
           reference="2019/2610(RSP)", adopted="2019-03-14")
    _write(tmp_path, "b-text.txt", SENTENCE, kind="text_adopted",
           reference="2019/2610(RSP)", adopted="2019-03-14")
    result = Service(tmp_path).quote("calls for the immediate release of all political prisoners")
    assert result.verdict is Verdict.verbatim
    # The resolution's own text first, then the report.
    assert [m.document.name for m in result.matches] == ["b-text.txt", "a-report.txt"]
    assert result.in_resolution_text
    assert result.matches[0].document.wording_note is None
    code, out = _run("quote", "calls for the immediate release of all political prisoners",
                     "--corpus", str(tmp_path))
    assert code == 0
    assert "in this order in 2 passages" in out
    assert out.count("Note: This is the news report's wording") == 1


def test_resolution_text_is_checked_first_when_reports_fill_the_list(tmp_path: Path) -> None:
    # More reports hold the words than a check lists; file order puts them first. The
    # resolution's text must still be found, and the reply must not say "only in a report".
    meta = {"reference": "2019/2610(RSP)", "adopted": "2019-03-14"}
    for n in range(MAX_MATCHES + 2):
        _write(tmp_path, f"a-report-{n:02}.txt", f"Outlet {n} wrote: {SENTENCE}", kind="news_report", **meta)
    _write(tmp_path, "z-text.txt", SENTENCE, kind="text_adopted", **meta)
    result = Service(tmp_path).quote("calls for the immediate release of all political prisoners")
    assert result.verdict is Verdict.verbatim and result.more
    assert result.matches[0].document.name == "z-text.txt"
    assert result.in_resolution_text is True
    code, out = _run("quote", "calls for the immediate release of all political prisoners",
                     "--json", "--corpus", str(tmp_path))
    assert code == 0 and json.loads(out)["in_resolution_text"] is True


def test_only_in_a_report_is_unknown_when_the_text_was_not_all_checked(tmp_path: Path) -> None:
    _write(tmp_path, "report.txt", SENTENCE, kind="news_report")
    checked = Service(tmp_path).quote(SENTENCE)
    assert checked.in_resolution_text is False  # every candidate read: proven
    unchecked = dataclasses.replace(checked, more=True, resolution_text_unchecked=True)
    assert unchecked.in_resolution_text is None
    assert unchecked.as_json()["in_resolution_text"] is None


def test_folding_that_changes_length_keeps_spans_on_the_original(tmp_path: Path) -> None:
    _write(tmp_path, "de.txt", "The delegation met officials in the Hauptstraße to discuss ﬁnancial aid.")
    result = Service(tmp_path).quote("met officials in the HAUPTSTRASSE to discuss financial aid")
    assert result.verdict is Verdict.verbatim
    assert result.matches[0].matched_text == "met officials in the Hauptstraße to discuss ﬁnancial aid"


def test_quote_uses_the_corpus_after_a_reload(tmp_path: Path) -> None:
    _write(tmp_path, "first.txt", "The committee discussed water supply in rural districts at length.")
    service = Service(tmp_path)
    assert service.quote("fishing quotas for the northern fleet were raised").verdict is Verdict.not_found
    _write(tmp_path, "second.txt", "In March the fishing quotas for the northern fleet were raised again.")
    service.reload()
    result = service.quote("fishing quotas for the northern fleet were raised")
    assert result.verdict is Verdict.verbatim
    assert result.matches[0].document.name == "second.txt"


def test_a_reload_lets_go_of_the_old_passages_words(tmp_path: Path) -> None:
    _write(tmp_path, "first.txt", "The committee discussed water supply in rural districts at length.")
    service = Service(tmp_path)
    service.quote("discussed water supply in rural districts")
    assert word_cache_bytes() > 0
    service.reload()
    assert word_cache_bytes() == 0  # the words of the passages served before the reload are gone


def test_unknown_kind_is_never_passed_off_as_the_resolution(tmp_path: Path) -> None:
    _write(tmp_path, "bare.txt", SENTENCE)
    code, out = _run("quote", SENTENCE, "--corpus", str(tmp_path))
    assert code == 0
    assert "reference unknown · adoption date unknown" in out
    assert "do not take it as the resolution's text" in out


# Output --------------------------------------------------------------------------------


def test_plain_text_output_marks_the_span_and_cites() -> None:
    code, out = _run("quote", "put an end to all forms of political repression", "--corpus", str(CORPUS))
    assert code == 0
    assert out.startswith("Verbatim: the words stand in this order in 1 passage.")
    assert "\u201c[[put an end to all forms of political repression]], since" in out
    assert "2019/2610(RSP) · adopted 2019-03-14 · news report, Times of Central Asia" in out
    assert f"paragraph 3 of {TCA}" in out
    assert "Note: This is the news report's wording, not the resolution's text." in out


def test_plain_text_near_miss_shows_the_diff() -> None:
    code, out = _run("quote", "put an end to all forms of repression", "--corpus", str(CORPUS))
    assert code == 1
    assert out.startswith("Near miss (similarity 0.94)")
    assert "the quote drops: \u201cpolitical\u201d" in out


def test_json_shape() -> None:
    code, out = _run("quote", "quash the convictions of bloggers", "--json", "--corpus", str(CORPUS))
    assert code == 0
    data = json.loads(out)
    assert set(data) == {
        "quote", "verdict", "omissions", "similarity", "matches", "more", "in_resolution_text", "across_units",
        "html_stripped", "pieces", "piece_verdicts",
    }
    assert data["across_units"] is False
    assert (data["html_stripped"], data["pieces"], data["piece_verdicts"]) == (False, 1, [])
    assert (data["verdict"], data["omissions"], data["similarity"]) == ("verbatim", False, 1.0)
    # Only in the OEIL summary, and every candidate was checked: proven not the text's words.
    assert data["in_resolution_text"] is False
    [match] = data["matches"]
    assert ASK_CITATION_KEYS <= set(match)
    assert {"span", "segments", "lead_span", "diff", "similarity"} <= set(match)
    assert (match["reference"], match["adopted"], match["kind"]) == ("2016/2607(RSP)", "2016-03-10", "summary")
    start, end = match["span"]
    assert match["text"][start:end] == "quash the convictions of bloggers"
    assert match["diff"] == []


def test_json_near_miss_diff_ops() -> None:
    code, out = _run("quote", "put an end to all forms of repression", "--json", "--corpus", str(CORPUS))
    assert code == 1
    data = json.loads(out)
    assert data["verdict"] == "near"
    diff = data["matches"][0]["diff"]
    assert {"op": "drop", "quote": "", "passage": "political", "span": [92, 101]} in diff
    assert {op["op"] for op in diff} == {"same", "drop"}


@pytest.mark.parametrize(
    ("message", "inner"),
    [
        ("\u201cput an end to repression\u201d", "put an end to repression"),
        ('"put an end to repression"', "put an end to repression"),
        ("  \u00abput an end\u00bb ", "put an end"),
        ("put an end to repression", None),
        ('""', None),
        ('"open only', None),
    ],
)
def test_quoted_text_recognises_a_message_in_quotation_marks(message: str, inner: str | None) -> None:
    assert quoted_text(message) == inner


NEAR = 0.8


@pytest.mark.parametrize(
    "quote",
    [
        "monitor the situation in Examplestan closely; Instructs its President to forward",
        "the situation in Examplestan \u2026 Instructs its President",
        "Examplestan closely. Instructs its President",
    ],
)
def test_a_quote_across_two_units_is_verbatim_and_cites_both(tmp_path: Path, quote: str) -> None:
    from tests.corpus.ep_texts import example, render

    (tmp_path / "ta.txt").write_text(render(example(), "blank"), encoding="utf-8")
    result = Service(tmp_path).quote(quote)
    assert result.verdict is Verdict.verbatim and result.across_units
    first, second = result.matches
    assert (first.passage.position.describe(), second.passage.position.describe()) == ("paragraph 2", "paragraph 3")
    assert first.passage.text[first.span[0] : first.span[1]].endswith(("Examplestan", "Examplestan closely"))
    assert second.passage.text[second.span[0] : second.span[1]].startswith("Instructs its President")
    assert result.as_json()["across_units"] is True
    out = io.StringIO()
    run_cli(["quote", quote, "--corpus", str(tmp_path)], out)
    assert "Verbatim across two units: the words run, in order, from paragraph 2 into paragraph 3." in out.getvalue()


def test_a_paragraphs_lead_in_and_its_point_are_found_in_the_point(tmp_path: Path) -> None:
    from tests.corpus.ep_texts import example, render

    (tmp_path / "ta.txt").write_text(render(example(), "lines"), encoding="utf-8")
    result = Service(tmp_path).quote("Calls on the authorities of Examplestan to: release all journalists")
    assert result.verdict is Verdict.verbatim and not result.across_units
    [match] = result.matches
    assert match.passage.position.describe() == "paragraph 1, point (a)" and match.lead_span is not None


def test_words_from_two_units_out_of_order_are_not_verbatim(tmp_path: Path) -> None:
    from tests.corpus.ep_texts import example, render

    (tmp_path / "ta.txt").write_text(render(example(), "blank"), encoding="utf-8")
    result = Service(tmp_path).quote("Instructs its President to forward; Urges the Commission to monitor")
    assert result.verdict is not Verdict.verbatim and not result.across_units


def test_a_cut_plus_a_small_change_is_a_near_miss(service: Service) -> None:
    result = service.quote("release the opposition leader [...] pending an independent review of his case")
    assert result.verdict is Verdict.near and result.similarity >= 0.9
    kinds = [op.kind for op in result.matches[0].diff]
    assert "cut" in kinds and "drop" in kinds  # the marked cut, and "and impartial" left out


def test_a_pasted_page_is_checked_piecewise_and_shows_the_closest_passages(service: Service) -> None:
    page = (CORPUS / "2016-2607-kazakhstan-freedom-of-expression-oeil.md").read_text(encoding="utf-8")
    result = service.quote(page[:4000])
    assert result.pieces > 3 and len(result.matches) > 3
    assert Verdict.verbatim in result.piece_verdicts
    # The front matter and headings stand in no passage, so the page as a whole is not found,
    # and the reply never claims that no passage shares a word with it.
    assert result.verdict is Verdict.not_found and result.matches


def test_several_verbatim_paragraphs_are_verbatim_piece_by_piece(service: Service) -> None:
    quote = (
        "implement the national torture prevention mechanism;\n\n"
        "The resolution demands that Kazakh authorities end their crackdown on independent labor unions "
        "and lift restrictions on their activities."
    )
    result = service.quote(quote)
    assert result.verdict is Verdict.verbatim and result.pieces == 2
    assert [m.document.name for m in result.matches] == [
        "2016-2607-kazakhstan-freedom-of-expression-oeil.md", "2019-2610-kazakhstan-human-rights-tca.txt"
    ]


def test_cli_headline_carries_the_source_authority_warning() -> None:
    code, out = _run("quote", "quash the convictions of bloggers", "--corpus", str(CORPUS))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Verbatim: the words stand in this order in 1 passage.")
    assert lines[1] == (
        "Not the resolution's text: these words stand only in a summary: that document's wording, "
        "not the resolution's."
    )


def test_cli_says_html_tags_were_removed() -> None:
    code, out = _run("quote", "<p>quash the convictions of <b>bloggers</b></p>", "--corpus", str(CORPUS))
    assert code == 0 and out.startswith("Note: HTML tags were removed from the quote before checking.\n")


# Changed edge words, the closest passage's marks and choice (issue 19) ------------------


def _changes(match: QuoteMatch) -> list[tuple[str, str, str]]:
    return [(op.kind, op.quote, op.passage) for op in match.diff if op.kind != "same"]


def test_a_changed_last_word_is_a_change_naming_the_passage_s_word(service: Service) -> None:
    # The news report says "…all forms of political repression"; was only "the quote adds: oppression".
    result = service.quote("put an end to all forms of political oppression")
    assert result.verdict is Verdict.near
    [match] = [m for m in result.matches if m.document.name == TCA]
    assert _changes(match) == [("change", "oppression", "repression")]
    assert match.matched_text == "put an end to all forms of political repression"
    code, out = _run("quote", "put an end to all forms of political oppression", "--corpus", str(CORPUS))
    assert "“repression”" in out and "the quote adds" not in out


def test_changed_opening_words_are_a_change_naming_the_passage_s_word(service: Service) -> None:
    result = service.quote("stop all forms of political repression")
    assert result.verdict is Verdict.near
    [match] = [m for m in result.matches if m.document.name == TCA]
    assert _changes(match) == [("change", "stop", "to")]  # was only "the quote adds: stop"
    assert match.matched_text == "to all forms of political repression"


def test_the_closest_passage_marks_only_words_the_quote_holds(service: Service) -> None:
    quote = "Kazakhstan must free the political prisoners and stop the harassment of bloggers"
    result = service.quote(quote)
    assert result.verdict is Verdict.not_found
    [closest] = result.matches
    marked = [closest.passage.text[a:b] for a, b in closest.segments]
    # Was one span, from "political" to "association".
    assert marked == ["the", "political prisoners", "and", "the", "of"]
    assert all(set(words(m)) <= set(words(quote)) for m in marked)
    assert closest.matched_text.startswith("the number of political prisoners")


def test_the_closest_passage_is_the_one_holding_most_of_the_quote_in_order(tmp_path: Path) -> None:
    quote = "the regime must at once release every jailed reporter and lift the ban on independent media"
    # 13 of the quote's 16 words, in order.
    most = ("Parliament insists that the regime must now release each jailed blogger and reporter, "
            "and lift at last the travel ban on all independent and foreign media.")
    # Its last 8 words in a row, and "the" and "every": was chosen (72% against 66%),
    # the 5 missing opening words not counting against it.
    tail = ("Activists who met the minister on Monday in the capital asked him to help every reporter "
            "and lift the ban on independent media.")
    _write(tmp_path, "a-most.txt", most, kind="text_adopted")
    _write(tmp_path, "b-tail.txt", tail, kind="text_adopted")
    result = Service(tmp_path).quote(quote)
    assert result.verdict is Verdict.not_found
    [closest] = result.matches
    assert closest.passage.text == most
