"""Corpus files to documents and passages: the seeds, inference, and every kind of bad file."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.answers.service import Service
from bot.cli import run_cli
from bot.corpus import frontmatter, metadata, models, passages
from bot.corpus.load import load_corpus, parse_document
from bot.corpus.models import CorpusError, Kind
from tests.conftest import CORPUS, FIXTURES, ROOT

TCA = "2019-2610-kazakhstan-human-rights-tca.txt"
OEIL = "2016-2607-kazakhstan-freedom-of-expression-oeil.md"
# sha256 of the originals in ../shared/seeds, so the check holds where shared/ is absent.
SEED_SHA256 = {
    TCA: "ca3c0cd45191ca3f4e372fa7151722702e604ff03c60a98d6ce270e9837be7af",
    OEIL: "a5a58121c364ca09f854ea4ff59281e26588ed9e1875eb622c30f03b89ad75d2",
}
SEEDS = ROOT.parent / "shared" / "seeds"


def _body(path: Path) -> bytes:
    raw = path.read_bytes()
    assert raw.startswith(b"---\n")
    return raw.split(b"\n---\n", 1)[1]


@pytest.mark.parametrize("name", [TCA, OEIL])
def test_seed_bodies_are_byte_for_byte(name: str) -> None:
    body = _body(CORPUS / name)
    assert hashlib.sha256(body).hexdigest() == SEED_SHA256[name]
    if SEEDS.is_dir():
        originals = {hashlib.sha256(p.read_bytes()).hexdigest() for p in SEEDS.iterdir()}
        assert hashlib.sha256(body).hexdigest() in originals


def test_shipped_corpus_metadata() -> None:
    corpus = load_corpus(CORPUS)
    assert corpus.problems == ()
    docs = {d.name: d for d in corpus.documents}
    tca, oeil = docs[TCA].meta, docs[OEIL].meta
    assert (tca.reference, tca.adopted, tca.kind, tca.source) == (
        "2019/2610(RSP)", dt.date(2019, 3, 14), Kind.news_report, "Times of Central Asia",
    )
    assert tca.title == (
        "European Parliament resolution of 14 March 2019 on the human rights situation in Kazakhstan"
    )
    assert (oeil.reference, oeil.adopted, oeil.kind) == (
        "2016/2607(RSP)", dt.date(2016, 3, 10), Kind.summary,
    )
    assert oeil.url is None and docs[OEIL].origins["url"] == "unknown"
    assert docs[OEIL].origins["reference"] == "front matter"


def test_news_report_passages() -> None:
    doc = {d.name: d for d in load_corpus(CORPUS).documents}[TCA]
    texts = [p.text for p in doc.passages]
    # Headline and byline are not passages; the dateline paragraph is, as written.
    assert len(texts) == 7
    assert texts[0].startswith("ASTANA (TCA) — The European Parliament on March 14 adopted")
    assert not any(t.startswith("European Parliament urges") for t in texts)
    assert "Times of Central Asia" not in texts
    assert doc.passages[0].position.paragraph == 2
    assert texts[1].startswith(
        "The European Parliament called on the Kazakhstan authorities to “put an end to all forms"
    )


def test_summary_list_items_carry_their_lead_in() -> None:
    doc = {d.name: d for d in load_corpus(CORPUS).documents}[OEIL]
    items = [p for p in doc.passages if p.position.item is not None]
    assert len(items) == 6
    first = items[0]
    assert first.lead == "It called on the Kazakh authorities to:"
    assert first.text.startswith("release the opposition leader Vladimir Kozlov")
    assert (first.position.paragraph, first.position.item) == (8, 1)
    assert first.position.describe() == "paragraph 8, item 1"
    # The title line and the OEIL dateline are not passages.
    assert not any(p.text.startswith(("Resolution on", "2016/2607(RSP) -")) for p in doc.passages)


def test_emphasis_markers_are_not_quotable_text() -> None:
    doc = {d.name: d for d in load_corpus(CORPUS).documents}[OEIL]
    joined = "\n".join(p.text for p in doc.passages)
    assert "**" not in joined
    assert "Parliament stressed its concerns about the climate for media and free speech in Kazakhstan and" in joined


def test_passage_text_is_the_file_text_less_markers() -> None:
    for doc in load_corpus(CORPUS).documents:
        source = (CORPUS / doc.name).read_text(encoding="utf-8").replace("**", "")
        for passage in doc.passages:
            assert passage.text in source


def test_mixed_corpus_reports_each_bad_file_and_serves_the_rest() -> None:
    corpus = load_corpus(FIXTURES / "mixed_corpus")
    served = sorted(d.name for d in corpus.documents)
    assert served == ["ambiguous.txt", "good-inferred.md"]
    errors = {p.file: p for p in corpus.problems if p.severity == "error"}
    assert set(errors) == {
        "latin1.txt", "binary.md", "empty.md", "broken-yaml.md", "unknown-key.md", "bad-date.md",
    }
    assert "not UTF-8" in errors["latin1.txt"].message and errors["latin1.txt"].line == 2
    assert "binary" in errors["binary.md"].message
    assert errors["empty.md"].message == "empty file"
    assert "broken YAML" in errors["broken-yaml.md"].message
    assert "unknown key 'summary_by'" in errors["unknown-key.md"].message
    assert errors["unknown-key.md"].line == 3
    assert "'adopted'" in errors["bad-date.md"].message and "2019-02-30" in errors["bad-date.md"].message
    assert "notes.json" not in {p.file for p in corpus.problems}


def test_inference_from_text_is_marked_inferred() -> None:
    doc = {d.name: d for d in load_corpus(FIXTURES / "mixed_corpus").documents}["good-inferred.md"]
    assert doc.meta.reference == "2020/2999(RSP)"
    assert doc.meta.adopted == dt.date(2020, 1, 15)
    assert doc.meta.title == "Resolution on press freedom in Freedonia"
    assert doc.origins["reference"] == doc.origins["adopted"] == doc.origins["title"] == "inferred"
    # Nothing in the text says what kind of document it is or who published it.
    assert doc.meta.kind is None and doc.meta.source is None
    assert doc.origins["kind"] == "unknown"


def test_ambiguous_text_infers_nothing() -> None:
    corpus = load_corpus(FIXTURES / "mixed_corpus")
    doc = {d.name: d for d in corpus.documents}["ambiguous.txt"]
    assert doc.meta.reference is None and doc.meta.adopted is None
    warnings = [p.message for p in corpus.problems if p.file == "ambiguous.txt"]
    assert any("mentions 2021/1111(RSP), 2021/2222(RSP) but never states it" in w for w in warnings)


POSTED = (
    "Posted 20 March 2019 by the desk. The resolution on Kazakhstan, recalling 2016/2607(RSP), "
    "was welcomed by activists in Almaty.\n\nThe activists said the vote came after months of pressure.\n"
)


def test_a_posting_date_and_a_recalled_reference_are_not_the_citation(tmp_path: Path) -> None:
    # A reference recalled in passing and a posting date on a line that mentions the
    # resolution were once cited as this document's procedure and adoption date.
    doc, warnings = parse_document("posted.txt", POSTED.encode())
    assert doc.meta.reference is None and doc.meta.adopted is None
    assert doc.origins["reference"] == doc.origins["adopted"] == "unknown"
    assert doc.citation()[1].startswith("reference unknown · adoption date unknown")
    (tmp_path / "posted.txt").write_text(POSTED, encoding="utf-8")
    out = io.StringIO()
    assert run_cli(["check-corpus", str(tmp_path)], out) == 0
    report = out.getvalue()
    assert "  reference: unknown\n  adopted: unknown\n" in report
    assert "posted.txt: warning: reference unknown: the text mentions 2016/2607(RSP) but never states it" in report
    assert "posted.txt: warning: adopted unknown: the text has 2019-03-20 near the word adoption" in report


@pytest.mark.parametrize(
    ("body", "reference", "adopted"),
    [
        ("Procedure: 2016/2607(RSP)\n\nThe resolution was adopted on 10 March 2016 in Strasbourg by a show of hands.",
         "2016/2607(RSP)", dt.date(2016, 3, 10)),
        ("**Reference:** 2019/2610(RSP)\n\nThe text adopted by Parliament on March 14, 2019 calls for releases.",
         "2019/2610(RSP)", dt.date(2019, 3, 14)),
        ("European Parliament resolution of 14 March 2019 on the human rights situation in Kazakhstan "
         "(2019/2610(RSP))\n\nThe European Parliament calls for the release of all political prisoners.",
         "2019/2610(RSP)", dt.date(2019, 3, 14)),
    ],
)
def test_explicit_statements_are_inferred(body: str, reference: str, adopted: dt.date) -> None:
    doc, warnings = parse_document("stated.md", body.encode())
    assert (doc.meta.reference, doc.meta.adopted) == (reference, adopted)
    assert doc.origins["reference"] == doc.origins["adopted"] == "inferred"
    assert warnings == []


def test_recalled_resolutions_and_laws_are_not_the_adoption_date() -> None:
    body = (
        "- having regard to its resolution of 18 April 2013 on Kazakhstan (2013/2580(RSP)),\n"
        "- having regard to the Communications Law adopted on 3 May 2014, and the resolution on it.\n"
    )
    doc, warnings = parse_document("recitals.md", body.encode())
    assert doc.meta.reference is None and doc.meta.adopted is None
    messages = " | ".join(w.message for w in warnings)
    assert "2013-04-18, 2014-05-03" in messages and "never states it as the adoption date" in messages


def test_two_stated_dates_leave_the_date_unknown() -> None:
    body = (
        "2016/2607(RSP) - 10/03/2016 - Text adopted by Parliament, single reading\n\n"
        "The resolution was adopted on 11 March 2016 after a long debate in the chamber.\n"
    )
    doc, warnings = parse_document("two.md", body.encode())
    assert doc.meta.reference == "2016/2607(RSP)" and doc.meta.adopted is None
    assert any("states several dates (2016-03-10, 2016-03-11)" in w.message for w in warnings)


def test_a_bad_key_after_a_folded_title_is_reported_on_its_own_line() -> None:
    from bot.corpus.models import CorpusError

    raw = (
        "---\n"
        "title: >\n"
        "  European Parliament resolution of 10 March 2016\n"
        "  on freedom of expression in Kazakhstan\n"
        "kind: press_release\n"
        "---\n"
        "The European Parliament adopted a resolution on this matter today.\n"
    )
    with pytest.raises(CorpusError) as info:
        parse_document("folded.md", raw.encode())
    assert info.value.problem.line == 5
    assert str(info.value).startswith("folded.md:5: error: bad value for 'kind'")


def test_news_report_without_front_matter_has_no_year() -> None:
    body = _body(CORPUS / TCA)
    doc, warnings = parse_document("tca-bare.txt", body)
    # "March 14" has no year: the date is unknown, never guessed.
    assert doc.meta.adopted is None and doc.meta.reference is None
    assert doc.citation()[1] == "reference unknown · adoption date unknown · document of unknown kind, source unknown"
    assert any("adopted unknown" in w.message for w in warnings)


def test_oeil_summary_without_front_matter_infers_reference_and_date() -> None:
    doc, _ = parse_document("oeil-bare.md", _body(CORPUS / OEIL))
    assert doc.meta.reference == "2016/2607(RSP)"
    assert doc.meta.adopted == dt.date(2016, 3, 10)
    assert doc.meta.title == "Resolution on freedom of expression in Kazakhstan"


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("reference: true\n", "'reference'"),
        ("adopted: 10/03/2016\n", "not an ISO date"),
        ("kind: press_release\n", "'kind'"),
        ("url: javascript:alert(1)\n", "not an http(s) URL"),
        ("title: ''\n", "'title'"),
        ("- just\n- a list\n", "key: value"),
    ],
)
def test_bad_front_matter_values_are_named(front: str, message: str) -> None:
    from bot.corpus.models import CorpusError

    raw = f"---\n{front}---\nThe European Parliament adopted a resolution on this matter today.\n"
    with pytest.raises(CorpusError) as info:
        parse_document("x.md", raw.encode())
    assert "x.md" in str(info.value)
    assert message in str(info.value)


@pytest.mark.parametrize("reference", ["1998/0031R(NLE)", "2023/0321(CNS)", "2022/0900(BUD)", "2019/2610(DCE)"])
def test_every_procedure_reference_form_is_taken(reference: str) -> None:
    raw = f"---\nreference: {reference}\n---\nThe European Parliament adopted a resolution on this matter today.\n"
    doc, warnings = parse_document("x.md", raw.encode())
    assert doc.meta.reference == reference
    assert not any("procedure form" in w.message for w in warnings)
    assert doc.citation()[1].startswith(f"{reference} · ")


def test_a_reference_of_unknown_shape_is_a_warning_and_cited_as_written() -> None:
    raw = b"---\nreference: 2016-2607\n---\nThe European Parliament adopted a resolution on this matter today.\n"
    doc, warnings = parse_document("x.md", raw)
    assert doc.meta.reference == "2016-2607"
    assert doc.citation()[1].startswith("2016-2607 · ")
    (warning,) = [w for w in warnings if "procedure form" in w.message]
    assert str(warning) == (
        "x.md: warning: reference '2016-2607' is not of a known procedure form like 2016/2607(RSP) "
        "or 1998/0031R(NLE): cited as written"
    )


def test_unclosed_front_matter_and_no_passage() -> None:
    from bot.corpus.models import CorpusError

    with pytest.raises(CorpusError, match="never closed"):
        parse_document("open.md", b"---\ntitle: x\nThe body.\n")
    with pytest.raises(CorpusError, match="no passage"):
        parse_document("short.md", b"---\ntitle: x\n---\nToo short.\n")


def test_conflicting_dates_for_one_reference(tmp_path: Path) -> None:
    body = "\nThe European Parliament adopted a resolution on the matter of reservoirs today.\n"
    (tmp_path / "a.md").write_text(f"---\nreference: 2019/2610(RSP)\nadopted: 2019-03-14\n---{body}")
    (tmp_path / "b.md").write_text(f"---\nreference: 2019/2610(RSP)\nadopted: 2019-04-14\n---{body}")
    corpus = load_corpus(tmp_path)
    assert [d.name for d in corpus.documents] == ["a.md"]
    (problem,) = corpus.problems
    assert problem.file == "b.md" and "2019-03-14" in problem.message and "a.md" in problem.message


def test_missing_corpus_directory(tmp_path: Path) -> None:
    corpus = load_corpus(tmp_path / "nope")
    assert corpus.documents == ()
    assert "does not exist" in corpus.problems[0].message


# The parser's fast paths against the straightforward code they replace.

_FRAGMENTS = (
    "European Parliament resolution of 14 March 2019 on x (2019/2610(RSP))", "RESOLUTION OF 1 May 2001",
    "reſolution of 2 May 2002", "the text ADOPTED on 10 March 2016", "resolution was adopted on 3 June 2004",
    "2016/2607(RSP) - 10/03/2016 - Text adopted by Parliament, single reading", "Procedure: 2016/2607(rsp)",
    "**Procedure:** 2017/2001(RSP)", "Reference: 2018/2002(RSP).", "adop**ted on 4 July 2005", "İ", "ı",
    "ſ", "\u0130resolution of 5 May 2005", " ", "\n", "\n\n", "\r", "\r\n", "**", "\u2028", "\x85", "\x0c",
    "word", "Words, more words and other words here.", "- ", "1. ", "# ", ":", "’", "Section 2",
)
_texts = st.lists(st.sampled_from(_FRAGMENTS), max_size=30).map("".join)


def _reference_stated(body: str) -> tuple[set[str], set[dt.date]]:
    """metadata._stated_reference_and_date as first written: every line, every pattern."""
    refs: set[str] = set()
    dates: set[dt.date] = set()
    for raw in body.splitlines():
        line = passages.clean(raw)
        if match := metadata._DATELINE_RE.match(line):
            refs.add(match.group(1))
            dates.update(metadata._dates_in(match.group(2), at_start=True))
        elif match := metadata._REFERENCE_LINE_RE.match(line):
            refs.add(match.group(1))
        elif match := metadata._TITLE_DATE_RE.match(line):
            dates.update(metadata._dates_in(match.group(1), at_start=True))
            if ref := metadata._TITLE_REFERENCE_RE.search(line):
                refs.add(ref.group(1))
        for match in metadata._ADOPTED_ON_RE.finditer(line):
            if not metadata._recalled(line, match.start()):
                dates.update(metadata._dates_in(match.group(1), at_start=True))
    return refs, dates


@settings(max_examples=400, deadline=None)
@given(_texts)
def test_stated_reference_and_date_reads_every_line(body: str) -> None:
    assert metadata._stated_reference_and_date(body) == _reference_stated(body)


@settings(max_examples=300, deadline=None)
@given(_texts, st.integers(min_value=1, max_value=25))
def test_word_threshold_counts_as_findall(text: str, count: int) -> None:
    assert passages._has_words(text, count) == (len(passages._WORD_RE.findall(text)) >= count)


def test_fold_exceptions_are_every_character_re_folds_otherwise() -> None:
    """_FOLD_EXCEPTIONS holds every character a case-insensitive regex reads as a hint letter
    while str.lower() does not (the fast hint search in lower-cased text relies on it)."""
    letters = sorted(set("".join(metadata._HINT_WORDS)) - {" "})
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    pattern = re.compile(f"[{''.join(letters)}]", re.IGNORECASE)
    folded = {m.group() for m in pattern.finditer(everything) if m.group().lower() not in letters}
    assert folded == set(metadata._FOLD_EXCEPTIONS)


_CHARS = list("aZ09 :#-'\"[]{}!&*|>%@`,?.~/()_\t\u00a0\u2028é’")
_VALUES = st.text(alphabet=st.sampled_from(_CHARS), min_size=0, max_size=12)
_SCALARS = st.one_of(
    _VALUES, st.sampled_from(["yes", "No", "null", "~", "1e3", "0x1F", "2016-03-10", ".inf", "12:30", "=", "<<"]),
)
_FRONT_LINES = st.lists(
    st.tuples(st.sampled_from([*models.META_FIELDS, "extra", "Title"]), st.sampled_from([": ", ":  ", ":"]), _SCALARS),
    max_size=6,
)


@settings(max_examples=500, deadline=None)
@given(_FRONT_LINES)
@example([("title", ": ", "a: b")])
@example([("title", ": ", "a #b")])
@example([("source", ": ", "a:")])
@example([("title", ": ", "- a")])
@example([("title", ": ", "yes")])
@example([("title", ": ", "T"), ("title", ": ", "U")])
def test_simple_front_matter_reads_as_yaml(lines: list[tuple[str, str, str]]) -> None:
    """Front matter read without the parser is what the parser reads; the rest is left to it."""
    yaml_text = "".join(f"{key}{sep}{value}\n" for key, sep, value in lines)
    simple = frontmatter._simple_front_matter(yaml_text)
    if simple is None:
        return
    text = f"---\n{yaml_text}---\nSome body text long enough to be a passage here.\n"
    loader = frontmatter._FrontMatterLoader(yaml_text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    key_lines = {str(k.value): k.start_mark.line + 2 for k, _ in node.value}
    assert simple == (data, key_lines)
    assert frontmatter.split_front_matter("f.md", text)[:2] == simple


def test_simple_front_matter_is_used_for_the_shipped_corpus() -> None:
    for path in CORPUS.iterdir():
        yaml_text = path.read_text(encoding="utf-8").split("---\n")[1]
        assert frontmatter._simple_front_matter(yaml_text) is not None


@pytest.mark.parametrize(
    "sentence",
    [
        "It recalled its previous resolution adopted on 10 March 2016 on the same country.",
        "Members pointed to an earlier resolution adopted on 10 March 2016 by the plenary.",
        "Recalling the resolution adopted on 10 March 2016, the Members went further.",
    ],
)
def test_a_recalled_resolutions_date_is_never_the_adoption_date(sentence: str) -> None:
    body = f"The European Parliament has called on Kazakhstan to free its bloggers. {sentence}\n"
    doc, warnings = parse_document("news.md", body.encode())
    assert doc.meta.adopted is None and doc.origins["adopted"] == "unknown"
    assert any("2016-03-10" in w.message and "never states it" in w.message for w in warnings)


def test_the_title_line_gives_title_date_and_reference_and_is_no_passage() -> None:
    body = (
        "European Parliament resolution of 10 March 2016 on freedom of expression in Kazakhstan (2016/2607(RSP))\n"
        "The European Parliament,\n"
        "\u2013 having regard to the Universal Declaration of Human Rights of 1948,\n"
        "1. Calls on Kazakhstan to respect the freedom of expression.\n"
    )
    doc, warnings = parse_document("ta.md", b"---\nkind: text_adopted\n---\n" + body.encode())
    assert doc.meta.title == "European Parliament resolution of 10 March 2016 on freedom of expression in Kazakhstan"
    assert (doc.meta.reference, doc.meta.adopted) == ("2016/2607(RSP)", dt.date(2016, 3, 10))
    assert doc.origins["title"] == doc.origins["reference"] == doc.origins["adopted"] == "inferred"
    assert [p.position.describe() for p in doc.passages] == ["citation 1", "paragraph 1"]
    assert warnings == []


@pytest.mark.parametrize(
    ("front", "shown"),
    [("P9_TA(2021)0056", "P9_TA(2021)0056"), ("TA-9-2021-0056", "TA-9-2021-0056")],
)
def test_text_id_in_front_matter_in_either_notation(front: str, shown: str) -> None:
    text = f"---\ntext_id: {front}\n---\nA paragraph long enough to be served here.\n"
    doc, _ = parse_document("t.md", text.encode())
    assert doc.meta.text_id == shown and doc.origins["text_id"] == "front matter"


def test_a_bad_text_id_is_named() -> None:
    with pytest.raises(CorpusError, match="'text_id'.*not an EP text number"):
        parse_document("t.md", b"---\ntext_id: P9-2021-56\n---\nA paragraph long enough to be served here.\n")


def test_the_same_text_under_two_names_is_served_once_and_the_copy_reported(tmp_path: Path) -> None:
    shipped = CORPUS
    for source in shipped.iterdir():
        if source.is_file():
            (tmp_path / source.name).write_bytes(source.read_bytes())
    original = "2019-2610-kazakhstan-human-rights-tca.txt"
    (tmp_path / "copy-of-2019.txt").write_bytes((shipped / original).read_bytes())
    corpus = load_corpus(tmp_path)
    assert "copy-of-2019.txt" not in {d.name for d in corpus.documents}
    [problem] = [p for p in corpus.problems if p.file == "copy-of-2019.txt"]
    assert problem.message == f"the same file as {original}: skipped; remove one of the two"
    service = Service(tmp_path)
    first, more = service.ask("political prisoners", top=3), service.ask("political prisoners", top=3, offset=3)
    shown = [h.passage.text for h in (*first.hits, *more.hits)]
    assert len(shown) == len(set(shown))  # no passage twice, on one page or the next
    assert all(h.document.name != "copy-of-2019.txt" for h in (*first.hits, *more.hits))
