"""Submitted files: built from JSON (the API) or read from a case in the index ("suggest an edit"), and
checked exactly as `caselib check` checks a folder. No Flask.

The check writes the files into a private temporary folder and runs the loader on it — the same code
path as `caselib check cases/` — so a translation is checked alone and against its original too. The
temporary folder is removed at once; nothing is written anywhere else.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from indexer.frontmatter import dump_yaml
from indexer.loader import load_library
from indexer.model import ERROR, Problem

LANGS = ("en", "es", "pt", "fr")
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def file_text(meta: dict[str, Any], body: str) -> str:
    """A case or translation file: YAML front matter, then the Markdown body."""
    body = str(body or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return f"---\n{dump_yaml(meta)}---\n\n{body}\n"


def record_texts(record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """From a full index record: the case's front matter, its sections by key, and each translation's
    file text by language (what "suggest an edit" starts from)."""
    meta = dict(record.get("meta") or {})
    sections = {s["key"]: s["text"] for s in record.get("sections") or [] if s.get("key")}
    translations: dict[str, str] = {}
    for lang, version in (record.get("versions") or {}).items():
        vmeta = version.get("meta") or {}
        if not vmeta.get("translation_of"):
            continue  # the original's own entry
        body = "\n".join(f"## {s['heading']}\n\n{s['text'].strip()}\n" for s in version.get("sections") or [])
        translations[lang] = file_text(vmeta, body)
    return meta, sections, translations


def translation_language(text: str) -> str | None:
    """The ``language:`` of a translation file's front matter, read without trusting the file."""
    found = re.search(r"^language:\s*['\"]?([a-z]{2})['\"]?\s*$", text or "", re.M)
    return found.group(1) if found and found.group(1) in LANGS else None


def check_files(files: dict[str, str]) -> dict[str, list[Problem]]:
    """Every problem `caselib check` finds in these files, by file name. ``related`` ids are left to the
    caller (they name cases of the library, not of this folder)."""
    out: dict[str, list[Problem]] = {name: [] for name in files}
    with tempfile.TemporaryDirectory(prefix="caselib-submission-") as tmp:
        folder = Path(tmp) / "cases"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        result = load_library(folder)
    for p in result.problems:
        if p.code in ("unknown_related_file",):
            continue
        name = Path(p.path).name
        shown = Problem(f"cases/{name}", p.line, p.field, p.message, p.severity, p.code, p.params)
        out.setdefault(name, []).append(shown)
    return out


def has_errors(problems: dict[str, list[Problem]]) -> bool:
    return any(p.severity == ERROR for ps in problems.values() for p in ps)


class JSONProblem(ValueError):
    """A JSON submission that cannot even be turned into files (not an object, no id, ...)."""


def files_from_json(payload: Any) -> tuple[str, dict[str, str]]:
    """``{registration fields..., "body": "...", "translations": {"es": {fields..., "body": "..."}}}`` ->
    the case id and {file name: text}. Validation of the contents is ``check_files``'s job."""
    if not isinstance(payload, dict):
        raise JSONProblem("not_an_object")
    meta = {k: v for k, v in payload.items() if k not in ("body", "translations", "submitter", "note", "edit_of")}
    case_id = meta.get("id")
    if not isinstance(case_id, str) or not SLUG.fullmatch(case_id) or len(case_id) > 120:
        raise JSONProblem("bad_id")
    body = payload.get("body")
    if not isinstance(body, str):
        raise JSONProblem("no_body")
    files = {f"{case_id}.md": file_text(meta, body)}
    translations = payload.get("translations") or {}
    if not isinstance(translations, dict):
        raise JSONProblem("bad_translations")
    for lang, tr in translations.items():
        if lang not in LANGS or not isinstance(tr, dict) or not isinstance(tr.get("body"), str):
            raise JSONProblem("bad_translations")
        tmeta = {"translation_of": case_id, "language": lang}
        tmeta |= {k: v for k, v in tr.items() if k not in ("body", "translation_of", "language")}
        files[f"{case_id}.{lang}.md"] = file_text(tmeta, tr["body"])
    return case_id, files
