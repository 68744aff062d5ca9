"""One rule for "the same resolution" and what its documents know, wherever hits are grouped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.answers.grouping import group_hits
from bot.answers.service import Service


def _corpus(tmp_path: Path) -> Path:
    """One resolution: the text knows its date, only the news report knows its title."""
    (tmp_path / "a-text.md").write_text(
        "---\nreference: 2019/2610(RSP)\nadopted: 2019-03-14\nkind: text_adopted\n---\n"
        "The Parliament calls for the release of the jailed shepherds of Mangystau.\n",
        encoding="utf-8",
    )
    (tmp_path / "b-news.md").write_text(
        "---\ntitle: Parliament on the Mangystau shepherds\nreference: 2019/2610(RSP)\nkind: news_report\n"
        "source: Daily Example\n---\nMEPs asked for the shepherds of Mangystau to be freed.\n",
        encoding="utf-8",
    )
    (tmp_path / "c-other.md").write_text(
        "---\nreference: 2012/2001(RSP)\nadopted: 2012-05-10\nkind: summary\n---\n"
        "Members set the fisheries quotas for the Baltic Sea for the coming year.\n",
        encoding="utf-8",
    )
    return tmp_path


def test_grouped_answers_the_timeline_and_the_layout_tell_the_same_resolution(tmp_path: Path) -> None:
    service = Service(_corpus(tmp_path))
    [group] = group_hits(service.ask("shepherds of Mangystau").hits)
    assert (group.reference, group.title, group.adopted) == (
        "2019/2610(RSP)", "Parliament on the Mangystau shepherds", dt.date(2019, 3, 14)
    )
    assert {d.name for d in group.documents} == {"a-text.md", "b-news.md"}
    [entry] = service.timeline("shepherds of Mangystau").entries
    assert (entry.reference, entry.title, entry.adopted) == (group.reference, group.title, group.adopted)
    assert entry.hit.document.name == "a-text.md"  # the resolution's own words first
    layout = service.snapshot.layout
    assert [(r.reference, r.adopted) for r in layout.resolutions] == [
        ("2019/2610(RSP)", dt.date(2019, 3, 14)), ("2012/2001(RSP)", dt.date(2012, 5, 10))
    ]
    assert [[d.name for d in docs] for docs in layout.resolution_documents] == [
        ["a-text.md", "b-news.md"], ["c-other.md"]
    ]


def test_a_document_of_unknown_kind_is_never_the_resolutions_own_words(tmp_path: Path) -> None:
    (tmp_path / "x.md").write_text(
        "---\nreference: 2019/2610(RSP)\n---\nThe shepherds of Mangystau are still in prison, the report says.\n",
        encoding="utf-8",
    )
    [group] = group_hits(Service(tmp_path).ask("shepherds of Mangystau").hits)
    note = group.wordings[0].wording_note
    assert note is not None and "kind of this document is unknown" in note
