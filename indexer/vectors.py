"""The embedding index: a float16 matrix of chunk vectors, the chunk→case map, chunk texts on disk.

Chunks are stored grouped by case, in catalog order, so a case's score (its best chunk) is
one ``np.maximum.reduceat``. Filters are a boolean mask over cases applied before ranking.

Vectors are stored as float16 (half the memory of float32; cosines change by < 2e-4, and
CISI nDCG@10 is unchanged, docs/benchmarks.md) and multiplied with torch, whose CPU float16
matrix-vector product accumulates in float32 and is faster than numpy's float32 one
(numpy has no fast float16 product). Case centroids (for "similar cases") are computed at
build time and stored the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chunking import Chunk

DTYPE = np.float16
_BLOCK = 65536  # rows converted to float32 at a time when computing centroids


def dot(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``matrix`` (n, d) float16 times ``query`` (d,) -> (n,), or (m, d) -> (n, m); float32 out."""
    import torch  # already loaded by the embedding model; imported here so opening an index stays light

    if len(matrix) == 0:
        return np.zeros((0,) if np.ndim(query) == 1 else (0, len(query)), dtype=np.float32)
    q = torch.from_numpy(np.ascontiguousarray(query, dtype=DTYPE))
    out = torch.from_numpy(matrix) @ (q if q.ndim == 1 else q.T)
    return out.float().numpy()


def centroids(vectors: np.ndarray, case_rows: np.ndarray, n_cases: int) -> np.ndarray:
    """Normalised mean of each case's chunk vectors (cases with no chunk get zeros), float16."""
    dim = vectors.shape[1] if vectors.ndim == 2 else 0
    sums = np.zeros((n_cases, dim), dtype=np.float64)
    for start in range(0, len(vectors), _BLOCK):
        block = np.asarray(vectors[start : start + _BLOCK], dtype=np.float32)
        rows = case_rows[start : start + _BLOCK]
        bounds = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        sums[rows[bounds]] += np.add.reduceat(block, bounds, axis=0)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.maximum(norms, 1e-12)).astype(DTYPE)


@dataclass
class VectorHits:
    case_rows: np.ndarray  # catalog rows, best first
    scores: np.ndarray  # cosine of each case's best chunk
    best_chunk: np.ndarray  # chunk row of that best chunk
    # every case's best-chunk cosine, filters aside: the library's own score distribution for this query
    library: np.ndarray | None = None


class VectorIndex:
    """Brute-force cosine search over normalised chunk vectors (memory-mapped)."""

    def __init__(self, path: Path):
        self.path = path
        # copy-on-write map: pages stay shared with the file (never written), and torch accepts it
        self.vectors = np.load(path / "vectors.npy", mmap_mode="c")
        self.centroids = np.load(path / "centroids.npy", mmap_mode="c")
        self.chunk_case = np.load(path / "chunk_case.npy")
        self.offsets = np.load(path / "chunk_offsets.npy")
        self._hashes: list[str] | None = None
        n_cases = int(self.chunk_case.max()) + 1 if len(self.chunk_case) else 0
        # first chunk row of every case (each case has at least one chunk)
        self.case_starts = np.searchsorted(self.chunk_case, np.arange(n_cases)).astype(np.int64)
        self.n_cases = n_cases
        self.dim = int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0

    @staticmethod
    def build(
        path: Path,
        lines: list[bytes],
        hashes: list[str],
        case_rows: list[int],
        vectors: np.ndarray,
        case_ids: list[str],
        previous: VectorIndex | None = None,
        reuse_centroid: np.ndarray | None = None,
    ) -> None:
        """Write the index: chunk ``i`` has the JSON line ``lines[i]`` (see ``line()``), content hash
        ``hashes[i]``, catalog row ``case_rows[i]`` (non-decreasing) and vector ``vectors[i]``;
        ``case_ids`` are the catalog's ids in row order. Case ``r``'s centroid is copied from
        ``previous`` case row ``reuse_centroid[r]`` when that is >= 0 (its chunks are unchanged)."""
        path.mkdir(parents=True, exist_ok=True)
        np.save(path / "vectors.npy", np.ascontiguousarray(vectors, dtype=DTYPE))
        rows = np.asarray(case_rows, dtype=np.int64)
        if previous is None or reuse_centroid is None:
            cents = centroids(vectors, rows, len(case_ids))
        else:
            cents = np.zeros((len(case_ids), vectors.shape[1]), dtype=DTYPE)
            kept = reuse_centroid >= 0
            cents[kept] = previous.centroids[reuse_centroid[kept]]
            todo = np.flatnonzero(~kept)
            if len(todo):
                pick = np.isin(rows, todo)
                # centroids() numbers cases by their position in ``todo``
                sub = centroids(vectors[pick], np.searchsorted(todo, rows[pick]), len(todo))
                cents[todo] = sub
        np.save(path / "centroids.npy", cents)
        np.save(path / "chunk_case.npy", np.asarray(case_rows, dtype=np.int32))
        offsets = np.zeros(len(lines), dtype=np.int64)
        if lines:
            np.cumsum([len(x) for x in lines[:-1]], out=offsets[1:])
        with open(path / "chunks.jsonl", "wb") as fh:
            fh.write(b"".join(lines))
        np.save(path / "chunk_offsets.npy", offsets)
        (path / "chunk_hashes.json").write_text(json.dumps(hashes))
        (path / "case_ids.json").write_text(json.dumps(case_ids))

    def lines(self) -> list[bytes]:
        """Every chunk's JSON line, as stored (copied unchanged into the next build)."""
        return (self.path / "chunks.jsonl").read_bytes().splitlines(keepends=True)

    def case_ids(self) -> list[str]:
        return json.loads((self.path / "case_ids.json").read_text())

    def rows_of(self, case_row: int) -> range:
        start = int(self.case_starts[case_row])
        end = int(self.case_starts[case_row + 1]) if case_row + 1 < self.n_cases else len(self.chunk_case)
        return range(start, end)

    @staticmethod
    def line(chunk: Chunk) -> bytes:
        rec = {
            "case": chunk.case_id,
            "key": chunk.key,
            "heading": chunk.heading,
            "text": chunk.text,
            "lang": chunk.lang,
        }
        return json.dumps(rec, ensure_ascii=False).encode("utf-8") + b"\n"

    @classmethod
    def open(cls, path: Path) -> VectorIndex:
        return cls(path)

    @property
    def hashes(self) -> list[str]:
        """Content hash of every chunk (read when a build needs them, not by searching)."""
        if self._hashes is None:
            self._hashes = json.loads((self.path / "chunk_hashes.json").read_text())
        return self._hashes

    def rows_by_hash(self) -> dict[str, int]:
        """Chunk hash → row, to re-use the vectors of unchanged chunk texts in the next build."""
        return dict(zip(self.hashes, range(len(self.hashes)), strict=True))

    def chunk(self, row: int) -> dict:
        return self._read(range(row, row + 1))[0]

    def _read(self, rows: range) -> list[dict]:
        """The text records of consecutive chunk rows, with one file open."""
        if not rows:
            return []
        with open(self.path / "chunks.jsonl", "rb") as fh:
            fh.seek(int(self.offsets[rows.start]))
            return [json.loads(fh.readline()) for _ in rows]

    def chunks_of(self, case_row: int) -> list[dict]:
        return self._read(self.rows_of(case_row))

    def case_scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Best-chunk cosine for every case, and every chunk's cosine.

        ``query`` is one vector, or several (one per row: readings of the same query), in which
        case each chunk keeps its best similarity over them."""
        if self.n_cases == 0:  # an empty library (its matrix may have no columns either)
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32)
        q = np.asarray(query)
        if q.ndim == 1:
            sims = dot(self.vectors, q)
        else:  # one product per reading, folded into one array (no (chunks x readings) temporary)
            sims = dot(self.vectors, q[0])
            for extra in q[1:]:
                np.maximum(sims, dot(self.vectors, extra), out=sims)
        return np.maximum.reduceat(sims, self.case_starts), sims

    def best_chunks(self, sims: np.ndarray, case_rows: np.ndarray) -> np.ndarray:
        """The chunk row of each given case's best chunk (the first one reaching its maximum)."""
        out = np.empty(len(case_rows), dtype=np.int64)
        for i, row in enumerate(case_rows):
            span = self.rows_of(int(row))
            out[i] = span.start + int(np.argmax(sims[span.start : span.stop]))
        return out

    def search(
        self,
        query: np.ndarray,
        mask: np.ndarray | None = None,
        k: int = 100,
        min_score: float = -1.0,
        relative: float = 0.0,
    ) -> VectorHits:
        """Top ``k`` cases among ``mask`` with cosine >= ``min_score`` and >= ``relative`` x the best."""
        best, sims = self.case_scores(query)
        library = best.astype(np.float32, copy=True)
        scores = best.astype(np.float32, copy=False)
        if relative and len(scores):
            # relative to the best match in the whole library, so a filter can only narrow the results
            min_score = max(min_score, float(scores.max()) * relative)
        if mask is not None:
            scores[~mask] = -np.inf
        scores[scores < min_score] = -np.inf
        valid = int(np.isfinite(scores).sum())
        k = min(k, valid)
        if k <= 0:
            empty = np.zeros(0, dtype=np.int64)
            return VectorHits(empty, np.zeros(0, dtype=np.float32), empty, library)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]
        return VectorHits(top, scores[top], self.best_chunks(sims, top), library)
