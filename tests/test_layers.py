"""The package's layers import one way only, and only the Telegram layers import telegram."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bot"

# Lower numbers are lower layers; a module may import its own layer and those below.
LAYERS: dict[str, int] = {
    "models": 0, "config": 0,
    "corpus": 1, "corpus_cache": 1, "store": 1,
    "tokens": 2, "index": 2, "index_store": 2,
    "service": 3, "quote": 3, "query": 3, "evaluate": 3, "ratelimit": 3,
    "search": 3, "grouping": 3, "timeline": 3, "pages": 3, "stats": 3,
    "render": 4, "render_admin": 4, "render_quote": 4, "render_timeline": 4,
    "cli": 5, "handlers": 5,
    "app": 6,
    "__main__": 7,
}
TELEGRAM_ALLOWED = {"handlers", "app", "__main__"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


MODULES = sorted(p for p in PACKAGE.glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_module_has_a_layer(path: Path) -> None:
    assert path.stem in LAYERS, f"bot/{path.name} is new: give it a layer in tests/test_layers.py"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_imports_go_downwards(path: Path) -> None:
    layer = LAYERS.get(path.stem, -1)
    for name in _imports(path):
        if name.startswith("bot."):
            target = name.split(".")[1]
            assert LAYERS.get(target, 99) <= layer, f"bot/{path.name} imports {name}, a higher layer"
        if name == "telegram" or name.startswith("telegram."):
            assert path.stem in TELEGRAM_ALLOWED, f"bot/{path.name} imports telegram"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_every_module_has_a_docstring_and_a_logger(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"bot/{path.name} has no docstring"
    assert "logging.getLogger(__name__)" in path.read_text(encoding="utf-8")
