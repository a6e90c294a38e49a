"""The embedding index: a float32 matrix of chunk vectors, the chunk→case map, chunk texts on disk.

Chunks are stored grouped by case, in catalog order, so a case's score (its best chunk) is
one ``np.maximum.reduceat``. Filters are a boolean mask over cases applied before ranking.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chunking import Chunk


@dataclass
class VectorHits:
    case_rows: np.ndarray  # catalog rows, best first
    scores: np.ndarray  # cosine of each case's best chunk
    best_chunk: np.ndarray  # chunk row of that best chunk


class VectorIndex:
    """Brute-force cosine search over normalised chunk vectors (memory-mapped)."""

    def __init__(self, path: Path):
        self.path = path
        self.vectors = np.load(path / "vectors.npy", mmap_mode="r")
        self.chunk_case = np.load(path / "chunk_case.npy")
        self.offsets = np.load(path / "chunk_offsets.npy")
        self.hashes: list[str] = json.loads((path / "chunk_hashes.json").read_text())
        n_cases = int(self.chunk_case.max()) + 1 if len(self.chunk_case) else 0
        # first chunk row of every case (each case has at least one chunk)
        self.case_starts = np.searchsorted(self.chunk_case, np.arange(n_cases)).astype(np.int64)
        self.n_cases = n_cases
        self.dim = int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0

    @staticmethod
    def build(path: Path, records: list[dict], hashes: list[str], case_rows: list[int], vectors: np.ndarray) -> None:
        """Write the index: chunk ``i`` has text record ``records[i]``, content hash ``hashes[i]``,
        catalog row ``case_rows[i]`` (non-decreasing) and vector ``vectors[i]``."""
        path.mkdir(parents=True, exist_ok=True)
        np.save(path / "vectors.npy", np.ascontiguousarray(vectors, dtype=np.float32))
        np.save(path / "chunk_case.npy", np.asarray(case_rows, dtype=np.int32))
        offsets = []
        with open(path / "chunks.jsonl", "wb") as fh:
            for rec in records:
                offsets.append(fh.tell())
                fh.write(json.dumps(rec, ensure_ascii=False).encode("utf-8") + b"\n")
        np.save(path / "chunk_offsets.npy", np.asarray(offsets, dtype=np.int64))
        (path / "chunk_hashes.json").write_text(json.dumps(hashes))

    def all_records(self) -> list[dict]:
        with open(self.path / "chunks.jsonl", "rb") as fh:
            return [json.loads(line) for line in fh]

    @staticmethod
    def record(chunk: Chunk) -> dict:
        return {"case": chunk.case_id, "key": chunk.key, "heading": chunk.heading, "text": chunk.text}

    @classmethod
    def open(cls, path: Path) -> VectorIndex:
        return cls(path)

    def cached_vectors(self) -> dict[str, np.ndarray]:
        """Chunk hash → vector, to re-use unchanged chunks in the next build."""
        return {h: self.vectors[i] for i, h in enumerate(self.hashes)}

    def chunk(self, row: int) -> dict:
        with open(self.path / "chunks.jsonl", "rb") as fh:
            fh.seek(int(self.offsets[row]))
            return json.loads(fh.readline())

    def chunks_of(self, case_row: int) -> list[dict]:
        start = int(self.case_starts[case_row])
        end = int(self.case_starts[case_row + 1]) if case_row + 1 < self.n_cases else len(self.chunk_case)
        return [self.chunk(r) for r in range(start, end)]

    def case_scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Best-chunk cosine for every case, and the row of that chunk.

        ``query`` is one vector, or several (one per row: readings of the same query), in which
        case each chunk keeps its best similarity over them."""
        if self.n_cases == 0:  # an empty library (its matrix may have no columns either)
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        q = np.asarray(query, dtype=np.float32)
        sims = self.vectors @ q if q.ndim == 1 else (self.vectors @ q.T).max(axis=1)
        best = np.maximum.reduceat(sims, self.case_starts) if self.n_cases else sims[:0]
        # row of the best chunk per case: first row in each group reaching the max
        is_best = sims >= best[self.chunk_case] - 1e-7
        rows = np.flatnonzero(is_best)
        first = np.full(self.n_cases, -1, dtype=np.int64)
        cases, at = np.unique(self.chunk_case[rows], return_index=True)  # rows are sorted: first wins
        first[cases] = rows[at]
        return best, first

    def search(
        self,
        query: np.ndarray,
        mask: np.ndarray | None = None,
        k: int = 100,
        min_score: float = -1.0,
        relative: float = 0.0,
    ) -> VectorHits:
        """Top ``k`` cases among ``mask`` with cosine >= ``min_score`` and >= ``relative`` x the best."""
        best, first = self.case_scores(query)
        scores = best.astype(np.float32).copy()
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
            return VectorHits(empty, np.zeros(0, dtype=np.float32), empty)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]
        return VectorHits(top, scores[top], first[top])
