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
from .model import Case
from .vocab import fold

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
    rec["hash"] = case.content_hash
    rec["key_lines"] = case.key_lines
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


class Reuse:
    """Cases of a previous build, found by (path, sha256): unchanged files skip parsing and validation.

    A reused case carries only the front matter the catalog keeps (enough for facets, fusion and
    ``related`` checks); its full record is copied byte for byte into the next build."""

    def __init__(self, build: Path):
        records = json.loads((build / "catalog.json").read_text(encoding="utf-8"))
        self._docs = (build / "docs.jsonl").read_bytes()
        ends = [r["offset"] for r in records[1:]] + [len(self._docs)]
        self._by_key = {
            (r["path"], r["hash"]): (r, r["offset"], end) for r, end in zip(records, ends, strict=True) if "hash" in r
        }
        self._lines: dict[str, bytes] = {}
        self._records: dict[str, dict[str, Any]] = {}

    def __call__(self, path: str, digest: str) -> Case | None:
        found = self._by_key.get((path, digest))
        if found is None:
            return None
        rec, start, end = found
        self._lines[rec["id"]] = self._docs[start:end]
        self._records[rec["id"]] = rec
        meta = {k: rec[k] for k in LIGHT_KEYS if rec.get(k) is not None}
        return Case(
            id=rec["id"],
            path=path,
            meta=meta,
            body="",
            sections=(),
            content_hash=digest,
            key_lines=rec.get("key_lines") or {},
        )

    def line(self, case: Case) -> bytes | None:
        """The stored full record of a reused case, as written in the previous build."""
        return self._lines.get(case.id) if case.body == "" and not case.sections else None

    def record(self, case: Case) -> dict[str, Any] | None:
        """The stored light record of a reused case (its offset is rewritten by ``write_catalog``)."""
        return self._records.get(case.id) if self.line(case) is not None else None


def reuse_from(build: Path) -> Reuse:
    return Reuse(build)


def write_catalog(path: Path, cases: list[Case], full_records: list[bytes], reuse: Reuse | None = None) -> None:
    """catalog.json (light records, in row order) and docs.jsonl (full records) with offsets."""
    offsets, pos = [], 0
    with open(path / "docs.jsonl", "wb") as fh:
        for line in full_records:
            offsets.append(pos)
            fh.write(line)
            pos += len(line)
    records = [((reuse.record(c) if reuse else None) or light_record(c)) for c in cases]
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
        self._title_rank: np.ndarray | None = None
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

    def title_rank(self) -> np.ndarray:
        """Each row's position in title order (accents folded), computed once: browsing sorts by it."""
        if self._title_rank is None:
            order = sorted(range(len(self.records)), key=lambda r: fold(self.records[r]["title"]))
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order))
            self._title_rank = rank
        return self._title_rank

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
