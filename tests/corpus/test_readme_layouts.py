"""The README's corpus section: one text adopted in each layout, and the labels the bot gives it.

The README shows the one-unit-per-line copy and its labels; docs/reference.md ("EP texts
adopted") shows it too, with the five layouts of tests/fixtures/layouts/ and what each
leaves out. If the reader changes what it makes of them, this fails and both must change.
"""

from __future__ import annotations

import io
import json

import pytest

from bot.cli import run_cli
from tests.conftest import FIXTURES, ROOT

LAYOUTS = FIXTURES / "layouts"
LABELS = [
    "citation 1", "recital A", "paragraph 1", "paragraph 1, point (a)", "paragraph 1, point (b)", "paragraph 2",
]
LEFT_OUT = {
    "blank.txt": {"title line", "opening formula"},
    "lines.txt": {"title line", "opening formula"},
    "web.txt": {"navigation", "heading", "text number", "title line", "opening formula"},
    "oj.txt": {"page header", "text number", "heading", "title line", "opening formula"},
    "pdf.txt": {"heading", "before the title line", "text number", "title line", "opening formula"},
}


@pytest.fixture(scope="module")
def report() -> dict[str, dict[str, object]]:
    out = io.StringIO()
    assert run_cli(["check-corpus", str(LAYOUTS), "--json"], out) == 0
    return {d["file"]: d for d in json.loads(out.getvalue())["documents"]}


@pytest.mark.parametrize("name", sorted(LEFT_OUT))
def test_every_layout_gives_the_same_units_and_labels(report: dict[str, dict[str, object]], name: str) -> None:
    document = report[name]
    assert [p["label"] for p in document["passages"]] == LABELS  # type: ignore[attr-defined]
    assert document["reference"] == "2031/2544(RSP)" and document["adopted"] == "2031-02-11"
    assert {line["reason"] for line in document["left_out"]} == LEFT_OUT[name]  # type: ignore[attr-defined]
    texts = [p["text"] for p in document["passages"]]  # type: ignore[attr-defined]
    assert texts[1] == "whereas journalists were detained in Examplestan in January 2031;"  # PDF: "Janu-" rejoined
    assert texts[4] == "end the blocking of websites;"


@pytest.mark.parametrize("page", ["README.md", "docs/reference.md"])
def test_the_readme_shows_these_labels(page: str) -> None:
    readme = (ROOT / page).read_text(encoding="utf-8")
    assert (LAYOUTS / "lines.txt").read_text(encoding="utf-8").strip() in readme
    for label in LABELS:
        assert f"`{label}`" in readme
