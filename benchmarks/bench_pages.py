"""Server time of the /start and /evidence pages (issue 19: at most 150 ms each at 10,000 cases).

    python -m benchmarks.bench_pages --sizes 10000 [--index-root DIR] [--repeat 30]

For each size, in one process: the app from ``webapp.create_app`` over the ``hash-bench-768`` index
of ``bench_search`` (generated under ``--index-root`` when missing), with the Searcher's result cache
off, so every request does the page's whole work. Each page is requested once to warm it (imports,
templates, the speller's word lists), then timed ``--repeat`` times through Flask's test client:
the time from request to the last byte of the rendered page, in this process — the server's time,
without a network or a client — and the process's CPU time for it (all its threads), which a
shared machine's waiting for a core does not inflate. Pages:

- ``start``: /start with a problem, a population, a setting, a country and a description, every
  request a different combination and a description never asked before (no cache helps);
- ``start-no-description``: the same without a description (masks and counts only);
- ``search-reference``: the /search results page of new descriptions of the same kind (hybrid): the page
  /start builds on, measured in the same run, so a loaded machine's figures can still be compared;
- ``evidence-problems``, ``evidence-themes``, ``evidence-countries``: each view of /evidence,
  the languages in turn; ``evidence-filtered``: problems × evidence with a pillar filter.
"""

from __future__ import annotations

import itertools
import random
import statistics
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from benchmarks.bench_search import QUERIES, hash_embedder
from benchmarks.page_cli import run_page_benchmark

GOAL_MS = 150.0
LANGS = ("es", "pt", "en")


def start_urls(n: int, description: bool = True, seed: int = 19) -> list[str]:
    """``n`` distinct /start URLs (a new description each time when ``description``)."""
    from indexer import vocab
    from indexer.regions import OAS_MEMBERS

    rng = random.Random(seed)
    words = sorted({w for q in QUERIES for w in q.split() if len(w) > 3})
    combos = itertools.product(
        vocab.enum_values("problems"), vocab.enum_values("target_population"), vocab.enum_values("setting")
    )
    combos = list(combos)
    rng.shuffle(combos)
    out, seen = [], set()
    for (problem, population, setting), lang in zip(combos, itertools.cycle(LANGS)):
        params = {"problems": problem, "target_population": population, "setting": setting}
        params["countries"] = rng.choice(OAS_MEMBERS)
        if description:
            text = " ".join(rng.sample(words, 4))
            if text in seen:
                continue
            seen.add(text)
            params["q"] = text
        params["lang"] = lang
        out.append("/start?" + urlencode(params))
        if len(out) == n:
            break
    return out


def page_urls(repeat: int) -> dict[str, list[str]]:
    views = {
        f"evidence-{v}": [f"/evidence?view={v}&lang={lang}" for lang in LANGS]
        for v in ("problems", "themes", "countries")
    }
    start = start_urls(repeat)
    reference = [
        "/search?" + urlencode({"q": dict(parse_qsl(urlsplit(u).query))["q"]}) for u in start_urls(repeat, seed=8)
    ]
    return {
        "start": start,
        "search-reference": reference,
        "start-no-description": start_urls(repeat, description=False),
        **views,
        "evidence-filtered": [f"/evidence?view=problems&pillars=prevention&lang={lang}" for lang in LANGS],
    }


def measure(index_dir: Path, repeat: int = 30) -> dict:
    from indexer.search import Searcher
    from webapp import create_app

    searcher = Searcher.open(index_dir, embedder=hash_embedder(), result_cache=0)
    app = create_app({"SEARCHER": searcher, "INDEX_DIR": str(index_dir)})
    client = app.test_client()
    rows = {}
    for kind, urls in page_urls(repeat).items():
        warm = client.get(urls[0])
        if warm.status_code != 200:
            raise RuntimeError(f"{urls[0]} answered {warm.status_code}")
        times, cpu = [], []
        for i in range(repeat):
            url = urls[(i + 1) % len(urls)] if len(urls) > 1 else urls[0]
            t, c = time.perf_counter(), time.process_time()
            r = client.get(url)
            r.get_data()
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            if r.status_code != 200:
                raise RuntimeError(f"{url} answered {r.status_code}")
        times.sort()
        cpu.sort()
        rows[kind] = {
            "n": len(times),
            "median": statistics.median(times),
            "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
            "max": times[-1],
            "cpu_median": statistics.median(cpu),
            "cpu_p95": cpu[min(len(cpu) - 1, round(0.95 * (len(cpu) - 1)))],
        }
    return {"cases": len(searcher.case_ids()), "rows": rows}


def report(result: dict, note: str = "") -> None:
    extra = f"; {note}" if note else ""
    print(f"\n## /start and /evidence, {result['cases']:,} cases (server time in process, no result cache{extra})")
    print("| page | requests | median ms | p95 ms | max ms | CPU median / p95 ms | goal ≤ 150 ms (p95) |")
    print("|---|---|---|---|---|---|---|")
    for kind, r in result["rows"].items():
        ok = "met" if r["p95"] <= GOAL_MS else "**not met**"
        cpu = f"{r['cpu_median']:.1f} / {r['cpu_p95']:.1f}"
        print(f"| {kind} | {r['n']} | {r['median']:.1f} | {r['p95']:.1f} | {r['max']:.1f} | {cpu} | {ok} |")


def main() -> None:
    run_page_benchmark(__doc__, measure, report)


if __name__ == "__main__":
    main()
