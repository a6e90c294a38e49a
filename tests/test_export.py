"""Data releases: caselib export / restore round-trip, manifest checksums, CSV safety, OpenSearch bulk."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from caselib.cli import main
from indexer.evaluate import load_judged_queries
from indexer.export import export_library, restore, safe_cell, verify_release, write_csv
from indexer.opensearch import check_bulk, export_opensearch, mapping
from indexer.search import Searcher

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def release(tmp_path_factory, cases_dir) -> Path:
    out = tmp_path_factory.mktemp("release")
    export_library(cases_dir, out, collections_dir=ROOT / "collections")
    return out


def test_release_holds_every_case_and_a_manifest_that_verifies(release, cases_dir):
    manifest = json.loads((release / "manifest.json").read_text())
    n_files = len(list(cases_dir.glob("*.md")))
    lines = (release / "cases.jsonl").read_text().splitlines()
    assert manifest["counts"]["cases"] == len(lines) == len(json.loads((release / "cases.json").read_text())["cases"])
    assert manifest["counts"]["cases"] + manifest["counts"]["translations"] == n_files
    assert manifest["counts"]["collections"] >= 4
    assert {"cases.jsonl", "cases.csv", "schema/case.schema.json", "schema/vocabulary.yml", "README.md"} <= set(
        manifest["files"]
    )
    assert verify_release(release) == []
    with (release / "cases.csv").open("a") as f:  # a damaged copy is caught
        f.write("x")
    try:
        assert verify_release(release) == ["cases.csv"]
    finally:
        export_library(cases_dir, release, collections_dir=ROOT / "collections")


def test_readme_describes_the_fields_in_three_languages(release):
    text = (release / "README.md").read_text()
    parts = text.split("\n## ")[1:]
    assert [p.splitlines()[0] for p in parts] == ["English", "Español", "Português"]
    record = json.loads((release / "cases.jsonl").read_text().splitlines()[0])
    for part in parts:  # every field of a record and every file of the release is described in each language
        files = [f for f in json.loads((release / "manifest.json").read_text())["files"] if f != "README.md"]
        for key in [*record, *files, "manifest.json"]:
            name = key.split("/")[0] + "/" if "/" in key else key
            assert f"`{name}`" in part, (part.splitlines()[0], key)


def test_restored_library_indexes_to_the_same_cases_and_results(release, tmp_path, build, hash_searcher, hash_embedder):
    cases = tmp_path / "cases"
    assert restore(release / "cases.jsonl", cases) == hash_searcher.records().__len__()
    build(cases, tmp_path / "index")
    again = Searcher.open(tmp_path / "index", embedder=hash_embedder)
    assert again.case_ids() == hash_searcher.case_ids()
    for q in load_judged_queries(ROOT / "eval" / "judged-queries.yml")[:20]:
        before = [h.id for h in hash_searcher.search(q["query"]).hits]
        after = [h.id for h in again.search(q["query"]).hits]
        assert after == before, q["query"]


def test_restore_refuses_a_record_with_a_path_for_an_id(tmp_path):
    bad = tmp_path / "cases.jsonl"
    bad.write_text(json.dumps({"id": "../../etc/x", "front_matter": {}, "body": ""}) + "\n")
    with pytest.raises(ValueError, match="invalid id"):
        restore(bad, tmp_path / "out")
    assert not (tmp_path / "out" / "x.md").exists()


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_look_like_formulas_are_neutralised(value):
    assert safe_cell(value) == "'" + value
    row = next(csv.reader(io.StringIO(write_csv([[value]]))))
    assert row[0].startswith("'")


def test_csv_keeps_ordinary_text_unchanged():
    assert safe_cell("Vecinos Vigilantes") == "Vecinos Vigilantes"
    assert safe_cell(None) == ""


def test_cli_export_and_restore(tmp_path, cases_dir):
    runner = CliRunner()
    out = tmp_path / "rel"
    res = runner.invoke(main, ["export", "--out", str(out), "--cases", str(cases_dir), "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    assert (out / "cases.jsonl").exists() and not (out / "cases.csv").exists()
    res = runner.invoke(main, ["restore", str(out / "cases.jsonl"), "--cases", str(tmp_path / "back")])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "back").glob("*.md")) == sorted(p.name for p in cases_dir.glob("*.md"))
    res = runner.invoke(main, ["check", str(tmp_path / "back")])
    assert res.exit_code == 0, res.output


def test_opensearch_bulk_matches_its_mapping(tmp_path, cases_dir, hash_index):
    info = export_opensearch(cases_dir, tmp_path, hash_index)
    doc_mapping = json.loads((tmp_path / "opensearch-mapping.json").read_text())
    lines = (tmp_path / "opensearch-bulk.ndjson").read_text().splitlines()
    assert len(lines) == 2 * info["documents"] > 0
    assert check_bulk(doc_mapping, tmp_path / "opensearch-bulk.ndjson") == []
    first = json.loads(lines[1])
    assert first["chunks"] and len(first["chunks"][0]["embedding"]) == info["dimensions"]
    assert doc_mapping["mappings"]["properties"]["chunks"]["type"] == "nested"
    assert doc_mapping["mappings"]["properties"]["body_es"]["analyzer"] == "spanish"
    for facet in ("countries", "pillars", "themes", "evidence_rating"):
        assert doc_mapping["mappings"]["properties"][facet]["type"] == "keyword"


def test_check_bulk_finds_a_field_outside_the_mapping(tmp_path):
    m = mapping(4)
    bulk = tmp_path / "b.ndjson"
    bulk.write_text(
        json.dumps({"index": {"_id": "a"}}) + "\n" + json.dumps({"id": "a", "colour": "red", "chunks": []}) + "\n"
    )
    assert any("colour" in p for p in check_bulk(m, bulk))
