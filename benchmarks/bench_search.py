"""Query benchmark (issue #8): warm latency per mode, with and without filters, cold start, peak RSS.

    python -m benchmarks.bench_search --sizes 1000,10000 [--index-root DIR] [--queries N] [--repeat R]

For each size N the index ``INDEX_ROOT/ix<N//1000>k`` (e.g. /tmp/ix10k) is opened, built (or
brought up to date) from ``/tmp/syn<N//1000>k`` (generated with ``benchmarks.synth`` when missing),
always with ``hash_embedder()`` (``HashEmbedder(dim=768, name="hash-bench-768")``): vectors of the
default model's shape (multilingual-e5-small and all-MiniLM-L6-v2 side by side, 2 x 384), no model,
so these are search-path figures, never quality figures. Each size runs in a fresh subprocess so that
cold start and peak RSS (VmHWM) belong to that size alone.

Per size: cold start (``Searcher.open`` and the first hybrid query), warm latency of
``Searcher.search`` per mode (keyword, semantic, hybrid) without and with a filter
(countries=PA, years 2005-2020), median and p95 over every query x repeat, with the result cache
off, and a reference measured in the same process: the raw cost of the parts (one sum of the
query's keyword-matrix rows; one ``VectorIndex.case_scores`` matrix product), so the ratio shows
what ``Searcher`` adds (fusion, facets, snippets, suggestions). Whoosh's own search of each query
(top 100, same filter; the keyword engine before issue #8) is timed once per query for comparison.
Query vectors are cached by the Searcher, so warm semantic/hybrid figures exclude encoding; the
real default model's query-encoding time is measured separately, and "hybrid + encode" adds each
query's encoding to its hybrid search time (paired by query and run): a new query in production.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

QUERIES = [
    "community policing",  # short, English
    "policía comunitaria",  # short, Spanish
    "youth violence prevention in neighbourhoods",
    "prevención de la violencia juvenil en los barrios",
    "officers trained to apply a new domestic violence protocol with community leaders in rural areas",
    "cómo compartir información sobre crimen organizado con la policía nacional y las autoridades locales",
    "crime observatory data analysis",
    "trata de personas en la frontera",
    "firearms control funding from an international partner",
    "rendición de cuentas y transparencia policial",
    "victimization surveys",
    "capacitación policial",
]
FILTER = {"countries": ["PA"]}
YEARS = (2005, 2020)
MODES = ("keyword", "semantic", "hybrid")


def _q(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return statistics.median(values), p95


def rss_mb() -> dict[str, float]:
    """Current and peak resident set of this process, MB (/proc/self/status; getrusage as fallback)."""
    out = {"rss": 0.0, "hwm": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out["rss"] = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                out["hwm"] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return out


BENCH_DIM = 768  # the default model's dimensions (two 384-d models side by side)
BENCH_NAME = f"hash-bench-{BENCH_DIM}"


def hash_embedder():
    from indexer.embedders import HashEmbedder

    return HashEmbedder(dim=BENCH_DIM, name=BENCH_NAME)


def ensure_index(size: int, index_root: Path, cases_root: Path) -> Path:
    """The hash-bench index for ``size`` cases, built (and its library generated) if missing."""
    from benchmarks.synth import generate
    from indexer.build import build_index

    tag = f"{size // 1000}k" if size >= 1000 else str(size)
    index_dir = index_root / f"ix{tag}"
    cases_dir = cases_root / f"syn{tag}"
    if len(list(cases_dir.glob("*.md"))) != size:
        generate(cases_dir, size)
    # a no-op when the index is current; a full build when missing or of an older format
    report = build_index(cases_dir, index_dir, embedder=hash_embedder(), log=lambda m: None, progress=False)
    if report.swapped:
        print(f"built {index_dir}: {report.summary()}", file=sys.stderr, flush=True)
    return index_dir


def measure(index_dir: Path, queries: list[str], repeat: int = 5) -> dict:
    """Open a Searcher on ``index_dir`` (hash-bench embedder) and time it; returns a dict of figures.

    The first call in a process gives the cold-start figures (imports are done before timing)."""
    from indexer.search import CANDIDATES, Searcher

    t0 = time.perf_counter()
    # no result cache: every timed search does the whole work (query vectors stay cached, see below)
    searcher = Searcher.open(index_dir, embedder=hash_embedder(), result_cache=0)
    t_open = time.perf_counter() - t0
    t1 = time.perf_counter()
    searcher.search(queries[0], mode="hybrid")
    first_answer_at = time.perf_counter()
    t_first = first_answer_at - t1
    after_open = rss_mb()
    st = searcher._state  # the parts, for the reference
    n_cases, n_chunks = len(st.catalog), int(st.vectors.vectors.shape[0])
    for q in queries:  # warm every query once (query-vector cache, Whoosh caches, page cache)
        for mode in MODES:
            searcher.search(q, mode=mode)
            searcher.search(q, mode=mode, filters=FILTER, years=YEARS)
    cells: dict[str, dict[str, list[float]]] = {}
    totals: dict[str, list[int]] = {}
    for filtered in (False, True):
        kw = {"filters": FILTER, "years": YEARS} if filtered else {}
        fkey = "filter" if filtered else "none"
        ref_kw, ref_vec, whoosh = [], [], []
        for q in queries:  # the engine before issue #8: Whoosh's own search (top 100, same filter), once
            t = time.perf_counter()
            st.keyword.search(q, kw.get("filters"), kw.get("years", (None, None)), limit=CANDIDATES)
            whoosh.append(time.perf_counter() - t)
        for _ in range(repeat):
            for q in queries:
                # reference: the raw parts, one sum of the query's keyword-matrix rows and one matrix product
                t = time.perf_counter()
                st.keyword.scores(q)
                ref_kw.append(time.perf_counter() - t)
                qv = searcher.embed_query(q)  # cached: no encoding inside the timing
                t = time.perf_counter()
                st.vectors.case_scores(qv)
                ref_vec.append(time.perf_counter() - t)
                for mode in MODES:
                    t = time.perf_counter()
                    res = searcher.search(q, mode=mode, **kw)
                    cells.setdefault(f"{mode}/{fkey}", {}).setdefault("t", []).append(time.perf_counter() - t)
                    totals.setdefault(f"{mode}/{fkey}", []).append(res.total)
        cells[f"ref-keyword/{fkey}"] = {"t": ref_kw}
        cells[f"whoosh/{fkey}"] = {"t": whoosh}
        cells[f"ref-vector/{fkey}"] = {"t": ref_vec}
        cells[f"ref-hybrid/{fkey}"] = {"t": [a + b for a, b in zip(ref_kw, ref_vec, strict=True)]}
    return {
        "index": str(index_dir),
        "cases": n_cases,
        "chunks": n_chunks,
        "first_answer_at": first_answer_at,
        "open_s": t_open,
        "first_query_s": t_first,
        "rss_after_open_mb": after_open,
        "rss_end_mb": rss_mb(),
        "latency_ms": {k: [x * 1000 for x in v["t"]] for k, v in cells.items()},
        "mean_total": {k: statistics.mean(v) for k, v in totals.items()},
    }


def _child(index_dir: Path, queries: list[str], repeat: int, started: float) -> None:
    imported = time.perf_counter()
    import indexer.search  # noqa: F401 - the imports are part of a cold start

    t_import = time.perf_counter() - imported
    out = measure(index_dir, queries, repeat)
    out["import_s"] = t_import
    out["process_to_first_answer_s"] = out["first_answer_at"] - started
    print("RESULT " + json.dumps(out))


def encode_times(queries: list[str], repeat: int) -> tuple[float, list[float], float, str]:
    """Load time of the default model, its per-query encode times (one query at a time, as the
    Searcher encodes a new query: every model of the default) and the resident memory it adds to a
    process that already has torch (as a search server does)."""
    import torch  # noqa: F401 - the search path loads torch anyway

    from indexer.embedders import load_embedder

    before = rss_mb()["rss"]
    t = time.perf_counter()
    emb = load_embedder()
    load = time.perf_counter() - t
    emb.encode_query(["warm up"])
    model_mb = rss_mb()["rss"] - before
    times = []
    for _ in range(repeat):
        for q in queries:
            t = time.perf_counter()
            emb.encode_query([q])
            times.append((time.perf_counter() - t) * 1000)
    return load, times, model_mb, emb.name


def report(results: list[dict], enc: tuple[float, list[float], float, str] | None, note: str = "") -> None:
    note = f"; {note}" if note else ""
    for r in results:
        lat = r["latency_ms"]
        print(f"\n## {r['cases']:,} cases, {r['chunks']:,} chunks ({BENCH_NAME} index{note})")
        print(
            "| mode | filter | Searcher median / p95, ms | reference median / p95, ms | ratio (medians) | mean hits |"
        )
        print("|---|---|---|---|---|---|")
        for mode in MODES:
            for fkey, label in (("none", "none"), ("filter", "countries=PA, 2005-2020")):
                m, p = _q(lat[f"{mode}/{fkey}"])
                ref = "ref-vector" if mode == "semantic" else f"ref-{mode}"
                rm, rp = _q(lat[f"{ref}/{fkey}"])
                total = r["mean_total"][f"{mode}/{fkey}"]
                print(f"| {mode} | {label} | {m:.1f} / {p:.1f} | {rm:.2f} / {rp:.2f} | {m / rm:.1f}x | {total:.0f} |")
        print("\n| Whoosh's own search of the same queries (the keyword engine before issue #8) | median / p95, ms |")
        print("|---|---|")
        for fkey, label in (("none", "no filter"), ("filter", "countries=PA, 2005-2020")):
            m, p = _q(lat[f"whoosh/{fkey}"])
            print(f"| top 100, {label} | {m:.1f} / {p:.1f} |")
        print("\n| cold start | value |\n|---|---|")
        print(f"| import indexer.search, s | {r['import_s']:.2f} |")
        print(f"| Searcher.open, s | {r['open_s']:.2f} |")
        print(f"| first hybrid query, s | {r['first_query_s']:.2f} |")
        print(f"| process start to first answer, s | {r['process_to_first_answer_s']:.2f} |")
        print(f"| RSS after open + first query, MB | {r['rss_after_open_mb']['rss']:.0f} |")
        print(f"| peak RSS (VmHWM) after the whole run, MB | {r['rss_end_mb']['hwm']:.0f} |")
    if enc is not None:
        load, times, model_mb, name = enc
        m, p = _q(times)
        print(f"\n## Real model query encoding ({name}, CPU{note})")
        print("| figure | value |\n|---|---|")
        print(f"| model load, s | {load:.1f} |")
        print(f"| resident memory the model adds (torch already loaded), MB | {model_mb:.0f} |")
        print(f"| encode one query, ms | median {m:.1f}, p95 {p:.1f} |")
        for r in results:
            hyb = r["latency_ms"]["hybrid/none"]
            if len(hyb) == len(times):  # same queries, same runs, same order: one new query each
                hm, hp = _q([a + b for a, b in zip(hyb, times, strict=True)])
                print(f"| hybrid + encode of a new query at {r['cases']:,} cases, ms | median {hm:.1f}, p95 {hp:.1f} |")
        print("\nIn production a new query's semantic/hybrid latency = the search + this encode")
        print("(repeated queries hit the Searcher's 1,024-entry query-vector cache).")


def main() -> None:
    started = time.perf_counter()  # after the interpreter and this module are loaded
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--index-root", type=Path, default=Path("/tmp"), help="holds ix1k, ix10k, ... (built if missing)")
    ap.add_argument("--cases-root", type=Path, default=None, help="holds syn1k, ...; default: --index-root")
    ap.add_argument("--queries", type=int, default=len(QUERIES), help=f"how many of the {len(QUERIES)} queries")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-model", action="store_true", help="skip the real-model encoding row")
    ap.add_argument("--note", default="", help="a remark printed with each table (e.g. 'idle machine')")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    queries = QUERIES[: max(1, args.queries)]
    if args.child:
        _child(args.child, queries, args.repeat, started)
        return
    results = []
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        index_dir = ensure_index(size, args.index_root, args.cases_root or args.index_root)
        cmd = [sys.executable, "-m", "benchmarks.bench_search", "--child", str(index_dir)]
        cmd += ["--queries", str(len(queries)), "--repeat", str(args.repeat)]
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
        line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
        results.append(json.loads(line[len("RESULT ") :]))
        print(f"measured {size} cases", file=sys.stderr, flush=True)
    enc = None if args.no_model else encode_times(queries, args.repeat)
    report(results, enc, args.note)


if __name__ == "__main__":
    main()
