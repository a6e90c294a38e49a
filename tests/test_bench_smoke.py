"""The search benchmark's core runs end to end on a tiny synthetic library (so it cannot silently break)."""

from __future__ import annotations

from benchmarks import bench_search, bench_web
from benchmarks.synth import generate
from indexer.build import build_index


def test_bench_search_core_on_30_cases(tmp_path, capsys):
    cases = generate(tmp_path / "syn30", 30)
    index_dir = tmp_path / "ix30"
    build_index(cases, index_dir, embedder=bench_search.hash_embedder(), log=lambda m: None)
    out = bench_search.measure(index_dir, bench_search.QUERIES[:3], repeat=1)
    assert out["cases"] == 30 and out["chunks"] > 30
    for mode in bench_search.MODES:
        for fkey in ("none", "filter"):
            assert len(out["latency_ms"][f"{mode}/{fkey}"]) == 3
            assert all(t > 0 for t in out["latency_ms"][f"{mode}/{fkey}"])
    assert out["rss_end_mb"]["hwm"] > 0
    out.update(import_s=0.0, process_to_first_answer_s=0.0)
    assert len(out["latency_ms"]["whoosh/none"]) == 3  # the before-figure: Whoosh's own search
    bench_search.report([out], (1.0, [5.0, 6.0, 7.0], 90.0, "some-model"))
    printed = capsys.readouterr().out
    assert "| hybrid | countries=PA, 2005-2020 |" in printed and "encode one query" in printed
    assert "(some-model, CPU)" in printed and "hybrid + encode of a new query at 30 cases" in printed
    assert "Whoosh's own search" in printed


def test_bench_web_paths():
    assert len(bench_web.paths("keyword-repeat")) == 1
    unique = bench_web.paths("unique", 50)
    assert len(set(unique)) == 50  # no two requests of the no-cache scenario are the same
    mixed = bench_web.paths("mixed")
    assert any("mode=semantic" in p for p in mixed) and any("countries=PA" in p for p in mixed)


def test_bench_map_on_30_cases(tmp_path, capsys):
    from benchmarks import bench_map

    cases = generate(tmp_path / "syn30", 30)
    index_dir = tmp_path / "ix30"
    build_index(cases, index_dir, embedder=bench_search.hash_embedder(), log=lambda m: None)
    out = bench_map.measure(index_dir, repeat=3)
    assert out["cases"] == 30 and set(out["rows"]) == set(bench_map.PAGES)
    assert all(r["n"] == 3 and r["median"] > 0 for r in out["rows"].values())
    bench_map.report(out)
    assert "| map-filtered | 3 |" in capsys.readouterr().out


def test_bench_pages_on_30_cases(tmp_path, capsys):
    from benchmarks import bench_pages

    cases = generate(tmp_path / "syn30", 30)
    index_dir = tmp_path / "ix30"
    build_index(cases, index_dir, embedder=bench_search.hash_embedder(), log=lambda m: None)
    out = bench_pages.measure(index_dir, repeat=2)
    assert out["cases"] == 30
    assert set(out["rows"]) == {
        "start",
        "search-reference",
        "start-no-description",
        "evidence-problems",
        "evidence-themes",
        "evidence-countries",
        "evidence-filtered",
    }
    assert all(r["n"] == 2 and r["median"] > 0 for r in out["rows"].values())
    urls = bench_pages.start_urls(20)
    assert len(set(urls)) == 20 and all("q=" in u for u in urls)  # no two timed /start requests alike
    bench_pages.report(out)
    assert "| evidence-countries | 2 |" in capsys.readouterr().out
