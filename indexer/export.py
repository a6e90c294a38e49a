"""Data releases: the whole library as JSON Lines, JSON or CSV, with a manifest, and back.

A release is a folder anyone can copy and keep when the site is gone: every valid case and its
translations (front matter and Markdown body, exactly as documented), the collections, the schema
and vocabulary they follow, a trilingual README and ``manifest.json`` (version, date, counts and
the SHA-256 of every file). ``restore`` turns a JSON Lines release back into case files, so a
release is also a backup: rebuilding from it gives the same library.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from . import __version__, vocab
from .collections import collection_files, load_collections
from .errors import InputFileError
from .frontmatter import FrontMatterError, dump_yaml, parse_yaml, split
from .loader import decode_text, inside, load_library, read_limited
from .model import Case

FORMATS = ("jsonl", "json", "csv")
SCHEMA_DIR = Path(__file__).parent / "schema"
README = Path(__file__).parent / "data" / "release-README.md"
LICENSE = "CC-BY-4.0"

# Leading characters a spreadsheet reads as a formula (OWASP CSV injection advice).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _languages() -> list[str]:
    return vocab.enum_values("language")


@dataclass(frozen=True)
class Translation:
    language: str
    front_matter: dict[str, Any]
    body: str
    file: str


def translations_of(case: Case, cases_dir: Path) -> list[Translation]:
    """The sibling translation files ``<id>.<lang>.md`` of a case, parsed (unvalidated files are skipped)."""
    out = []
    for path in sorted(cases_dir.glob(f"{case.id}.*.md")):
        lang = path.name[len(case.id) + 1 : -3]
        if lang not in _languages() or not inside(path, cases_dir):
            continue
        raw, _ = read_limited(path, path.name)  # a regular file under the size limit, or skipped
        text, _ = decode_text(raw, path.name) if raw is not None else (None, [])
        if text is None:
            continue
        try:
            yaml_text, body, _ = split(text)
            meta = parse_yaml(yaml_text).data
        except FrontMatterError:
            continue
        if isinstance(meta, dict) and meta.get("translation_of") == case.id:
            out.append(Translation(lang, meta, body, path.name))
    return out


def case_record(case: Case, cases_dir: Path) -> dict[str, Any]:
    """One case as a release record: everything needed to write its files again."""
    return {
        "id": case.id,
        "language": case.meta.get("language"),
        "front_matter": case.meta,
        "body": case.body,
        "sections": [{"key": s.key, "heading": s.heading, "text": s.text} for s in case.sections],
        "translations": [
            {"language": t.language, "front_matter": t.front_matter, "body": t.body}
            for t in translations_of(case, cases_dir)
        ],
        "sha256": case.content_hash,
    }


def safe_cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: formula-looking values get a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(rows: Iterable[Iterable[Any]]) -> str:
    """CSV text (RFC 4180 line ends) with every cell neutralised against formula injection."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buf.getvalue()


CSV_COLUMNS = (
    "id", "title", "title_original", "language", "countries", "locality", "scale", "institution",
    "institution_original", "institution_type", "pillars", "themes", "problems", "target_population",
    "setting", "period_start", "period_end", "status", "evidence_stage", "evidence_rating", "channel",
    "summary_en", "summary_es", "summary_pt", "translations", "sources", "last_reviewed",
)  # fmt: skip


def csv_row(rec: dict[str, Any]) -> list[Any]:
    m = rec["front_matter"]
    inst = m.get("institution") or {}
    period = m.get("period") or {}
    evidence = m.get("evidence") or {}
    summaries = dict(m.get("summary") or {})
    for t in rec["translations"]:
        if t["front_matter"].get("summary"):
            summaries.setdefault(t["language"], t["front_matter"]["summary"])

    def joined(key: str) -> str:
        return "; ".join(str(v) for v in m.get(key) or [])

    return [
        rec["id"], m.get("title"), m.get("title_original"), m.get("language"), joined("countries"),
        m.get("locality"), m.get("scale"), inst.get("name"), inst.get("name_original"), inst.get("type"),
        joined("pillars"), joined("themes"), joined("problems"), joined("target_population"), joined("setting"),
        period.get("start"), period.get("end"), m.get("status"), evidence.get("stage"), evidence.get("rating"),
        m.get("channel"), summaries.get("en"), summaries.get("es"), summaries.get("pt"),
        "; ".join(t["language"] for t in rec["translations"]),
        " | ".join(s.get("url") or s.get("title", "") for s in m.get("sources") or []),
        (m.get("documentation") or {}).get("last_reviewed"),
    ]  # fmt: skip


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def export_library(
    cases_dir: Path,
    out_dir: Path,
    formats: Iterable[str] = FORMATS,
    collections_dir: Path | None = None,
    today: date | None = None,
    extra: Iterable[Path] = (),
) -> dict[str, Any]:
    """Write a release of the library into ``out_dir``; returns its manifest.

    Only valid cases are released (a broken file is left out, as the index leaves it out); ``extra``
    files (e.g. ``CITATION.cff``) are copied in and listed in the manifest."""
    formats = list(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown export format {unknown[0]!r}: choose from {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    loaded = load_library(cases_dir)
    records = [case_record(c, cases_dir) for c in loaded.cases]
    written: list[Path] = []
    if "jsonl" in formats:
        path = out_dir / "cases.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for rec in records:
                f.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
        written.append(path)
    if "json" in formats:
        path = out_dir / "cases.json"
        path.write_text(json.dumps({"cases": records}, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        written.append(path)
    if "csv" in formats:
        path = out_dir / "cases.csv"
        path.write_text(write_csv([CSV_COLUMNS, *(csv_row(r) for r in records)]), encoding="utf-8", newline="")
        written.append(path)
    collections: list[dict[str, Any]] = []
    if collections_dir is not None and collections_dir.is_dir():
        result = load_collections(collection_files(collections_dir), {r["id"] for r in records})
        collections = [c.data for c in result.collections]
        path = out_dir / "collections.json"
        path.write_text(
            json.dumps({"collections": collections}, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        written.append(path)
    schema_out = out_dir / "schema"
    schema_out.mkdir(exist_ok=True)
    for name in ("case.schema.json", "collection.schema.json", "vocabulary.yml"):
        shutil.copyfile(SCHEMA_DIR / name, schema_out / name)
        written.append(schema_out / name)
    readme = out_dir / "README.md"
    shutil.copyfile(README, readme)
    written.append(readme)
    for path in extra:  # e.g. CITATION.cff
        shutil.copyfile(path, out_dir / path.name)
        written.append(out_dir / path.name)
    manifest = {
        "name": "caselib-data",
        "version": __version__,
        "schema_version": vocab.schema_version(),
        "date": (today or date.today()).isoformat(),
        "license": LICENSE,
        "counts": {
            "cases": len(records),
            "translations": sum(len(r["translations"]) for r in records),
            "collections": len(collections),
            "skipped_files": len(loaded.skipped_paths),
        },
        "files": {
            str(p.relative_to(out_dir)): {"bytes": p.stat().st_size, "sha256": _sha256(p)} for p in sorted(written)
        },
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def verify_release(out_dir: Path) -> list[str]:
    """Files of a release whose size or SHA-256 differ from its manifest (empty when intact)."""
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    bad = []
    for name, info in manifest["files"].items():
        path = out_dir / name
        if not path.is_file() or path.stat().st_size != info["bytes"] or _sha256(path) != info["sha256"]:
            bad.append(name)
    return bad


def _case_file(front_matter: dict[str, Any], body: str) -> str:
    head = dump_yaml(front_matter)
    return f"---\n{head}---\n{body}"


def restore(jsonl: Path, cases_dir: Path) -> int:
    """Write the case files (and translation files) of a JSON Lines release into ``cases_dir``.

    A file that is not a caselib ``cases.jsonl`` raises ``InputFileError`` naming it and what is wrong."""
    try:
        return _restore(jsonl, cases_dir)
    except (ValueError, KeyError, TypeError) as exc:  # json.JSONDecodeError is a ValueError
        if isinstance(exc, InputFileError):
            raise
        raise InputFileError(f"{jsonl} is not a caselib cases.jsonl release: {exc}") from exc


def _restore(jsonl: Path, cases_dir: Path) -> int:
    cases_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    with jsonl.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            case_id = rec["id"]
            if not isinstance(case_id, str) or not re.fullmatch(vocab.schema()["properties"]["id"]["pattern"], case_id):
                raise ValueError(f"record {count + 1} has an invalid id {case_id!r}")
            (cases_dir / f"{case_id}.md").write_text(_case_file(rec["front_matter"], rec["body"]), encoding="utf-8")
            for t in rec.get("translations", []):
                if t["language"] not in _languages():
                    raise ValueError(f"{case_id} has a translation in unknown language {t['language']!r}")
                text = _case_file(t["front_matter"], t["body"])
                (cases_dir / f"{case_id}.{t['language']}.md").write_text(text, encoding="utf-8")
            count += 1
    return count
