"""The library as an OpenSearch index: a mapping and a bulk-API file (docs/scaling.md).

One document per case: keyword fields for every facet, text fields analysed per language
(OpenSearch's built-in ``english``/``spanish``/``portuguese`` analysers, plus an accent-folding one
for names), and the chunk embeddings as ``nested`` objects with a ``knn_vector`` each, so that
a nested k-NN query returns the best chunk per case as the ``Searcher`` does today. Vectors
come from a built index (the same model that serves searches); without one the chunks are
written without embeddings and the mapping says so in ``_meta``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .build import current_build, read_manifest
from .export import translations_of
from .loader import load_library
from .vectors import VectorIndex

INDEX_NAME = "caselib"
TEXT_LANGS = {"en": "english", "es": "spanish", "pt": "portuguese", "fr": "french"}
FACETS = (
    "countries", "scale", "institution_type", "pillars", "themes", "problems", "target_population", "setting",
    "evidence_stage", "evidence_rating", "status", "channel", "language", "translations",
)  # fmt: skip


def mapping(dimensions: int | None, model: str | None = None) -> dict[str, Any]:
    """Index settings and mapping for the caselib design on OpenSearch 2.x (k-NN plugin)."""
    folded = {"type": "text", "analyzer": "folded"}
    props: dict[str, Any] = {
        "id": {"type": "keyword"},
        "title": {"type": "text", "analyzer": "english", "fields": {"folded": folded}},
        "title_original": folded,
        "institution": folded,
        "partners": folded,
        "start_year": {"type": "integer"},
        "end_year": {"type": "integer"},
        "last_reviewed": {"type": "date", "format": "yyyy-MM-dd"},
        "url": {"type": "keyword", "index": False},
    }
    for facet in FACETS:
        props[facet] = {"type": "keyword"}
    for lang, analyzer in TEXT_LANGS.items():
        props[f"title_{lang}"] = {"type": "text", "analyzer": analyzer}
        props[f"summary_{lang}"] = {"type": "text", "analyzer": analyzer}
        props[f"body_{lang}"] = {"type": "text", "analyzer": analyzer}
    chunk: dict[str, Any] = {
        "section": {"type": "keyword"},
        "language": {"type": "keyword"},
        "text": {"type": "text", "index": False},
    }
    if dimensions:
        chunk["embedding"] = {
            "type": "knn_vector",
            "dimension": dimensions,
            "method": {"name": "hnsw", "space_type": "cosinesimil", "engine": "lucene"},
        }
    props["chunks"] = {"type": "nested", "properties": chunk}
    return {
        "settings": {
            "index": {"knn": bool(dimensions), "number_of_shards": 1},
            "analysis": {"analyzer": {"folded": {"tokenizer": "standard", "filter": ["lowercase", "asciifolding"]}}},
        },
        "mappings": {
            "_meta": {"source": "caselib", "model": model, "dimensions": dimensions},
            "dynamic": "strict",
            "properties": props,
        },
    }


def _year(value: Any) -> int | None:
    return int(str(value)[:4]) if value not in (None, "") else None


def document(rec_meta: dict[str, Any], body_by_lang: dict[str, str], titles: dict[str, str],
             summaries: dict[str, str], chunks: list[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    """One case as an OpenSearch document of the mapping above."""
    m = rec_meta
    inst = m.get("institution") or {}
    evidence = m.get("evidence") or {}
    period = m.get("period") or {}
    doc: dict[str, Any] = {
        "id": m["id"],
        "title": m["title"],
        "title_original": m.get("title_original"),
        "institution": " ".join(filter(None, [inst.get("name"), inst.get("name_original")])),
        "partners": " ; ".join(m.get("partners") or []),
        "start_year": _year(period.get("start")),
        "end_year": _year(period.get("end")),
        "last_reviewed": (m.get("documentation") or {}).get("last_reviewed"),
        "url": f"/cases/{m['id']}",
        "countries": list(m.get("countries") or []),
        "scale": m.get("scale"),
        "institution_type": inst.get("type"),
        "pillars": list(m.get("pillars") or []),
        "themes": list(m.get("themes") or []),
        "problems": list(m.get("problems") or []),
        "target_population": list(m.get("target_population") or []),
        "setting": list(m.get("setting") or []),
        "evidence_stage": evidence.get("stage"),
        "evidence_rating": evidence.get("rating"),
        "status": m.get("status"),
        "channel": m.get("channel"),
        "language": m.get("language"),
        "translations": sorted(set(body_by_lang) | set(summaries)),
        "chunks": chunks,
    }
    for lang in TEXT_LANGS:
        for prefix, values in (("title", titles), ("summary", summaries), ("body", body_by_lang)):
            if values.get(lang):
                doc[f"{prefix}_{lang}"] = values[lang]
    return {k: v for k, v in doc.items() if v not in (None, "")}


def _index_chunks(index_dir: Path | None) -> tuple[dict[str, list[dict[str, Any]]], int | None, str | None]:
    """Chunks and their vectors per case id from the live build of ``index_dir`` (if any)."""
    build = current_build(index_dir) if index_dir is not None else None
    if build is None:
        return {}, None, None
    manifest = read_manifest(build)
    vectors = VectorIndex.open(build / "vectors")
    out: dict[str, list[dict[str, Any]]] = {}
    for row, case_id in enumerate(vectors.case_ids()):
        items = []
        for chunk_row, info in zip(vectors.rows_of(row), vectors.chunks_of(row), strict=True):
            vec = np.asarray(vectors.vectors[chunk_row], dtype=np.float32)
            key = info["key"]
            items.append(
                {
                    "section": key,
                    "language": key.removeprefix("summary-") if key.startswith("summary-") else None,
                    "text": info["text"],
                    "embedding": [round(float(x), 6) for x in vec],
                }
            )
        out[case_id] = [{k: v for k, v in it.items() if v is not None} for it in items]
    return out, int(manifest.get("dimensions") or vectors.vectors.shape[1]), manifest.get("model")


def export_opensearch(cases_dir: Path, out_dir: Path, index_dir: Path | None = None) -> dict[str, int]:
    """Write ``opensearch-mapping.json`` and ``opensearch-bulk.ndjson`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    chunks, dims, model = _index_chunks(index_dir)
    (out_dir / "opensearch-mapping.json").write_text(
        json.dumps(mapping(dims, model), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    loaded = load_library(cases_dir)
    n = 0
    with (out_dir / "opensearch-bulk.ndjson").open("w", encoding="utf-8") as f:
        for case in loaded.cases:
            lang = case.meta.get("language", "en")
            bodies = {lang: case.body}
            titles = {"en": case.meta["title"]}
            if case.meta.get("title_original"):
                titles.setdefault(lang, case.meta["title_original"])
            summaries = {k: v for k, v in (case.meta.get("summary") or {}).items() if k in TEXT_LANGS}
            for t in translations_of(case, cases_dir):
                if t.body.strip():
                    bodies[t.language] = t.body
                if t.front_matter.get("title"):
                    titles[t.language] = t.front_matter["title"]
                if t.front_matter.get("summary"):
                    summaries[t.language] = t.front_matter["summary"]
            doc = document(case.meta, bodies, titles, summaries, chunks.get(case.id, []))
            f.write(json.dumps({"index": {"_index": INDEX_NAME, "_id": case.id}}) + "\n")
            f.write(json.dumps(doc, ensure_ascii=False, default=str) + "\n")
            n += 1
    return {"documents": n, "dimensions": dims or 0}


def check_bulk(mapping_doc: dict[str, Any], bulk_path: Path) -> list[str]:
    """Problems of a bulk file against a mapping: action/document pairs, known fields, vector sizes."""
    props = mapping_doc["mappings"]["properties"]
    dims = (props["chunks"]["properties"].get("embedding") or {}).get("dimension")
    problems = []
    lines = bulk_path.read_text(encoding="utf-8").splitlines()
    if len(lines) % 2:
        problems.append(f"{len(lines)} lines: a bulk file has an action line before every document")
    for i in range(0, len(lines) - 1, 2):
        action, doc = json.loads(lines[i]), json.loads(lines[i + 1])
        if list(action) != ["index"] or action["index"].get("_id") != doc.get("id"):
            problems.append(f"line {i + 1}: action {action} does not index document {doc.get('id')}")
        for key in doc:
            if key not in props:
                problems.append(f"line {i + 2}: field {key!r} is not in the mapping")
        for ch in doc.get("chunks", []):
            unknown = set(ch) - set(props["chunks"]["properties"])
            if unknown:
                problems.append(f"line {i + 2}: chunk fields {sorted(unknown)} are not in the mapping")
            if dims and len(ch.get("embedding", [])) != dims:
                problems.append(
                    f"line {i + 2}: embedding of {len(ch.get('embedding', []))} values, mapping says {dims}"
                )
    return problems
