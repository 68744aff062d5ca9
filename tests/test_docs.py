"""The front door and the module list stay true: README.md small, its test command CI's, design.md every module."""

from __future__ import annotations

import re

from tests.conftest import ROOT

README_MAX_BYTES = 15_000  # issue 22: "README ≤ 15 KB", the front door; details go to docs/


def test_the_readme_is_a_front_door() -> None:
    size = (ROOT / "README.md").stat().st_size
    assert size <= README_MAX_BYTES, f"README.md is {size:,} bytes: move details to docs/reference.md"


def test_the_readme_runs_the_tests_as_ci_does() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -e '.[test]' && python -m pytest\n" in readme
    assert "\npython -m pytest\n" in ci


def test_design_lists_every_module_once() -> None:
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    listed = re.findall(r"^(bot/\S+\.py) +\S", design, flags=re.MULTILINE)
    modules = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "bot").rglob("*.py") if p.name != "__init__.py")
    assert sorted(listed) == modules  # one line each, with its job; no module missing, none gone
