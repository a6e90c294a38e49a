"""Check one case file's front matter and body; collect every problem with its line.

``validate`` never raises on bad content: it returns ``Problem``s. Rules that need the
whole library (duplicate ids, dangling ``related`` ids) live in ``loader``.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators

from . import vocab
from .frontmatter import YamlDoc
from .messages import problem
from .model import WARNING, Problem, Section

SUMMARY_MAX_WORDS = 120
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^(```|~~~)")
_TODO = re.compile(r"\bTODO\b")
# characters no text field may hold: C0 controls but tab and newline, DEL, lone surrogates, U+FFFE/U+FFFF
# (they break Atom and XML, and RIS and CSV lines); the body allows the same as the fields
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


@lru_cache(maxsize=256)
def _ecma(pattern: str) -> re.Pattern[str]:
    """A JSON Schema ``pattern`` with its ECMA-262 meaning: ``\\d`` is 0-9 only and a final ``$`` matches
    only at the very end (Python's ``\\d`` takes any script's digits and its ``$`` a trailing newline)."""
    return re.compile(re.sub(r"(?<!\\)\$$", r"\\Z", pattern.replace(r"\d", "[0-9]")))


def _pattern(validator, pattern: str, instance: Any, schema: dict) -> Any:  # noqa: ANN001 - jsonschema's keyword API
    if validator.is_type(instance, "string") and not _ecma(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# the validator for every schema the project checks input against (cases, collections)
SchemaValidator = validators.extend(Draft202012Validator, {"pattern": _pattern})

_validator: Draft202012Validator | None = None


def _schema_validator() -> Draft202012Validator:
    global _validator
    if _validator is None:
        _validator = SchemaValidator(vocab.schema())
    return _validator


def _field(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _closest(value: Any, choices: list[str]) -> str | None:
    found = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
    return found[0] if found else None


def _schema_at(path: tuple[Any, ...], root: dict[str, Any] | None = None) -> dict[str, Any]:
    """The sub-schema describing the value at a data path (best effort)."""
    node = root or vocab.schema()
    for part in path:
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(part, {})
    return node


def schema_problems(
    doc: YamlDoc, path: str, validator: Draft202012Validator | None = None, root: dict[str, Any] | None = None
) -> list[Problem]:
    """JSON Schema errors as Problems with lines, fields and fixes (the case schema unless another is given)."""
    problems = []
    validator = validator or _schema_validator()
    for err in sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))):
        p = tuple(err.absolute_path)
        if isinstance(err.instance, str) and _TODO.search(err.instance):
            continue  # a placeholder from `caselib new`: reported once, as a TODO warning
        line = doc.line(p)
        fld = _field(p)
        if err.validator == "additionalProperties":
            allowed = list(err.schema.get("properties", {}))
            extra = [k for k in err.instance if k not in allowed]
            for key in extra:
                guess = _closest(key, allowed)
                where = (path, doc.key_line((*p, key)), _field((*p, key)))
                if guess:
                    problems.append(problem(*where, "unknown_key_guess", key=key, guess=guess))
                else:
                    problems.append(problem(*where, "unknown_key", key=key, allowed=", ".join(allowed)))
            continue
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else err.message
            problems.append(
                problem(path, line, _field((*p, missing)), "required", field=missing, anchor=missing.replace("_", "-"))
            )
            continue
        if err.validator == "enum":
            allowed = err.validator_value
            guess = _closest(err.instance, allowed)
            values = {"value": err.instance, "allowed": ", ".join(allowed)}
            if guess:
                problems.append(problem(path, line, fld, "enum_guess", guess=guess, **values))
            else:
                problems.append(problem(path, line, fld, "enum", **values))
            continue
        if err.validator == "pattern" and p and p[0] == "countries":
            guess = vocab.suggest_country(err.instance)
            if guess:
                problems.append(problem(path, line, fld, "country_code_guess", value=err.instance, guess=guess))
            else:
                problems.append(problem(path, line, fld, "country_code", value=err.instance))
            continue
        if _is_source_field(p, "accessed") and err.validator in ("type", "pattern"):
            problems.append(problem(path, line, fld, "accessed_value", value=err.instance))
            continue
        if _is_source_field(p, "year") and err.validator == "type":
            problems.append(problem(path, line, fld, "source_year", got=type(err.instance).__name__))
            continue
        if err.validator == "type":
            problems.append(_type_problem(path, line, fld, err.validator_value, err.instance))
            continue
        if err.validator in ("anyOf", "oneOf") and p and p[0] == "period":
            problems.append(problem(path, line, fld, "period_value", value=err.instance))
            continue
        if err.validator == "pattern":
            desc = _schema_at(p, root).get("description", "")
            problems.append(
                problem(path, line, fld, "pattern", value=err.instance, expected=desc or err.validator_value)
            )
            continue
        if err.validator in ("minItems", "minLength"):
            problems.append(problem(path, line, fld, "too_short", detail=err.message))
            continue
        if err.validator in ("minimum", "maximum"):
            problems.append(
                problem(path, line, fld, err.validator, value=repr(err.instance), limit=err.validator_value)
            )
            continue
        if err.validator == "const":
            problems.append(problem(path, line, fld, "budget_value", value=err.instance, token=err.validator_value))
            continue
        if err.validator == "uniqueItems":
            problems.append(problem(path, line, fld, "duplicate_items"))
            continue
        problems.append(problem(path, line, fld, "schema", detail=err.message))
    return problems


def _is_source_field(p: tuple[Any, ...], name: str) -> bool:
    """Whether a schema error's path is ``sources[i].<name>`` of a case file."""
    return len(p) == 3 and p[0] == "sources" and p[2] == name


_TYPE_CODES = {"array": "type_list", "object": "type_mapping", "string": "type_text", "integer": "type_number"}
_TYPE_NAMES = {
    "array": "a list",
    "object": "a mapping (key: value lines)",
    "string": "text",
    "integer": "a whole number",
    "null": "empty",
}


def _type_problem(path: str, line: int, fld: str, want: str | list[str], value: Any) -> Problem:
    got = type(value).__name__
    if want == "array" and not isinstance(value, (list, dict)):
        return problem(path, line, fld, "type_list_fix", got=got, value=value)
    if want == "string" and isinstance(value, (int, float)):
        return problem(path, line, fld, "type_text_fix", got=got, value=value)
    if isinstance(want, str) and want in _TYPE_CODES:
        return problem(path, line, fld, _TYPE_CODES[want], got=got)
    want_s = " or ".join(_TYPE_NAMES.get(w, w) for w in (want if isinstance(want, list) else [want]))
    return problem(path, line, fld, "type_other", want=want_s, got=got)


def identity_problems(doc: YamlDoc, path: str, stem: str, file_name: str) -> list[Problem]:
    """Repeated YAML keys, and an ``id`` that differs from the file name (cases and collections alike)."""
    m = doc.data
    out: list[Problem] = []
    for dup_path, dup_line in doc.duplicates:
        out.append(problem(path, dup_line, _field(dup_path), "duplicate_key"))
    if isinstance(m.get("id"), str) and m["id"] != stem:
        out.append(problem(path, doc.line(("id",)), "id", "id_mismatch", id=m["id"], file=file_name, stem=stem))
    return out


def _rule_problems(doc: YamlDoc, path: str, stem: str) -> list[Problem]:
    """Rules a JSON Schema cannot express."""
    m = doc.data
    out = identity_problems(doc, path, stem, f"{stem}.md")
    countries = m.get("countries") if isinstance(m.get("countries"), list) else []
    for i, code in enumerate(countries):
        if isinstance(code, str) and re.fullmatch(r"[A-Z]{2}", code) and not vocab.is_country(code):
            guess = vocab.suggest_country(code)
            where = (path, doc.line(("countries", i)), f"countries[{i}]")
            if guess and guess != code:
                out.append(problem(*where, "unknown_country_guess", code=code, guess=guess))
            else:
                out.append(problem(*where, "unknown_country", code=code))
    summary = m.get("summary")
    if isinstance(summary, dict):
        for lang, text in summary.items():
            if isinstance(text, str) and len(text.split()) > SUMMARY_MAX_WORDS:
                out.append(
                    problem(
                        path,
                        doc.line(("summary", lang)),
                        f"summary.{lang}",
                        "summary_too_long",
                        n=len(text.split()),
                        max=SUMMARY_MAX_WORDS,
                    )
                )
        body_lang = m.get("language")
        if body_lang in ("es", "pt", "fr") and body_lang not in summary and "en" in summary:
            out.append(
                problem(
                    path,
                    doc.line(("summary",)),
                    f"summary.{body_lang}",
                    "summary_body_language",
                    WARNING,
                    language=body_lang,
                )
            )
    period = m.get("period")
    if isinstance(period, dict) and period.get("end") is not None:
        start, end = _date_key(period.get("start"), first=True), _date_key(period.get("end"), first=False)
        if start and end and end < start:
            out.append(
                problem(
                    path,
                    doc.line(("period", "end")),
                    "period.end",
                    "period_order",
                    end=period["end"],
                    start=period["start"],
                )
            )
    evidence = m.get("evidence")
    if isinstance(evidence, dict):
        if evidence.get("stage") == "not-evaluated" and evidence.get("rating") not in (None, "not-rated"):
            out.append(
                problem(
                    path,
                    doc.line(("evidence", "rating")),
                    "evidence.rating",
                    "rating_without_evaluation",
                    rating=evidence.get("rating"),
                )
            )
    out += _v2_problems(doc, path)
    related = m.get("related") if isinstance(m.get("related"), list) else []
    if isinstance(m.get("id"), str) and m["id"] in related:
        i = m["related"].index(m["id"])
        out.append(problem(path, doc.line(("related", i)), f"related[{i}]", "related_self"))
    _todo_walk(m, (), doc, path, out)
    control_problems(m, (), doc, path, out)
    return out


RATED = ("effective", "promising", "mixed", "no-effect", "insufficient-evidence")
STAGES_NEEDING_A_MEASURED_EVALUATION = ("evaluated", "independently-evaluated", "replicated")


def normalise(data: Any) -> None:
    """Fix in place what YAML 1.1 reads differently from what the documenter wrote:
    ``independent: no`` / ``yes`` (unquoted) are booleans to PyYAML, the vocabulary's codes are text."""
    if not isinstance(data, dict) or not isinstance(data.get("evaluations"), list):
        return
    for ev in data["evaluations"]:
        if isinstance(ev, dict) and isinstance(ev.get("independent"), bool):
            ev["independent"] = "yes" if ev["independent"] else "no"


def _v2_problems(doc: YamlDoc, path: str) -> list[Problem]:
    """Version-2 rules: fields missing (warnings), source references, stage and rating against evaluations."""
    m = doc.data
    out: list[Problem] = []
    for name in vocab.V2_FIELDS:
        if name not in m:
            out.append(problem(path, doc.line(()), name, f"v2_missing_{name}", WARNING, field=name))
    evidence = m.get("evidence") if isinstance(m.get("evidence"), dict) else {}
    if "notes" in evidence:
        code = "notes_renamed_both" if "rationale" in evidence else "notes_renamed"
        out.append(problem(path, doc.key_line(("evidence", "notes")), "evidence.notes", code, WARNING))
    elif "evaluations" in m and "rationale" not in evidence and evidence:
        out.append(problem(path, doc.line(("evidence",)), "evidence.rationale", "rationale_missing", WARNING))
    sources = m.get("sources") if isinstance(m.get("sources"), list) else []
    ids: dict[str, int] = {}
    for i, src in enumerate(sources):
        accessed = src.get("accessed") if isinstance(src, dict) else None
        if isinstance(accessed, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", accessed):
            try:
                date.fromisoformat(accessed)
            except ValueError:  # the schema's pattern lets 2026-02-30 through
                where = (path, doc.line(("sources", i, "accessed")), f"sources[{i}].accessed")
                out.append(problem(*where, "accessed_value", value=accessed))
        sid = src.get("id") if isinstance(src, dict) else None
        if isinstance(sid, str):
            if sid in ids:
                out.append(
                    problem(
                        path,
                        doc.line(("sources", i, "id")),
                        f"sources[{i}].id",
                        "duplicate_source_id",
                        id=sid,
                        first=ids[sid],
                    )
                )
            else:
                ids[sid] = i

    def check_ref(p: tuple[Any, ...], value: Any) -> None:
        if isinstance(value, str) and value not in ids and not _TODO.search(value):
            where = (path, doc.line(p), _field(p))
            guess = _closest(value, list(ids))
            if not ids:
                out.append(problem(*where, "unknown_source_none", value=value))
            elif guess:
                out.append(problem(*where, "unknown_source_guess", value=value, guess=guess, known=", ".join(ids)))
            else:
                out.append(problem(*where, "unknown_source", value=value, known=", ".join(ids)))

    evaluations = m.get("evaluations") if isinstance(m.get("evaluations"), list) else None
    for i, ev in enumerate(evaluations or []):
        if isinstance(ev, dict) and "source" in ev:
            check_ref(("evaluations", i, "source"), ev["source"])
    resources = m.get("resources")
    if isinstance(resources, dict) and isinstance(resources.get("budget"), dict) and "source" in resources["budget"]:
        check_ref(("resources", "budget", "source"), resources["budget"]["source"])
    if evaluations is None or not evidence:
        return out  # a v1 file: the missing field is already a warning
    evs = [e for e in evaluations if isinstance(e, dict)]
    stage, rating = evidence.get("stage"), evidence.get("rating")
    at = doc.line(("evaluations",))
    if rating in RATED and not evs:
        out.append(
            problem(
                path, doc.line(("evidence", "rating")), "evidence.rating", "rating_without_evaluations", rating=rating
            )
        )
    if stage == "not-evaluated" and evs:
        out.append(problem(path, at, "evaluations", "not_evaluated_with_evaluations", n=len(evs)))
    if stage == "independently-evaluated" and not any(e.get("independent") == "yes" for e in evs):
        out.append(problem(path, doc.line(("evidence", "stage")), "evidence.stage", "independent_stage"))
    if stage in STAGES_NEEDING_A_MEASURED_EVALUATION and not any(
        e.get("design") in ("randomised", "quasi-experimental", "before-after") for e in evs
    ):
        out.append(
            problem(path, doc.line(("evidence", "stage")), "evidence.stage", "stage_needs_measured", stage=stage)
        )
    return out


def control_problems(value: Any, p: tuple[Any, ...], doc: YamlDoc, path: str, out: list[Problem]) -> None:
    """An error for every text value (and key) holding a control character (cases and collections alike)."""
    if isinstance(value, dict):
        for k, v in value.items():
            control_problems(k, (*p, k), doc, path, out)
            control_problems(v, (*p, k), doc, path, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            control_problems(v, (*p, i), doc, path, out)
    elif isinstance(value, str) and (found := CONTROL.search(value)):
        out.append(problem(path, doc.line(p), _field(p), "control_char", char=_control_name(found.group())))


def _control_name(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def _date_key(value: Any, first: bool) -> tuple[int, int] | None:
    """(year, month) of a partial date; a bare year counts as January (start) or December (end)."""
    match = re.fullmatch(r"([0-9]{4})(?:-([0-9]{2}))?", str(value))
    if not match:
        return None
    month = int(match.group(2)) if match.group(2) else (1 if first else 12)
    return int(match.group(1)), month


def _todo_walk(value: Any, p: tuple[Any, ...], doc: YamlDoc, path: str, out: list[Problem]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _todo_walk(v, (*p, k), doc, path, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _todo_walk(v, (*p, i), doc, path, out)
    elif isinstance(value, str) and _TODO.search(value):
        out.append(problem(path, doc.line(p), _field(p), "todo", WARNING))


def parse_sections(body: str, body_start_line: int) -> list[Section]:
    """Split a Markdown body into its level-2 sections (headings inside code fences ignored)."""
    sections: list[Section] = []
    current: tuple[str, int] | None = None
    buf: list[str] = []
    in_fence = False
    for offset, raw in enumerate(body.split("\n")):
        if _FENCE.match(raw.strip()):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(raw)
        if match and len(match.group(1)) == 2:
            if current:
                sections.append(_make_section(current, buf))
            current, buf = (match.group(2).strip(), body_start_line + offset), []
        elif current:
            buf.append(raw)
    if current:
        sections.append(_make_section(current, buf))
    return sections


_SECTION_KEYS = {vocab.fold(name): key for key, names in vocab.SECTIONS for name in names.values()}


def _make_section(current: tuple[str, int], buf: list[str]) -> Section:
    heading, line = current
    folded = vocab.fold(heading)
    # a heading that is not a required one gets an 'x-' key, so it can never stand in for one
    key = _SECTION_KEYS.get(folded) or "x-" + re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    return Section(key=key, heading=heading, text="\n".join(buf).strip(), line=line)


def _body_problems(sections: list[Section], body: str, lang: str, path: str, body_line: int) -> list[Problem]:
    out: list[Problem] = []
    if not body.strip():
        names = ", ".join(n["en"] for _, n in vocab.SECTIONS)
        return [problem(path, body_line, "body", "body_empty", names=names)]
    keys = [s.key for s in sections]
    required = [k for k, _ in vocab.SECTIONS]
    names = dict(vocab.SECTIONS)
    last_index, last_line = -1, body_line
    for key in required:
        heading = names[key].get(lang, names[key]["en"])
        if key not in keys:
            if lang != "en":
                out.append(
                    problem(
                        path,
                        last_line,
                        "body",
                        "section_missing_alt",
                        heading=heading,
                        english=names[key]["en"],
                        after=last_line,
                    )
                )
            else:
                out.append(problem(path, last_line, "body", "section_missing", heading=heading, after=last_line))
            continue
        idx = keys.index(key)
        sec = sections[idx]
        if idx < last_index:
            order = " · ".join(n.get(lang, n["en"]) for _, n in vocab.SECTIONS)
            out.append(problem(path, sec.line, "body", "section_order", heading=sec.heading, order=order))
        last_index, last_line = max(last_index, idx), sec.line
        if not sec.text:
            out.append(problem(path, sec.line, "body", "section_empty", WARNING, heading=sec.heading))
    for offset, line in enumerate(body.split("\n")):
        if found := CONTROL.search(line.rstrip("\r")):
            out.append(problem(path, body_line + offset, "body", "control_char", char=_control_name(found.group())))
    for sec in sections:
        if _TODO.search(sec.text):
            out.append(problem(path, sec.line, "body", "section_todo", WARNING, heading=sec.heading))
    return out


def validate(
    doc: YamlDoc, body: str, body_start_line: int, path: str, stem: str
) -> tuple[list[Problem], list[Section]]:
    """Every problem of one file (errors and warnings) and its parsed sections."""
    if not isinstance(doc.data, dict):
        got = "nothing" if doc.data is None else type(doc.data).__name__
        return [problem(path, doc.line(()), "", "not_a_mapping", got=got)], []
    normalise(doc.data)
    problems = schema_problems(doc, path) + _rule_problems(doc, path, stem)
    sections = parse_sections(body, body_start_line)
    lang = doc.data.get("language") if doc.data.get("language") in ("en", "es", "pt") else "en"
    problems += _body_problems(sections, body, lang, path, body_start_line)
    problems.sort(key=lambda p: (p.line, p.field))
    return problems, sections
