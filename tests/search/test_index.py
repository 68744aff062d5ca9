"""Bm25Index scores are rank-bm25's, its top-k is a full sort's, and its cache is safe."""

from __future__ import annotations

import functools
import importlib
import json
import logging
import multiprocessing as mp
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import Stemmer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from bot.corpus.load import load_corpus
from bot.search import index_build as build_module
from bot.search import index_store
from bot.search.index import Bm25Index
from bot.search.index_store import cache_key, load, load_or_build, save
from bot.search.tokens import tokenize

CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"

WORDS = [f"w{i}" for i in range(12)]
documents = st.lists(st.lists(st.sampled_from(WORDS), max_size=12), min_size=1, max_size=40)
queries = st.lists(st.sampled_from(WORDS + ["unknown", "absent"]), min_size=1, max_size=8)
# Small blocks and thresholds so that tiny corpora go through the pruned path too.
layouts = st.tuples(st.sampled_from([1, 2, 5, 128]), st.sampled_from([1, 2, 4, 10**9]))


# Absolute slack on scores: a score that is 0 in exact arithmetic comes out of rank-bm25's
# float sums as about -1e-17 (an IDF floor of epsilon times an average IDF that cancels to
# 0), which no relative tolerance accepts, and which orders ties by rounding noise.
ATOL = 1e-12


def _full_sort(corpus: list[list[str]], query: list[str], k: int, allowed: np.ndarray | None) -> list[int]:
    """Reference top-k: every matching passage, by rank-bm25 score, ties by passage id."""
    scores = BM25Okapi(corpus).get_scores(query)
    matching = [i for i, doc in enumerate(corpus) if set(query) & set(doc)]
    if allowed is not None:
        matching = [i for i in matching if allowed[i]]
    return sorted(matching, key=lambda i: (-round(scores[i] / ATOL) * ATOL, i))[:k]  # scores within ATOL tie


# Found by CI: every score is 0 in exact arithmetic, rank-bm25's about -1e-17 (see ATOL).
_CANCELLING = [[], ["w0", "w1", "w2"], ["w0", "w1", "w2"], ["w0", "w1", "w2", "w3", "w4", "w5"]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpus=documents, query=queries, layout=layouts)
@example(corpus=_CANCELLING, query=["w0"], layout=(1, 1))
def test_scores_equal_rank_bm25(corpus: list[list[str]], query: list[str], layout: tuple[int, int]) -> None:
    if not any(corpus):
        return  # rank-bm25 divides by zero without a single word: tested below
    expected = BM25Okapi(corpus).get_scores(query)
    index = Bm25Index.build(corpus, block=layout[0], big_df=layout[1])
    np.testing.assert_allclose(index.scores(query), expected, rtol=1e-6, atol=ATOL)
    ids, scores = index.matches(query)
    assert ids.tolist() == [i for i, doc in enumerate(corpus) if set(query) & set(doc)]
    np.testing.assert_allclose(scores, expected[ids], rtol=1e-6, atol=ATOL)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    corpus=documents, query=queries, layout=layouts, k=st.integers(1, 12),
    mask_seed=st.one_of(st.none(), st.integers(0, 2**32 - 1)),
)
@example(corpus=_CANCELLING, query=["w0"], layout=(1, 1), k=3, mask_seed=None)
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
    np.testing.assert_allclose(scores, BM25Okapi(corpus).get_scores(query)[expected], rtol=1e-6, atol=ATOL)
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
        np.testing.assert_allclose(top_scores, scores[ids], rtol=1e-6, atol=ATOL)
        assert total == len(matching)
        # A sparse filter (a year, a reference) and one that allows nothing.
        allowed = rng.random(len(corpus)) < 0.03
        ids, _, total = index.top(query, 10, allowed)
        kept = [i for i in matching if allowed[i]]
        assert ids.tolist() == sorted(kept, key=lambda i: (-scores[i], i))[:10] and total == len(kept)
        ids, _, total = index.top(query, 10, np.zeros(len(corpus), dtype=bool))
        assert ids.tolist() == [] and total == 0


def test_a_build_in_many_chunks_and_term_ranges_equals_rank_bm25(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tiny chunks and many term ranges: the merge that keeps a large build's memory low
    # (terms first met in a later chunk, ranges some chunks have nothing in).
    monkeypatch.setattr(build_module, "_CHUNK", 7)
    monkeypatch.setattr(build_module, "_MAP_STEP", 3)
    monkeypatch.setattr(build_module, "_RANGES", 5)
    rng = np.random.default_rng(5)
    vocab = [f"t{i}" for i in range(80)]
    weights = 1 / np.arange(1, 81)
    weights /= weights.sum()
    corpus = [list(rng.choice(vocab[: 10 + 2 * i], size=int(rng.integers(0, 12)), p=None)) for i in range(35)]
    corpus += [list(rng.choice(vocab, size=int(rng.integers(0, 12)), p=weights)) for _ in range(30)]
    reference = BM25Okapi(corpus)
    index = Bm25Index.build(corpus, block=4, big_df=8)
    for query in (["t0"], ["t79", "t3", "t3"], list(rng.choice(vocab, 6)), ["t40", "t1", "t70"]):
        expected = reference.get_scores(query)
        np.testing.assert_allclose(index.scores(query), expected, rtol=1e-6, atol=ATOL)
        matching = [i for i, doc in enumerate(corpus) if set(query) & set(doc)]
        ids, _, total = index.top(query, 5)
        assert ids.tolist() == sorted(matching, key=lambda i: (-expected[i], i))[:5] and total == len(matching)


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
    empties: list[list[list[str]]] = [[], [[], []]]
    for corpus in empties:
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
        np.testing.assert_allclose(index.scores(query), reference.get_scores(query), rtol=1e-6, atol=ATOL)
        ids, _, total = index.top(query, 3)
        assert ids.tolist() == _full_sort(tokens, query, 3, None)
        assert total == sum(1 for doc in tokens if set(query) & set(doc))


# ----------------------------------------------------------------- persistence

CORPUS = [["kozlov", "release"], ["media", "law", "release"], ["court"], ["kozlov", "court", "court"]]
TEXTS = [" ".join(p) for p in CORPUS]
# Set while a test holds it; a child that shared this process's memory would see it held.
_HELD = threading.Lock()


def _counting(calls: list[int]) -> Callable[[str], list[str]]:
    """str.split that counts the passages it tokenized (in this process only)."""

    def split(text: str) -> list[str]:
        calls.append(1)
        return text.split()

    return split


# Tokenizers for the child process: module level (they go by reference), told the
# test's own pid so that they behave differently in the child.

def _split_in_child_only(parent: int, text: str) -> list[str]:
    if os.getpid() == parent:
        raise AssertionError("the parent tokenized")
    return text.split()


def _fail_in_child(parent: int, text: str) -> list[str]:
    if os.getpid() != parent:
        raise RuntimeError("the child cannot tokenize")
    return text.split()


def _hang_in_child(parent: int, text: str) -> list[str]:
    if os.getpid() != parent:
        threading.Event().wait()  # forever: only the parent's time limit ends it
    return text.split()


def _split_under_lock(parent: int, text: str) -> list[str]:
    if os.getpid() != parent:
        # A forked child inherits _HELD as held (by a thread it does not have): stuck.
        with _HELD:
            return text.split()
    return text.split()


def test_saved_index_round_trip(tmp_path: Path) -> None:
    calls: list[int] = []
    first = load_or_build(tmp_path, "k1", TEXTS, _counting(calls), min_passages=0)
    second = load_or_build(tmp_path, "k1", TEXTS, _counting(calls), min_passages=0)
    assert len(calls) == len(TEXTS)  # the second start read the saved index
    # Mapped, not read: a plain ndarray view of the file's memory map.
    assert type(second.postings) is np.ndarray and isinstance(second.postings.base, np.memmap)
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
    load_or_build(cache, before, TEXTS, _counting(calls), min_passages=0)
    load_or_build(cache, after, TEXTS, _counting(calls), min_passages=0)
    assert len(calls) == 2 * len(TEXTS)
    assert [p.name for p in cache.iterdir()] == [after]


def test_the_key_follows_the_stemmer_and_library_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    digests = ["a.txt deadbeef"]
    before = cache_key(digests)
    assert cache_key(digests) == before  # deterministic
    with monkeypatch.context() as patch:
        patch.setattr(Stemmer, "version", lambda: "0.0-other")
        assert cache_key(digests) != before, "PyStemmer"
    with monkeypatch.context() as patch:
        patch.setattr(np, "__version__", "0.0-other")
        assert cache_key(digests) != before, "numpy"


def test_the_key_follows_the_tokenizer_output(monkeypatch: pytest.MonkeyPatch) -> None:
    digests = ["a.txt deadbeef"]
    before = cache_key(digests)
    assert cache_key(digests, tokenizer=str.split) != before
    # Same code, same versions, but tokens that differ on the probe (a stemmer's data).
    assert cache_key(digests, tokenizer=lambda t: [w.upper() for w in tokenize(t)]) != before
    monkeypatch.setattr(index_store, "PROBE", index_store.PROBE + " détente")
    assert cache_key(digests) != before


@pytest.mark.parametrize("name", index_store._CODE)
def test_the_key_follows_the_source_of_the_indexed_text_and_tokens(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    digests = ["a.txt deadbeef"]
    before = cache_key(digests)
    module = importlib.import_module(name)
    assert module.__file__ is not None
    edited = tmp_path / "edited.py"
    edited.write_bytes(Path(module.__file__).read_bytes() + b"\n# edited\n")
    monkeypatch.setattr(module, "__file__", str(edited))
    assert cache_key(digests) != before


def test_a_saved_index_of_another_size_is_rebuilt(tmp_path: Path) -> None:
    save(Bm25Index.build(CORPUS[:2]).arrays, tmp_path, "k")
    calls: list[int] = []
    index = load_or_build(tmp_path, "k", TEXTS, _counting(calls), min_passages=0)
    assert len(calls) == len(TEXTS) and index.size == len(CORPUS)


@pytest.mark.parametrize(
    "damage", ["truncate", "truncate by one byte", "extend", "garbage meta", "no manifest", "missing array",
               "wrong shape"])
def test_a_corrupt_saved_index_is_rebuilt(tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    directory = save(Bm25Index.build(CORPUS).arrays, tmp_path, "k")
    path = directory / "postings.npy"
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:-3])
    elif damage == "truncate by one byte":
        path.write_bytes(path.read_bytes()[:-1])
    elif damage == "extend":
        # An array file longer than written: np.load maps it without complaint.
        path.write_bytes(path.read_bytes() + b"\0" * 64)
    elif damage == "garbage meta":
        (directory / "meta.json").write_text("{not json", encoding="utf-8")
    elif damage == "no manifest":
        (directory / "meta.json").unlink()  # a save interrupted before its last file
    elif damage == "missing array":
        (directory / "tf.npy").unlink()
    else:
        np.save(directory / "norm.npy", np.zeros(1))
    calls: list[int] = []
    with caplog.at_level(logging.INFO):
        index = load_or_build(tmp_path, "k", TEXTS, _counting(calls), min_passages=0)
    assert len(calls) == len(TEXTS)
    assert index.top(["kozlov"], 5)[0].tolist() == _full_sort(CORPUS, ["kozlov"], 5, None)
    if damage in ("truncate", "truncate by one byte", "extend", "wrong shape"):
        assert "half-written" in caplog.text
    if damage == "no manifest":
        assert "no saved index" in caplog.text
    else:
        assert "unusable" in caplog.text
    load(tmp_path / "k")  # and the rebuilt one was saved again


def test_the_manifest_records_every_array_file_size(tmp_path: Path) -> None:
    directory = save(Bm25Index.build(CORPUS).arrays, tmp_path, "k")
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    assert meta["files"] == {p.stem: p.stat().st_size for p in directory.glob("*.npy")}
    assert len(meta["files"]) == 12  # and lengths, for merges


def test_an_unwritable_corpus_directory_serves_from_memory(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # Root ignores permission bits, not file types: a FILE named .index makes every
    # write into the cache fail, for root too.
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / ".index").write_text("not a directory", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        index = load_or_build(corpus_dir / ".index", "k", TEXTS, str.split, min_passages=0)
    for query in (["court"], ["kozlov", "release"]):
        assert index.top(query, 2)[0].tolist() == _full_sort(CORPUS, query, 2, None)
    assert "cannot save the index in " + str(corpus_dir / ".index") in caplog.text
    assert (corpus_dir / ".index").read_text(encoding="utf-8") == "not a directory"


def test_an_unwritable_cache_also_serves_large_corpora_from_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The child build cannot even get its scratch directory: built here, said so.
    blocker = tmp_path / ".index"
    blocker.write_text("not a directory", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        index = load_or_build(blocker, "k", TEXTS, str.split, min_passages=0, isolate_from=0)
    assert index.top(["court"], 1)[0].tolist() == _full_sort(CORPUS, ["court"], 1, None)
    assert "cannot prepare a child build in " + str(blocker) in caplog.text
    assert "cannot save the index in " + str(blocker) in caplog.text


def test_small_corpora_are_not_saved(tmp_path: Path) -> None:
    load_or_build(tmp_path / ".index", "k", TEXTS, str.split)
    assert not (tmp_path / ".index").exists()


def test_meta_file_names_the_parameters(tmp_path: Path) -> None:
    directory = save(Bm25Index.build(CORPUS, k1=1.2, b=0.5).arrays, tmp_path, "k")
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    assert (meta["k1"], meta["b"], meta["size"]) == (1.2, 0.5, len(CORPUS))
    calls: list[int] = []
    # Asked for other parameters than the saved ones: rebuilt, not served wrong.
    load_or_build(tmp_path, "k", TEXTS, _counting(calls), min_passages=0)
    assert len(calls) == len(TEXTS)


def test_a_large_corpus_is_built_in_a_child_process(tmp_path: Path) -> None:
    texts = TEXTS + ["naïve “quotes” — and \udcff a lone surrogate"]
    tokenizer = functools.partial(_split_in_child_only, os.getpid())
    index = load_or_build(tmp_path, "k", texts, tokenizer, min_passages=0, isolate_from=0)
    assert isinstance(index.postings.base, np.memmap)  # loaded from what the child saved
    expected = Bm25Index.build([t.split() for t in texts])
    assert index.vocab == expected.vocab
    np.testing.assert_array_equal(index.scores(["court", "kozlov"]), expected.scores(["court", "kozlov"]))
    # Nothing left behind but the index: the texts file went with the scratch directory.
    assert [p.name for p in tmp_path.iterdir()] == ["k"]


def test_the_child_does_not_inherit_locks_held_by_the_parents_threads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A forked child would wait forever for _HELD; a child that did not fork this
    # process has a lock of its own.
    tokenizer = functools.partial(_split_under_lock, os.getpid())
    with _HELD, caplog.at_level(logging.WARNING):
        index = load_or_build(tmp_path, "k", TEXTS, tokenizer, min_passages=0, isolate_from=0, timeout=60)
    assert caplog.text == ""
    assert isinstance(index.postings.base, np.memmap)


def test_a_failing_child_build_falls_back_to_building_here(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tokenizer = functools.partial(_fail_in_child, os.getpid())
    with caplog.at_level(logging.WARNING):
        index = load_or_build(tmp_path, "k", TEXTS, tokenizer, min_passages=0, isolate_from=0)
    assert "child process failed" in caplog.text
    assert index.top(["kozlov"], 5)[0].tolist() == _full_sort(CORPUS, ["kozlov"], 5, None)


def test_a_hung_child_build_is_killed_and_built_here(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    tokenizer = functools.partial(_hang_in_child, os.getpid())
    with caplog.at_level(logging.WARNING):
        index = load_or_build(tmp_path, "k", TEXTS, tokenizer, min_passages=0, isolate_from=0, timeout=2)
    assert "did not finish within 2 s: killed it" in caplog.text
    assert not [p for p in mp.active_children() if p.name.startswith("index-build-")]
    assert index.top(["kozlov"], 5)[0].tolist() == _full_sort(CORPUS, ["kozlov"], 5, None)
    assert [p.name for p in tmp_path.iterdir()] == ["k"]  # its scratch went, the index here was saved


def test_a_tokenizer_that_cannot_go_to_a_child_is_used_here(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []
    with caplog.at_level(logging.WARNING):
        index = load_or_build(tmp_path, "k", TEXTS, _counting(calls), min_passages=0, isolate_from=0)
    assert len(calls) == len(TEXTS)
    assert "cannot build the index in a child process" in caplog.text
    assert index.top(["court"], 1)[0].tolist() == _full_sort(CORPUS, ["court"], 1, None)


def test_the_default_child_time_limit_grows_with_the_corpus() -> None:
    assert index_store.child_timeout(1000) == 120
    assert index_store.child_timeout(1_000_000) == 1000
