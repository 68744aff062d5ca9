"""An index grown by segments scores every passage exactly as a fresh build does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.search import index_merge, index_store
from bot.search.index import Bm25Index
from bot.search.index_build import build_arrays
from bot.search.index_merge import Segment, merge_arrays
from bot.search.index_store import cache_key, family_key, index_order, load_or_build
from bot.search.segments import SegmentedIndex

WORDS = [f"w{i}" for i in range(12)]
passage = st.lists(st.sampled_from(WORDS), min_size=0, max_size=8)
a_file = st.lists(passage, min_size=1, max_size=5)
# ("add", passages) | ("remove", which of the live files) | ("merge", None): compact to one segment
step = st.one_of(
    st.tuples(st.just("add"), a_file),
    st.tuples(st.just("remove"), st.integers(0, 50)),
    st.tuples(st.just("merge"), st.none()),
)
query = st.lists(st.sampled_from([*WORDS, "unknown"]), min_size=1, max_size=4)


def _assert_same(merged: Bm25Index, fresh: Bm25Index, queries: list[list[str]]) -> None:
    assert merged.size == fresh.size
    for word in [*WORDS, "unknown"]:
        np.testing.assert_array_equal(merged.scores([word]), fresh.scores([word]))
        assert merged.document_frequency(word) == fresh.document_frequency(word)
    for tokens in queries:
        np.testing.assert_array_equal(merged.scores(tokens), fresh.scores(tokens))
        for k in (1, 3, 10):
            got, want = merged.top(tokens, k), fresh.top(tokens, k)
            np.testing.assert_array_equal(got[0], want[0])  # the same passages, in the same order
            np.testing.assert_array_equal(got[1], want[1])
            assert got[2] == want[2]


@settings(max_examples=60, deadline=None)
@given(first=st.lists(a_file, min_size=1, max_size=4), steps=st.lists(step, max_size=8),
       queries=st.lists(query, min_size=1, max_size=4), big_df=st.sampled_from([1, 2, 1000]))
def test_adding_and_removing_files_scores_as_a_fresh_build(
    first: list[list[list[str]]], steps: list[tuple[str, object]], queries: list[list[str]], big_df: int,
) -> None:
    # Each segment: its files (passages), and which of them are still in the corpus.
    shape = {"block": 4, "big_df": big_df}
    segments: list[tuple[list[list[list[str]]], list[bool]]] = [(first, [True] * len(first))]
    built = [build_arrays([p for f in first for p in f], **shape)]  # type: ignore[arg-type]
    for kind, value in steps:
        if kind == "add":
            assert isinstance(value, list)
            segments.append(([value], [True]))
            built.append(build_arrays(value, **shape))  # type: ignore[arg-type]
        elif kind == "remove":
            live = [(s, f) for s, (_, alive) in enumerate(segments) for f, ok in enumerate(alive) if ok]
            if len(live) > 1:
                s, f = live[int(value) % len(live)]  # type: ignore[call-overload]
                segments[s][1][f] = False
        else:
            merged = merge_arrays(_masked(segments, built), **shape)  # type: ignore[arg-type]
            files = [f for files, alive in segments for f, ok in zip(files, alive, strict=True) if ok]
            segments, built = [(files, [True] * len(files))], [merged]
        live_passages = [p for files, alive in segments for f, ok in zip(files, alive, strict=True) if ok for p in f]
        fresh = Bm25Index(build_arrays(live_passages, **shape))  # type: ignore[arg-type]
        merged_index = Bm25Index(merge_arrays(_masked(segments, built), **shape))  # type: ignore[arg-type]
        _assert_same(merged_index, fresh, queries)


def _masked(segments: list[tuple[list[list[list[str]]], list[bool]]], built: list[object]) -> list[Segment]:
    out: list[Segment] = []
    for (files, alive), arrays in zip(segments, built, strict=True):
        keep = np.repeat(np.array(alive, dtype=bool), [len(f) for f in files])
        out.append((arrays, keep))  # type: ignore[arg-type]
    return out


@pytest.mark.parametrize("step", [1 << 22, 1, 2])  # postings per slice of a merge: all, then a few
def test_a_merge_keeps_what_a_fresh_build_saves(monkeypatch: pytest.MonkeyPatch, step: int) -> None:
    monkeypatch.setattr(index_merge, "_STEP", step)
    base = [["court", "prisoner"], ["court"], ["kazakhstan", "prisoner", "prisoner"], ["minsk"] * 300]
    added = [["kazakhstan", "journalist"]]
    merged = merge_arrays([(build_arrays(base), np.array([True, False, True, False])), (build_arrays(added), None)])
    fresh = build_arrays([base[0], base[2], *added])
    assert merged.tf.dtype == fresh.tf.dtype == np.uint8  # the passage counting 300 is gone
    assert merged.words == fresh.words
    for name in ("indptr", "postings", "tf", "norm", "idf", "max_weight", "lengths"):
        np.testing.assert_array_equal(getattr(merged, name), getattr(fresh, name), err_msg=name)


def test_a_merge_written_to_files_is_the_merge_in_memory_and_saved_by_moving_them(tmp_path: Path) -> None:
    base = [["court", "prisoner"], ["court"], ["kazakhstan", "prisoner", "prisoner"], ["minsk"] * 300]
    segments: list[Segment] = [
        (build_arrays(base), np.array([True, False, True, True])), (build_arrays([["kazakhstan", "journalist"]]), None)
    ]
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    on_disk = merge_arrays(segments, allocate=index_store.on_disk(scratch))
    assert isinstance(on_disk.postings, np.memmap) and sorted(p.name for p in scratch.iterdir()) == ["postings.npy",
                                                                                                     "tf.npy"]
    in_memory = merge_arrays(segments)
    for name in ("indptr", "postings", "tf", "norm", "idf", "max_weight", "lengths", "block_max", "bitmaps"):
        np.testing.assert_array_equal(getattr(on_disk, name), getattr(in_memory, name), err_msg=name)
    saved = index_store.save(on_disk, tmp_path / "index", "key")
    assert list(scratch.iterdir()) == []  # moved, not written again
    loaded = index_store.load(saved)  # whole, checksums and all
    np.testing.assert_array_equal(loaded.postings, in_memory.postings)
    np.testing.assert_array_equal(loaded.tf, in_memory.tf)


def test_a_mask_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(ValueError, match="keep mask has shape"):
        merge_arrays([(build_arrays([["a"], ["b"]]), np.array([True]))])


CALLS: list[str] = []


def _counting_split(text: str) -> list[str]:
    CALLS.append(text)
    return text.split()


FILES = {
    "a.md": ["court rules on prisoner release", "prisoner of conscience in kazakhstan"],
    "b.md": ["journalist detained in minsk", "court hearing of the journalist"],
    "b2.md": ["journalist released in minsk", "the court hearing was closed"],
    "c.md": ["kazakhstan court convicts journalist", "release every prisoner now", "minsk"],
}


def _open(tmp_path: Path, names: list[tuple[str, str]]) -> tuple[Bm25Index, list[str]]:
    """The index of the documents ``names`` (name, version) as a start opens it, and its passages."""
    family = family_key(tokenizer=_counting_split)
    order = index_order(tmp_path, family, [(name, version) for name, version in names])
    docs = [names[i] for i in order]
    texts = [t for _, version in docs for t in FILES[version]]
    CALLS.clear()
    index = load_or_build(
        tmp_path, cache_key((f"{n}\0{v}" for n, v in docs), family=family), texts, _counting_split,
        min_passages=0, family=family, documents=[(n, v, len(FILES[v])) for n, v in docs],
    )
    if isinstance(index, SegmentedIndex):
        _same_as_fresh(index, texts)  # answered from the segments before the merge is in
        assert index.wait_merged(60)  # the merge saves the index the next start opens
    return index, texts


def _same_as_fresh(index: Bm25Index, texts: list[str]) -> None:
    fresh = Bm25Index.build([t.split() for t in texts])
    for query in (["court"], ["journalist", "minsk"], ["prisoner", "kazakhstan", "court"], ["nothing"]):
        np.testing.assert_array_equal(index.scores(query), fresh.scores(query))
        got, want = index.top(query, 3), fresh.top(query, 3)
        np.testing.assert_array_equal(got[0], want[0])
        assert got[2] == want[2]


def test_a_start_after_a_few_files_changed_tokenizes_only_them(tmp_path: Path) -> None:
    index, texts = _open(tmp_path, [("a.md", "a.md"), ("b.md", "b.md")])
    assert len(CALLS) == 4  # every passage: the first build
    _same_as_fresh(index, texts)

    # b.md changed and c.md added: only their five passages are tokenized.
    index, texts = _open(tmp_path, [("a.md", "a.md"), ("b.md", "b2.md"), ("c.md", "c.md")])
    assert sorted(CALLS) == sorted(FILES["b2.md"] + FILES["c.md"])
    assert texts == FILES["a.md"] + FILES["b2.md"] + FILES["c.md"]
    _same_as_fresh(index, texts)
    assert len([d for d in tmp_path.iterdir() if not d.name.startswith(".tmp-")]) == 1

    # A restart opens the merged index as saved.
    index, texts = _open(tmp_path, [("a.md", "a.md"), ("b.md", "b2.md"), ("c.md", "c.md")])
    assert CALLS == []
    _same_as_fresh(index, texts)

    # a.md removed: masked and merged, nothing tokenized; put back: only it is.
    index, texts = _open(tmp_path, [("b.md", "b2.md"), ("c.md", "c.md")])
    assert CALLS == []
    _same_as_fresh(index, texts)
    index, texts = _open(tmp_path, [("a.md", "a.md"), ("b.md", "b2.md"), ("c.md", "c.md")])
    assert CALLS == FILES["a.md"]
    assert texts == FILES["b2.md"] + FILES["c.md"] + FILES["a.md"]  # the new segment goes last
    _same_as_fresh(index, texts)


def test_a_saved_index_of_other_code_is_not_merged_from(tmp_path: Path) -> None:
    _open(tmp_path, [("a.md", "a.md")])
    family = family_key(tokenizer=lambda t: t.lower().split())  # another tokenizer: another family
    assert index_order(tmp_path, family, [("c.md", "c.md"), ("a.md", "a.md")]) == [0, 1]


def test_a_damaged_saved_index_is_rebuilt_not_merged_from(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _open(tmp_path, [("a.md", "a.md"), ("b.md", "b.md")])
    saved = next(d for d in tmp_path.iterdir() if d.is_dir())
    idf = saved / "idf.npy"
    data = bytearray(idf.read_bytes())
    data[-1] ^= 0xFF  # same size, another value: only the checksum tells
    idf.write_bytes(bytes(data))
    index, texts = _open(tmp_path, [("a.md", "a.md"), ("b.md", "b.md"), ("c.md", "c.md")])
    assert "does not match its checksum in the manifest: a damaged save): rebuilding it" in caplog.text
    assert sorted(CALLS) == sorted(texts)  # every passage tokenized again
    _same_as_fresh(index, texts)


def test_a_saved_index_removed_by_a_background_merge_meanwhile_is_looked_for_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _open(tmp_path, [("a.md", "a.md"), ("b.md", "b.md")])
    opened = index_store._opened
    gone: list[Path] = []

    def vanishing_once(directory: Path) -> object:
        if not gone:
            gone.append(directory)
            raise FileNotFoundError(directory / "meta.json")
        return opened(directory)

    monkeypatch.setattr(index_store, "_opened", vanishing_once)
    index, texts = _open(tmp_path, [("a.md", "a.md"), ("b.md", "b.md"), ("c.md", "c.md")])
    assert gone and sorted(CALLS) == sorted(FILES["c.md"])  # merged into, not rebuilt
    _same_as_fresh(index, texts)
