"""Rank fusion on hand-made lists: reciprocal-rank fusion and min-max convex fusion."""

from __future__ import annotations

import pytest

from indexer.fusion import convex, minmax, rrf


def test_rrf_order_and_scores_by_hand():
    fused = rrf([["a", "b", "c"], ["b", "c", "d"]], k=60)
    expected = {
        "a": 1 / 61,
        "b": 1 / 62 + 1 / 61,
        "c": 1 / 63 + 1 / 62,
        "d": 1 / 63,
    }
    assert [doc for doc, _ in fused] == ["b", "c", "a", "d"]
    for doc, score in fused:
        assert score == pytest.approx(expected[doc])


def test_rrf_small_k_and_weights():
    fused = dict(rrf([["a", "b"], ["b"]], k=1, weights=[2.0, 1.0]))
    assert fused["a"] == pytest.approx(2 / 2)
    assert fused["b"] == pytest.approx(2 / 3 + 1 / 2)
    assert [d for d, _ in rrf([["a", "b"], ["b"]], k=1, weights=[2.0, 1.0])] == ["b", "a"]
    # with no weight on the second list, a (ranked first in the first list) wins
    assert [d for d, _ in rrf([["a", "b"], ["b"]], k=1, weights=[1.0, 0.0])] == ["a", "b"]


def test_rrf_ties_keep_first_seen_order():
    assert rrf([["a"], ["b"]]) == [("a", pytest.approx(1 / 61)), ("b", pytest.approx(1 / 61))]
    assert [d for d, _ in rrf([["b"], ["a"]])] == ["b", "a"]
    # x and y each have ranks 1 and 2: a tie, broken by first appearance
    assert [d for d, _ in rrf([["y", "x"], ["x", "y"]])] == ["y", "x"]


def test_rrf_edge_cases():
    assert rrf([]) == []
    assert rrf([[], []]) == []
    assert [d for d, _ in rrf([["a", "b", "c"]])] == ["a", "b", "c"]
    assert [d for d, _ in rrf([[], ["z"]])] == ["z"]


def test_rrf_mismatched_weights_raise():
    with pytest.raises(ValueError):
        rrf([["a"], ["b"]], weights=[1.0])


def test_minmax():
    assert minmax({"a": 10.0, "b": 5.0, "c": 0.0}) == {"a": 1.0, "b": 0.5, "c": 0.0}
    assert minmax({"a": 3.0, "b": 3.0}) == {"a": 1.0, "b": 1.0}
    assert minmax({"a": -2.0}) == {"a": 1.0}
    assert minmax({}) == {}


def test_convex_by_hand():
    kw = {"a": 10.0, "b": 5.0, "c": 0.0}  # -> a 1, b 0.5, c 0
    sem = {"b": 0.25, "c": 0.75, "d": 0.5}  # -> b 0, c 1, d 0.5 (exact in binary floating point)
    fused = convex([kw, sem], [0.5, 0.5])
    expected = {"a": 0.5, "b": 0.25, "c": 0.5, "d": 0.25}
    assert dict(fused) == pytest.approx(expected)
    # ties (a/c, b/d) keep the order in which documents were first seen
    assert [d for d, _ in fused] == ["a", "c", "b", "d"]


def test_convex_weights_shift_the_order():
    kw = {"a": 1.0, "b": 0.0}
    sem = {"a": 0.0, "b": 1.0}
    assert [d for d, _ in convex([kw, sem], [0.8, 0.2])] == ["a", "b"]
    assert [d for d, _ in convex([kw, sem], [0.2, 0.8])] == ["b", "a"]
    assert dict(convex([kw, sem], [0.8, 0.2])) == pytest.approx({"a": 0.8, "b": 0.2})


def test_convex_missing_documents_score_zero_in_that_list():
    fused = dict(convex([{"a": 2.0, "b": 1.0}, {}], [0.7, 0.3]))
    assert fused == pytest.approx({"a": 0.7, "b": 0.0})


def test_convex_all_equal_scores():
    fused = convex([{"a": 5.0, "b": 5.0}, {"b": 1.0}], [0.5, 0.5])
    assert fused == [("b", pytest.approx(1.0)), ("a", pytest.approx(0.5))]


def test_convex_mismatched_weights_error():
    with pytest.raises(ValueError, match="weight"):
        convex([{"a": 1.0}, {"b": 1.0}], [1.0])
    with pytest.raises(ValueError, match="weight"):
        convex([{"a": 1.0}], [0.5, 0.5])
