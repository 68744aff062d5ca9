"""Front matter: the YAML between two ``---`` fences, read into a validated DocumentMeta.

Dates stay text for the validator, a broken file names its line, and the common case
(simple ``key: value`` lines) skips the pure-Python YAML parser.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import yaml
from pydantic import ValidationError

from bot.corpus.models import FRONT_MATTER_KEYS, CorpusError, DocumentMeta, Problem

logger = logging.getLogger(__name__)

_FENCE = "---"


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so DocumentMeta validates them with a clear error.

    It also refuses, while composing and before anything is built, what front matter
    never needs and a hostile file uses: anchors and aliases (a few hundred bytes of
    aliases expand to gigabytes once a value is formatted) and any value that is a list
    or a mapping (500 nested ``[`` exhaust the recursion limit). Each value is then a
    single scalar, as long as the file at most.
    """

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        problem = None
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            problem = "anchors and aliases (& and *) are not allowed in front matter"
        elif parent is not None and isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            problem = "a value must be a single value, not a list or a mapping"
        if problem is not None:
            raise yaml.composer.ComposerError(None, None, problem, event.start_mark)
        return super().compose_node(parent, index)


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# A front matter line read without the YAML parser (see _simple_front_matter): a field
# name, one space, a value with no space at either end, and a "\n" line end.
_SIMPLE_LINE_RE = re.compile(r"([a-z]+): (\S(?:[^\n]*\S)?)\n")
# Characters that open something else than a plain scalar in YAML (a sequence, a
# quoted or block scalar, an alias, a tag, a directive, a comment...).
_YAML_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
# Inside a value: a mapping indicator, a comment, or a colon at the end.
_SIMPLE_VALUE_UNSAFE = re.compile(r": | #|:$")
_YAML_STR = "tag:yaml.org,2002:str"
# Resolves a plain value's implicit type as _FrontMatterLoader does (dates stay text).
_FRONT_MATTER_RESOLVER = yaml.resolver.Resolver()
_FRONT_MATTER_RESOLVER.yaml_implicit_resolvers = _FrontMatterLoader.yaml_implicit_resolvers


def split_front_matter(name: str, text: str) -> tuple[dict[str, Any], dict[str, int], str, int]:
    """Return (front matter mapping, line of each key, body, line number where the body starts)."""
    lines = text.splitlines(keepends=True)
    # A fence followed by spaces, or ended by NEL or U+2028, is still a fence: missed,
    # the YAML would be served as a passage and the metadata shown as unknown.
    if not lines or lines[0].rstrip() != _FENCE:
        return {}, {}, text, 1
    for i in range(1, len(lines)):
        if lines[i].rstrip() == _FENCE:
            yaml_text = "".join(lines[1:i])
            body = "".join(lines[i + 1 :])
            break
    else:
        raise CorpusError(Problem(name, 1, "front matter opened with --- but never closed"))
    data: Any = {}
    key_lines: dict[str, int] = {}
    simple = _simple_front_matter(yaml_text)
    if simple is not None:
        data, key_lines = simple
    elif yaml_text.strip():
        loader: _FrontMatterLoader | None = None
        try:
            loader = _FrontMatterLoader(yaml_text)  # its reader already refuses control characters
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 2 if mark is not None else 1
            reason = getattr(exc, "problem", None) or str(exc)
            raise CorpusError(Problem(name, line, f"broken YAML front matter: {reason}")) from None
        except (ValueError, OverflowError, RecursionError) as exc:
            # A scalar YAML cannot build (an integer of 5,000 digits, a 13th month under
            # an explicit tag...): the file is reported and skipped like any broken one.
            reason = _bounded(str(exc) or type(exc).__name__)
            raise CorpusError(Problem(name, 2, f"broken YAML front matter: {reason}")) from None
        finally:
            if loader is not None:
                loader.dispose()
        if isinstance(node, yaml.MappingNode):
            # Each key's own line from the parser: a folded value spans several lines.
            # Line 1 is the opening fence, so YAML's 0-based line n is file line n + 2.
            for key, _ in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue
                line = key.start_mark.line + 2
                first = key_lines.setdefault(str(key.value), line)
                if first != line:
                    # YAML keeps the last of two values silently; the admin must choose.
                    raise CorpusError(Problem(
                        name, line, f"key {_bounded(str(key.value))!r} appears twice, on lines {first} and {line}"
                    ))
    if not isinstance(data, dict):
        raise CorpusError(Problem(name, 2, "front matter must be key: value lines"))
    return data, key_lines, body, i + 2


def _bounded(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters for a message: a value may be megabytes long."""
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _simple_front_matter(yaml_text: str) -> tuple[dict[str, Any], dict[str, int]] | None:
    """The mapping and key lines of front matter made only of simple lines, else None.

    A simple line is a known field, ": " and a one-line plain value that YAML reads as
    that very text (see _SIMPLE_LINE_RE and _SIMPLE_VALUE_UNSAFE; the implicit types,
    such as numbers, booleans or null, are left to the parser). The YAML parser, pure
    Python, took a sixth of the time spent loading a large corpus; every other front
    matter, broken ones included, still goes through it.
    """
    data: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    position = 0
    for line, match in enumerate(_SIMPLE_LINE_RE.finditer(yaml_text), start=2):
        key, value = match.groups()
        if (
            match.start() != position
            or key not in FRONT_MATTER_KEYS
            or key in data
            or not value.isprintable()
            or value[0] in _YAML_INDICATORS
            or _SIMPLE_VALUE_UNSAFE.search(value)
            or _FRONT_MATTER_RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != _YAML_STR  # type: ignore[no-untyped-call]
        ):
            return None
        data[key] = value
        key_lines[key] = line  # line 1 is the opening fence
        position = match.end()
    if not data or position != len(yaml_text):
        return None
    return data, key_lines


def validate_meta(name: str, data: dict[str, Any], key_lines: dict[str, int]) -> DocumentMeta:
    """The validated metadata, or CorpusError naming every bad key at once, in line order."""
    try:
        return DocumentMeta(**{str(k): v for k, v in data.items()})
    except ValidationError as exc:
        found: list[tuple[int | None, str]] = []
        for error in exc.errors():
            key = ".".join(str(p) for p in error["loc"]) or "front matter"
            if error["type"] == "extra_forbidden":
                message = f"unknown key {_bounded(key)!r} (allowed: {', '.join(FRONT_MATTER_KEYS)})"
            else:
                message = f"bad value for {_bounded(key)!r}: {error['msg'].removeprefix('Value error, ')}"
            found.append((key_lines.get(key), message))
        # One run shows them all, earliest line first: fixing one need not reveal the next.
        found.sort(key=lambda item: item[0] if item[0] is not None else 0)
        line, message = found[0]
        raise CorpusError(Problem(name, line, message, also=tuple(found[1:]))) from None
