"""An index answered from a saved segment and a new one scores every passage exactly as a fresh build does."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.search.index import Bm25Index
from bot.search.index_build import build_arrays
from bot.search.index_merge import merge_arrays
from bot.search.segments import SegmentedIndex

WORDS = [f"w{i}" for i in range(12)]
# Skewed, so that some words are common (block-max pruning) and some have negative IDFs.
passage = st.lists(st.sampled_from(WORDS[:3] * 6 + WORDS), min_size=0, max_size=8)
a_file = st.lists(passage, min_size=1, max_size=6)
query = st.lists(st.sampled_from([*WORDS, "unknown"]), min_size=1, max_size=4)


def assert_same(index: Bm25Index, fresh: Bm25Index, queries: list[list[str]], masks: list[np.ndarray]) -> None:
    """Every public answer of ``index`` is ``fresh``'s, to the bit and in its order."""
    assert index.size == fresh.size
    assert sorted(index.vocab) == sorted(fresh.vocab)
    for word in [*WORDS, "unknown"]:
        np.testing.assert_array_equal(index.scores([word]), fresh.scores([word]))
        assert index.document_frequency(word) == fresh.document_frequency(word)
        assert index.idf(word) == fresh.idf(word)
        np.testing.assert_array_equal(index.passages_with(word), fresh.passages_with(word))
    for tokens in queries:
        np.testing.assert_array_equal(index.scores(tokens), fresh.scores(tokens))
        for got, want in zip(index.matches(tokens), fresh.matches(tokens), strict=True):
            np.testing.assert_array_equal(got, want)
        for k in (0, 1, 3, 10):
            for allowed in [None, *masks]:
                got, want = index.top(tokens, k, allowed), fresh.top(tokens, k, allowed)
                np.testing.assert_array_equal(got[0], want[0])  # the same passages, in the same order
                np.testing.assert_array_equal(got[1], want[1])
                assert got[2] == want[2]


@settings(max_examples=150, deadline=None)
@given(
    base_files=st.lists(a_file, min_size=1, max_size=6),
    removed=st.lists(st.booleans(), min_size=6, max_size=6),
    added=st.lists(a_file, max_size=3),
    queries=st.lists(query, min_size=1, max_size=4),
    big_df=st.sampled_from([1, 2, 1000]),
    seed=st.integers(0, 2**16),
)
def test_random_adds_and_removes_score_as_a_fresh_build(
    base_files: list[list[list[str]]], removed: list[bool], added: list[list[list[str]]],
    queries: list[list[str]], big_df: int, seed: int,
) -> None:
    shape = {"block": 4, "big_df": big_df}
    alive = [not removed[i] for i in range(len(base_files))]
    base = build_arrays([p for f in base_files for p in f], **shape)  # type: ignore[arg-type]
    keep = np.repeat(np.array(alive, dtype=bool), [len(f) for f in base_files])
    new = [p for f in added for p in f]
    segment = build_arrays(new, **shape)  # type: ignore[arg-type]
    live = [p for f, ok in zip(base_files, alive, strict=True) if ok for p in f] + new
    fresh = Bm25Index(build_arrays(live, **shape))  # type: ignore[arg-type]
    index = SegmentedIndex(base, keep, segment)
    rng = np.random.default_rng(seed)
    masks = [rng.random(len(live)) < share for share in (0.2, 0.7)]
    assert_same(index, fresh, queries, masks)
    # And after the merge is swapped in.
    index.swap_in(Bm25Index(merge_arrays([(base, keep), (segment, None)], **shape)))  # type: ignore[arg-type]
    assert not index.segmented
    assert_same(index, fresh, queries, masks)


def test_a_segment_on_a_larger_corpus_prunes_and_still_scores_as_a_fresh_build() -> None:
    # Big enough for common terms with many blocks, whose maxima are rescaled: the new
    # passages are longer (the average length grows) and repeat a common word.
    rng = np.random.default_rng(3)
    vocab = [f"t{i}" for i in range(200)]
    weights = 1.0 / np.arange(1, 201)
    weights /= weights.sum()

    def passages(n: int, low: int, high: int) -> list[list[str]]:
        return [[vocab[i] for i in rng.choice(200, int(rng.integers(low, high)), p=weights)] for _ in range(n)]

    base_passages = passages(3000, 5, 30)
    new = passages(40, 60, 120)
    keep = np.ones(len(base_passages), dtype=bool)
    keep[100:160] = False
    base = build_arrays(base_passages, block=32, big_df=100)
    index = SegmentedIndex(base, keep, build_arrays(new, block=32, big_df=100))
    fresh = Bm25Index(build_arrays([p for p, ok in zip(base_passages, keep, strict=True) if ok] + new,
                                   block=32, big_df=100))
    queries = [["t0", "t1"], ["t0", "t5", "t150"], ["t2", "t2", "t40"], ["t1", "t3", "t7", "t199"], ["t0"]]
    assert_same(index, fresh, queries, [rng.random(fresh.size) < 0.3])


def test_a_merged_index_of_another_size_is_refused() -> None:
    index = SegmentedIndex(build_arrays([["a"], ["b"]]), None, build_arrays([["c"]]))
    with pytest.raises(ValueError, match="merged index has 2 passages"):
        index.swap_in(Bm25Index.build([["a"], ["b"]]))
    assert index.segmented
