"""Rank fusion: pure functions over ranked id lists or id→score maps."""

from __future__ import annotations

from collections.abc import Sequence


def rrf(
    rankings: Sequence[Sequence[str]], k: int = 60, weights: Sequence[float] | None = None
) -> list[tuple[str, float]]:
    """Reciprocal-rank fusion: score(d) = Σ w_i / (k + rank_i(d)), ranks from 1. Ties keep first-seen order."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + w / (k + rank)
    order = {doc: i for i, doc in enumerate(dict.fromkeys(d for r in rankings for d in r))}
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))


def minmax(scores: dict[str, float]) -> dict[str, float]:
    """Scale scores to [0, 1]; all-equal scores become 1."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi == lo:
        return {d: 1.0 for d in scores}
    return {d: (s - lo) / (hi - lo) for d, s in scores.items()}


def convex(score_maps: Sequence[dict[str, float]], weights: Sequence[float]) -> list[tuple[str, float]]:
    """Min-max convex fusion: Σ w_i · minmax(s_i)(d); a document missing from a list scores 0 there."""
    if len(score_maps) != len(weights):
        raise ValueError(
            f"convex fusion got {len(score_maps)} score lists and {len(weights)} weights: give one weight each"
        )
    fused: dict[str, float] = {}
    for scores, w in zip(score_maps, weights, strict=True):
        for doc, s in minmax(scores).items():
            fused[doc] = fused.get(doc, 0.0) + w * s
    order = {doc: i for i, doc in enumerate(dict.fromkeys(d for m in score_maps for d in m))}
    return sorted(fused.items(), key=lambda kv: (-kv[1], order[kv[0]]))
