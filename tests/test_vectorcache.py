"""The shipped passage-vector cache (indexer/vectorcache.py): used when sound, ignored when damaged or foreign."""

from __future__ import annotations

import json

import numpy as np
import pytest

from indexer.embedders import DualEmbedder, HashEmbedder
from indexer.vectorcache import CachedPassages, leaves, with_cache

TEXTS = ["Policía comunitaria por cuadrantes", "Fica Vivo! homicide control", "Vecinos Vigilantes"]


class Counting(HashEmbedder):
    """The test fake, under a real-looking name, counting the texts it encodes."""

    def __init__(self, name: str = "fake-model", dim: int = 64):
        super().__init__(dim=dim, name=name)
        self.backend = "sentence-transformers"
        self.encoded = 0

    def encode(self, texts):
        self.encoded += len(texts)
        return super().encode(texts)


def written(tmp_path, inner=None) -> CachedPassages:
    leaf = CachedPassages(inner or Counting(), tmp_path, record=True)
    leaf.encode(TEXTS)
    leaf.save()
    return leaf


def test_a_written_cache_answers_without_encoding(tmp_path):
    first = written(tmp_path)
    inner = Counting()
    again = CachedPassages(inner, tmp_path)
    vecs = again.encode(TEXTS[::-1] + ["a new chunk"])
    assert inner.encoded == 1  # only the text the cache does not hold
    assert (again.hits, again.misses) == (3, 1)
    assert np.allclose(vecs[:3], first.inner.encode(TEXTS[::-1]), atol=1e-3)
    meta = json.loads(first.meta.read_text())
    assert meta["model"] == "fake-model" and meta["dim"] == 64 and meta["count"] == 3


def test_a_damaged_cache_is_ignored_not_served(tmp_path, caplog):
    leaf = written(tmp_path)
    data = bytearray(leaf.npz.read_bytes())
    data[len(data) // 2] ^= 0xFF
    leaf.npz.write_bytes(bytes(data))
    inner = Counting()
    again = CachedPassages(inner, tmp_path)
    again.encode(TEXTS)
    assert inner.encoded == 3
    assert "checksum does not match" in caplog.text


@pytest.mark.parametrize(("name", "dim"), [("fake-model", 32), ("other-model", 64)])
def test_a_cache_written_for_another_model_or_shape_is_ignored(tmp_path, name, dim):
    written(tmp_path)
    (tmp_path / f"{name}.npz").write_bytes((tmp_path / "fake-model.npz").read_bytes())
    (tmp_path / f"{name}.json").write_text((tmp_path / "fake-model.json").read_text())
    inner = Counting(name=name, dim=dim)
    CachedPassages(inner, tmp_path).encode(TEXTS)
    assert inner.encoded == 3


def test_queries_are_never_cached_and_the_test_fake_is_left_alone(tmp_path):
    inner = Counting()
    dual = with_cache(DualEmbedder(inner, Counting(name="second")), tmp_path)
    assert [leaf.name for leaf in leaves(dual)] == ["fake-model", "second"]
    assert dual.encode_query(["maras y pandillas"]).shape == (1, 128)
    assert not list(tmp_path.iterdir())
    fake = HashEmbedder()
    assert with_cache(fake, tmp_path) is fake
    assert with_cache(inner, None) is inner
