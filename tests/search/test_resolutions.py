"""A Layout extended by added documents is the Layout of them all, field by field."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.corpus.models import Document, DocumentMeta, Kind, Passage, Position
from bot.search.resolutions import Layout
from tests.layouts import assert_same_layout

# Few values, so that added documents join resolutions the layout already has.
REFERENCES = st.one_of(st.none(), st.sampled_from(["2016/2600(RSP)", "2016/2600", "2016/2601(RSP)", "2017/2601(INI)"]))
TITLES = st.one_of(st.none(), st.sampled_from(["On Examplestan", "On the harbour"]))
DATES = st.one_of(st.none(), st.dates(dt.date(2009, 1, 1), dt.date(2024, 12, 31)))
KINDS = st.one_of(st.none(), st.sampled_from(list(Kind)))
TEXT_IDS = st.one_of(st.none(), st.sampled_from(["P8_TA(2016)0001", "TA-9-2021-0056"]))
DOCUMENT = st.tuples(REFERENCES, TITLES, DATES, KINDS, TEXT_IDS, st.integers(1, 4))
Fields = tuple[str | None, str | None, dt.date | None, Kind | None, str | None, int]


def _document(number: int, fields: Fields) -> Document:
    reference, title, adopted, kind, text_id, size = fields
    name = f"d{number}.md"
    meta = DocumentMeta(reference=reference, title=title, adopted=adopted, kind=kind, text_id=text_id)
    passages = tuple(Passage(name, Position(n, None, n), f"text {n}") for n in range(1, size + 1))
    return Document(name, meta, {}, passages, name)


@settings(max_examples=150, deadline=None)
@given(documents=st.lists(DOCUMENT, min_size=1, max_size=14), data=st.data())
def test_an_extended_layout_is_the_layout_of_every_document(
    documents: list[Fields], data: st.DataObject
) -> None:
    made = [_document(i, fields) for i, fields in enumerate(documents)]
    cut = data.draw(st.integers(0, len(made)))
    first = Layout.of_documents({d.name: d for d in made[:cut]})
    if data.draw(st.booleans(), label="resolutions made before"):
        assert len(first.resolutions) == len(first.resolution_keys)  # then extended, not made anew
    if data.draw(st.booleans(), label="references' bases made before"):
        assert sum(map(len, first.references_by_base.values())) == len(first.references)
    whole = Layout.of_documents({d.name: d for d in made})
    assert_same_layout(first.extended(made[cut:]), whole)


def test_a_layout_extended_by_nothing_is_itself() -> None:
    layout = Layout.of_documents({"d0.md": _document(0, ("2016/2600(RSP)", None, None, None, None, 2))})
    assert layout.extended([]) is layout
