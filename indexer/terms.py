"""Whoosh's BM25F weights, precomputed as a sparse (field, term) x case matrix and scored with numpy.

Whoosh scores a query by walking posting lists in pure Python: at 10,000 cases a plain query
took 0.2-2 s (docs/benchmarks.md). Every part of its BM25F score for one (field, term, case)
is known at build time (term weight, the case's stored field length, the field's average
length, the term's document frequency), so this module computes them once, with the same
analysers (``schema[field].index``), the same length quantisation and the same formula
(``LuceneBM25F``), and a plain query becomes a sum of a few matrix rows (``np.bincount``).
Tests check the scores equal Whoosh's own.

The spelling field's words are in the matrix too, with weight 0: their rows list the cases holding
a word, which "did you mean" uses to count words occurring together.

Files (in ``keyword/terms/``; arrays memory-mapped, so only the rows a query reads are paged in)::

    keys.json      ["field\\tterm", ...]            row -> (field, term)
    ids.json       case ids in catalog row order
    ptr.npy        int64 (keys + 1)   row r's cases are cases[ptr[r]:ptr[r+1]]
    cases.npy      int32 (nnz)        catalog rows, ascending within a key
    weights.npy    float32 (nnz)      the BM25F score that key adds to that case (boost included)
    doc_ptr.npy, doc_keys.npy, doc_w.npy, lengths.npy   the same postings per case, raw
                   (term weight, exact field lengths): an incremental build reuses unchanged
                   cases' postings and only recomputes the weights
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.util.numeric import byte_to_length, length_to_byte

FILES = ("keys.json", "ids.json", "ptr.npy", "cases.npy", "weights.npy", "doc_ptr.npy", "doc_keys.npy", "doc_w.npy")


def lucene_idf(n: int, df: np.ndarray) -> np.ndarray:
    """log(1 + (N - df + 0.5) / (df + 0.5)), as ``keyword.LuceneBM25F``."""
    return np.log1p((n - df + 0.5) / (df + 0.5))


def quantised(lengths: np.ndarray) -> np.ndarray:
    """Field lengths as Whoosh stores them (one byte each, ``length_to_byte``/``byte_to_length``)."""
    flat = lengths.astype(np.int64).ravel()
    uniq, inv = np.unique(flat, return_inverse=True)
    table = np.array([byte_to_length(length_to_byte(int(v))) if v else 0 for v in uniq], dtype=np.float64)
    return table[inv].reshape(lengths.shape)


class Postings:
    """Raw postings per case: key ids, term weights (tf x field boost) and field lengths."""

    def __init__(self, keys: list[str], ids: list[str], doc_ptr, doc_keys, doc_w, lengths):
        self.keys = keys
        self.ids = ids
        self.doc_ptr = np.asarray(doc_ptr, dtype=np.int64)
        self.doc_keys = np.asarray(doc_keys, dtype=np.int32)
        self.doc_w = np.asarray(doc_w, dtype=np.float32)
        self.lengths = np.asarray(lengths, dtype=np.int32)


def analyse(doc: dict[str, Any], schema, fields: Sequence[str], key_id: dict[str, int], keys: list[str]):
    """One Whoosh document's postings over ``fields``: (key ids, weights, lengths); new keys are appended."""
    ks: list[int] = []
    ws: list[float] = []
    lengths = np.zeros(len(fields), dtype=np.int32)
    for f_i, name in enumerate(fields):
        value = doc.get(name)
        if not value:
            continue
        total = 0
        for tbytes, freq, weight, _ in schema[name].index(value):
            key = f"{name}\t{tbytes.decode('utf-8')}"
            k = key_id.get(key)
            if k is None:
                k = key_id[key] = len(keys)
                keys.append(key)
            ks.append(k)
            ws.append(weight)
            total += freq
        lengths[f_i] = total
    return ks, ws, lengths


def collect(
    docs: Iterable[tuple[str, dict[str, Any] | None]],
    schema,
    fields: Sequence[str],
    previous: Postings | None,
) -> Postings:
    """Postings of every case: ``docs`` yields (case id, Whoosh document, or None to reuse ``previous``)."""
    keys = list(previous.keys) if previous is not None else []
    key_id = {k: i for i, k in enumerate(keys)}
    old_row = {cid: i for i, cid in enumerate(previous.ids)} if previous is not None else {}
    ids: list[str] = []
    parts_k: list[np.ndarray] = []
    parts_w: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    counts: list[int] = []
    for cid, doc in docs:
        if doc is None:
            if previous is None or cid not in old_row:
                raise ValueError(f"case '{cid}' has no document and no previous postings: run a full build")
            r = old_row[cid]
            a, b = previous.doc_ptr[r], previous.doc_ptr[r + 1]
            parts_k.append(previous.doc_keys[a:b])
            parts_w.append(previous.doc_w[a:b])
            lengths.append(previous.lengths[r])
        else:
            ks, ws, ls = analyse(doc, schema, fields, key_id, keys)
            parts_k.append(np.asarray(ks, dtype=np.int32))
            parts_w.append(np.asarray(ws, dtype=np.float32))
            lengths.append(ls)
        ids.append(cid)
        counts.append(len(parts_k[-1]))
    doc_ptr = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(counts, out=doc_ptr[1:])
    lens = np.stack(lengths) if lengths else np.zeros((0, len(fields)), dtype=np.int32)
    return Postings(keys, ids, doc_ptr, _concat(parts_k, np.int32), _concat(parts_w, np.float32), lens)


def _concat(parts: list[np.ndarray], dtype) -> np.ndarray:  # noqa: ANN001 - a numpy dtype
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


def write(path: Path, post: Postings, fields: Sequence[str], boosts: dict[str, float], b: float, k1: float) -> None:
    """Compute every (key, case) BM25F weight from ``post`` and write the matrix and the raw postings."""
    path.mkdir(parents=True, exist_ok=True)
    n, n_keys = len(post.ids), len(post.keys)
    case_of = np.repeat(np.arange(n, dtype=np.int32), np.diff(post.doc_ptr))
    order = np.argsort(post.doc_keys, kind="stable")  # by key, then by case (cases are in row order)
    keys_sorted = post.doc_keys[order]
    cases = case_of[order]
    w = post.doc_w[order].astype(np.float64)
    ptr = np.zeros(n_keys + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys_sorted, minlength=n_keys), out=ptr[1:])
    field_index = {f: i for i, f in enumerate(fields)}
    key_field = np.array([field_index[k.split("\t", 1)[0]] for k in post.keys], dtype=np.int16)
    df = np.diff(ptr).astype(np.float64)
    idf = lucene_idf(n, df)
    total = post.lengths.sum(axis=0, dtype=np.float64)
    avgfl = total / (n or 1)
    avgfl[avgfl == 0] = 1.0  # Whoosh: ``avg_field_length(...) or 1``
    boost = np.array([boosts[f] for f in fields], dtype=np.float64)
    f_of = key_field[keys_sorted]
    fl = quantised(post.lengths)[cases, f_of] if len(cases) else np.zeros(0)
    weights = boost[f_of] * idf[keys_sorted] * (w * (k1 + 1)) / (w + k1 * ((1 - b) + b * fl / avgfl[f_of]))
    np.save(path / "ptr.npy", ptr)
    np.save(path / "cases.npy", cases.astype(np.int32))
    np.save(path / "weights.npy", weights.astype(np.float32))
    np.save(path / "doc_ptr.npy", post.doc_ptr)
    np.save(path / "doc_keys.npy", post.doc_keys)
    np.save(path / "doc_w.npy", post.doc_w)
    np.save(path / "lengths.npy", post.lengths)
    (path / "keys.json").write_text(json.dumps(post.keys, ensure_ascii=False), encoding="utf-8")
    (path / "ids.json").write_text(json.dumps(post.ids), encoding="utf-8")


def read_postings(path: Path) -> Postings:
    """The raw per-case postings of a written matrix (for the next incremental build)."""
    return Postings(
        json.loads((path / "keys.json").read_text(encoding="utf-8")),
        json.loads((path / "ids.json").read_text(encoding="utf-8")),
        np.load(path / "doc_ptr.npy"),
        np.load(path / "doc_keys.npy"),
        np.load(path / "doc_w.npy"),
        np.load(path / "lengths.npy"),
    )


class TermMatrix:
    """The precomputed weights of one build, opened read-only (memory-mapped)."""

    def __init__(self, path: Path):
        self.path = path
        self.ids: list[str] = json.loads((path / "ids.json").read_text(encoding="utf-8"))
        keys: list[str] = json.loads((path / "keys.json").read_text(encoding="utf-8"))
        # sorted UTF-8 keys and their rows, looked up by binary search: a dict of 334,000 keys took
        # ~40 MB at 100,000 cases, these arrays ~15 MB
        encoded = np.array([k.encode("utf-8") for k in keys], dtype=bytes) if keys else np.zeros(0, dtype="S1")
        self._order = np.argsort(encoded, kind="stable")
        self._sorted = encoded[self._order]
        n_keys = len(keys)
        del keys
        self.ptr = np.load(path / "ptr.npy", mmap_mode="r")
        self.cases = np.load(path / "cases.npy", mmap_mode="r")
        self.weights = np.load(path / "weights.npy", mmap_mode="r")
        self.n = len(self.ids)
        nnz = int(self.ptr[-1]) if len(self.ptr) else -1
        if len(self.ptr) != n_keys + 1 or len(self.cases) != nnz or len(self.weights) != nnz:
            raise ValueError(f"the keyword matrix at {path} is inconsistent (keys, pointers and postings differ)")

    @classmethod
    def open(cls, path: Path) -> TermMatrix:
        return cls(path)

    def row(self, field: str, term: str) -> int | None:
        """The matrix row of (field, term), or None when no case has that term in that field."""
        key = f"{field}\t{term}".encode()
        i = int(np.searchsorted(self._sorted, key))
        if i < len(self._sorted) and self._sorted[i] == key:
            return int(self._order[i])
        return None

    def docs(self, field: str, term: str) -> np.ndarray:
        """Rows of the cases holding ``term`` in ``field`` (ascending)."""
        r = self.row(field, term)
        return np.asarray(self.cases[self.ptr[r] : self.ptr[r + 1]]) if r is not None else np.zeros(0, np.int32)

    def df(self, field: str, term: str) -> int:
        """How many cases hold ``term`` in ``field``."""
        r = self.row(field, term)
        return int(self.ptr[r + 1] - self.ptr[r]) if r is not None else 0

    def scores(self, rows: Iterable[int]) -> np.ndarray:
        """Sum of the given key rows (a row listed twice counts twice), one float64 per case."""
        idx: list[np.ndarray] = []
        wts: list[np.ndarray] = []
        for r in rows:
            a, b = int(self.ptr[r]), int(self.ptr[r + 1])
            idx.append(self.cases[a:b])
            wts.append(self.weights[a:b])
        if not idx:
            return np.zeros(self.n, dtype=np.float64)
        return np.bincount(np.concatenate(idx), weights=np.concatenate(wts), minlength=self.n)
