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

from bot.corpus.models import META_FIELDS, CorpusError, DocumentMeta, Problem

logger = logging.getLogger(__name__)

_FENCE = "---"


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so DocumentMeta validates them with a clear error."""


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
    if not lines or lines[0].rstrip("\r\n") != _FENCE:
        return {}, {}, text, 1
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r\n") == _FENCE:
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
        loader = _FrontMatterLoader(yaml_text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 2 if mark is not None else 1
            reason = getattr(exc, "problem", None) or str(exc)
            raise CorpusError(Problem(name, line, f"broken YAML front matter: {reason}")) from None
        finally:
            loader.dispose()
        if isinstance(node, yaml.MappingNode):
            # Each key's own line from the parser: a folded value spans several lines.
            # Line 1 is the opening fence, so YAML's 0-based line n is file line n + 2.
            key_lines = {
                str(key.value): key.start_mark.line + 2
                for key, _ in node.value
                if isinstance(key, yaml.ScalarNode)
            }
    if not isinstance(data, dict):
        raise CorpusError(Problem(name, 2, "front matter must be key: value lines"))
    return data, key_lines, body, i + 2


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
            or key not in META_FIELDS
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
    try:
        return DocumentMeta(**{str(k): v for k, v in data.items()})
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "front matter"
        if first["type"] == "extra_forbidden":
            message = f"unknown key {key!r} (allowed: {', '.join(META_FIELDS)})"
        else:
            message = f"bad value for {key!r}: {first['msg'].removeprefix('Value error, ')}"
        raise CorpusError(Problem(name, key_lines.get(key), message)) from None
