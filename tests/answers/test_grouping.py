"""One rule for "the same resolution" and what its documents know, wherever hits are grouped."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from bot.answers.grouping import group_hits
from bot.answers.service import Service
from bot.cli import run_cli


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


def _interleaved(tmp_path: Path) -> Service:
    (tmp_path / "a.md").write_text(
        "---\nreference: 2019/0001(RSP)\nadopted: 2019-01-10\nkind: text_adopted\n---\n"
        "Mangystau shepherds jailed: the Mangystau shepherds must be freed, and the shepherds of Mangystau heard.\n\n"
        "The shepherds were also mentioned once more in another part of the long debate.\n",
        encoding="utf-8",
    )
    (tmp_path / "b.md").write_text(
        "---\nreference: 2020/0002(RSP)\nadopted: 2020-02-10\nkind: text_adopted\n---\n"
        "Mangystau shepherds were jailed after the strike in the region last spring.\n",
        encoding="utf-8",
    )
    return Service(tmp_path)


def test_wordings_are_numbered_in_reading_order(tmp_path: Path) -> None:
    # Ranks 1 and 3 from one resolution, 2 from another: read as 1., 2., 3., not 1., 3., 2.
    service = _interleaved(tmp_path)
    groups = group_hits(service.ask("Mangystau shepherds").hits)
    assert [[w.rank for w in g.wordings] for g in groups] == [[1, 3], [2]]
    assert [[w.number for w in g.wordings] for g in groups] == [[1, 2], [3]]


def test_numbering_continues_from_the_page(tmp_path: Path) -> None:
    service = _interleaved(tmp_path)
    page = service.ask("Mangystau shepherds", top=2, offset=1)
    assert [w.number for g in group_hits(page.hits) for w in g.wordings] == [2, 3]


def test_the_cli_prints_the_reading_order(tmp_path: Path) -> None:
    _interleaved(tmp_path)
    out = io.StringIO()
    run_cli(["ask", "Mangystau shepherds", "--corpus", str(tmp_path)], out)
    numbered = [line.split(".")[0] for line in out.getvalue().splitlines() if "(score" in line]
    assert numbered == ["1", "2", "3"]
