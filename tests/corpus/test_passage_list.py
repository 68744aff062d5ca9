"""Every passage of several documents as one sequence: slices and items as a flat tuple gives them."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.corpus.lazy import LazyPassages
from bot.corpus.models import Document, DocumentMeta, Passage, Position
from bot.corpus.passage_list import PassageList


def _documents(counts: list[int], lazy: list[bool]) -> list[Document]:
    documents = []
    for d, (count, is_lazy) in enumerate(zip(counts, lazy, strict=True)):
        name = f"d{d}.md"
        made = tuple(Passage(name, Position(i + 1, None, i + 1), f"text {d}.{i}") for i in range(count))
        passages = LazyPassages(count, lambda made=made: made) if is_lazy else made
        documents.append(Document(name, DocumentMeta(), {}, passages, name))
    return documents


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=1, max_size=8),
    st.integers(-3, 45), st.integers(-3, 45), st.sampled_from([None, 1, 2]), st.booleans(),
)
def test_slices_and_items_are_those_of_the_flat_tuple(
    shape: list[tuple[int, bool]], start: int, stop: int, step: int | None, keep: bool
) -> None:
    documents = _documents([c for c, _ in shape], [lazy for _, lazy in shape])
    plain = _documents([c for c, _ in shape], [False] * len(shape))
    flat = tuple(itertools.chain.from_iterable(d.passages for d in plain))
    passages = PassageList(documents) if keep else PassageList(documents).unkept()
    assert len(passages) == len(flat)
    assert passages[start:stop:step] == flat[start:stop:step]
    assert tuple(passages) == flat
    for i in range(-len(flat), len(flat)):
        assert passages[i] == flat[i]
    # Every passage was read above: kept by their documents, or (unkept) made to be read only.
    assert [d.passages.made for d in documents if isinstance(d.passages, LazyPassages)] == [
        keep for _, lazy in shape if lazy
    ]
