"""Run retrieval evaluations through the real indexer and Searcher (what `caselib eval` calls)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from .build import build_index
from .embedders import Embedder
from .evaluate import evaluate_run, judged_to_qrels, load_beir, load_judged_queries
from .model import Case, Section
from .search import MODES, Searcher


def beir_cases(corpus: dict[str, dict[str, str]]) -> list[Case]:
    """One minimal Case per BEIR document: its title, and its text as the single body section."""
    cases = []
    for doc_id, doc in corpus.items():
        title = (doc.get("title") or "").strip() or doc_id
        text = (doc.get("text") or "").strip()
        meta = {
            "id": doc_id,
            "title": title,
            "language": "en",
            "countries": [],
            "scale": "local",
            "institution": {"name": "", "type": "other"},
            "pillars": [],
            "themes": [],
            "period": {"start": 2000},
            "status": "unknown",
            "evidence": {"stage": "not-evaluated", "rating": "not-rated"},
            "channel": "other",
            "summary": {},
            "sources": [],
            "documentation": {"status": "draft", "documented_by": "eval"},
        }
        section = Section(key="text", heading="Text", text=text, line=1)
        cases.append(
            Case(
                id=doc_id,
                path=f"beir:{doc_id}",
                meta=meta,
                body=text,
                sections=(section,),
                content_hash=str(hash((title, text))),
            )
        )
    return cases


def run_queries(
    searcher: Searcher, queries: dict[str, str], modes=MODES, depth: int = 100
) -> dict[str, dict[str, list[str]]]:
    runs: dict[str, dict[str, list[str]]] = {m: {} for m in modes}
    for mode in modes:
        for qid, text in queries.items():
            result = searcher.search(text, mode=mode, per_page=depth, snippets=False, cut=False)
            runs[mode][qid] = [h.id for h in result.hits]
    return runs


def eval_beir(
    beir_dir: Path,
    embedder: Embedder | None = None,
    model: str | None = None,
    modes=MODES,
    work_dir: Path | None = None,
    log: Callable[[str], None] = print,
    fusion_method: str | None = None,
) -> dict[str, dict[str, float]]:
    """Build a temporary library from a BEIR folder, query it in each mode, return metrics per mode."""
    corpus, queries, qrels = load_beir(beir_dir)
    log(f"{len(corpus)} documents, {len(queries)} judged queries")
    with tempfile.TemporaryDirectory(prefix="caselib-eval-", dir=work_dir) as tmp:
        report = build_index(beir_cases(corpus), Path(tmp), embedder=embedder, model=model, log=log)
        log(report.summary())
        kw = {"max_query_chars": 100_000}
        if fusion_method:
            kw["fusion_method"] = fusion_method
        searcher = Searcher.open(Path(tmp), embedder=embedder, model=model, **kw)
        runs = run_queries(searcher, queries, modes)
    return {mode: evaluate_run(run, qrels) for mode, run in runs.items()}


def eval_judged(
    path: Path, index_dir: Path, embedder: Embedder | None = None, model: str | None = None, modes=MODES, **kw
) -> tuple[dict[str, dict[str, float]], list[dict]]:
    """Metrics of judged queries against an existing index, plus per-query detail.

    Per mode: nDCG@10, recall, MRR@10 and hit@5 over the matchable queries (hit@5 also per
    language, ``hit@5_es`` ...), on the full ranking; ``kept`` — the share of matchable queries
    with a relevant case among the close matches (``results``, not ``related``); and, when the
    file has no-match queries (``relevant: []``), ``nomatch_empty`` — the share of them whose
    ``results`` are empty, with their count in ``nomatch``."""
    items = load_judged_queries(path)
    queries, qrels = judged_to_qrels(items)
    searcher = Searcher.open(index_dir, embedder=embedder, model=model, **kw)
    detail = []
    runs: dict[str, dict[str, list[str]]] = {m: {} for m in modes}
    for (qid, text), item in zip(queries.items(), items, strict=True):
        row = {"id": qid, "query": text, "language": item.get("language"), "relevant": item["relevant"]}
        for mode in modes:
            res = searcher.search(text, mode=mode, per_page=100, snippets=False, cut=False)
            ranked = [h.id for h in res.hits]
            close = [h.id for h in res.hits if h.match == "close"]
            runs[mode][qid] = ranked
            top5 = ranked[:5]
            row[mode] = {
                "top5": top5,
                "close": close[:10],
                "n_close": len(close),
                "hit@5": any(c in item["relevant"] for c in top5),
                "kept": any(c in item["relevant"] for c in close),
            }
        detail.append(row)
    matchable = [r for r in detail if r["relevant"]]
    nomatch = [r for r in detail if not r["relevant"]]
    metrics: dict[str, dict[str, float]] = {}
    for mode in modes:
        m = evaluate_run({q: runs[mode][q] for q in qrels}, qrels) if qrels else {}
        if matchable:
            m["hit@5"] = sum(r[mode]["hit@5"] for r in matchable) / len(matchable)
            m["kept"] = sum(r[mode]["kept"] for r in matchable) / len(matchable)
            for lang in sorted({r["language"] for r in matchable}):
                of_lang = [r for r in matchable if r["language"] == lang]
                m[f"hit@5_{lang}"] = sum(r[mode]["hit@5"] for r in of_lang) / len(of_lang)
        if nomatch:
            m["nomatch"] = float(len(nomatch))
            m["nomatch_empty"] = sum(r[mode]["n_close"] == 0 for r in nomatch) / len(nomatch)
        metrics[mode] = m
    return metrics, detail
