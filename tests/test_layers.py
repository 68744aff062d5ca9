"""The package's rooms import one way only, only bot/telegram imports telegram, and nothing imports in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bot"

# What each room of the package may import from bot: files -> documents -> passages
# (corpus), then the index (search), then the service (answers), then the front ends.
ALLOWED: dict[str, set[str]] = {
    "config": {"config_file"},
    "corpus": {"corpus"},
    "search": {"corpus", "search"},
    "answers": {"corpus", "search", "answers"},
    # What must last (the SQLite file): plain storage, beside the service, below the front end.
    "state": {"state"},
    "telegram": {"config", "config_file", "corpus", "search", "answers", "state", "telegram"},
    "cli": {
        "config", "config_file", "corpus", "search", "answers",
        "cli", "cli_check", "cli_eval", "cli_import", "cli_output", "cli_sync",
    },
    "__main__": {"config", "config_file", "corpus", "search", "answers", "state", "telegram", "cli"},
}
TELEGRAM_ALLOWED = {"telegram", "__main__"}
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _room(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    if len(parts) > 1:
        return parts[0]
    # bot/cli.py and its commands (bot/cli_import.py, ...) are one room: the command line;
    # bot/config.py and bot/config_file.py are the settings.
    if path.stem.startswith("cli_"):
        return "cli"
    return "config" if path.stem.startswith("config_") else path.stem


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, top_level_only: bool = False) -> set[str]:
    """Names imported by ``path``; with ``top_level_only``, those run at import time only."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            # "from bot.corpus import load" imports the module bot.corpus.load.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _ids(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


def test_every_module_is_in_a_room() -> None:
    for path in MODULES:
        if path.name != "__init__.py" or path.parent != PACKAGE:
            assert _room(path) in ALLOWED, f"bot/{_ids(path)} is in no room: give it one in tests/test_layers.py"


@pytest.mark.parametrize("path", MODULES, ids=_ids)
def test_imports_go_downwards(path: Path) -> None:
    room = _room(path)
    for name in _imports(path):
        if name.startswith("bot."):
            target = name.split(".")[1]
            allowed = ALLOWED.get(room, set())
            assert target in allowed, f"bot/{_ids(path)} imports {name}: {room} may not import {target}"
        if name == "telegram" or name.startswith("telegram."):
            assert room in TELEGRAM_ALLOWED, f"bot/{_ids(path)} imports telegram"


@pytest.mark.parametrize("path", MODULES, ids=_ids)
def test_every_module_has_a_docstring_and_a_logger(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"bot/{_ids(path)} has no docstring"
    if path.name != "__init__.py":
        assert "logging.getLogger(__name__)" in path.read_text(encoding="utf-8")


def test_no_import_cycles() -> None:
    """No chain of import-time imports leads a module back to itself."""
    modules = {_name(p): p for p in MODULES}
    graph = {
        name: {i for i in _imports(path, top_level_only=True) if i in modules and i != name}
        for name, path in modules.items()
    }
    # A package's __init__ is imported before its modules: that edge is no cycle.
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            cycle = trail[trail.index(name):] + [name]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        for target in sorted(graph[name]):
            if not name.startswith(target + "."):
                visit(target, [*trail, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])
