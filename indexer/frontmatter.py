"""Split a case file into YAML front matter and Markdown body; parse YAML with line numbers.

Pure functions: text in, data out. Errors carry the 1-based line in the file.

Every YAML the project reads goes through ``parse_yaml`` or ``safe_load`` (cases, translations,
collections, submissions, vocabulary and other config): both refuse anchors and aliases (``&a``,
``*a``, ``<<: *a``) and nesting deeper than ``MAX_DEPTH`` while scanning the parser's events,
*before* any data is built, so a "billion laughs" file costs what its text costs.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_FENCE = re.compile(r"^---[ \t]*$")

Path_ = tuple[Any, ...]  # a path into the YAML data, e.g. ("sources", 0, "title")


class FrontMatterError(ValueError):
    """The file has no usable front matter; ``line`` is where it went wrong."""

    def __init__(self, message: str, line: int = 1):
        super().__init__(message)
        self.line = line


def split(text: str) -> tuple[str, str, int]:
    """Return ``(yaml_text, body, body_start_line)``.

    The file must start with a line ``---`` and the front matter must end with
    another ``---`` line. A leading BOM and Windows line endings are accepted.
    ``body_start_line`` is the 1-based file line where the body begins.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise FrontMatterError("the file is empty; start it with a '---' line, the YAML front matter, and '---'", 1)
    lines = text.split("\n")
    if not _FENCE.match(lines[0]):
        raise FrontMatterError("no front matter: the first line must be '---' (see docs/registration-format.md)", 1)
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i]):
            return "\n".join(lines[1:i]) + "\n", "\n".join(lines[i + 1 :]), i + 2
    raise FrontMatterError("the front matter opened on line 1 is never closed: add a '---' line after it", 1)


MAX_DEPTH = 32  # nested mappings/lists; a case needs 4


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster, same results


class _Loader(_Base):
    """Safe loader that keeps dates as strings (ISO text stays ISO text)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Dumper(yaml.SafeDumper):
    """Safe dumper that never writes anchors or aliases (a value used twice is written twice)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(data: Any) -> str:
    """YAML text the project can read back: block style, keys in order, Unicode kept, no anchors."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


class YamlDoc:
    """Parsed front matter plus a map from data paths to file lines."""

    def __init__(self, data: Any, lines: dict[Path_, int], duplicates: list[tuple[Path_, int]]):
        self.data = data
        self._lines = lines
        self.duplicates = duplicates

    def line(self, path: Path_) -> int:
        """Line of the value at ``path``, or of its nearest existing parent."""
        path = tuple(path)
        while path and path not in self._lines:
            path = path[:-1]
        return self._lines.get(path, self._lines.get((), 1))

    def key_line(self, path: Path_) -> int:
        """Line of the key itself for mapping entries (falls back to ``line``)."""
        return self._lines.get(("__key__", *path), self.line(path))


def _refuse_expansion(yaml_text: str, first_line: int) -> None:
    """Scan the parser's events (no data built): raise on an anchor, an alias or too deep a nesting."""
    loader = _Loader(yaml_text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                what = "an alias (*" if isinstance(event, yaml.AliasEvent) else "an anchor (&"
                raise FrontMatterError(
                    f"{what}{event.anchor}) is not allowed in YAML: write the value out in full "
                    "(anchors and aliases let a small file expand without limit)",
                    event.start_mark.line + first_line,
                )
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise FrontMatterError(
                        f"the YAML is nested more than {MAX_DEPTH} levels deep: flatten it",
                        event.start_mark.line + first_line,
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    finally:
        loader.dispose()


def safe_load(yaml_text: str, first_line: int = 1) -> Any:
    """The data of a YAML text (config, vocabulary, catalogs), with the same refusals as ``parse_yaml``."""
    return parse_yaml(yaml_text, first_line, lines=False).data


def _yaml_error(exc: yaml.YAMLError, first_line: int) -> FrontMatterError:
    """A YAML error as a problem at its file line (the first line when the error carries no mark)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if isinstance(exc, yaml.MarkedYAMLError):
        line = (mark.line + first_line) if mark else first_line
        what = exc.problem or "invalid YAML"
        return FrontMatterError(f"YAML syntax error: {what} (check indentation, colons and quotes)", line)
    return FrontMatterError(f"YAML error: {exc}", first_line)  # pragma: no cover - other YAML errors carry no mark


def parse_yaml(yaml_text: str, first_line: int = 2, lines: bool = True) -> YamlDoc:
    """Parse YAML safely; raise FrontMatterError with the file line on a syntax error, an anchor or
    an alias, or nesting deeper than ``MAX_DEPTH``.

    ``first_line`` is the file line of the first YAML line (2 after the opening fence);
    ``lines=False`` skips the map from data paths to lines.
    """
    try:
        _refuse_expansion(yaml_text, first_line)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, first_line) from None
    loader = _Loader(yaml_text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, first_line) from None
    finally:
        loader.dispose()
    where: dict[Path_, int] = {}
    duplicates: list[tuple[Path_, int]] = []
    if node is not None and lines:
        _walk(node, (), first_line, where, duplicates)
    else:
        where[()] = first_line
    return YamlDoc(data, where, duplicates)


def _walk(node: yaml.Node, path: Path_, off: int, out: dict, dups: list) -> None:
    out[path] = node.start_mark.line + off
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                dups.append(((*path, key), key_node.start_mark.line + off))
            seen.add(key)
            out[("__key__", *path, key)] = key_node.start_mark.line + off
            _walk(value_node, (*path, key), off, out, dups)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), off, out, dups)
