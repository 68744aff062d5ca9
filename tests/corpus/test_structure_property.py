"""The invariant: every word of a resolution's text is in exactly one passage, whatever the layout.

Generated resolutions (every unit's words unique) are written out in each layout real
copies come in; each word must come back in exactly one passage, in the unit that
holds it, and in no line left out. The shipped corpus must account for every word of
each body: in a passage, or in a line reported as left out.
"""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.corpus.frontmatter import split_front_matter
from bot.corpus.load import inspect_document
from bot.corpus.passages import clean
from tests.conftest import CORPUS
from tests.corpus.ep_texts import LAYOUTS, Resolution, render

_WORD_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


def _word(index: int, pad: int) -> str:
    """A word no other unit has: "zq", three letters for ``index``, ``pad`` more (a long word gets hyphenated)."""
    code = ""
    for _ in range(3):
        index, rest = divmod(index, 26)
        code += chr(ord("a") + rest)
    return "zq" + code + "e" * pad


@st.composite
def resolutions(draw: st.DrawFn) -> Resolution:
    counter = iter(range(26**3))

    def words() -> str:
        count = draw(st.integers(min_value=1, max_value=9))
        return " ".join(_word(next(counter), draw(st.integers(min_value=0, max_value=8))) for _ in range(count))

    citations = [f"having regard to {words()}," for _ in range(draw(st.integers(0, 5)))]
    recitals = [f"whereas {words()};" for _ in range(draw(st.integers(0, 30)))]
    paragraphs: list[tuple[str, list[str]]] = []
    for _ in range(draw(st.integers(1, 5))):
        points = [f"{words()};" for _ in range(draw(st.integers(0, 3)))]
        paragraphs.append((f"Calls on {words()}{':' if points else ';'}", points))
    paragraphs.append((f"Instructs its President to forward {words()}.", []))
    return Resolution(citations=citations, recitals=recitals, paragraphs=paragraphs)


@settings(max_examples=150, deadline=None)
@given(resolutions(), st.sampled_from(LAYOUTS))
def test_every_word_of_a_generated_resolution_is_in_exactly_one_passage(
    resolution: Resolution, layout: str
) -> None:
    document, warnings, reading = inspect_document("gen.txt", render(resolution, layout).encode())
    assert not [w for w in warnings if "numbering" in w.message or "twice" in w.message or "no text" in w.message]
    where: dict[str, list[str]] = {}
    for passage in document.passages:
        for word in passage.text.split():
            where.setdefault(word.strip(",;:."), []).append(passage.position.describe())
    left_out_words = {w for item in reading.left_out for w in item.text.split()}
    for _, text, label in resolution.units():
        for word in text.split():
            word = word.strip(",;:.")
            if not word.startswith("zq"):
                continue
            assert where.get(word) == [label], (word, layout)
            assert word not in left_out_words


def test_every_word_of_the_shipped_corpus_is_in_a_passage_or_reported_left_out() -> None:
    for path in sorted(CORPUS.iterdir()):
        if path.name.startswith(".") or path.suffix not in (".md", ".txt"):
            continue
        raw = path.read_bytes()
        _, _, body, _ = split_front_matter(path.name, raw.decode("utf-8"))
        document, _, reading = inspect_document(path.name, raw)
        served = Counter(w for p in document.passages for w in _WORD_RE.findall(p.text))
        left = Counter(w for item in reading.left_out for w in _WORD_RE.findall(item.text))
        assert served + left == Counter(_WORD_RE.findall(clean(body))), path.name
