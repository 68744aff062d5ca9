"""Procedure-page chrome and a summary's heading copied with its text are reported, never served (issue 19)."""

from __future__ import annotations

from pathlib import Path

from bot.answers.service import Service
from bot.corpus.load import load_corpus
from bot.corpus.structure import read

# A summary as Parltrack's dossier page shows it, copied as text: the page's progress line,
# committees table and legal basis run into the summary (shaped after
# https://parltrack.org/dossier/2018/2114(INI) and .../2008/2169(INL)).
PARLTRACK_COPY = """\
Progress: Procedure completed
Role | Committee | Rapporteur | Shadows |
---|---|---|---|
Lead | AFET | EXAMPLE Anna ( PPE) | |
Committee Opinion | DROI |
Lead committee dossier:
Legal Basis:
RoP 144
Legal Basis:
RoP 144Subjects
Events
The European Parliament adopted by 512 votes to 30, with 40 abstentions, a resolution on press freedom in Examplestan.

Parliament called for the release of every journalist detained in Examplestan for reporting.
"""

# An OEIL summary copied with its heading and procedure line run into its first sentence.
OEIL_COPY = """\
Resolution on the persecution of human rights defenders in Examplestan
2014/2999(RSP) - 18/09/2014
The European Parliament adopted a resolution on the persecution of human rights defenders in Examplestan.

Members called for the immediate and unconditional release of the defenders Anna Example and Ivan Example.
"""


def test_procedure_page_chrome_is_left_out_with_its_reason_and_the_summary_kept() -> None:
    reading = read("dossier.txt", PARLTRACK_COPY)
    texts = [p.text for p in reading.passages]
    assert texts == [
        "The European Parliament adopted by 512 votes to 30, with 40 abstentions, a resolution on press "
        "freedom in Examplestan.",
        "Parliament called for the release of every journalist detained in Examplestan for reporting.",
    ]
    assert reading.passages[0].position.line == 12  # cited at its own line, not the chrome's
    left = [(item.line, item.text, item.reason) for item in reading.left_out]
    assert left == [(number, line, "page chrome") for number, line in enumerate(PARLTRACK_COPY.splitlines()[:11], 1)]


def test_a_summarys_heading_and_procedure_line_are_no_part_of_its_first_passage() -> None:
    reading = read("summary.txt", OEIL_COPY)
    assert [p.text for p in reading.passages][0] == (
        "The European Parliament adopted a resolution on the persecution of human rights defenders in Examplestan."
    )
    assert [(item.text, item.reason) for item in reading.left_out] == [
        ("Resolution on the persecution of human rights defenders in Examplestan", "heading"),
        ("2014/2999(RSP) - 18/09/2014", "heading"),
    ]


def test_the_chrome_is_never_an_answer(tmp_path: Path) -> None:
    (tmp_path / "dossier.md").write_text(
        "---\ntitle: Resolution on press freedom in Examplestan\nkind: summary\n---\n" + PARLTRACK_COPY,
        encoding="utf-8",
    )
    service = Service(tmp_path)
    answer = service.ask("legal basis of the procedure", top=5)
    assert all("RoP 144" not in hit.passage.text for hit in answer.hits)
    assert all("Progress:" not in p.text for p in service.snapshot.passages)


def test_a_sentence_that_names_the_procedure_is_kept(tmp_path: Path) -> None:
    # Only whole lines of chrome go: the summary's own words about the procedure stay.
    body = "The resolution was tabled under Rule 144 of the Rules of Procedure by five groups.\n"
    (tmp_path / "s.md").write_text("---\ntitle: Resolution on Examplestan\nkind: summary\n---\n" + body)
    corpus = load_corpus(tmp_path)
    assert [p.text for p in corpus.documents[0].passages] == [body.strip()]
