"""``python -m bot import``: what it prints, what it writes, its exit codes, and Ctrl-C in a year import."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import run_cli
from tests.corpus.test_import_year import listing_item, serve_listing
from tests.ep_documents import make_docx, make_pdf
from tests.standin_ep import IMPORT_FIXTURES, Route, StandIn, doceo_page

REAL = Path(__file__).parent / "real" / "artefacts"

IMPORTED_KEYS = {"file", "title", "reference", "adopted", "text_id", "passages"}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    with StandIn() as stand_in:
        monkeypatch.setenv("EP_BASE_URL", stand_in.url)
        monkeypatch.setenv("EP_OPEN_DATA_URL", stand_in.url + "api/v2/")
        monkeypatch.setenv("EP_REQUESTS_PER_SECOND", "100")
        yield stand_in


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return run_cli(list(argv), out), out.getvalue()


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_import_by_text_number_prints_what_it_wrote_and_inferred(server: StandIn, tmp_path: Path) -> None:
    server.doceo("TA-9-2021-0056", Route.fixture("TA-9-2021-0056_EN.html"))
    code, out = _run("import", "P9_TA(2021)0056", "--corpus", str(tmp_path))
    assert code == 0
    name = "2021-02-11_2021-2544_TA-9-2021-0056.md"
    assert out.splitlines()[0] == f"wrote {tmp_path / name}"
    assert "  2021/2544(RSP) · adopted 2021-02-11 · TA-9-2021-0056" in out
    assert "inferred: adopted (title line), title (title line), reference (title line)" in out
    assert "note: dropped 17 lines before the title (navigation, page header)" in out
    assert _files(tmp_path) == [name]
    code, out = _run("check-corpus", str(tmp_path))
    assert code == 0 and "0 errors" in out


def test_import_json_lists_imported_and_skipped(server: StandIn, tmp_path: Path) -> None:
    server.doceo("TA-9-2021-0056", Route.fixture("TA-9-2021-0056_EN.html"))
    local = tmp_path / "ta.docx"
    local.write_bytes(make_docx())
    corpus_dir = tmp_path / "corpus"
    code, out = _run("import", "TA-9-2021-0056", "TA-9-2021-0404", str(local), "--json", "--corpus", str(corpus_dir))
    data = json.loads(out)
    assert code == 1  # one source refused
    assert set(data) == {"imported", "skipped", "dry_run"}
    assert [set(entry) for entry in data["imported"]] == [IMPORTED_KEYS]
    assert data["imported"][0]["text_id"] == "TA-9-2021-0056" and data["imported"][0]["passages"] > 0
    # The DOCX is the same text: refused as a duplicate of what this very run wrote.
    reasons = {entry["source"]: entry["reason"] for entry in data["skipped"]}
    assert reasons["TA-9-2021-0404"].startswith("HTTP 404")
    assert "same text number TA-9-2021-0056" in reasons[str(local)]
    assert _files(corpus_dir) == ["2021-02-11_2021-2544_TA-9-2021-0056.md"]


def test_dry_run_writes_nothing_and_shows_the_preview(server: StandIn, tmp_path: Path) -> None:
    pdf = tmp_path / "ta.pdf"
    pdf.write_bytes(make_pdf())
    corpus_dir = tmp_path / "corpus"
    code, out = _run("import", str(pdf), "--dry-run", "--corpus", str(corpus_dir))
    assert code == 0
    assert out.startswith(f"would write {corpus_dir / '2021-02-11_2021-2544.md'}")
    assert "5 passages: 2 citations, 1 recital (A), 2 paragraphs (1–2)\n" in out and "first: " in out
    assert "unknown: url, text_id" in out  # a PDF without its number: said, not guessed
    assert not corpus_dir.exists()


def test_a_dry_run_refuses_the_same_text_twice_as_a_real_run_would(server: StandIn, tmp_path: Path) -> None:
    source = str(IMPORT_FIXTURES / "oj-2018-C50-38.html")
    corpus_dir = tmp_path / "corpus"
    code, out = _run("import", source, source, "--dry-run", "--json", "--corpus", str(corpus_dir))
    data = json.loads(out)
    assert code == 1 and len(data["imported"]) == 1
    [skipped] = data["skipped"]
    assert skipped["source"] == source and skipped["reason"].startswith("already in the corpus")
    assert not corpus_dir.exists()


def test_force_replaces_and_keeps_the_old_file_in_the_trash(server: StandIn, tmp_path: Path) -> None:
    source = str(IMPORT_FIXTURES / "oj-2018-C50-38.html")
    assert _run("import", source, "--corpus", str(tmp_path))[0] == 0
    code, _ = _run("import", source, "--corpus", str(tmp_path))
    assert code == 1
    code, out = _run("import", source, "--force", "--corpus", str(tmp_path))
    assert code == 0 and "moved 2016-03-10_2016-2607_TA-8-2016-0083.md to" in out
    assert len(list((tmp_path / ".trash").iterdir())) == 1


@pytest.mark.parametrize(
    ("setup", "source", "reason"),
    [
        ("none", "TA-9-2021-0404", "HTTP 404 Not Found"),
        ("slow", "TA-9-2021-0056", "timed out"),
        ("json", "TA-9-2021-0056", "sent application/json, not"),
        ("fixture", str(IMPORT_FIXTURES / "news.html"), "not a resolution: no title line"),
        ("fixture", str(IMPORT_FIXTURES / "motion-B9-0356-2022.html"), "no adoption date"),
        ("broken-docx", "broken.docx", "not a readable DOCX file"),
        ("broken-pdf", "broken.pdf", "not a PDF file"),
        ("huge", "huge.html", "byte cap"),
    ],
)
def test_each_refusal_is_one_line_and_a_non_zero_exit_in_a_real_process(
    server: StandIn, tmp_path: Path, setup: str, source: str, reason: str
) -> None:
    if setup == "slow":
        server.doceo("TA-9-2021-0056", Route.fixture("TA-9-2021-0056_EN.html", delay=25))
    elif setup == "json":
        server.doceo("TA-9-2021-0056", Route(body=b"{}", content_type="application/json"))
    elif setup == "broken-docx":
        (tmp_path / source).write_bytes(b"PK\x03\x04 not really a zip")
    elif setup == "broken-pdf":
        (tmp_path / source).write_bytes(b"<html>oops</html>")
    elif setup == "huge":
        with (tmp_path / source).open("wb") as handle:
            handle.truncate(21 * 1024 * 1024)
    corpus_dir = tmp_path / "corpus"
    env = {**os.environ, "CORPUS_DIR": str(corpus_dir), "EP_TIMEOUT_SECONDS": "1"}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "import", source], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"refused {source}: ") and reason in lines[0]
    assert "Traceback" not in result.stderr
    assert not corpus_dir.exists() or _files(corpus_dir) == []
    if setup == "slow":
        assert time.monotonic() - started < 20  # the client's 1 s time-out, not the server, ended it


def test_usage_errors(tmp_path: Path) -> None:
    assert _run("import", "--corpus", str(tmp_path))[0] == 2
    assert _run("import", "TA-9-2021-0056", "--year", "2021", "--corpus", str(tmp_path))[0] == 2
    assert _run("import", "x.html", "--match", "belarus", "--corpus", str(tmp_path))[0] == 2


def _year_server(server: StandIn, count: int, slow: int | None = None) -> None:
    ids = [f"TA-9-2021-{n:04d}" for n in range(1, count + 1)]
    serve_listing(server, [listing_item(i, f"Situation number {n}") for n, i in enumerate(ids, start=1)])
    for n, text_id in enumerate(ids, start=1):
        page = doceo_page(text_id, f"Situation number {n}", reference=f"2021/{2600 + n}(RSP)")
        server.doceo(text_id, Route(body=page, delay=30 if n == slow else 0))


def test_a_year_import_interrupted_by_ctrl_c_resumes(server: StandIn, tmp_path: Path) -> None:
    _year_server(server, 5, slow=3)
    corpus_dir = tmp_path / "corpus"
    env = {**os.environ, "CORPUS_DIR": str(corpus_dir)}
    command = [sys.executable, "-m", "bot", "import", "--year", "2021"]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        deadline = time.monotonic() + 30
        # Wait until the third text is being fetched (two written, the server sits on the third).
        while not any(r.path.endswith("TA-9-2021-0003_EN.html") for r in server.requests):
            assert time.monotonic() < deadline, "the import never reached the third text"
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted: 2 imported so far, nothing half-written; run the same command again to resume" in err
    written = [n for n in _files(corpus_dir) if n.endswith(".md")]
    assert len(written) == 2 and not [n for n in _files(corpus_dir) if n.startswith(".upload-")]

    server.doceo("TA-9-2021-0003", Route(body=doceo_page("TA-9-2021-0003", "Situation number 3",
                                                         reference="2021/2603(RSP)")))
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "2021: imported 3, skipped 2 already present, 0 not matching, 0 refused" in result.stdout
    assert len([n for n in _files(corpus_dir) if n.endswith(".md")]) == 5


def test_a_year_import_reports_failures_and_json(server: StandIn, tmp_path: Path) -> None:
    _year_server(server, 3)
    server.doceo("TA-9-2021-0002", Route.fixture("news.html"))
    code, out = _run("import", "--year", "2021", "--json", "--corpus", str(tmp_path))
    data = json.loads(out)
    assert code == 1
    assert [entry["text_id"] for entry in data["imported"]] == ["TA-9-2021-0001", "TA-9-2021-0003"]
    assert [set(entry) for entry in data["imported"]] == [IMPORTED_KEYS] * 2
    assert data["imported"][0]["reference"] == "2021/2601(RSP)" and data["imported"][0]["adopted"] == "2021-02-11"
    assert data["skipped"] == [{"source": "TA-9-2021-0002",
                                "reason": "not a resolution: no title line such as "
                                          "'European Parliament resolution of <date> on ...' (English pages only)"}]


def test_malformed_urls_are_refused_one_line_each_and_the_run_goes_on(
    server: StandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.doceo("TA-9-2021-0056", Route.fixture("TA-9-2021-0056_EN.html"))
    bad = ["http://[::1", "http://a..b/", "http://xn--.com/"]
    code, out = _run("import", *bad, "TA-9-2021-0056", "--corpus", str(tmp_path))
    err = capsys.readouterr().err
    assert code == 1
    lines = err.strip().splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [f"refused {url}" for url in bad]
    assert all(": not a valid URL: " in line for line in lines) and "Traceback" not in err
    assert out.startswith(f"wrote {tmp_path / '2021-02-11_2021-2544_TA-9-2021-0056.md'}")


def test_a_year_listing_nested_too_deeply_is_one_refusal_line_and_a_summary(
    server: StandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.routes["/api/v2/adopted-texts"] = Route(
        body=b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", content_type="application/ld+json"
    )
    code, out = _run("import", "--year", "2021", "--corpus", str(tmp_path))
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    reason = (f"listing failed after 0 texts: the Open Data API sent JSON nested too deeply to read "
              f"({server.url}api/v2/adopted-texts)")
    assert [line for line in err.strip().splitlines() if "refused" in line] == [f"refused year 2021: {reason}"]
    assert out.splitlines() == ["2021: imported 0, skipped 0 already present, 0 not matching, 0 refused; "
                                "the listing failed (above), so the year is incomplete"]


def test_a_year_matching_war_leaves_software_out_and_says_so(server: StandIn, tmp_path: Path) -> None:
    titles = ["Software industry and jobs", "Russia\u2019s war against Ukraine"]
    serve_listing(server, [listing_item(f"TA-9-2021-{n:04d}", t) for n, t in enumerate(titles, start=1)])
    for n, title in enumerate(titles, start=1):
        server.doceo(f"TA-9-2021-{n:04d}", Route(body=doceo_page(f"TA-9-2021-{n:04d}", title,
                                                                 reference=f"2021/{2600 + n}(RSP)")))
    code, out = _run("import", "--year", "2021", "--match", "War", "--dry-run", "--corpus", str(tmp_path))
    assert code == 0
    assert "2021: would import 1, skipped 0 already present, 1 not matching, 0 refused" in out
    assert "TA-9-2021-0002" in out and "TA-9-2021-0001" not in out


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_source_is_refused_at_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], blank: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        _run("import", blank, "--corpus", str(tmp_path / "corpus"))
    assert stopped.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "python -m bot import: error: argument SOURCE: SOURCE is empty: give a file, an http(s) URL or a text number"
    )
    assert not (tmp_path / "corpus").exists()


def test_a_corpus_that_is_a_file_is_refused_before_any_fetch(
    server: StandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server.doceo("TA-9-2021-0056", Route.fixture("TA-9-2021-0056_EN.html"))
    a_file = tmp_path / "notes.md"
    a_file.write_text("mine\n")
    with pytest.raises(SystemExit) as stopped:
        _run("import", "TA-9-2021-0056", "--corpus", str(a_file))
    assert stopped.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"python -m bot import: error: argument --corpus: {a_file} is a file, not a folder"
    )
    monkeypatch.setenv("CORPUS_DIR", str(a_file))
    assert _run("import", "TA-9-2021-0056") == (2, "")
    assert capsys.readouterr().err == f"import: the corpus {a_file} is a file, not a folder\n"
    assert server.requests == [] and a_file.read_text() == "mine\n"


def test_a_mistyped_corpus_path_is_refused_and_a_new_corpus_folder_is_said(
    server: StandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.doceo("TA-9-2021-0056", Route.fixture("TA-9-2021-0056_EN.html"))
    typo = tmp_path / "corpsu" / "dir"
    assert _run("import", "TA-9-2021-0056", "--corpus", str(typo)) == (2, "")
    assert capsys.readouterr().err == f"import: no folder {typo.parent} to make the corpus {typo} in: check the path\n"
    assert not typo.parent.exists() and server.requests == []
    fresh = tmp_path / "corpus"
    code, _ = _run("import", "TA-9-2021-0056", "--corpus", str(fresh))
    assert code == 0 and _files(fresh) == ["2021-02-11_2021-2544_TA-9-2021-0056.md"]
    assert f"import: {fresh} did not exist: it was made, a new corpus" in capsys.readouterr().err


def test_the_import_its_telegram_preview_and_check_corpus_count_units_one_way(tmp_path: Path) -> None:
    """One count, one wording: an admin reading any of the three sees the same units."""
    from bot.corpus.importer import prepare_file
    from bot.telegram.render_import import preview

    source = REAL / "pages_excerpt_TA-9-2021-0417_EN.txt"
    corpus_dir = tmp_path / "corpus"
    code, imported = _run("import", str(source), "--corpus", str(corpus_dir))
    assert code == 0
    counted = "7 passages: 7 citations"
    assert f"  {counted}\n" in imported
    assert f"{counted}\n" in preview(prepare_file(source, base_url="http://127.0.0.1:9/"))
    code, checked = _run("check-corpus", str(corpus_dir))
    assert code == 0
    assert "  units: 7 citations\n" in checked


def test_check_corpus_after_an_import_says_how_each_value_was_found(tmp_path: Path) -> None:
    corpus_dir = tmp_path / "corpus"
    code, _ = _run("import", str(REAL / "pages_excerpt_TA-9-2021-0417_EN.txt"), "--corpus", str(corpus_dir))
    assert code == 0
    code, checked = _run("check-corpus", str(corpus_dir))
    assert code == 0
    assert "  adopted: 2021-10-07 (front matter; at import: title line)\n" in checked
    assert "(front matter; at import: default for a text adopted)\n" in checked  # the source
    assert "  url: https://www.europarl.europa.eu/doceo/document/TA-9-2021-0417_EN.html " \
           "(front matter; at import: built from the text number)\n" in checked
    code, as_json = _run("check-corpus", str(corpus_dir), "--json")
    document = json.loads(as_json)["documents"][0]
    assert document["origins"]["adopted"] == "front matter"
    assert document["found_at_import"]["url"] == "built from the text number"
