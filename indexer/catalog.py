"""The case catalog of one index build: light records in memory, full records on disk.

Facet values are kept as boolean columns (one per value) so filters and facet counts are
vector operations, the same for keyword, semantic and hybrid results.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .keyword import FACET_FIELDS
from .model import Case, Section

LIGHT_KEYS = (
    "id",
    "title",
    "title_original",
    "language",
    "countries",
    "pillars",
    "themes",
    "scale",
    "status",
    "channel",
    "period",
    "evidence",
    "institution",
    "summary",
    "documentation",
    "related",
)


def light_record(case: Case) -> dict[str, Any]:
    rec = {k: case.meta.get(k) for k in LIGHT_KEYS}
    rec["start_year"] = case.start_year
    rec["facets"] = case.facet_values()
    rec["path"] = case.path
    return rec


def full_record(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "meta": case.meta,
        "body": case.body,
        "sections": [{"key": s.key, "heading": s.heading, "text": s.text} for s in case.sections],
        "path": case.path,
        "hash": case.content_hash,
        "key_lines": case.key_lines,
    }


def case_from_full(rec: dict[str, Any]) -> Case:
    """Rebuild a Case from its stored full record (for files unchanged since the last build)."""
    sections = tuple(Section(key=s["key"], heading=s["heading"], text=s["text"], line=0) for s in rec["sections"])
    return Case(
        id=rec["id"],
        path=rec["path"],
        meta=rec["meta"],
        body=rec["body"],
        sections=sections,
        content_hash=rec["hash"],
        key_lines=rec.get("key_lines") or {},
    )


def reuse_from(build: Path):
    """A ``loader.Reuse`` over a previous build: unchanged files come back without re-validation."""
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    with open(build / "docs.jsonl", "rb") as fh:
        for line in fh:
            rec = json.loads(line)
            by_key[(rec["path"], rec["hash"])] = rec

    def reuse(path: str, digest: str) -> Case | None:
        rec = by_key.get((path, digest))
        return case_from_full(rec) if rec is not None else None

    return reuse


def write_catalog(path: Path, cases: list[Case], full_records: list[bytes]) -> None:
    """catalog.json (light records, in row order) and docs.jsonl (full records) with offsets."""
    offsets, pos = [], 0
    with open(path / "docs.jsonl", "wb") as fh:
        for line in full_records:
            offsets.append(pos)
            fh.write(line)
            pos += len(line)
    records = [light_record(c) for c in cases]
    for rec, off in zip(records, offsets, strict=True):
        rec["offset"] = off
    (path / "catalog.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")


def encode_full(case: Case) -> bytes:
    return json.dumps(full_record(case), ensure_ascii=False).encode("utf-8") + b"\n"


class Catalog:
    def __init__(self, path: Path):
        self.path = path
        self.records: list[dict[str, Any]] = json.loads((path / "catalog.json").read_text(encoding="utf-8"))
        self.row = {r["id"]: i for i, r in enumerate(self.records)}
        n = len(self.records)
        self.start_year = np.array([r["start_year"] for r in self.records], dtype=np.int32)
        self.columns: dict[str, dict[str, np.ndarray]] = {}
        for name in FACET_FIELDS:
            cols: dict[str, np.ndarray] = {}
            for i, r in enumerate(self.records):
                for v in r["facets"].get(name, []):
                    if v not in cols:
                        cols[v] = np.zeros(n, dtype=bool)
                    cols[v][i] = True
            self.columns[name] = cols

    def __len__(self) -> int:
        return len(self.records)

    def full(self, case_id: str) -> dict[str, Any] | None:
        row = self.row.get(case_id)
        if row is None:
            return None
        with open(self.path / "docs.jsonl", "rb") as fh:
            fh.seek(self.records[row]["offset"])
            return json.loads(fh.readline())

    def mask(
        self, filters: dict[str, list[str]] | None, years: tuple[int | None, int | None] = (None, None)
    ) -> np.ndarray:
        """Rows passing every filter (OR within a field, AND across fields)."""
        m = np.ones(len(self.records), dtype=bool)
        for name, values in (filters or {}).items():
            if not values:
                continue
            cols = self.columns.get(name, {})
            field_mask = np.zeros(len(self.records), dtype=bool)
            for v in values:
                if v in cols:
                    field_mask |= cols[v]
            m &= field_mask
        lo, hi = years
        if lo is not None:
            m &= self.start_year >= lo
        if hi is not None:
            m &= self.start_year <= hi
        return m

    def facet_counts(self, rows: np.ndarray) -> dict[str, dict[str, int]]:
        """Count of each facet value among ``rows`` (a boolean mask), most frequent first."""
        out: dict[str, dict[str, int]] = {}
        for name, cols in self.columns.items():
            counts = {v: int(np.count_nonzero(col & rows)) for v, col in cols.items()}
            out[name] = dict(sorted(((v, c) for v, c in counts.items() if c), key=lambda kv: (-kv[1], kv[0])))
        return out
