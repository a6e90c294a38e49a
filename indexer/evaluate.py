"""Retrieval metrics and loaders for judged query sets: pure functions, no other caselib imports.

Two sources of judgments:

* a BEIR folder (``corpus.jsonl``, ``queries.jsonl``, ``qrels/<split>.tsv``), see ``load_beir``;
* a YAML file of queries judged against the case library, see ``load_judged_queries``.

A *run* maps a query id to its ranked list of document ids (best first); *qrels* map a query id to
``{document id: graded relevance}``. A document is relevant when its grade is above 0.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import InputFileError
from .frontmatter import FrontMatterError, safe_load

BEIR_LAYOUT = "expected a BEIR folder: corpus.jsonl, queries.jsonl and qrels/<split>.tsv"

# Metric name -> cut-offs computed by ``evaluate_run``.
DEFAULT_KS: Mapping[str, Sequence[int]] = {"ndcg": (10,), "recall": (10, 100), "mrr": (10,)}


# --- metrics ---------------------------------------------------------------------------------------


def _top_k(ranked: Sequence[str], k: int) -> list[str]:
    """The first ``k`` distinct ids of ``ranked`` (a repeated id counts once, at its best rank)."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    seen: set[str] = set()
    top: list[str] = []
    for doc in ranked:
        if doc not in seen:
            seen.add(doc)
            top.append(doc)
            if len(top) == k:
                break
    return top


def _relevant(rels: Mapping[str, int]) -> set[str]:
    return {doc for doc, grade in rels.items() if grade > 0}


def ndcg_at_k(ranked: Sequence[str], rels: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k with linear graded gains (the grade) and a log2(rank + 1) discount.

    The ideal ranking sorts all judged grades; 0.0 when nothing is relevant.
    """
    top = _top_k(ranked, k)
    dcg = sum(max(rels.get(doc, 0), 0) / math.log2(i + 2) for i, doc in enumerate(top))
    ideal = sorted((g for g in rels.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranked: Sequence[str], rels: Mapping[str, int], k: int = 10) -> float:
    """Share of the relevant documents found in the top k; 0.0 when nothing is relevant."""
    relevant = _relevant(rels)
    if not relevant:
        return 0.0
    return len(relevant.intersection(_top_k(ranked, k))) / len(relevant)


def precision_at_k(ranked: Sequence[str], rels: Mapping[str, int], k: int = 10) -> float:
    """Relevant documents in the top k divided by k (a short ranking is not rewarded)."""
    relevant = _relevant(rels)
    return len(relevant.intersection(_top_k(ranked, k))) / k


def mrr_at_k(ranked: Sequence[str], rels: Mapping[str, int], k: int = 10) -> float:
    """1 / rank of the first relevant document within the top k, else 0.0."""
    relevant = _relevant(rels)
    for i, doc in enumerate(_top_k(ranked, k)):
        if doc in relevant:
            return 1.0 / (i + 1)
    return 0.0


METRICS = {"ndcg": ndcg_at_k, "recall": recall_at_k, "precision": precision_at_k, "mrr": mrr_at_k}


def evaluate_run(
    run: Mapping[str, Sequence[str]],
    qrels: Mapping[str, Mapping[str, int]],
    ks: Mapping[str, Sequence[int]] = DEFAULT_KS,
) -> dict[str, float]:
    """Mean of each metric over the queries of ``qrels``, keyed ``"<metric>@<k>"``.

    By default: ``ndcg@10``, ``recall@10``, ``recall@100``, ``mrr@10``. ``ks`` maps a metric name
    (``ndcg``, ``recall``, ``precision``, ``mrr``) to its cut-offs. A query missing from ``run``
    scores 0; queries in ``run`` but not in ``qrels`` are ignored.
    """
    if not qrels:
        raise ValueError("qrels is empty: no judged queries to evaluate")
    unknown = sorted(set(ks) - set(METRICS))
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; known: {sorted(METRICS)}")
    results: dict[str, float] = {}
    for name, cutoffs in ks.items():
        metric = METRICS[name]
        for k in cutoffs:
            total = sum(metric(run.get(qid, []), rels, k) for qid, rels in qrels.items())
            results[f"{name}@{k}"] = total / len(qrels)
    return results


# --- BEIR folders ----------------------------------------------------------------------------------


def _require(path: Path) -> Path:
    if not path.is_file():
        raise InputFileError(f"missing {path}: {BEIR_LAYOUT}")
    return path


def _read_jsonl(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputFileError(f"{path}:{lineno}: invalid JSON: {exc.msg}") from exc
            if not isinstance(row, dict) or "_id" not in row:
                raise InputFileError(f'{path}:{lineno}: expected a JSON object with an "_id"')
            yield lineno, row


def load_beir(
    dir: Path, split: str = "test"
) -> tuple[dict[str, dict[str, str]], dict[str, str], dict[str, dict[str, int]]]:
    """Read a BEIR folder: (corpus id -> {"title", "text"}, query id -> text, qid -> {docid: score}).

    Queries without judgments are dropped, and so are judgments of queries absent from
    ``queries.jsonl``. The qrels header line (``query-id corpus-id score``) is optional.
    """
    dir = Path(dir)
    corpus_path = _require(dir / "corpus.jsonl")
    queries_path = _require(dir / "queries.jsonl")
    qrels_path = _require(dir / "qrels" / f"{split}.tsv")

    corpus = {
        str(row["_id"]): {"title": str(row.get("title") or ""), "text": str(row.get("text") or "")}
        for _, row in _read_jsonl(corpus_path)
    }
    all_queries = {str(row["_id"]): str(row.get("text") or "") for _, row in _read_jsonl(queries_path)}

    qrels: dict[str, dict[str, int]] = {}
    with qrels_path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            cols = line.rstrip("\r\n").split("\t")
            if not line.strip() or (lineno == 1 and cols[0].strip() == "query-id"):
                continue
            if len(cols) != 3:
                raise InputFileError(f"{qrels_path}:{lineno}: expected 'query-id<TAB>corpus-id<TAB>score'")
            qid, docid, score = (c.strip() for c in cols)
            try:
                grade = int(float(score))
            except ValueError as exc:
                raise InputFileError(f"{qrels_path}:{lineno}: score {score!r} is not a number") from exc
            qrels.setdefault(qid, {})[docid] = grade

    qrels = {qid: rels for qid, rels in qrels.items() if qid in all_queries}
    queries = {qid: text for qid, text in all_queries.items() if qid in qrels}
    return corpus, queries, qrels


# --- judged queries against the case library -------------------------------------------------------


def _entry_problem(entry: Any) -> str | None:
    """What is wrong with one judged-query entry, or None."""
    if not isinstance(entry, dict):
        return f"expected a mapping with query, language and relevant, got {type(entry).__name__}"
    missing = [key for key in ("query", "language", "relevant") if key not in entry]
    if missing:
        return f"missing {', '.join(missing)}"
    if not isinstance(entry["query"], str) or not entry["query"].strip():
        return "query must be a non-empty string"
    if not isinstance(entry["language"], str) or not entry["language"].strip():
        return "language must be a non-empty string"
    relevant = entry["relevant"]
    if not isinstance(relevant, list):
        return "relevant must be a list of case ids ([] for a query no case answers)"
    bad = [r for r in relevant if not isinstance(r, str) or not r.strip()]
    if bad:
        return f"relevant must hold case ids (strings), got {bad[0]!r}"
    dupes = sorted({r for r in relevant if relevant.count(r) > 1})
    if dupes:
        return f"relevant lists {dupes[0]!r} twice"
    return None


def load_judged_queries(path: Path) -> list[dict]:
    """Read a YAML list of ``{"query", "language", "relevant": [case ids]}`` entries.

    The list may also sit under a top-level ``queries`` key. Entries are numbered from 1 in
    errors; any problem raises ``InputFileError`` naming the file, the entry and what is wrong.
    """
    path = Path(path)
    try:
        data = safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read judged queries: {exc.strerror or exc}") from exc
    except FrontMatterError as exc:
        raise InputFileError(f"{path}:{exc.line}: invalid YAML: {exc}") from exc
    if isinstance(data, dict) and "queries" in data:
        data = data["queries"]
    if not isinstance(data, list) or not data:
        raise InputFileError(
            f'{path}: expected a non-empty list of judged queries (or a mapping with a "queries" list)'
        )
    items: list[dict] = []
    for index, entry in enumerate(data, start=1):
        problem = _entry_problem(entry)
        if problem:
            raise InputFileError(f"{path}: entry {index}: {problem}")
        items.append(
            {
                **entry,
                "query": entry["query"].strip(),
                "language": entry["language"].strip(),
                "relevant": [r.strip() for r in entry["relevant"]],
            }
        )
    return items


def judged_to_qrels(items: Sequence[Mapping[str, Any]]) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """Queries and qrels of judged entries: ids ``q1``, ``q2``, ... in order, every relevant case graded 1.

    A no-match query (``relevant: []``) is among the queries but has no qrels entry: ranking
    metrics are over the matchable queries; ``evalrun`` measures no-match queries apart."""
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    for index, item in enumerate(items, start=1):
        qid = f"q{index}"
        queries[qid] = item["query"]
        if item["relevant"]:
            qrels[qid] = {case_id: 1 for case_id in item["relevant"]}
    return queries, qrels
