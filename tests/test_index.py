"""Bm25Index scores are rank-bm25's, its top-k is a full sort's, and its cache is safe."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from bot.corpus import load_corpus
from bot.index import Bm25Index
from bot.index_store import cache_key, load, load_or_build, save
from bot.tokens import tokenize

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"

WORDS = [f"w{i}" for i in range(12)]
documents = st.lists(st.lists(st.sampled_from(WORDS), max_size=12), min_size=1, max_size=40)
queries = st.lists(st.sampled_from(WORDS + ["unknown", "absent"]), min_size=1, max_size=8)
# Small blocks and thresholds so that tiny corpora go through the pruned path too.
layouts = st.tuples(st.sampled_from([1, 2, 5, 128]), st.sampled_from([1, 2, 4, 10**9]))


def _full_sort(corpus: list[list[str]], query: list[str], k: int, allowed: np.ndarray | None) -> list[int]:
    """Reference top-k: every matching passage, by rank-bm25 score, ties by passage id."""
    scores = BM25Okapi(corpus).get_scores(query)
    matching = [i for i, doc in enumerate(corpus) if set(query) & set(doc)]
    if allowed is not None:
        matching = [i for i in matching if allowed[i]]
    return sorted(matching, key=lambda i: (-scores[i], i))[:k]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpus=documents, query=queries, layout=layouts)
def test_scores_equal_rank_bm25(corpus: list[list[str]], query: list[str], layout: tuple[int, int]) -> None:
    if not any(corpus):
        return  # rank-bm25 divides by zero without a single word: tested below
    expected = BM25Okapi(corpus).get_scores(query)
    index = Bm25Index.build(corpus, block=layout[0], big_df=layout[1])
    np.testing.assert_allclose(index.scores(query), expected, rtol=1e-6, atol=0)
    ids, scores = index.matches(query)
    assert ids.tolist() == [i for i, doc in enumerate(corpus) if set(query) & set(doc)]
    np.testing.assert_allclose(scores, expected[ids], rtol=1e-6, atol=0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    corpus=documents, query=queries, layout=layouts, k=st.integers(1, 12),
    mask_seed=st.one_of(st.none(), st.integers(0, 2**32 - 1)),
)
def test_top_equals_a_full_sort(
    corpus: list[list[str]], query: list[str], layout: tuple[int, int], k: int, mask_seed: int | None
) -> None:
    if not any(corpus):
        return
    allowed = None if mask_seed is None else np.random.default_rng(mask_seed).random(len(corpus)) < 0.6
    index = Bm25Index.build(corpus, block=layout[0], big_df=layout[1])
    ids, scores, total = index.top(query, k, allowed)
    expected = _full_sort(corpus, query, k, allowed)
    assert ids.tolist() == expected
    np.testing.assert_allclose(scores, BM25Okapi(corpus).get_scores(query)[expected], rtol=1e-6, atol=0)
    matching = [i for i, doc in enumerate(corpus) if set(query) & set(doc)]
    assert total == len([i for i in matching if allowed is None or allowed[i]])


def test_pruned_path_on_a_larger_zipf_corpus() -> None:
    # Enough passages and common words for many blocks to be skipped.
    rng = np.random.default_rng(3)
    vocab = [f"t{i}" for i in range(300)]
    weights = 1 / np.arange(1, 301)
    weights /= weights.sum()
    corpus = [list(rng.choice(vocab, size=int(rng.integers(0, 30)), p=weights)) for _ in range(3000)]
    reference = BM25Okapi(corpus)
    index = Bm25Index.build(corpus, block=16, big_df=100)
    assert index.arrays.block_max.shape[0] > 10  # the common-term path is exercised
    for _ in range(40):
        query = list(rng.choice(vocab, size=int(rng.integers(1, 7)), p=weights if rng.random() < 0.5 else None))
        scores = reference.get_scores(query)
        ids, top_scores, total = index.top(query, 10)
        matching = [i for i, doc in enumerate(corpus) if set(query) & set(doc)]
        assert ids.tolist() == sorted(matching, key=lambda i: (-scores[i], i))[:10]
        np.testing.assert_allclose(top_scores, scores[ids], rtol=1e-6, atol=0)
        assert total == len(matching)
        # A sparse filter (a year, a reference) and one that allows nothing.
        allowed = rng.random(len(corpus)) < 0.03
        ids, _, total = index.top(query, 10, allowed)
        kept = [i for i in matching if allowed[i]]
        assert ids.tolist() == sorted(kept, key=lambda i: (-scores[i], i))[:10] and total == len(kept)
        ids, _, total = index.top(query, 10, np.zeros(len(corpus), dtype=bool))
        assert ids.tolist() == [] and total == 0


def test_ties_are_broken_by_passage_order() -> None:
    corpus = [["a", "b"], ["c"], ["a", "b"], ["b", "a"], ["a", "b"]]
    for big_df in (1, 10**9):
        ids, scores, total = Bm25Index.build(corpus, big_df=big_df, block=2).top(["a", "b"], 3)
        assert ids.tolist() == [0, 2, 3] and len(set(scores.tolist())) == 1 and total == 4


def test_repeated_and_unknown_terms_count_as_rank_bm25_counts_them() -> None:
    corpus = [["kozlov", "release", "prison"], ["release", "media"], ["court"], []]
    query = ["release", "release", "nobody", "kozlov"]
    np.testing.assert_allclose(Bm25Index.build(corpus).scores(query), BM25Okapi(corpus).get_scores(query), rtol=1e-6)


def test_empty_corpus_and_empty_vocabulary() -> None:
    # rank-bm25 raises ZeroDivisionError on both; the index simply matches nothing.
    for corpus in ([], [[], []]):
        index = Bm25Index.build(corpus)
        assert index.size == len(corpus)
        assert index.scores(["a"]).tolist() == [0.0] * len(corpus)
        ids, scores, total = index.top(["a"], 5)
        assert ids.tolist() == [] and total == 0
        assert index.matches(["a"])[0].tolist() == []
        assert index.document_frequency("a") == 0 and index.passages_with("a").tolist() == []


def test_lookups() -> None:
    index = Bm25Index.build([["a", "b"], ["b"], ["c", "b", "b"]])
    assert index.term_ids(["b", "zz", "b"]) == [index.vocab["b"]] * 2
    assert index.document_frequency("b") == 3 and index.document_frequency("zz") == 0
    assert index.passages_with("b").tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="allowed mask has shape"):
        index.top(["b"], 2, np.ones(2, dtype=bool))


def test_shipped_corpus_scores_equal_rank_bm25() -> None:
    corpus = load_corpus(CORPUS_DIR)
    tokens = [tokenize(p.searchable) for d in corpus.documents for p in d.passages]
    reference = BM25Okapi(tokens)
    index = Bm25Index.build(tokens)
    for question in ("release of Vladimir Kozlov", "freedom of expression Kazakhstan media",
                     "political prisoners", "2016/2607(RSP) resolution", "zanzibar"):
        query = tokenize(question)
        np.testing.assert_allclose(index.scores(query), reference.get_scores(query), rtol=1e-6, atol=0)
        ids, _, total = index.top(query, 3)
        assert ids.tolist() == _full_sort(tokens, query, 3, None)
        assert total == sum(1 for doc in tokens if set(query) & set(doc))


# ----------------------------------------------------------------- persistence

CORPUS = [["kozlov", "release"], ["media", "law", "release"], ["court"], ["kozlov", "court", "court"]]


def _build_counting(calls: list[int]) -> list[list[str]]:
    calls.append(1)
    return CORPUS


def test_saved_index_round_trip(tmp_path: Path) -> None:
    calls: list[int] = []
    first = load_or_build(tmp_path, "k1", lambda: _build_counting(calls), len(CORPUS), min_passages=0)
    second = load_or_build(tmp_path, "k1", lambda: _build_counting(calls), len(CORPUS), min_passages=0)
    assert calls == [1]  # the second start read the saved index
    assert isinstance(second.postings, np.memmap)
    for query in (["kozlov"], ["court", "release", "court"]):
        np.testing.assert_array_equal(first.scores(query), second.scores(query))
        assert first.top(query, 2)[0].tolist() == second.top(query, 2)[0].tolist()
    assert second.vocab == first.vocab


def test_a_changed_corpus_gets_a_new_key_and_the_old_index_goes(tmp_path: Path) -> None:
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, corpus_dir, ignore=shutil.ignore_patterns(".index"))
    before = cache_key(d.digest for d in load_corpus(corpus_dir).documents)
    target = next(corpus_dir.glob("*.txt"))
    target.write_text(target.read_text(encoding="utf-8") + "\nA new paragraph about the release of prisoners.\n",
                      encoding="utf-8")
    after = cache_key(d.digest for d in load_corpus(corpus_dir).documents)
    assert before != after
    cache = corpus_dir / ".index"
    calls: list[int] = []
    load_or_build(cache, before, lambda: _build_counting(calls), len(CORPUS), min_passages=0)
    load_or_build(cache, after, lambda: _build_counting(calls), len(CORPUS), min_passages=0)
    assert calls == [1, 1]
    assert [p.name for p in cache.iterdir()] == [after]


def test_a_saved_index_of_another_size_is_rebuilt(tmp_path: Path) -> None:
    save(Bm25Index.build(CORPUS[:2]).arrays, tmp_path, "k")
    calls: list[int] = []
    index = load_or_build(tmp_path, "k", lambda: _build_counting(calls), len(CORPUS), min_passages=0)
    assert calls == [1] and index.size == len(CORPUS)


@pytest.mark.parametrize("damage", ["truncate", "garbage meta", "missing array", "wrong shape"])
def test_a_corrupt_saved_index_is_rebuilt(tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    directory = save(Bm25Index.build(CORPUS).arrays, tmp_path, "k")
    if damage == "truncate":
        path = directory / "postings.npy"
        path.write_bytes(path.read_bytes()[:-3])
    elif damage == "garbage meta":
        (directory / "meta.json").write_text("{not json", encoding="utf-8")
    elif damage == "missing array":
        (directory / "tf.npy").unlink()
    else:
        np.save(directory / "norm.npy", np.zeros(1))
    calls: list[int] = []
    with caplog.at_level(logging.WARNING):
        index = load_or_build(tmp_path, "k", lambda: _build_counting(calls), len(CORPUS), min_passages=0)
    assert calls == [1]
    assert index.top(["kozlov"], 5)[0].tolist() == _full_sort(CORPUS, ["kozlov"], 5, None)
    assert damage == "missing array" or "unusable" in caplog.text
    load(tmp_path / "k")  # and the rebuilt one was saved again


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only directories")
def test_a_read_only_corpus_directory_serves_from_memory(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    tmp_path.chmod(0o555)
    try:
        with caplog.at_level(logging.WARNING):
            index = load_or_build(tmp_path / ".index", "k", lambda: CORPUS, len(CORPUS), min_passages=0)
    finally:
        tmp_path.chmod(0o755)
    assert index.top(["court"], 1)[0].tolist() == _full_sort(CORPUS, ["court"], 1, None)
    assert "cannot save" in caplog.text


def test_an_unwritable_cache_path_serves_from_memory(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # Works as root too: the cache directory's place is taken by a file.
    blocker = tmp_path / ".index"
    blocker.write_text("not a directory", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        index = load_or_build(blocker, "k", lambda: CORPUS, len(CORPUS), min_passages=0)
    assert index.top(["court"], 1)[0].tolist() == _full_sort(CORPUS, ["court"], 1, None)
    assert "cannot save" in caplog.text


def test_small_corpora_are_not_saved(tmp_path: Path) -> None:
    load_or_build(tmp_path / ".index", "k", lambda: CORPUS, len(CORPUS))
    assert not (tmp_path / ".index").exists()


def test_meta_file_names_the_parameters(tmp_path: Path) -> None:
    directory = save(Bm25Index.build(CORPUS, k1=1.2, b=0.5).arrays, tmp_path, "k")
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    assert (meta["k1"], meta["b"], meta["size"]) == (1.2, 0.5, len(CORPUS))
    calls: list[int] = []
    # Asked for other parameters than the saved ones: rebuilt, not served wrong.
    load_or_build(tmp_path, "k", lambda: _build_counting(calls), len(CORPUS), min_passages=0)
    assert calls == [1]


def test_a_large_corpus_is_built_in_a_child_process(tmp_path: Path) -> None:
    tokenized_here: list[int] = []

    def tokens() -> list[list[str]]:
        tokenized_here.append(os.getpid())  # in a child, this list is the child's copy
        return CORPUS

    index = load_or_build(tmp_path, "k", tokens, len(CORPUS), min_passages=0, isolate_from=0)
    assert tokenized_here == []  # the parent neither tokenized nor built
    assert isinstance(index.postings, np.memmap)
    expected = Bm25Index.build(CORPUS)
    np.testing.assert_array_equal(index.scores(["court", "kozlov"]), expected.scores(["court", "kozlov"]))


def test_a_failing_child_build_falls_back_to_building_here(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    parent = os.getpid()

    def tokens() -> list[list[str]]:
        if os.getpid() != parent:
            raise RuntimeError("the child cannot tokenize")
        return CORPUS

    with caplog.at_level(logging.WARNING):
        index = load_or_build(tmp_path, "k", tokens, len(CORPUS), min_passages=0, isolate_from=0)
    assert "child process failed" in caplog.text
    assert index.top(["kozlov"], 5)[0].tolist() == _full_sort(CORPUS, ["kozlov"], 5, None)
