"""The draft form: form fields -> a case file, validated exactly like `caselib check`.

No Flask and no disk: the page sends the form's fields, gets back the file text, every problem
the validator finds in that text, and each problem's form field. The download is the validated text.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from indexer import vocab
from indexer.frontmatter import dump_yaml, parse_yaml, split
from indexer.messages import problem
from indexer.model import ERROR, WARNING, Problem
from indexer.numbers import NumberError, whole_number
from indexer.template import slugify
from indexer.validate import validate

MAX_ROWS = 20
ROWS = {"sources": ("title", "publisher", "year", "url", "pages"), "contacts": ("name", "url", "email")}
DEFAULT_ROWS = {"sources": 2, "contacts": 1}
SECTION_KEYS = [key for key, _ in vocab.SECTIONS]
# One-value form fields, in registration-format order ("pillars.primary" is the first pillar).
SCALARS = (
    "id",
    "title",
    "title_original",
    "language",
    "countries",
    "locality",
    "scale",
    "institution.name",
    "institution.name_original",
    "institution.type",
    "partners",
    "pillars.primary",
    "period.start",
    "period.end",
    "status",
    "evidence.stage",
    "evidence.rating",
    "evidence.notes",
    "channel",
    "summary.en",
    "summary.es",
    "summary.pt",
    "related",
    "documentation.status",
    "documentation.documented_by",
    "documentation.last_reviewed",
    *(f"body.{k}" for k in SECTION_KEYS),
)
LISTS = ("pillars.other", "themes")
# Fields whose problems are shown on a whole group of inputs.
GROUPS = ("pillars", "themes", "sources", "contacts", "institution", "period", "evidence", "summary", "documentation")


def defaults(today: _dt.date | None = None) -> dict[str, Any]:
    """What a blank form shows: the conservative values `caselib new` also starts from."""
    today = today or _dt.date.today()
    values: dict[str, Any] = {name: "" for name in SCALARS} | {name: [] for name in LISTS}
    values.update(
        {
            "language": "en",
            "status": "unknown",
            "evidence.stage": "not-evaluated",
            "evidence.rating": "not-rated",
            "channel": "other",
            "documentation.status": "draft",
            "documentation.last_reviewed": today.isoformat(),
        }
    )
    for group, n in DEFAULT_ROWS.items():
        values[f"{group}_n"] = n
        for i in range(n):
            for sub in ROWS[group]:
                values[f"{group}[{i}].{sub}"] = ""
    return values


@dataclass
class Draft:
    """One state of the form: its values, the file they make, and the file's problems."""

    values: dict[str, Any]
    text: str = ""
    case_id: str = ""
    problems: list[Problem] = field(default_factory=list)
    by_field: dict[str, list[Problem]] = field(default_factory=dict)
    general: list[Problem] = field(default_factory=list)
    listed: list[tuple[Problem, str | None]] = field(default_factory=list)  # every problem with its field
    checked: bool = False

    @property
    def file_name(self) -> str:
        return f"{self.case_id}.md" if _is_slug(self.case_id) else "draft.md"

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    def rows(self, group: str) -> range:
        return range(self.values.get(f"{group}_n") or DEFAULT_ROWS[group])  # an int: set by read_form


def _is_slug(value: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value or ""))


def _text(value: Any) -> str:
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _line(value: Any) -> str:
    return " ".join(str(value or "").split())


UNDATED = {"n.d.", "nd", "n.d", "s.f.", "sf", "s.f", "s.d.", "sd", "s.d"}


def _number_or_text(value: str) -> int | str:
    return int(value) if re.fullmatch(r"[0-9]{1,4}", value) else value


def _codes(raw: str) -> list[str]:
    """'PA, co' or 'PA CO' -> ['PA', 'CO']; anything else is kept for the validator to explain."""
    out: list[str] = []
    for piece in re.split(r"[,;\n]+", raw):
        words = piece.split()
        if words and all(len(w) == 2 and w.isalpha() for w in words):
            out.extend(w.upper() for w in words)
        elif words:
            out.append(" ".join(words))
    return list(dict.fromkeys(out))


def _rows(form: MultiDict, group: str, action: str) -> int:
    try:
        n = whole_number(form.get(f"{group}_n", ""), f"{group}_n", 0, 999_999_999)  # then clamped below
    except NumberError:  # a hand-edited or stale form: fall back to the default rows
        n = DEFAULT_ROWS[group]
    n += 1 if action == f"add-{group[:-1]}" else 0
    return max(1, min(n, MAX_ROWS))


MAX_LINE_CHARS = 2_000  # a one-line field (title, name, url, ...)
MAX_TEXT_CHARS = 200_000  # a section of the body, or partners


def too_long(form: MultiDict) -> tuple[str, int] | None:
    """The first field longer than its cap, and the cap (a whole request is capped by the app too)."""
    for name, value in form.items(multi=True):
        cap = MAX_TEXT_CHARS if name.startswith("body.") or name == "partners" else MAX_LINE_CHARS
        if len(value) > cap:
            return name[:60], cap
    return None


def read_form(form: MultiDict) -> dict[str, Any]:
    """The form's values, cleaned the way they go into the file (and shown again in the form)."""
    action = form.get("action", "")
    values: dict[str, Any] = {}
    for name in SCALARS:
        raw = form.get(name, "")
        values[name] = _text(raw) if name.startswith("body.") or name == "partners" else _line(raw)
    for name in LISTS:
        values[name] = list(dict.fromkeys(v for v in form.getlist(name) if v))
    for group, subs in ROWS.items():
        n = _rows(form, group, action)
        values[f"{group}_n"] = n
        for i in range(n):
            for sub in subs:
                values[f"{group}[{i}].{sub}"] = _line(form.get(f"{group}[{i}].{sub}", ""))
    return values


def build_meta(values: dict[str, Any]) -> dict[str, Any]:
    """Front matter from form values, in registration-format order; empty optional fields left out."""
    v = values
    meta: dict[str, Any] = {}
    case_id = v["id"] or (slugify(v["title"] or v["title_original"]) if v["title"] or v["title_original"] else "")
    for key, value in (("id", case_id), ("title", v["title"]), ("title_original", v["title_original"])):
        if value:
            meta[key] = value
    if v["language"]:
        meta["language"] = v["language"]
    if v["countries"]:
        meta["countries"] = _codes(v["countries"])
    if v["locality"]:
        meta["locality"] = v["locality"]
    if v["scale"]:
        meta["scale"] = v["scale"]
    meta["institution"] = {k: v[f"institution.{k}"] for k in ("name", "name_original", "type") if v[f"institution.{k}"]}
    partners = list(dict.fromkeys(_line(p) for p in v["partners"].split("\n") if _line(p)))
    if partners:
        meta["partners"] = partners
    pillars = [v["pillars.primary"]] if v["pillars.primary"] else []
    pillars += [p for p in v["pillars.other"] if p not in pillars]
    if pillars:
        meta["pillars"] = pillars
    if v["themes"]:
        meta["themes"] = list(v["themes"])
    meta["period"] = {}
    if v["period.start"]:
        meta["period"]["start"] = _number_or_text(v["period.start"])
    meta["period"]["end"] = _number_or_text(v["period.end"]) if v["period.end"] else None
    if v["status"]:
        meta["status"] = v["status"]
    meta["evidence"] = {k: v[f"evidence.{k}"] for k in ("stage", "rating", "notes") if v[f"evidence.{k}"]}
    if v["channel"]:
        meta["channel"] = v["channel"]
    meta["sources"] = []
    for i in range(v["sources_n"]):
        row = {k: v[f"sources[{i}].{k}"] for k in ROWS["sources"] if v[f"sources[{i}].{k}"]}
        if row:
            if "year" in row:
                # "n.d." (es "s.f.", pt "s.d.") is an undated document: year: null in the file
                undated = row["year"].strip().lower().replace(" ", "") in UNDATED
                row["year"] = None if undated else _number_or_text(row["year"])
            meta["sources"].append(row)
    meta["summary"] = {k: v[f"summary.{k}"] for k in ("en", "es", "pt") if v[f"summary.{k}"]}
    related = list(dict.fromkeys(r for r in re.split(r"[,;\s]+", v["related"]) if r))
    if related:
        meta["related"] = related
    contacts = []
    for i in range(v["contacts_n"]):
        row = {k: v[f"contacts[{i}].{k}"] for k in ROWS["contacts"] if v[f"contacts[{i}].{k}"]}
        if row:
            contacts.append(row)
    if contacts:
        meta["contacts"] = contacts
    meta["documentation"] = {
        k: v[f"documentation.{k}"] for k in ("status", "documented_by", "last_reviewed") if v[f"documentation.{k}"]
    }
    return meta


def case_text(meta: dict[str, Any], sections: dict[str, str], lang: str) -> str:
    """The case file: YAML front matter, then the six required sections with headings in ``lang``."""
    front = dump_yaml(meta)
    parts = []
    for key, names in vocab.SECTIONS:
        heading = names.get(lang, names["en"])
        text = sections.get(key, "")
        parts.append(f"## {heading}\n\n{text}\n" if text else f"## {heading}\n")
    return f"---\n{front}---\n\n" + "\n".join(parts)


def _anchor(problem: Problem, section_lines: list[tuple[int, str]]) -> str | None:
    """The form field a problem belongs to, or None for problems about the whole file."""
    fld = problem.field
    if fld == "body":
        before = [key for line, key in section_lines if line <= problem.line]
        return f"body.{before[-1]}" if before else f"body.{SECTION_KEYS[0]}"
    if fld.startswith("pillars"):
        return "pillars"
    candidate = fld
    while candidate:
        if candidate in SCALARS or candidate in GROUPS or re.fullmatch(r"(sources|contacts)\[[0-9]+\]\.\w+", candidate):
            return candidate
        parent = re.sub(r"(\[[0-9]+\]|\.[^.\[\]]+)$", "", candidate)
        if parent == candidate:  # a top-level field the form has no input for (e.g. a v2 field)
            return None
        candidate = parent
    return None


def check(form: MultiDict, known_ids: set[str] | None = None, today: _dt.date | None = None) -> Draft:
    """Build the case file from a submitted form and validate it with `caselib check`'s validator."""
    values = read_form(form)
    for name, default in defaults(today).items():
        if name in SCALARS and default and name not in form:  # a link naming some fields: the form's defaults
            values[name] = default
    meta = build_meta(values)
    lang = values["language"] if values["language"] in ("en", "es", "pt") else "en"
    text = case_text(meta, {k: values[f"body.{k}"] for k in SECTION_KEYS}, lang)
    case_id = meta.get("id", "")
    stem = case_id if _is_slug(case_id) else "draft"
    shown = f"cases/{stem}.md"
    yaml_text, body, body_line = split(text)
    doc = parse_yaml(yaml_text, 2)
    problems, sections = validate(doc, body, body_line, shown, stem)
    if known_ids is not None:
        dangling = [r for r in meta.get("related", []) if r not in known_ids]
        if dangling:
            problems.append(
                problem(shown, doc.line(("related",)), "related", "unknown_related", ids=", ".join(dangling))
            )
    section_lines = sorted((s.line, s.key) for s in sections if s.key in SECTION_KEYS)
    draft = Draft(values=values, text=text, case_id=case_id, problems=problems, checked=True)
    for p in problems:
        anchor = _anchor(p, section_lines)
        draft.listed.append((p, anchor))
        if anchor is None:
            draft.general.append(p)
        else:
            draft.by_field.setdefault(anchor, []).append(p)
    return draft


def blank(today: _dt.date | None = None) -> Draft:
    return Draft(values=defaults(today))
