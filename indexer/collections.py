"""Curated collections of cases (collections/*.yml): load and validate with lines, like cases.

A collection is a YAML file: titles and descriptions in English and Spanish (Portuguese
optional), a curator, the language of its notes, an ordered list of case ids each with a curator's
note, and optional outside links. A note is text in the collection's language or a mapping
``{en, es, pt}``; ``localized`` picks the text to show. ``load_collections`` never stops at a bad
file: each becomes ``Problem``s with ``path:line`` (the same type ``caselib check`` prints for cases) and is skipped.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .frontmatter import FrontMatterError, YamlDoc, parse_yaml
from .loader import case_files, decode_text, display_path, folder_entries, read_limited
from .model import ERROR, Problem
from .validate import SchemaValidator, _closest, _field, _todo_walk, control_problems, identity_problems

SCHEMA_PATH = Path(__file__).parent / "schema" / "collection.schema.json"
SUFFIXES = (".yml", ".yaml")
_TODO = re.compile(r"\bTODO\b")


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> SchemaValidator:
    return SchemaValidator(schema())


def localized(value: Any, lang: str, original: str = "en") -> tuple[str, str]:
    """The text to show of a field that is either text in ``original`` or a mapping ``{en, es, pt}``,
    and its language: the ``lang`` text when there is one, else the original (``original``, then ``en``)."""
    if isinstance(value, dict):
        for code in (lang, original, "en"):
            if value.get(code):
                return value[code], code
        return "", original
    return ("" if value is None else str(value)), original


@dataclass(frozen=True)
class Collection:
    """A valid collection file."""

    id: str
    path: str
    data: dict[str, Any]
    warnings: tuple[Problem, ...] = field(default=(), compare=False)

    def title(self, lang: str = "en") -> str:
        return localized(self.data["title"], lang)[0]

    def description(self, lang: str = "en") -> str:
        return localized(self.data["description"], lang)[0]

    def note(self, item: dict[str, Any], lang: str = "en") -> tuple[str, str]:
        """A case's or link's note in ``lang`` when it has one, else in its original language: (text, language)."""
        return localized(item.get("note"), lang, self.language)

    @property
    def curator(self) -> dict[str, str]:
        return dict(self.data["curator"])

    @property
    def language(self) -> str:
        return self.data["language"]

    @property
    def updated(self) -> str:
        return str(self.data["updated"])

    @property
    def entries(self) -> list[dict[str, Any]]:
        """The cases in order: ``{"id", "note"}`` (the note as written: text or ``{en, es, pt}``)."""
        return [dict(e) for e in self.data.get("cases") or []]

    @property
    def case_ids(self) -> list[str]:
        return [e["id"] for e in self.entries]

    @property
    def links(self) -> list[dict[str, Any]]:
        return [dict(x) for x in self.data.get("links") or []]

    @property
    def search(self) -> dict[str, Any] | None:
        return dict(self.data["search"]) if self.data.get("search") else None


@dataclass
class CollectionsResult:
    collections: list[Collection] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    def errors(self, strict: bool = False) -> list[Problem]:
        return [p for p in self.problems if strict or p.severity == ERROR]


# --- files ------------------------------------------------------------------------------------------------------


def is_collection_file(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def collection_files(paths: Iterable[Path] | Path, problems: list[Problem] | None = None) -> list[Path]:
    """Expand folders to their ``*.yml`` / ``*.yaml`` files, sorted; each file once (links leaving
    a folder skipped, with a warning in ``problems``)."""
    if isinstance(paths, Path):
        paths = [paths]
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(folder_entries(p, lambda n: is_collection_file(Path(n)), problems))
        else:
            files.append(p)
    seen: set[Path] = set()
    unique = []
    for f in files:
        if f.resolve() not in seen:
            seen.add(f.resolve())
            unique.append(f)
    return unique


def case_ids_in(paths: Iterable[Path]) -> set[str]:
    """Ids a collection may name: the stems of the case files under ``paths`` and beside them."""
    files = case_files(list(paths))
    folders = {f.parent for f in files}
    stems = {f.stem for f in files} | {g.stem for d in folders for g in case_files(d)}
    return {s for s in stems if "." not in s}  # translation files <id>.<lang>.md are not cases


# --- validation -------------------------------------------------------------------------------------------------


def _schema_problems(doc: YamlDoc, path: str) -> list[Problem]:
    out: list[Problem] = []
    for err in sorted(_validator().iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))):
        p = tuple(err.absolute_path)
        if isinstance(err.instance, str) and _TODO.search(err.instance):
            continue  # a placeholder from a saved search: reported once, as a TODO warning
        line, fld = doc.line(p), _field(p)
        if err.validator == "additionalProperties":
            allowed = list(err.schema.get("properties", {}))
            for key in [k for k in err.instance if k not in allowed]:
                guess = _closest(key, allowed)
                hint = f"did you mean '{guess}'?" if guess else f"allowed keys here: {', '.join(allowed)}"
                out.append(Problem(path, doc.key_line((*p, key)), _field((*p, key)), f"unknown key '{key}': {hint}"))
        elif err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else err.message
            out.append(
                Problem(
                    path,
                    line,
                    _field((*p, missing)),
                    f"required field '{missing}' is missing: add it (see docs/collections.md#{missing})",
                )
            )
        elif err.validator == "enum":
            guess = _closest(err.instance, err.validator_value)
            hint = f"did you mean '{guess}'? " if guess else ""
            allowed = ", ".join(map(str, err.validator_value))
            out.append(Problem(path, line, fld, f"'{err.instance}' is not allowed; {hint}allowed values: {allowed}"))
        elif err.validator == "propertyNames":
            key = err.instance
            guess = _closest(key, err.validator_value.get("enum", []))
            hint = f"did you mean '{guess}'?" if guess else "use a facet field such as themes or countries"
            out.append(Problem(path, doc.key_line((*p, key)), _field((*p, key)), f"unknown filter '{key}': {hint}"))
        elif err.validator == "type":
            names = {"array": "a list", "object": "a mapping (key: value lines)", "string": "text"}
            names |= {"integer": "a whole number"}
            want = err.validator_value
            want_s = " or ".join(names.get(w, w) for w in (want if isinstance(want, list) else [want]))
            out.append(Problem(path, line, fld, f"expected {want_s}, got {type(err.instance).__name__}"))
        elif err.validator == "pattern" and p and p[-1] == "url":
            out.append(Problem(path, line, fld, f"'{err.instance}' is not a web address: write it as https://…"))
        elif err.validator == "pattern" and p and p[-1] == "id":
            out.append(
                Problem(path, line, fld, f"'{err.instance}' is not an id: use lowercase letters, digits and hyphens")
            )
        elif err.validator == "pattern" and p == ("updated",):
            out.append(Problem(path, line, fld, f"'{err.instance}' is not a date: write it as YYYY-MM-DD"))
        elif err.validator in ("minItems", "minLength"):
            out.append(Problem(path, line, fld, f"is empty or too short: {err.message}"))
        elif err.validator == "maxLength":
            out.append(
                Problem(path, line, fld, f"is too long ({len(err.instance)} characters, at most {err.validator_value})")
            )
        else:
            out.append(Problem(path, line, fld, err.message))
    return out


def bad_url(value: Any) -> bool:
    """True for text that looks like a web address but has no usable host (``https://TODO``, ``http://x``)."""
    if not isinstance(value, str) or not re.fullmatch(r"https?://\S+", value):
        return False  # the schema reports these
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return True
    return not (host == "localhost" or re.fullmatch(r"[\w-]+(\.[\w-]+)*\.[^\W\d_]{2,}|[0-9]+(\.[0-9]+){3}", host))


def _rule_problems(doc: YamlDoc, path: str, stem: str, case_ids: set[str] | None) -> list[Problem]:
    """Rules a JSON Schema cannot express."""
    m = doc.data
    out = identity_problems(doc, path, stem, stem)
    entries = m.get("cases") if isinstance(m.get("cases"), list) else []
    links = m.get("links") if isinstance(m.get("links"), list) else []
    if "cases" in m and not entries and not links:
        out.append(
            Problem(path, doc.line(("cases",)), "cases", "the collection lists no case and no link: add at least one")
        )
    seen: dict[str, int] = {}
    known = sorted(case_ids) if case_ids is not None else []
    for i, entry in enumerate(entries):
        cid = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(cid, str) or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", cid):
            continue  # the schema reports it
        line = doc.line(("cases", i, "id"))
        if cid in seen:
            out.append(Problem(path, line, f"cases[{i}].id", f"'{cid}' is already listed as cases[{seen[cid]}]"))
            continue
        seen[cid] = i
        if case_ids is not None and cid not in case_ids:
            guess = _closest(cid, known)
            hint = f"did you mean '{guess}'?" if guess else "check the id in cases/<id>.md"
            out.append(
                Problem(path, line, f"cases[{i}].id", f"unknown case id '{cid}': no case file has that id; {hint}")
            )
    for where in [("curator", "url")] + [("links", i, "url") for i in range(len(links))]:
        value = _get(m, where)
        if bad_url(value) and not _TODO.search(value):
            out.append(
                Problem(path, doc.line(where), _field(where), f"'{value}' has no valid host name: check the address")
            )
    if isinstance(m.get("updated"), str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", m["updated"]):
        try:
            _dt.date.fromisoformat(m["updated"])
        except ValueError:
            out.append(Problem(path, doc.line(("updated",)), "updated", f"'{m['updated']}' is not a real date"))
    search = m.get("search") if isinstance(m.get("search"), dict) else {}
    y0, y1 = search.get("year_from"), search.get("year_to")
    if isinstance(y0, int) and isinstance(y1, int) and y1 < y0:
        out.append(Problem(path, doc.line(("search", "year_to")), "search.year_to", f"{y1} is before year_from {y0}"))
    _todo_walk(m, (), doc, path, out)
    control_problems(m, (), doc, path, out)
    return out


def _get(data: Any, where: tuple[Any, ...]) -> Any:
    for part in where:
        if isinstance(part, int):
            data = data[part] if isinstance(data, list) and part < len(data) else None
        else:
            data = data.get(part) if isinstance(data, dict) else None
    return data


def validate_collection(doc: YamlDoc, path: str, stem: str, case_ids: set[str] | None = None) -> list[Problem]:
    """Every problem of one collection (errors and warnings); ``case_ids=None`` skips the dangling-id check."""
    if not isinstance(doc.data, dict):
        got = "nothing" if doc.data is None else type(doc.data).__name__
        return [Problem(path, doc.line(()), "", f"a collection must be a mapping of 'key: value' lines, got {got}")]
    problems = _schema_problems(doc, path) + _rule_problems(doc, path, stem, case_ids)
    problems.sort(key=lambda p: (p.line, p.field))
    return problems


def parse_text(text: str) -> YamlDoc:
    """Parse a collection's YAML text (BOM and Windows line endings accepted); FrontMatterError on bad YAML."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return parse_yaml(text, first_line=1)


def read_collection(
    path: Path, case_ids: set[str] | None = None, shown: str | None = None
) -> tuple[Collection | None, list[Problem]]:
    """Load one file: a Collection when it has no errors, and all its problems."""
    shown = shown or display_path(path)
    raw, problems = read_limited(path, shown)
    if raw is None:
        return None, problems
    text, problems = decode_text(raw, shown, "YAML")
    if text is None:
        return None, problems
    if not text.strip():
        return None, [Problem(shown, 1, "", "the file is empty: see docs/collections.md for the format")]
    try:
        doc = parse_text(text)
    except FrontMatterError as exc:
        return None, [Problem(shown, exc.line, "", str(exc))]
    problems = validate_collection(doc, shown, path.stem, case_ids)
    if any(p.severity == ERROR for p in problems):
        return None, problems
    return Collection(id=doc.data["id"], path=shown, data=doc.data, warnings=tuple(problems)), problems


def load_collections(paths: Iterable[Path] | Path, case_ids: set[str] | None = None) -> CollectionsResult:
    """Load every collection file under ``paths``, checking case ids against ``case_ids``."""
    result = CollectionsResult()
    files = collection_files(paths, result.problems)
    result.files = len(files)
    by_id: dict[str, Collection] = {}
    for f in files:
        col, problems = read_collection(f, case_ids)
        result.problems.extend(problems)
        if col is None:
            continue
        if col.id in by_id:
            result.problems.append(
                Problem(col.path, 1, "id", f"duplicate collection id '{col.id}', already used by {by_id[col.id].path}")
            )
            continue
        by_id[col.id] = col
    result.collections = sorted(by_id.values(), key=lambda c: c.id)
    result.problems.sort(key=lambda p: (p.path, p.line))
    return result
