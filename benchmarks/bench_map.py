"""Server time of the map of the Americas (issue 19: /map at most 150 ms at 10,000 cases).

    python -m benchmarks.bench_map --sizes 10000 [--index-root DIR] [--repeat 30]

For each size, in one process: the app from ``webapp.create_app`` over the ``hash-bench-768`` index
of ``bench_search`` (generated under ``--index-root`` when missing), with the Searcher's result cache
off. Each page is requested once to warm it (imports, templates, the shapes file), then timed
``--repeat`` times through Flask's test client, the languages in turn: the time from request to the
last byte of the rendered page in this process — the server's time, without a network or a client.

- ``map``: /map, the whole library;
- ``map-filtered``: /map with a pillar, an evaluation stage and a start year;
- ``api-map``: /api/map, the same numbers as JSON.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from benchmarks.bench_search import hash_embedder
from benchmarks.page_cli import run_page_benchmark

GOAL_MS = 150.0
LANGS = ("es", "pt", "en")
PAGES = {
    "map": [f"/map?lang={lang}" for lang in LANGS],
    "map-filtered": [f"/map?pillars=prevention&evidence_stage=evaluated&year_from=2000&lang={lang}" for lang in LANGS],
    "api-map": [f"/api/map?pillars=prevention&lang={lang}" for lang in LANGS],
}


def measure(index_dir: Path, repeat: int = 30) -> dict:
    from indexer.search import Searcher
    from webapp import create_app

    searcher = Searcher.open(index_dir, embedder=hash_embedder(), result_cache=0)
    client = create_app({"SEARCHER": searcher, "INDEX_DIR": str(index_dir)}).test_client()
    rows = {}
    for kind, urls in PAGES.items():
        for url in urls:  # warm: imports, templates, each language's catalog
            if client.get(url).status_code != 200:
                raise RuntimeError(f"{url} did not answer 200")
        times = []
        for i in range(repeat):
            t = time.perf_counter()
            r = client.get(urls[i % len(urls)])
            r.get_data()
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        rows[kind] = {
            "n": len(times),
            "median": statistics.median(times),
            "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
            "max": times[-1],
        }
    return {"cases": len(searcher.case_ids()), "rows": rows}


def report(result: dict, note: str = "") -> None:
    extra = f"; {note}" if note else ""
    print(f"\n## /map, {result['cases']:,} cases (server time in process, no result cache{extra})")
    print("| page | requests | median ms | p95 ms | max ms | goal ≤ 150 ms (p95) |")
    print("|---|---|---|---|---|---|")
    for kind, r in result["rows"].items():
        ok = "met" if r["p95"] <= GOAL_MS else "**not met**"
        print(f"| {kind} | {r['n']} | {r['median']:.1f} | {r['p95']:.1f} | {r['max']:.1f} | {ok} |")


def main() -> None:
    run_page_benchmark(__doc__, measure, report)


if __name__ == "__main__":
    main()
