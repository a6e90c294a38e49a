"""Retrieval metrics, the BEIR and judged-query loaders, and the CISI converter script."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.evaluate import (
    evaluate_run,
    judged_to_qrels,
    load_beir,
    load_judged_queries,
    mrr_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)

REPO = Path(__file__).resolve().parents[1]
CISI_SRC = REPO.parent / "shared" / "bench-data" / "cisi"
CISI_SCRIPT = REPO / "scripts" / "cisi_to_beir.py"


# --- metrics ---------------------------------------------------------------------------------------


def test_single_relevant_at_rank_two():
    ranked, rels = ["a", "b", "c"], {"b": 1}
    assert ndcg_at_k(ranked, rels, 10) == pytest.approx(1 / math.log2(3))
    assert recall_at_k(ranked, rels, 10) == 1.0
    assert recall_at_k(ranked, rels, 1) == 0.0
    assert mrr_at_k(ranked, rels, 10) == 0.5
    assert mrr_at_k(ranked, rels, 1) == 0.0
    assert precision_at_k(ranked, rels, 10) == pytest.approx(0.1)
    assert precision_at_k(ranked, rels, 2) == 0.5


def test_perfect_ranking_scores_one():
    rels = {"a": 2, "b": 1}
    assert ndcg_at_k(["a", "b", "x"], rels) == pytest.approx(1.0)
    assert recall_at_k(["a", "b"], rels) == 1.0
    assert mrr_at_k(["a", "b"], rels) == 1.0


def test_graded_ndcg_by_hand():
    # Swapped grades: DCG = 1/log2(2) + 2/log2(3); IDCG = 2/log2(2) + 1/log2(3).
    rels = {"a": 2, "b": 1}
    expected = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert ndcg_at_k(["b", "a"], rels) == pytest.approx(expected)


def test_ndcg_ideal_is_cut_at_k():
    # Three relevant documents but k=1: the one found at rank 1 is already ideal.
    assert ndcg_at_k(["a"], {"a": 1, "b": 1, "c": 1}, k=1) == pytest.approx(1.0)
    # Recall still counts all three.
    assert recall_at_k(["a"], {"a": 1, "b": 1, "c": 1}, k=1) == pytest.approx(1 / 3)


def test_empty_ranking_and_no_relevant_score_zero():
    assert ndcg_at_k([], {"a": 1}) == 0.0
    assert recall_at_k([], {"a": 1}) == 0.0
    assert mrr_at_k([], {"a": 1}) == 0.0
    assert precision_at_k([], {"a": 1}) == 0.0
    assert ndcg_at_k(["a"], {"a": 0}) == 0.0
    assert recall_at_k(["a"], {}) == 0.0


def test_repeated_ids_count_once():
    assert recall_at_k(["a", "a", "a"], {"a": 1, "b": 1}, k=3) == 0.5
    assert precision_at_k(["a", "a"], {"a": 1}, k=2) == 0.5


def test_bad_k_rejected():
    with pytest.raises(ValueError, match="k must be"):
        ndcg_at_k(["a"], {"a": 1}, k=0)


def test_evaluate_run_means_and_missing_query():
    qrels = {"q1": {"b": 1}, "q2": {"x": 1}}
    run = {"q1": ["a", "b", "c"], "other": ["x"]}  # q2 missing: counts 0; "other" ignored
    scores = evaluate_run(run, qrels)
    assert set(scores) == {"ndcg@10", "recall@10", "recall@100", "mrr@10"}
    assert scores["ndcg@10"] == pytest.approx((1 / math.log2(3)) / 2)
    assert scores["recall@10"] == pytest.approx(0.5)
    assert scores["recall@100"] == pytest.approx(0.5)
    assert scores["mrr@10"] == pytest.approx(0.25)


def test_evaluate_run_empty_run_is_zero():
    scores = evaluate_run({}, {"q1": {"a": 1}})
    assert all(value == 0.0 for value in scores.values())


def test_evaluate_run_custom_ks_and_errors():
    scores = evaluate_run({"q1": ["a"]}, {"q1": {"a": 1}}, ks={"precision": (1, 5)})
    assert scores == {"precision@1": 1.0, "precision@5": pytest.approx(0.2)}
    with pytest.raises(ValueError, match="unknown metric"):
        evaluate_run({}, {"q1": {"a": 1}}, ks={"map": (10,)})
    with pytest.raises(ValueError, match="qrels is empty"):
        evaluate_run({}, {})


# --- BEIR folders ----------------------------------------------------------------------------------


def write_beir(root: Path) -> Path:
    (root / "qrels").mkdir(parents=True)
    docs = [{"_id": "d1", "title": "One", "text": "first"}, {"_id": "d2", "text": "second"}]
    (root / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    queries = [{"_id": "q1", "text": "find one"}, {"_id": "q2", "text": "unjudged"}, {"_id": "q3", "text": "x"}]
    (root / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    (root / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\nq3\td2\t1\nq9\td1\t1\n", encoding="utf-8"
    )
    return root


def test_load_beir(tmp_path):
    corpus, queries, qrels = load_beir(write_beir(tmp_path / "beir"))
    assert corpus == {"d1": {"title": "One", "text": "first"}, "d2": {"title": "", "text": "second"}}
    assert queries == {"q1": "find one", "q3": "x"}  # q2 has no judgments
    assert qrels == {"q1": {"d1": 2, "d2": 0}, "q3": {"d2": 1}}  # q9 has no query text
    run = {"q1": ["d1", "d2"], "q3": ["d1", "d2"]}
    assert evaluate_run(run, qrels)["mrr@10"] == pytest.approx((1 + 0.5) / 2)


@pytest.mark.parametrize("missing", ["corpus.jsonl", "queries.jsonl", "qrels/test.tsv"])
def test_load_beir_missing_file(tmp_path, missing):
    root = write_beir(tmp_path / "beir")
    (root / missing).unlink()
    with pytest.raises(ValueError, match="missing .*" + missing.split("/")[-1]) as info:
        load_beir(root)
    assert "corpus.jsonl, queries.jsonl and qrels/<split>.tsv" in str(info.value)


def test_load_beir_bad_lines(tmp_path):
    root = write_beir(tmp_path / "beir")
    (root / "qrels" / "test.tsv").write_text("q1 d1 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"test\.tsv:1: expected"):
        load_beir(root)
    (root / "corpus.jsonl").write_text('{"_id": "d1"}\n{oops\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"corpus\.jsonl:2: invalid JSON"):
        load_beir(root)


# --- judged queries --------------------------------------------------------------------------------


def test_load_judged_queries_list_and_mapping(tmp_path):
    body = (
        "- query: community policing\n  language: en\n  relevant: [case-a, case-b]\n"
        "- query: policía comunitaria\n  language: es\n  relevant: [case-a]\n"
    )
    path = tmp_path / "judged.yml"
    path.write_text(body, encoding="utf-8")
    items = load_judged_queries(path)
    assert [i["language"] for i in items] == ["en", "es"]
    queries, qrels = judged_to_qrels(items)
    assert queries == {"q1": "community policing", "q2": "policía comunitaria"}
    assert qrels == {"q1": {"case-a": 1, "case-b": 1}, "q2": {"case-a": 1}}

    wrapped = tmp_path / "wrapped.yml"
    wrapped.write_text("queries:\n" + "".join("  " + line + "\n" for line in body.splitlines()), encoding="utf-8")
    assert load_judged_queries(wrapped) == items


@pytest.mark.parametrize(
    "body, message",
    [
        ("- query: a\n  language: en\n  relevant: [x]\n- query: b\n  relevant: [x]\n", "entry 2: missing language"),
        ("- query: ''\n  language: en\n  relevant: [x]\n", "entry 1: query must be a non-empty string"),
        ("- query: a\n  language: en\n  relevant: x\n", "entry 1: relevant must be a list"),
        ("- query: a\n  language: en\n  relevant: [12]\n", "entry 1: relevant must hold case ids"),
        ("- just a string\n", "entry 1: expected a mapping"),
        ("query: a\n", "expected a non-empty list"),
        ("- [unclosed\n", "invalid YAML"),
    ],
)
def test_load_judged_queries_errors(tmp_path, body, message):
    path = tmp_path / "judged.yml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_judged_queries(path)


def test_load_judged_queries_missing_file(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        load_judged_queries(tmp_path / "nope.yml")


# --- CISI converter --------------------------------------------------------------------------------


@pytest.mark.skipif(not CISI_SRC.is_dir(), reason=f"CISI collection not found at {CISI_SRC}")
def test_cisi_to_beir_on_real_collection(tmp_path):
    out = tmp_path / "cisi"
    proc = subprocess.run(
        [sys.executable, str(CISI_SCRIPT), "--src", str(CISI_SRC), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr

    rel_pairs = {tuple(line.split()[:2]) for line in (CISI_SRC / "CISI.REL").read_text().splitlines() if line.strip()}
    qrels_lines = (out / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines()
    assert qrels_lines[0] == "query-id\tcorpus-id\tscore"
    assert len(qrels_lines) == 1 + len(rel_pairs) == 1 + 3114

    corpus, queries, qrels = load_beir(out)
    assert len(corpus) == 1460
    assert len(queries) == 76
    assert sum(len(rels) for rels in qrels.values()) == 3114
    assert all(score == 1 for rels in qrels.values() for score in rels.values())
    assert all(doc["title"] and doc["text"] for doc in corpus.values())
    # Multi-line fields are joined: document 1's title and the start and end of its text.
    assert corpus["1"]["title"] == "18 Editions of the Dewey Decimal Classifications"
    assert corpus["1"]["text"].startswith("The present study is a history of the DEWEY Decimal Classification.")
    assert corpus["1"]["text"].endswith("librarianship in this country and abroad.")
    # Queries with a .T get the title in front of the .W text.
    assert queries["1"].startswith("What problems and concerns are there in making up descriptive titles?")
    assert queries["58"].startswith("Directions in Library Networking. Bibliographic control before and after MARC")
