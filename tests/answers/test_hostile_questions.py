"""Questions and quotes that once changed answers silently or cost everyone's time."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers import quote_align, quote_words
from bot.answers.quote import WORD_CACHE_BYTES, Verdict, word_cache_bytes
from bot.answers.service import Service

QUOTE = "release the opposition leader Vladimir Kozlov"
INVISIBLE = {
    "ZWSP": "\u200b", "ZWNJ": "\u200c", "ZWJ": "\u200d", "word joiner": "\u2060", "BOM": "\ufeff",
    "LRM": "\u200e", "RLM": "\u200f",
}


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_characters_inside_words_do_not_change_a_quote(service: Service, char: str) -> None:
    pasted = QUOTE.replace("Kozlov", f"Koz{char}lov").replace("opposition", f"oppo{char}sition")
    result = service.quote(pasted)
    assert result.verdict is Verdict.verbatim  # was "not found" or "near" with a diff showing nothing
    assert result.matches[0].passage.text == service.quote(QUOTE).matches[0].passage.text
    assert all(op.kind == "same" for op in result.matches[0].diff)


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_characters_inside_words_do_not_change_a_question(service: Service, char: str) -> None:
    plain, pasted = service.ask("Kozlov"), service.ask(f"Koz{char}lov")
    assert pasted.total == plain.total == 2
    assert [h.passage for h in pasted.hits] == [h.passage for h in plain.hits]


def test_the_quote_word_cache_is_bounded_by_bytes_and_cleared_on_reload(tmp_path: Path) -> None:
    # Each passage is one long paragraph: its words are estimated at about 25 MB.
    for n in range(4):
        sentence = f"Parliament urges the authorities of Sylvania number {n} to release the detained journalists. "
        (tmp_path / f"long-{n}.md").write_text(sentence * 6000, encoding="utf-8")
    service = Service(tmp_path)
    for n in range(4):
        result = service.quote(f"authorities of Sylvania number {n} to release the detained journalists")
        assert result.verdict is Verdict.verbatim
        assert 0 < word_cache_bytes() <= WORD_CACHE_BYTES  # was 8,192 entries, whatever their size
    service.reload()
    assert word_cache_bytes() == 0  # the old snapshot's words do not outlive it
    assert service.quote("Sylvania number 3 to release").verdict is Verdict.verbatim


def test_a_quote_against_a_huge_passage_never_folds_it_whole_and_aligns_a_bounded_stretch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = [f"word{i % 997}" for i in range(30_000)]
    words[15_000:15_012] = "Parliament urges Sylvania to inspect every reservoir dam before the spring floods".split()
    (tmp_path / "huge.md").write_text(" ".join(words) + "\n", encoding="utf-8")
    service = Service(tmp_path)
    monkeypatch.setattr(quote_words.CACHE, "max_bytes", 0)  # as for a 5 MB passage: too large to keep
    folded: list[int] = []
    aligned: list[int] = []
    real_make, real_matcher = quote_words.make_words, quote_align.SequenceMatcher

    def make(text: str) -> object:
        folded.append(len(text))
        return real_make(text)

    def matcher(junk: None, a: list[str], b: list[str], autojunk: bool) -> object:
        aligned.append(len(b))
        return real_matcher(junk, a, b, autojunk=autojunk)

    monkeypatch.setattr(quote_words, "make_words", make)
    monkeypatch.setattr(quote_align, "SequenceMatcher", matcher)
    result = service.quote("Parliament urges Sylvania to inspect every reservoir dam before the summer floods")
    assert result.verdict is Verdict.near and result.similarity > 0.9
    assert result.matches[0].diff[-2].kind == "change"  # spring -> summer
    big = [n for n in folded if n > 100_000]
    # Only the stretch around the quote's rarest words is read: the whole passage was
    # once folded for each check (2.6 s for 5 MB), before that once per use (minutes).
    assert not big
    assert aligned and max(aligned) <= quote_align.ALIGN_MIN_WORDS  # not the 30,000 words


@pytest.mark.parametrize("accented", [False, True], ids=["ascii", "accented"])
def test_a_near_quote_inside_a_huge_passage_is_near_with_its_differences(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, accented: bool
) -> None:
    # One paragraph of some 600 KB; the quote's words also stand apart, far from it.
    letters = "bcdfghjklmnpqrstvwxz"
    filler = [
        ("é" if accented and i % 50 == 0 else "") + letters[i % 20] + letters[i // 20 % 20] + letters[i // 400 % 20]
        for i in range(150_000)
    ]
    sentence = "Parliament must stop every form of political repression against the reporters in Sylvania"
    filler[20_000:20_003] = ["political", "reporters", "Sylvania"]
    filler[120_000:120_000] = sentence.split()
    (tmp_path / "huge.md").write_text(" ".join(filler) + ".\n", encoding="utf-8")
    service = Service(tmp_path)
    monkeypatch.setattr(quote_words.CACHE, "max_bytes", 0)
    folded: list[int] = []
    real_make = quote_words.make_words

    def make(text: str) -> object:
        folded.append(len(text))
        return real_make(text)

    monkeypatch.setattr(quote_words, "make_words", make)
    result = service.quote("Parliament must stop every form of political oppression against reporters in Sylvania")
    assert result.verdict is Verdict.near
    [match] = result.matches
    changes = [(op.kind, op.quote, op.passage) for op in match.diff if op.kind != "same"]
    assert changes == [("change", "oppression", "repression"), ("drop", "", "the")]
    assert match.matched_text == sentence
    assert max(folded) < 100_000  # the passage was never folded whole


@pytest.mark.parametrize("accented", [False, True], ids=["ascii", "accented"])
def test_a_verbatim_quote_inside_a_huge_passage_is_found_without_folding_it_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, accented: bool
) -> None:
    letters = "bcdfghjklmnpqrstvwxz"
    filler = [
        ("é" if accented and i % 50 == 0 else "") + letters[i % 20] + letters[i // 20 % 20] + letters[i // 400 % 20]
        for i in range(150_000)
    ]
    # The quote's opening words stand early without the rest: the first place the
    # screen finds is not a match, the second is.
    filler[10_000:10_000] = "Parliament must stop every form of political repression against no one".split()
    sentence = "Parliament must stop every form of political repression against the reporters in Sylvania"
    filler[120_000:120_000] = sentence.split()
    text = " ".join(filler) + "."
    (tmp_path / "huge.md").write_text(text + "\n", encoding="utf-8")
    service = Service(tmp_path)
    monkeypatch.setattr(quote_words.CACHE, "max_bytes", 0)
    folded: list[int] = []
    real_make = quote_words.make_words

    def make(text: str) -> object:
        folded.append(len(text))
        return real_make(text)

    monkeypatch.setattr(quote_words, "make_words", make)
    result = service.quote(sentence)
    assert result.verdict is Verdict.verbatim
    assert [m.matched_text for m in result.matches] == [sentence]
    assert result.matches[0].span[0] == text.index(sentence)
    cut = service.quote("Parliament must stop every form … against the reporters in Sylvania")
    assert cut.verdict is Verdict.verbatim and cut.omissions
    assert [cut.matches[0].passage.text[a:b] for a, b in cut.matches[0].segments] == [
        "Parliament must stop every form", "against the reporters in Sylvania"
    ]
    assert service.quote("Parliament must stop every form of torture").verdict is not Verdict.verbatim
    assert max(folded) < 100_000  # the passage was never folded whole (2 s for 5 MB)
