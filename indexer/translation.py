"""Translation files ``cases/<id>.<lang>.md``: read, check against the original, report, stamp.

A translation translates one case file: it adds and drops nothing. Its front matter holds the
translated texts (title, summary, mechanism, evidence rationale, resources and evaluation texts)
and its body the translated sections. docs/registration-format.md#translation-files has the format.

- ``read_translation`` parses one file with the same safe YAML reader as cases and checks it alone;
- ``check_against`` checks it against its original (language, keys, mirrored lists, sections,
  figures);
- ``source_hash`` is the hash of an original's translatable content, stamped into translations
  (``stamp``) so that ``report`` can tell when the original changed after it was translated;
- ``expected`` says which translations every case should have (format-v2 spec, section 3).
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from .frontmatter import FrontMatterError, parse_yaml, split
from .messages import problem
from .model import ERROR, WARNING, Case, Problem, Translation
from .validate import (
    _TODO,
    CONTROL,
    SUMMARY_MAX_WORDS,
    SchemaValidator,
    _control_name,
    control_problems,
    identity_problems,
    parse_sections,
    schema_problems,
)
from .vocab import NOT_DOCUMENTED, SCHEMA_DIR, SECTIONS

SCHEMA_PATH = SCHEMA_DIR / "translation.schema.json"
LANGUAGES = ("en", "es", "pt", "fr")
_NAME = re.compile(r"^(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)\.(?P<lang>[a-z]{2})\.md$")
# digits with thousands separators (1,532 / 1.532 / 1 532) or plain, with an optional decimal part
_NUMBER = re.compile(r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?")
_SEPARATORS = re.compile(r"[.,\u00a0\u202f ]")


def split_name(path: Path) -> tuple[str, str] | None:
    """(case id, language) when ``path`` is named like a translation file ``<id>.<lang>.md``."""
    name = path.name
    if name.count(".") < 2:  # the common case, decided without a regex (the loader asks for every file)
        return None
    match = _NAME.match(name)
    return (match.group("id"), match.group("lang")) if match else None


def is_translation_file(path: Path) -> bool:
    return split_name(path) is not None


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return SchemaValidator(schema())  # ASCII-only patterns, as for cases


def read_translation(path: Path, shown: str, text: str, digest: str) -> tuple[Translation | None, list[Problem]]:
    """Parse and check one translation file on its own (``text`` already decoded by the loader)."""
    case_id, lang = split_name(path) or ("", "")
    try:
        yaml_text, body, body_line = split(text)
        doc = parse_yaml(yaml_text, 2)
    except FrontMatterError as exc:
        return None, [Problem(shown, exc.line, "", str(exc))]
    if not isinstance(doc.data, dict):
        got = "nothing" if doc.data is None else type(doc.data).__name__
        return None, [problem(shown, doc.line(()), "", "not_a_mapping", got=got)]
    m = doc.data
    problems = schema_problems(doc, shown, _validator(), schema())
    problems += [p for p in identity_problems(doc, shown, case_id, path.name) if p.field != "id"]
    control_problems(m, (), doc, shown, problems)
    for offset, line in enumerate(body.split("\n")):
        if found := CONTROL.search(line.rstrip("\r")):
            problems.append(
                problem(shown, body_line + offset, "body", "control_char", char=_control_name(found.group()))
            )
    if lang not in LANGUAGES:
        problems.append(problem(shown, 1, "", "translation_language_name", language=lang))

    def at_field(name: str, code: str, **params: object) -> None:
        problems.append(problem(shown, doc.line((name,)), name, code, **params))

    if isinstance(m.get("translation_of"), str) and m["translation_of"] != case_id:
        at_field("translation_of", "translation_of_mismatch", value=m["translation_of"], file=path.name, id=case_id)
    if isinstance(m.get("language"), str) and m["language"] != lang:
        at_field("language", "translation_language_mismatch", value=m["language"], language=lang)
    summary = m.get("summary")
    if isinstance(summary, str) and len(summary.split()) > SUMMARY_MAX_WORDS:
        at_field("summary", "summary_too_long", n=len(summary.split()), max=SUMMARY_MAX_WORDS)
    sections = parse_sections(body, body_line)
    if m.get("status") == "complete" and not sections:
        problems.append(problem(shown, body_line, "body", "translation_complete_no_sections"))
    for sec in sections:
        if _TODO.search(sec.text):
            problems.append(problem(shown, sec.line, "body", "section_todo", WARNING, heading=sec.heading))
    _todo_fields(m, (), doc, shown, problems)
    if any(p.severity == ERROR for p in problems):
        return None, problems
    return (
        Translation(
            case_id=case_id,
            language=lang,
            path=shown,
            meta=m,
            sections=tuple(sections),
            content_hash=digest,
            warnings=tuple(problems),
            key_lines={k: doc.key_line((k,)) for k in m},
        ),
        problems,
    )


def _todo_fields(value: Any, p: tuple, doc, shown: str, out: list[Problem]) -> None:  # noqa: ANN001
    if isinstance(value, dict):
        for k, v in value.items():
            _todo_fields(v, (*p, k), doc, shown, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _todo_fields(v, (*p, i), doc, shown, out)
    elif isinstance(value, str) and _TODO.search(value):
        fld = ".".join(str(x) for x in p)
        out.append(problem(shown, doc.line(p), fld, "todo", WARNING))


def numbers(text: str) -> set[str]:
    """Every number written in ``text``, separators removed: 1,532 = 1.532 = 1 532 -> '1532'."""
    return {_SEPARATORS.sub("", n) for n in _NUMBER.findall(text)}


def _shape_key(key: str) -> str:
    """Section keys compared across languages: required sections by key, added ones by position."""
    return "x" if key.startswith("x-") else key


def check_against(tr: Translation, case: Case) -> list[Problem]:
    """Problems of a translation that need its original: language, keys, mirrored lists, sections, figures."""
    out: list[Problem] = []
    m, om = tr.meta, case.meta
    line = tr.key_lines.get
    if tr.language == case.language:
        out.append(
            problem(
                tr.path,
                line("language", 1),
                "language",
                "translation_same_language",
                file=case.path,
                language=case.language,
            )
        )
    complete = tr.complete
    # keys the original lacks cannot be translated
    for key in ("mechanism", "resources", "evaluations"):
        if key in m and key not in om:
            out.append(problem(tr.path, line(key, 1), key, "translation_extra_key", key=key))
    if (
        "rationale" in (m.get("evidence") or {})
        and not (om.get("evidence") or {}).get("rationale")
        and not (om.get("evidence") or {}).get("notes")
    ):
        out.append(problem(tr.path, line("evidence", 1), "evidence.rationale", "translation_extra_rationale"))
    res, ores = m.get("resources"), om.get("resources")
    if isinstance(res, dict) and isinstance(ores, dict):
        for k, v in res.items():
            ov = ores.get(k)
            if ov == NOT_DOCUMENTED and v != NOT_DOCUMENTED:
                out.append(problem(tr.path, line("resources", 1), f"resources.{k}", "translation_keep_token"))
            if k == "budget" and isinstance(v, dict) and not isinstance(ov, dict):
                out.append(problem(tr.path, line("resources", 1), "resources.budget", "translation_extra_budget"))
    evs, oevs = m.get("evaluations"), om.get("evaluations")
    if isinstance(evs, list) and isinstance(oevs, list):
        if len(evs) != len(oevs):
            out.append(
                problem(
                    tr.path,
                    line("evaluations", 1),
                    "evaluations",
                    "translation_evaluation_count",
                    n=len(evs),
                    original=len(oevs),
                )
            )
        else:
            for i, (ev, oev) in enumerate(zip(evs, oevs, strict=True)):
                outs, oouts = ev.get("outcomes"), (oev or {}).get("outcomes")
                if isinstance(outs, list) and isinstance(oouts, list) and len(outs) != len(oouts):
                    out.append(
                        problem(
                            tr.path,
                            line("evaluations", 1),
                            f"evaluations[{i}].outcomes",
                            "translation_outcome_count",
                            n=len(outs),
                            original=len(oouts),
                        )
                    )
    if complete:
        missing = [k for k in ("mechanism", "resources", "evaluations") if _has_text(om.get(k)) and k not in m]
        if (om.get("evidence") or {}).get("rationale") and "rationale" not in (m.get("evidence") or {}):
            missing.append("evidence.rationale")
        if missing:
            code = "translation_incomplete" if len(missing) == 1 else "translation_incomplete_many"
            out.append(problem(tr.path, 1, missing[0], code, fields=", ".join(missing)))
    if tr.sections:
        want = [_shape_key(s.key) for s in case.sections]
        got = [_shape_key(s.key) for s in tr.sections]
        if complete and got != want:
            names = dict(SECTIONS)
            heads = [names[k].get(tr.language, names[k]["en"]) if k in names else "(added section)" for k in want]
            out.append(
                problem(tr.path, tr.sections[0].line, "body", "translation_section_shape", order=" · ".join(heads))
            )
        elif not complete and not set(got) <= set(want):
            out.append(problem(tr.path, tr.sections[0].line, "body", "translation_extra_sections"))
        if complete and got == want:
            for osec, tsec in zip(case.sections, tr.sections, strict=True):
                lost = sorted(numbers(osec.text) - numbers(tsec.text), key=lambda n: (len(n), n))
                if lost:
                    out.append(
                        problem(
                            tr.path,
                            tsec.line,
                            "body",
                            "translation_lost_figures",
                            WARNING,
                            heading=tsec.heading,
                            figures=", ".join(lost[:8]),
                            original=osec.heading,
                        )
                    )
    return out


def _has_text(value: Any) -> bool:
    """Whether a front-matter value holds text to translate (tokens such as not-documented are not)."""
    if isinstance(value, str):
        return value != NOT_DOCUMENTED
    if isinstance(value, dict):
        return any(_has_text(v) for k, v in value.items() if k not in ("amount", "currency", "year", "source"))
    if isinstance(value, list):
        return any(_has_text(v) for v in value)
    return False


def translatable(case: Case) -> dict[str, Any]:
    """What a translation translates: title, English summary, mechanism, text fields, body."""
    m = case.meta
    ev = m.get("evidence") or {}
    return {
        "title": m.get("title"),
        "summary": (m.get("summary") or {}).get("en"),
        "mechanism": m.get("mechanism"),
        "rationale": ev.get("rationale") or ev.get("notes"),
        "resources": m.get("resources"),
        "evaluations": [
            {
                "comparison": e.get("comparison"),
                "period": e.get("period"),
                "displacement": e.get("displacement"),
                "outcomes": [
                    {k: o.get(k) for k in ("measure", "size", "significance")}
                    for o in (e.get("outcomes") or [])
                    if isinstance(o, dict)
                ],
            }
            for e in (m.get("evaluations") or [])
            if isinstance(e, dict)
        ],
        "body": [[s.heading, s.text] for s in case.sections],
    }


def source_hash(case: Case) -> str:
    """16 hex digits of the sha256 of the original's translatable content."""
    blob = json.dumps(translatable(case), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def expected(case: Case) -> dict[str, str]:
    """Translations a case should have, language -> 'complete' | 'partial' (spec section 3).

    English body: es complete; pt complete for Brazil cases, else partial. Spanish body: en complete,
    pt partial. Portuguese body: en and es complete. French body (the spec is silent): en and es
    complete, pt partial."""
    lang = case.meta.get("language", "en")
    if lang == "en":
        return {"es": "complete", "pt": "complete" if "BR" in case.countries else "partial"}
    if lang == "es":
        return {"en": "complete", "pt": "partial"}
    if lang == "pt":
        return {"en": "complete", "es": "complete"}
    return {"en": "complete", "es": "complete", "pt": "partial"}


def report(cases: list[Case]) -> list[dict[str, Any]]:
    """One row per expected translation that is not there and current: missing, partial, outdated, unstamped.

    An inline ``summary.<lang>`` (format v1) counts as a partial translation."""
    rows: list[dict[str, Any]] = []
    for case in cases:
        current = source_hash(case)
        for lang, want in expected(case).items():
            tr = case.translation(lang)
            row = {"id": case.id, "language": lang, "expected": want, "path": tr.path if tr else None}
            if tr is None:
                inline = (case.meta.get("summary") or {}).get(lang)
                if inline and want == "partial":
                    continue
                row["state"] = "partial" if inline else "missing"
                row["have"] = "inline summary" if inline else None
            elif want == "complete" and not tr.complete:
                row["state"], row["have"] = "partial", "partial"
            elif not tr.meta.get("source_hash"):
                row["state"], row["have"] = "unstamped", tr.status
            elif tr.meta["source_hash"] != current:
                row["state"], row["have"] = "outdated", tr.status
            else:
                continue
            rows.append(row)
        for tr in case.translations:  # translations beyond the expected ones are welcome, but kept current
            if tr.language in expected(case):
                continue
            stamped = tr.meta.get("source_hash")
            if stamped and stamped != current:
                rows.append(
                    {
                        "id": case.id,
                        "language": tr.language,
                        "expected": None,
                        "path": tr.path,
                        "state": "outdated",
                        "have": tr.status,
                    }
                )
    return rows


_HASH_LINE = re.compile(r"^source_hash:.*$", re.M)


def stamp(path: Path, digest: str) -> bool:
    """Write ``source_hash: digest`` into a translation file's front matter (replace or add the line).

    Only that line changes; the rest of the file is kept byte for byte. Returns True when written."""
    raw = path.read_text(encoding="utf-8")
    newline = "\r\n" if "\r\n" in raw else "\n"
    lines = raw.split(newline)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
    except StopIteration:
        return False
    front = newline.join(lines[1:end])
    line = f"source_hash: {digest}"
    if _HASH_LINE.search(front):
        new_front = _HASH_LINE.sub(line, front, count=1)
    else:
        new_front = front + newline + line if front else line
    if new_front == front:
        return False
    path.write_text(newline.join([lines[0], new_front, *lines[end:]]), encoding="utf-8")
    return True
