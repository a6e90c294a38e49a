"""DualEmbedder: two models side by side (no real model here: fakes with known token counts)."""

from __future__ import annotations

import numpy as np

from indexer.chunking import chunk_case
from indexer.embedders import DualEmbedder, HashEmbedder
from indexer.evalrun import beir_cases


class Window(HashEmbedder):
    """A fake model reading ``max_tokens`` tokens and counting ``per_word`` tokens a word."""

    def __init__(self, name: str, max_tokens: int, per_word: float):
        super().__init__(dim=8, name=name)
        self.max_tokens, self.per_word = max_tokens, per_word

    def count_tokens(self, text: str) -> int:
        return round(len(text.split()) * self.per_word)


def test_a_chunk_fills_each_model_window_in_proportion():
    # e5-like: 512-token window, more tokens a word; MiniLM-like: 256 tokens, fewer a word
    wide, narrow = Window("wide", 512, 1.5), Window("narrow", 256, 1.0)
    dual = DualEmbedder(wide, narrow)
    assert dual.max_tokens == 256
    text = " ".join(["word"] * 100)
    # wide: 150 of 512 = 75 of 256; narrow: 100 of 256 -> the narrow model's count decides
    assert dual.count_tokens(text) == 100
    # the wide model decides only when it fills more of its own window
    assert DualEmbedder(Window("w", 512, 3.0), narrow).count_tokens(text) == 150


def test_dual_chunks_are_those_of_the_model_with_the_fuller_window():
    """The default's chunks are cut by MiniLM's count: the same chunks as MiniLM alone (CISI
    hybrid nDCG@10 0.449 -> 0.461 once e5's larger count no longer cut English text smaller)."""
    body = "\n\n".join(" ".join(f"w{i}" for i in range(p, p + 60)) for p in range(0, 600, 60))
    (case,) = beir_cases({"x": {"title": "X", "text": body}})
    wide, narrow = Window("wide", 512, 1.5), Window("narrow", 256, 1.0)
    dual = DualEmbedder(wide, narrow)
    chunks = [c.text for c in chunk_case(case, dual.count_tokens)]
    assert chunks == [c.text for c in chunk_case(case, narrow.count_tokens)]
    both_at_face_value = chunk_case(case, lambda t: max(wide.count_tokens(t), narrow.count_tokens(t)))
    assert len(chunks) < len(both_at_face_value)


def test_dual_vectors_mix_both_cosines():
    a, b = Window("a", 512, 1.0), Window("b", 256, 1.0)
    dual = DualEmbedder(a, b, weights=(0.5, 0.5))
    p = dual.encode(["community policing in quadrants"])[0]
    q = dual.encode_query(["policing quadrants"])[0]
    want = 0.5 * float(a.encode(["community policing in quadrants"])[0] @ a.encode_query(["policing quadrants"])[0])
    want += 0.5 * float(b.encode(["community policing in quadrants"])[0] @ b.encode_query(["policing quadrants"])[0])
    assert abs(float(p @ q) - want) < 1e-5
    assert abs(float(np.linalg.norm(p)) - 1.0) < 1e-5
