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
from indexer.validate import parse_sections, validate

MAX_ROWS = 20
MAX_OUTCOMES = 10
ROWS = {
    "sources": ("id", "title", "publisher", "year", "url", "pages", "accessed"),
    "contacts": ("name", "url", "email"),
    "evaluations": ("design", "comparison", "period", "displacement", "independent", "source"),
}
OUTCOME = ("measure", "direction", "size", "significance")
DEFAULT_ROWS = {"sources": 2, "contacts": 1, "evaluations": 1}
DEFAULT_OUTCOMES = 2
SECTION_KEYS = [key for key, _ in vocab.SECTIONS]
RESOURCE_TEXTS = ("staff", "training", "equipment", "duration")
BUDGET = ("amount", "currency", "year", "covers", "source")
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
    "mechanism",
    *(f"resources.{k}" for k in RESOURCE_TEXTS),
    *(f"resources.budget.{k}" for k in BUDGET),
    "period.start",
    "period.end",
    "status",
    "evidence.stage",
    "evidence.rating",
    "evidence.rationale",
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
LISTS = ("pillars.other", "themes", "problems", "target_population", "setting")
MULTILINE = ("partners", "mechanism", "evidence.rationale")
# Fields whose problems are shown on a whole group of inputs.
GROUPS = (
    "pillars",
    "themes",
    "problems",
    "target_population",
    "setting",
    "resources",
    "resources.budget",
    "sources",
    "contacts",
    "evaluations",
    "institution",
    "period",
    "evidence",
    "summary",
    "documentation",
)
ROW_FIELD = re.compile(r"(sources|contacts|evaluations)\[[0-9]+\](\.outcomes\[[0-9]+\])?\.\w+")


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
            **{f"resources.{k}": vocab.NOT_DOCUMENTED for k in RESOURCE_TEXTS},
            "documentation.status": "draft",
            "documentation.last_reviewed": today.isoformat(),
        }
    )
    for group, n in DEFAULT_ROWS.items():
        values[f"{group}_n"] = n
        for i in range(n):
            for sub in ROWS[group]:
                values[f"{group}[{i}].{sub}"] = ""
    for i in range(DEFAULT_ROWS["evaluations"]):
        values[f"evaluations[{i}].outcomes_n"] = DEFAULT_OUTCOMES
        for j in range(DEFAULT_OUTCOMES):
            for sub in OUTCOME:
                values[f"evaluations[{i}].outcomes[{j}].{sub}"] = ""
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

    def outcomes(self, i: int) -> range:
        return range(self.values.get(f"evaluations[{i}].outcomes_n") or DEFAULT_OUTCOMES)


def _is_slug(value: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value or ""))


def _text(value: Any) -> str:
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _line(value: Any) -> str:
    return " ".join(str(value or "").split())


UNDATED = {"n.d.", "nd", "n.d", "s.f.", "sf", "s.f", "s.d.", "sd", "s.d"}


def _number_or_text(value: str) -> int | str:
    return int(value) if re.fullmatch(r"[0-9]{1,4}", value) else value


def _amount(value: str) -> int | float | str:
    """'1200000' or '1200000.50' -> a number; anything else is kept for the validator to explain."""
    if re.fullmatch(r"[0-9]{1,15}", value):
        return int(value)
    if re.fullmatch(r"[0-9]{1,15}\.[0-9]{1,4}", value):
        return float(value)
    return value


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


def _count(form: MultiDict, name: str, default: int, add: bool, cap: int) -> int:
    try:
        n = whole_number(form.get(name, ""), name, 0, 999_999_999)  # then clamped below
    except NumberError:  # a hand-edited or stale form: fall back to the default rows
        n = default
    return max(1, min(n + (1 if add else 0), cap))


def _rows(form: MultiDict, group: str, action: str) -> int:
    return _count(form, f"{group}_n", DEFAULT_ROWS[group], action == f"add-{group[:-1]}", MAX_ROWS)


MAX_LINE_CHARS = 2_000  # a one-line field (title, name, url, ...)
MAX_TEXT_CHARS = 200_000  # a section of the body, or partners


def too_long(form: MultiDict) -> tuple[str, int] | None:
    """The first field longer than its cap, and the cap (a whole request is capped by the app too)."""
    for name, value in form.items(multi=True):
        cap = MAX_TEXT_CHARS if name.startswith("body.") or name in MULTILINE else MAX_LINE_CHARS
        if len(value) > cap:
            return name[:60], cap
    return None


def read_form(form: MultiDict) -> dict[str, Any]:
    """The form's values, cleaned the way they go into the file (and shown again in the form)."""
    action = form.get("action", "")
    values: dict[str, Any] = {}
    for name in SCALARS:
        raw = form.get(name, "")
        if name == "evidence.rationale" and name not in form:
            raw = form.get("evidence.notes", "")  # the version-1 name, in links made before format v2
        values[name] = _text(raw) if name.startswith("body.") or name in MULTILINE else _line(raw)
    for name in LISTS:
        values[name] = list(dict.fromkeys(v for v in form.getlist(name) if v))
    for group, subs in ROWS.items():
        n = _rows(form, group, action)
        values[f"{group}_n"] = n
        for i in range(n):
            for sub in subs:
                values[f"{group}[{i}].{sub}"] = _line(form.get(f"{group}[{i}].{sub}", ""))
    for i in range(values["evaluations_n"]):
        key = f"evaluations[{i}].outcomes"
        m = _count(form, f"{key}_n", DEFAULT_OUTCOMES, action == f"add-outcome-{i}", MAX_OUTCOMES)
        values[f"{key}_n"] = m
        for j in range(m):
            for sub in OUTCOME:
                values[f"{key}[{j}].{sub}"] = _line(form.get(f"{key}[{j}].{sub}", ""))
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
    for name in ("problems", "target_population", "setting"):
        if v[name]:
            meta[name] = list(v[name])
    if v["mechanism"]:
        meta["mechanism"] = " ".join(v["mechanism"].split())
    resources: dict[str, Any] = {k: v[f"resources.{k}"] for k in RESOURCE_TEXTS if v[f"resources.{k}"]}
    budget = {k: v[f"resources.budget.{k}"] for k in BUDGET if v[f"resources.budget.{k}"]}
    if budget:
        if "amount" in budget:
            budget["amount"] = _amount(budget["amount"])
        if "year" in budget:
            budget["year"] = _number_or_text(budget["year"])
        resources["budget"] = budget
    elif resources:
        resources["budget"] = vocab.NOT_DOCUMENTED
    if resources:
        meta["resources"] = resources
    meta["period"] = {}
    if v["period.start"]:
        meta["period"]["start"] = _number_or_text(v["period.start"])
    meta["period"]["end"] = _number_or_text(v["period.end"]) if v["period.end"] else None
    if v["status"]:
        meta["status"] = v["status"]
    meta["evidence"] = {k: v[f"evidence.{k}"] for k in ("stage", "rating") if v[f"evidence.{k}"]}
    if v["evidence.rationale"]:
        meta["evidence"]["rationale"] = " ".join(v["evidence.rationale"].split())
    meta["evaluations"] = []
    for i in range(v["evaluations_n"]):
        row: dict[str, Any] = {k: v[f"evaluations[{i}].{k}"] for k in ROWS["evaluations"]}
        outcomes = []
        for j in range(v.get(f"evaluations[{i}].outcomes_n") or 0):
            out = {
                k: v[f"evaluations[{i}].outcomes[{j}].{k}"] for k in OUTCOME if v[f"evaluations[{i}].outcomes[{j}].{k}"]
            }
            if out:
                outcomes.append(out)
        if not any(row.values()) and not outcomes:
            continue
        ev = {k: row[k] for k in ("design", "comparison", "period") if row[k]}
        ev["outcomes"] = outcomes
        ev.update({k: row[k] for k in ("displacement", "independent", "source") if row[k]})
        meta["evaluations"].append(ev)
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
        if candidate in SCALARS or candidate in GROUPS or ROW_FIELD.fullmatch(candidate):
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


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def values_from(meta: dict[str, Any], sections: dict[str, str], today: _dt.date | None = None) -> dict[str, Any]:
    """Form values that rebuild this case (the inverse of ``build_meta``): "suggest an edit" and revisions."""
    m = meta if isinstance(meta, dict) else {}
    v = defaults(today)

    def sub(key: str) -> dict[str, Any]:
        return m.get(key) if isinstance(m.get(key), dict) else {}

    def items(key: str) -> list[Any]:
        return m.get(key) if isinstance(m.get(key), list) else []

    for name in ("id", "title", "title_original", "language", "locality", "scale", "status", "channel", "mechanism"):
        v[name] = _str(m.get(name)) if name in m else v[name]
    v["countries"] = ", ".join(_str(c) for c in items("countries"))
    for k in ("name", "name_original", "type"):
        v[f"institution.{k}"] = _str(sub("institution").get(k))
    v["partners"] = "\n".join(_str(p) for p in items("partners"))
    pillars = [_str(p) for p in items("pillars")]
    v["pillars.primary"], v["pillars.other"] = (pillars[0] if pillars else ""), pillars[1:]
    for name in ("themes", "problems", "target_population", "setting"):
        v[name] = [_str(x) for x in items(name)]
    resources = sub("resources")
    for k in RESOURCE_TEXTS:
        v[f"resources.{k}"] = _str(resources.get(k)) if k in resources else ("" if m else v[f"resources.{k}"])
    budget = resources.get("budget") if isinstance(resources.get("budget"), dict) else {}
    for k in BUDGET:
        v[f"resources.budget.{k}"] = _str(budget.get(k))
    period = sub("period")
    v["period.start"], v["period.end"] = _str(period.get("start")), _str(period.get("end"))
    evidence = sub("evidence")
    for k in ("stage", "rating"):
        v[f"evidence.{k}"] = _str(evidence.get(k)) if k in evidence else v[f"evidence.{k}"]
    v["evidence.rationale"] = _str(evidence.get("rationale", evidence.get("notes")))
    summary = sub("summary")
    for k in ("en", "es", "pt"):
        v[f"summary.{k}"] = _str(summary.get(k))
    v["related"] = ", ".join(_str(r) for r in items("related"))
    documentation = sub("documentation")
    for k in ("status", "documented_by", "last_reviewed"):
        v[f"documentation.{k}"] = _str(documentation.get(k)) if k in documentation else v[f"documentation.{k}"]
    for group in ("sources", "contacts", "evaluations"):
        rows = [r for r in items(group) if isinstance(r, dict)][:MAX_ROWS]
        n = max(len(rows), 1)
        v[f"{group}_n"] = n
        for i in range(n):
            row = rows[i] if i < len(rows) else {}
            for key in ROWS[group]:
                v[f"{group}[{i}].{key}"] = _str(row.get(key))
            if group == "sources" and "year" in row and row["year"] is None:
                v[f"sources[{i}].year"] = "n.d."  # an undated document (year: null)
            if group == "evaluations":
                outcomes = [o for o in row.get("outcomes") or [] if isinstance(o, dict)][:MAX_OUTCOMES]
                v[f"evaluations[{i}].outcomes_n"] = max(len(outcomes), 1)
                for j in range(max(len(outcomes), 1)):
                    out = outcomes[j] if j < len(outcomes) else {}
                    for key in OUTCOME:
                        v[f"evaluations[{i}].outcomes[{j}].{key}"] = _str(out.get(key))
    for key in SECTION_KEYS:
        v[f"body.{key}"] = sections.get(key, "")
    return v


def parse_case_text(text: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A case file's front matter and its sections by key (what ``values_from`` takes)."""
    yaml_text, body, body_line = split(text)
    doc = parse_yaml(yaml_text, 2)
    sections = {s.key: s.text for s in parse_sections(body, body_line) if s.key}
    return (doc.data if isinstance(doc.data, dict) else {}), sections


def as_form(values: dict[str, Any]) -> MultiDict:
    """Form values as the browser would post them (to validate a prefilled form with ``check``)."""
    form = MultiDict()
    for name, value in values.items():
        if isinstance(value, list):
            form.setlist(name, [str(x) for x in value])
        else:
            form.add(name, str(value))
    return form
