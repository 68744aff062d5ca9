"""Front matter written to hurt: alias bombs, deep nesting, odd fences, duplicate keys.

Each file is reported and skipped with a reason that names its line, quickly; the other
files still load, and an upload of the same bytes is refused before it is written.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import run_cli
from bot.corpus.load import load_corpus, parse_document
from bot.corpus.models import CorpusError, Kind

BODY = "Parliament calls on Sylvania to inspect every reservoir dam before the spring floods.\n"
GOOD_FRONT = "title: Resolution on reservoir safety in Sylvania\nreference: 2021/2001(RSP)\nadopted: 2021-05-20\n"


def _file(front: str, body: str = BODY) -> bytes:
    return f"---\n{front}---\n{body}".encode()


def _refusal(data: bytes) -> str:
    with pytest.raises(CorpusError) as caught:
        parse_document("hostile.md", data)
    return str(caught.value)


def _alias_bomb(levels: int, width: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        previous, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [{', '.join(f'*{previous}' for _ in range(width))}]")
    return "\n".join(lines) + f"\nreference: *{chr(ord('a') + levels - 1)}\n"


def test_a_small_alias_is_refused_by_name() -> None:
    message = _refusal(_file("title: &t Resolution on dams\nsource: *t\n"))
    assert message == (
        "hostile.md:2: error: broken YAML front matter: anchors and aliases (& and *) are not allowed in front matter"
    )


def test_an_alias_bomb_is_refused_at_once_and_the_rest_of_the_corpus_loads(tmp_path: Path) -> None:
    bomb = _alias_bomb(9)  # 9^9 strings once expanded: gigabytes, from about 450 bytes
    assert len(bomb) < 600
    (tmp_path / "bomb.md").write_bytes(_file(bomb))
    (tmp_path / "good.md").write_bytes(_file(GOOD_FRONT))
    started = time.perf_counter()
    out = io.StringIO()
    code = run_cli(["check-corpus", str(tmp_path)], out)
    assert time.perf_counter() - started < 5  # was minutes, then the kernel's OOM killer
    assert code == 1
    text = out.getvalue()
    assert "1 document," in text
    assert "bomb.md:2: error: broken YAML front matter: anchors and aliases (& and *) are not allowed" in text


@pytest.mark.parametrize("front", ["title: " + "[" * 500 + "\n", "[" * 500 + "\n", "title: {a: {b: 1}}\n"])
def test_nested_values_are_refused_not_a_recursion_error(front: str) -> None:
    message = _refusal(_file(front))
    assert message == (
        "hostile.md:2: error: broken YAML front matter: a value must be a single value, not a list or a mapping"
    )


def test_deep_nesting_is_skipped_by_ask_and_check_corpus(tmp_path: Path) -> None:
    (tmp_path / "deep.md").write_bytes(_file("title: " + "[" * 500 + "\n"))
    (tmp_path / "good.md").write_bytes(_file(GOOD_FRONT))
    out = io.StringIO()
    assert run_cli(["check-corpus", str(tmp_path)], out) == 1
    assert "deep.md:2: error: broken YAML front matter" in out.getvalue()
    out = io.StringIO()
    assert run_cli(["ask", "reservoir dam", "--corpus", str(tmp_path)], out) == 0
    assert "Resolution on reservoir safety in Sylvania" in out.getvalue()


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        ("reference: " + "1" * 5000 + "\n", "Exceeds the limit (4300 digits)"),
        ("adopted: !!timestamp 2020-13-45\n", "month must be in 1..12"),
    ],
)
def test_scalars_yaml_cannot_build_are_reported(front: str, reason: str) -> None:
    message = _refusal(_file(front))
    assert message.startswith("hostile.md:2: error: broken YAML front matter: ") and reason in message
    assert len(message) < 200


@pytest.mark.parametrize(
    "opening", ["--- \n", "---\t\n", "---  \r\n", "---\x85", "---\u2028"],
    ids=["space", "tab", "spaces-crlf", "nel", "u2028"],
)
@pytest.mark.parametrize("closing", ["---\n", "--- \n", "---\x85", "---\u2028"], ids=["plain", "space", "nel", "u2028"])
def test_a_fence_with_trailing_whitespace_is_still_a_fence(opening: str, closing: str) -> None:
    data = f"{opening}{GOOD_FRONT}kind: text_adopted\n{closing}{BODY}".encode()
    document, _ = parse_document("fenced.md", data)
    assert document.meta.title == "Resolution on reservoir safety in Sylvania"
    assert document.meta.kind is Kind.text_adopted and str(document.meta.adopted) == "2021-05-20"
    assert [p.text for p in document.passages] == [BODY.strip()]


def test_duplicate_keys_name_both_lines() -> None:
    message = _refusal(_file("title: Dams\nadopted: 2021-05-20\nkind: summary\nadopted: 2021-06-01\n"))
    assert message == "hostile.md:5: error: key 'adopted' appears twice, on lines 3 and 5"


def test_every_bad_value_is_named_at_once_in_line_order_one_a_line() -> None:
    front = "title: Dams\nurl: ftp://example.org\nkind: novel\nadopted: yesterday\nreference: yes\n"
    lines = _refusal(_file(front)).splitlines()
    assert lines[0] == "hostile.md:3: error: bad value for 'url': 'ftp://example.org' is not an http(s) URL"
    assert [line.split(": error: ")[0] for line in lines] == [
        "hostile.md:3", "hostile.md:4", "hostile.md:5", "hostile.md:6"]
    assert lines[2].startswith("hostile.md:5: error: bad value for 'adopted': 'yesterday'")
    assert lines[3].startswith("hostile.md:6: error: bad value for 'reference'")


def test_check_corpus_prints_each_problem_on_a_line_and_counts_each(tmp_path: Path) -> None:
    (tmp_path / "hostile.md").write_text(
        "---\ntitle: Dams\nurl: ftp://example.org\nkind: novel\n---\nThe European Parliament adopted it today.\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    assert run_cli(["check-corpus", str(tmp_path)], out) == 1
    text = out.getvalue()
    assert f"{tmp_path}: 0 documents, 0 passages, 2 errors, 0 warnings" in text
    assert "  hostile.md:3: error: bad value for 'url': 'ftp://example.org' is not an http(s) URL\n" in text
    assert "  hostile.md:4: error: bad value for 'kind'" in text
    out = io.StringIO()
    run_cli(["check-corpus", str(tmp_path), "--json"], out)
    (problem,) = json.loads(out.getvalue())["problems"]
    assert problem["line"] == 3 and "; also line 4: bad value for 'kind'" in problem["message"]  # --json as before


def test_a_huge_bad_value_is_not_echoed_whole() -> None:
    message = _refusal(_file("reference: " + "x" * 100_000 + "\n"))
    assert "over the limit of 100" in message and len(message) < 300


# --------------------------------------------------------------------- fuzz

_SCALARS = st.one_of(
    st.sampled_from(["2021-05-20", "2021/2001(RSP)", "text_adopted", "https://example.org", "~", "null", "yes",
                     "1e999", "0x1F", "!!binary aGVsbG8=", "!!timestamp 2020-13-45", "!!int 12", "'quoted'",
                     '"a\\u0000b"', "|\n  block", ">\n  folded", "-", "? x", "%TAG", "@", "`"]),
    st.text(st.characters(codec="utf-8"), max_size=30),
    st.integers(-10**30, 10**30).map(str),
)
_KEYS = st.sampled_from(["title", "reference", "adopted", "kind", "source", "url", "other", "<<", "? [a]"])


@st.composite
def _front_matter(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 6))):
        key = draw(_KEYS)
        shape = draw(st.sampled_from(["scalar", "anchor", "alias", "list", "nested", "merge"]))
        value = draw(_SCALARS)
        if shape == "anchor":
            value = f"&x{len(lines)} {value}"
        elif shape == "alias":
            value = f"*x{draw(st.integers(0, 5))}"
        elif shape == "list":
            value = f"[{value}, {value}]"
        elif shape == "nested":
            depth = draw(st.integers(1, 400))
            value = "[" * depth + value + "]" * draw(st.integers(0, depth))
        elif shape == "merge":
            value = "{<<: *x0}"
        lines.append(f"{key}: {value}")
    opening = draw(st.sampled_from(["---", "--- ", "---\t", "---\r", "----", " ---", "---\x85", "---\u2028", ""]))
    closing = draw(st.sampled_from(["---", "--- ", "---\x85", "...", "", "---\u2028"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r", "\x85", "\u2028"]))
    return newline.join([opening, *lines, closing, BODY])


@settings(max_examples=150, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(text=_front_matter())
def test_random_front_matter_never_crashes_the_loader_or_the_upload_check(
    text: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    data = text.encode("utf-8", "surrogatepass")
    try:
        document, _ = parse_document("fuzz.md", data)
    except CorpusError as exc:
        assert exc.problem.file == "fuzz.md" and len(str(exc)) < 2000
    else:
        assert document.passages
    directory = tmp_path_factory.mktemp("fuzz")
    (directory / "fuzz.md").write_bytes(data)
    corpus = load_corpus(directory, cache=False)
    assert len(corpus.documents) + len([p for p in corpus.problems if p.severity == "error"]) == 1


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_named_utf16_not_binary(encoding: str) -> None:
    text = f"---\n{GOOD_FRONT}---\nLe Parlement européen demande la libération de Vladimir Kozlov.\n"
    assert _refusal(text.encode(encoding)) == "hostile.md: error: UTF-16 text: save it as UTF-8"


def test_a_binary_file_is_still_binary() -> None:
    assert _refusal(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00") == (
        "hostile.md: error: binary file (contains NUL bytes), not text"
    )
