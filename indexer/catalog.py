"""The case catalog of one index build: columns in memory, records on disk.

Files of a build::

    catalog.json    columns, in row order: ids, titles, start years, last-reviewed dates, paths,
                    hashes, offsets, and each facet as value -> rows
    records.jsonl   one light record per case (what result lists and case cards show)
    docs.jsonl      one full record per case (front matter, body sections), read for case pages

Only the columns live in memory; a light record is parsed from the memory-mapped
``records.jsonl`` when asked for (recent ones cached), so a 100,000-case catalog costs tens
of MB, not GB. Filters and facet counts are numpy operations over the facet columns, the
same for keyword, semantic and hybrid results.
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .keyword import FACET_FIELDS
from .model import Case
from .versions import record_versions
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
    "problems",
    "target_population",
    "setting",
)
RECORD_CACHE = 1024  # parsed light records kept per build


def light_record(case: Case) -> dict[str, Any]:
    """What result lists show. Paths, hashes and key lines live in the catalog columns (``Reuse``)."""
    rec = {k: case.meta.get(k) for k in LIGHT_KEYS}
    rec["start_year"] = case.start_year
    rec["facets"] = case.facet_values()
    # each translation's title and summary, for result lists in the reader's language
    rec["versions"] = {
        t.language: {"title": t.title, "summary": t.summary, "status": t.status} for t in case.translations if t.meta
    }
    return rec


def full_record(case: Case) -> dict[str, Any]:
    """What a case page needs. The body is kept as its sections only (storing both doubled the
    file every incremental build rewrites)."""
    return {
        "id": case.id,
        "meta": case.meta,
        "sections": [{"key": s.key, "heading": s.heading, "text": s.text} for s in case.sections],
        "versions": record_versions(case),  # language -> translation (indexer.versions.localize_record)
        "path": case.path,
        "hash": case.content_hash,
        "key_lines": case.key_lines,
    }


def _lines(data: bytes | mmap.mmap, offsets: list[int]) -> list[tuple[int, int]]:
    """(start, end) of each line, given each line's start."""
    ends = offsets[1:] + [len(data)] if offsets else []
    return list(zip(offsets, ends, strict=True))


class Reuse:
    """Cases of a previous build, found by (path, sha256): unchanged files skip parsing and validation.

    A reused case is a stand-in: its id, path, hash, ``related`` ids and the lines of ``id`` and
    ``related`` (what the loader checks across cases). Everything else the next build needs is
    copied from the previous build: catalog columns, light and full records byte for byte, keyword
    postings and vectors by case id. No record is parsed (at 10,000 cases that saved ~0.5 s of a
    one-case update)."""

    NEEDS = (
        "ids",
        "paths",
        "hashes",
        "related",
        "related_shown",
        "lines",
        "record_offsets",
        "doc_offsets",
        "facets",
        "translations",
    )

    def __init__(self, build: Path):
        self.cols = json.loads((build / "catalog.json").read_text(encoding="utf-8"))
        missing = [k for k in self.NEEDS if k not in self.cols]
        if missing:  # a catalog written by another version: the caller validates every file instead
            raise KeyError(f"{build / 'catalog.json'} has no column(s) {', '.join(missing)}")
        self._records = (build / "records.jsonl").read_bytes()
        self._docs = (build / "docs.jsonl").read_bytes()
        self._record_spans = _lines(self._records, self.cols["record_offsets"])
        self._doc_spans = _lines(self._docs, self.cols["doc_offsets"])
        self._by_key = {(p, h): r for r, (p, h) in enumerate(zip(self.cols["paths"], self.cols["hashes"], strict=True))}
        self._rows: dict[str, int] = {}  # id of a reused case -> its row in the previous build
        # translation files of the previous build, by (path, sha256)
        self._translations = {(p, h) for row in self.cols["translations"] for p, h in row}

    def __call__(self, path: str, digest: str) -> Case | None:
        row = self._by_key.get((path, digest))
        if row is None:
            return None
        cid = self.cols["ids"][row]
        related = self.cols["related"][row]
        id_line, related_line = self.cols["lines"][row]
        self._rows[cid] = row
        return Case(
            id=cid,
            path=path,
            meta={"id": cid, "related": related} if related else {"id": cid},
            body="",
            sections=(),
            content_hash=digest,
            key_lines={"id": id_line, "related": related_line},
        )

    def translation_known(self, path: str, digest: str) -> bool:
        """True when the previous build indexed this translation file with these bytes."""
        return (path, digest) in self._translations

    def translations_of(self, case: Case) -> list[list[str]]:
        """[path, sha256] of the translation files indexed with a reused case in the previous build."""
        row = self.row(case)
        return self.cols["translations"][row] if row is not None else []

    def stale(self, case: Case) -> bool:
        """True when a reused case's stored records show other ``related`` links than the loader kept
        this time (a case it links to was removed or added): they must be written afresh."""
        row = self.row(case)
        return row is not None and case.related != self.cols["related_shown"][row]

    def row(self, case: Case) -> int | None:
        """The previous build's row of a reused (stand-in) case, else None."""
        return self._rows.get(case.id) if case.body == "" and not case.sections else None

    def full_record(self, case: Case) -> bytes | None:
        """The stored full record of a reused case, as written in the previous build."""
        row = self.row(case)
        if row is None:
            return None
        a, b = self._doc_spans[row]
        return self._docs[a:b]

    def light_record(self, case: Case) -> bytes | None:
        """The stored light record of a reused case."""
        row = self.row(case)
        if row is None:
            return None
        a, b = self._record_spans[row]
        return self._records[a:b]


def reuse_from(build: Path) -> Reuse:
    return Reuse(build)


def _write_lines(path: Path, lines: list[bytes]) -> list[int]:
    offsets, pos = [], 0
    with open(path, "wb") as fh:
        for line in lines:
            offsets.append(pos)
            fh.write(line)
            pos += len(line)
    return offsets


def encode_light(case: Case) -> bytes:
    return json.dumps(light_record(case), ensure_ascii=False).encode("utf-8") + b"\n"


def write_catalog(path: Path, cases: list[Case], full_records: list[bytes], reuse: Reuse | None = None) -> None:
    """catalog.json (columns), records.jsonl (light records) and docs.jsonl (full records), in row order.

    Reused cases' columns are copied from the previous build (``reuse``); others come from the case."""
    prev = reuse.cols if reuse is not None else None
    old_rows = [reuse.row(c) if reuse is not None else None for c in cases]
    light = [((reuse.light_record(c) if reuse else None) or encode_light(c)) for c in cases]
    keys = ("titles", "titles_original", "start_year", "last_reviewed", "related", "related_shown", "translations")
    cols: dict[str, list] = {k: [] for k in keys}
    cols["lines"] = []
    facets: dict[str, dict[str, list[int]]] = {name: {} for name in FACET_FIELDS}
    for row, (case, old) in enumerate(zip(cases, old_rows, strict=True)):
        if old is not None:
            for key in cols:
                cols[key].append(prev[key][old])
            continue
        cols["titles"].append(case.title)
        cols["titles_original"].append(case.title_original or "")
        cols["start_year"].append(case.start_year)
        cols["last_reviewed"].append(str((case.meta.get("documentation") or {}).get("last_reviewed") or ""))
        # as written (a stand-in is rebuilt from it) and as shown (unknown ids dropped)
        cols["related"].append(list(case.related_declared) if case.related_declared is not None else case.related)
        cols["related_shown"].append(case.related)
        cols["translations"].append([[t.path, t.content_hash] for t in case.translations])
        cols["lines"].append([case.key_lines.get("id", 2), case.key_lines.get("related", 1)])
        for name, values in case.facet_values().items():
            if name in facets:
                for v in values:
                    facets[name].setdefault(v, []).append(row)
    if prev is not None:  # reused rows' facet values: the previous incidences, renumbered
        old_to_new = np.full(len(prev["ids"]), -1, dtype=np.int64)
        for row, old in enumerate(old_rows):
            if old is not None:
                old_to_new[old] = row
        for name, table in prev["facets"].items():
            for value, rows in table.items():
                moved = old_to_new[np.asarray(rows, dtype=np.int64)]
                moved = moved[moved >= 0]
                if len(moved):
                    merged = facets[name].setdefault(value, [])
                    merged.extend(moved.tolist())
                    merged.sort()
    out = {
        "ids": [c.id for c in cases],
        **cols,
        "paths": [c.path for c in cases],
        "hashes": [c.content_hash for c in cases],
        "record_offsets": _write_lines(path / "records.jsonl", light),
        "doc_offsets": _write_lines(path / "docs.jsonl", full_records),
        "facets": facets,
    }
    (path / "catalog.json").write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")


def encode_full(case: Case) -> bytes:
    return json.dumps(full_record(case), ensure_ascii=False).encode("utf-8") + b"\n"


class Records(Sequence):
    """The light records, parsed on demand from a memory-mapped ``records.jsonl``."""

    def __init__(self, path: Path, offsets: list[int]):
        with open(path, "rb") as fh:
            self._data: bytes | mmap.mmap = (
                mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if path.stat().st_size else b""
            )
        self._spans = np.array(_lines(self._data, list(offsets)), dtype=np.int64).reshape(-1, 2)
        self._cache: dict[int, dict[str, Any]] = {}  # parsed records (emptied when full); no cycle, so a
        # replaced build's mapping is released as soon as its Catalog is

    def _parse(self, row: int) -> dict[str, Any]:
        a, b = self._spans[row]
        return json.loads(self._data[a:b])

    def __len__(self) -> int:
        return len(self._spans)

    def __getitem__(self, row):  # noqa: ANN001 - int or slice, as Sequence
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        row = int(row)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        found = self._cache.get(row)
        if found is None:
            if len(self._cache) >= RECORD_CACHE:
                self._cache.clear()
            found = self._cache[row] = self._parse(row)
        return found

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in range(len(self)):  # not cached: a full pass would only evict the useful entries
            yield self._parse(row)


class Catalog:
    def __init__(self, path: Path):
        self.path = path
        cols = json.loads((path / "catalog.json").read_text(encoding="utf-8"))
        self.ids: list[str] = cols["ids"]
        self.titles: list[str] = cols["titles"]
        self.titles_original: list[str] = cols["titles_original"]
        self.last_reviewed: list[str] = cols["last_reviewed"]
        self.row = {cid: i for i, cid in enumerate(self.ids)}
        n = len(self.ids)
        self.start_year = np.array(cols["start_year"], dtype=np.int32)
        self._doc_offsets = np.array(cols["doc_offsets"], dtype=np.int64)
        self.records = Records(path / "records.jsonl", cols["record_offsets"])
        lengths = {len(cols[k]) for k in ("titles", "titles_original", "start_year", "last_reviewed", "doc_offsets")}
        if lengths | {len(self.records)} != {n}:
            raise ValueError(f"the catalog columns of {path} have different lengths")
        # each facet as (value names, incidence rows, incidence value index): masks and counts are bincounts
        self.facet_values: dict[str, list[str]] = {}
        self._inc: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name in FACET_FIELDS:
            table = cols["facets"].get(name, {})
            values = list(table)
            rows = [np.asarray(table[v], dtype=np.int64) for v in values]
            idx = [np.full(len(r), i, dtype=np.int64) for i, r in enumerate(rows)]
            self.facet_values[name] = values
            self._inc[name] = (
                np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64),
                np.concatenate(idx) if idx else np.zeros(0, dtype=np.int64),
            )
        self._title_rank: np.ndarray | None = None
        self._recent: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def title_rank(self) -> np.ndarray:
        """Each row's position in title order (accents folded), computed once: browsing sorts by it."""
        if self._title_rank is None:
            order = sorted(range(len(self.titles)), key=lambda r: fold(self.titles[r]))
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order))
            self._title_rank = rank
        return self._title_rank

    def recent(self, k: int) -> list[dict[str, Any]]:
        """The ``k`` most recently reviewed cases' records (then by id, descending)."""
        if self._recent is None:
            self._recent = np.array(
                sorted(range(len(self.ids)), key=lambda r: (self.last_reviewed[r], self.ids[r]), reverse=True),
                dtype=np.int64,
            )
        return [self.records[int(r)] for r in self._recent[:k]]

    def full(self, case_id: str) -> dict[str, Any] | None:
        row = self.row.get(case_id)
        if row is None:
            return None
        with open(self.path / "docs.jsonl", "rb") as fh:
            fh.seek(int(self._doc_offsets[row]))
            return json.loads(fh.readline())

    def mask(
        self, filters: dict[str, list[str]] | None, years: tuple[int | None, int | None] = (None, None)
    ) -> np.ndarray:
        """Rows passing every filter (OR within a field, AND across fields)."""
        n = len(self.ids)
        m = np.ones(n, dtype=bool)
        for name, wanted in (filters or {}).items():
            if not wanted:
                continue
            values = self.facet_values.get(name, [])
            want = [i for i, v in enumerate(values) if v in set(wanted)]
            rows, idx = self._inc.get(name, (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)))
            field_mask = np.zeros(n, dtype=bool)
            field_mask[rows[np.isin(idx, want)]] = True
            m &= field_mask
        lo, hi = years
        if lo is not None:
            m &= self.start_year >= lo
        if hi is not None:
            m &= self.start_year <= hi
        return m

    def values_per_row(self, name: str, rows: np.ndarray) -> np.ndarray:
        """How many values of facet ``name`` each row in ``rows`` (a boolean mask) has, in row order."""
        inc_rows = self._inc.get(name, (np.zeros(0, dtype=np.int64), None))[0]
        return np.bincount(inc_rows, minlength=len(self.ids))[rows]

    def facet_counts(self, rows: np.ndarray, names: Sequence[str] | None = None) -> dict[str, dict[str, int]]:
        """Count of each facet value among ``rows`` (a boolean mask), most frequent first; every facet, or ``names``."""
        out: dict[str, dict[str, int]] = {}
        for name, (inc_rows, inc_idx) in self._inc.items():
            if names is not None and name not in names:
                continue
            values = self.facet_values[name]
            counts = np.bincount(inc_idx[rows[inc_rows]], minlength=len(values)) if len(values) else []
            pairs = ((values[i], int(c)) for i, c in enumerate(counts) if c)
            out[name] = dict(sorted(pairs, key=lambda kv: (-kv[1], kv[0])))
        return out
