"""The registration format docs and the vocabulary stay in step with the JSON Schema; the README with the CLI."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from caselib.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "schema" / "case.schema.json").read_text(encoding="utf-8"))
VOCABULARY = yaml.safe_load((ROOT / "schema" / "vocabulary.yml").read_text(encoding="utf-8"))
DOC = (ROOT / "docs" / "registration-format.md").read_text(encoding="utf-8")
README = ROOT / "README.md"


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref:
        assert ref.startswith("#/$defs/"), ref
        return SCHEMA["$defs"][ref.removeprefix("#/$defs/")]
    return node


def walk_properties(node: dict[str, Any] = SCHEMA, prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of the schema as (dotted path, sub-schema); array items as `name[].field`."""
    for name, sub in node.get("properties", {}).items():
        path = f"{prefix}{name}"
        yield path, sub
        yield from walk_properties(sub, f"{path}.")
        items = sub.get("items")
        if isinstance(items, dict) and "properties" in items:
            yield from walk_properties(items, f"{path}[].")


def enums_of(sub: dict[str, Any]) -> list[str]:
    """Enum values of a property: its own, its items', or those of anyOf/oneOf branches."""
    found: list[str] = []
    stack = [sub]
    while stack:
        node = _resolve(stack.pop())
        found.extend(node.get("enum", []))
        if isinstance(node.get("items"), dict) and "properties" not in node["items"]:
            stack.append(node["items"])
        for key in ("anyOf", "oneOf", "allOf"):
            stack.extend(node.get(key, []))
    return found


PROPERTIES = dict(walk_properties())
ENUMS = {path: values for path, sub in PROPERTIES.items() if (values := enums_of(sub))}
# vocabularies added with format v2: labels in en, es and pt from the start
V2_VOCABULARIES = {"problems", "target_population", "setting", "evaluation_design", "outcome_direction", "independent"}


def vocab_key(path: str) -> str:
    """Schema path -> vocabulary.yml key: the property's `x-vocabulary` when it names one
    (`evaluations[].design` -> `evaluation_design`), else `institution.type` -> `institution_type`."""
    named = PROPERTIES[path].get("x-vocabulary") if path in PROPERTIES else None
    return named or path.replace("[]", "").replace(".", "_")


def doc_section(path: str) -> str:
    """The text under `### `path`` up to the next heading of level 1-3."""
    match = re.search(rf"^### `{re.escape(path)}`[ \t]*\n(.*?)(?=^#{{1,3}} |\Z)", DOC, re.M | re.S)
    assert match, f"no section for {path}"
    return match.group(1)


def test_walk_finds_the_schema_shape():
    """Guards the walker itself: if it stopped recursing, the tests below would check too little."""
    assert {"id", "institution.type", "period.end", "sources[].url", "contacts[].email", "summary.fr"} <= set(
        PROPERTIES
    )
    assert set(ENUMS) >= {
        "language",
        "scale",
        "institution.type",
        "pillars",
        "themes",
        "status",
        "evidence.stage",
        "evidence.rating",
        "channel",
        "documentation.status",
    }


@pytest.mark.parametrize("path", list(PROPERTIES))
def test_every_schema_property_has_a_level3_heading(path):
    assert re.search(rf"^### `{re.escape(path)}`[ \t]*$", DOC, re.M), f"docs/registration-format.md lacks ### `{path}`"


def test_every_level3_field_heading_is_a_schema_property():
    headings = re.findall(r"^### `([^`]+)`", DOC, re.M)
    assert len(headings) == len(set(headings)), "a field is documented twice"
    assert set(headings) - set(PROPERTIES) == set(), "the docs describe fields the schema does not have"


@pytest.mark.parametrize("path", list(ENUMS))
def test_every_enum_value_is_documented_with_its_labels(path):
    assert all(f"`{v}`" in DOC for v in ENUMS[path])
    section = doc_section(path)
    labels = VOCABULARY[vocab_key(path)]
    for value in ENUMS[path]:
        row = f"| `{value}` | {labels[value]['en']} | {labels[value]['es']} |"
        assert row in section, f"### `{path}` has no table row starting {row!r}"


def test_vocabulary_has_exactly_the_schema_enums():
    assert set(VOCABULARY) == {vocab_key(p) for p in ENUMS}


@pytest.mark.parametrize("path", list(ENUMS))
def test_vocabulary_has_en_es_and_pt_labels_for_every_value(path):
    entries = VOCABULARY[vocab_key(path)]
    assert list(entries) == ENUMS[path], "vocabulary.yml must list the values of the schema, in schema order"
    for value, entry in entries.items():
        for lang in ("en", "es", "pt"):
            assert isinstance(entry.get(lang), str) and entry[lang].strip(), f"{path}: {value} lacks a {lang} label"
        known = {"en", "es", "pt", "definition_en", "definition_es", "definition_pt", "iccs"}
        assert set(entry) <= known, f"{path}: {value} has unknown keys"
        defs = {lang for lang in ("en", "es", "pt") if f"definition_{lang}" in entry}
        assert defs in (set(), {"en", "es", "pt"}), f"{path}: {value} has definitions in {sorted(defs)} only"
    if vocab_key(path) == "problems":
        assert all(entry.get("iccs") for entry in entries.values()), "every problem code names its ICCS section"


def test_documented_section_anchors_match_required_field_messages():
    """`required field 'x' is missing ... see docs/registration-format.md#x`: the anchor must exist."""
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', DOC))
    # GitHub-style slugs of the ### `field` headings
    anchors |= {re.sub(r"[^a-z0-9_ -]", "", h.lower()).replace(" ", "-") for h in re.findall(r"^### (.+)$", DOC, re.M)}
    missing = []
    for path in PROPERTIES:
        parent, _, leaf = path.replace("[]", "").rpartition(".")
        node = SCHEMA
        for part in parent.split(".") if parent else []:
            node = node["properties"][part]
            node = node.get("items", node) if "properties" not in node else node
        if leaf in node.get("required", []) and leaf.replace("_", "-") not in anchors:
            missing.append(leaf)
    assert missing == []


# --- README ----------------------------------------------------------------------------------------


def _readme_code(text: str) -> list[str]:
    """Lines of fenced code blocks and inline code spans (table pipes unescaped)."""
    code: list[str] = []
    prose: list[str] = []
    fence = None
    for line in text.splitlines():
        mark = re.match(r"^\s*(```|~~~)", line)
        if mark and fence is None:
            fence = mark.group(1)
        elif mark and mark.group(1) == fence:
            fence = None
        elif fence:
            code.append(line)
        else:
            prose.append(line)
    code += re.findall(r"`([^`\n]+)`", "\n".join(prose))
    return [c.replace("\\|", "|") for c in code]


def _readme_mentions(text: str) -> list[tuple[str, list[str]]]:
    """(command or top-level option, options) for every `caselib ...` in the README's code."""
    out = []
    for code in _readme_code(text):
        for match in re.finditer(r"(?:^|[\s/])caselib[ \t]+(\S+)([^\n]*)", code):
            first, rest = match.group(1), re.split(r"\s#\s|\s&&\s|\s;\s", match.group(2))[0]
            out.append((first, re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", rest)))
    return out


def test_readme_parser():
    text = (
        "caselib documents practices; run `caselib check --strict` first.\n\n"
        '```sh\n.venv/bin/caselib new "T" --lang es  # then --not-an-option\n```\n\n'
        "| `caselib eval --beir DIR \\| --queries FILE` | x |\n"
        "Every command has `--help`; `caselib --version` prints it.\n"
    )
    assert _readme_mentions(text) == [
        ("new", ["--lang"]),
        ("check", ["--strict"]),
        ("eval", ["--beir", "--queries"]),
        ("--version", []),
    ]


@pytest.mark.skipif(not README.exists(), reason="README.md does not exist yet")
def test_readme_commands_and_options_exist():
    mentions = _readme_mentions(README.read_text(encoding="utf-8"))
    assert {command for command, _ in mentions} >= {"check", "new"}, "README.md shows no `caselib check` / `new`"
    top_options = {o for p in main.params for o in p.opts} | {"--help", "-h"}
    for command, options in mentions:
        if command.startswith("-"):
            assert command in top_options, f"README mentions `caselib {command}`, which does not exist"
            continue
        assert command in main.commands, f"README mentions `caselib {command}`, which does not exist"
        known = {o for p in main.commands[command].params for o in (*p.opts, *p.secondary_opts)} | {"--help", "-h"}
        for option in options:
            assert option in known, f"README mentions `caselib {command} {option}`, which does not exist"
