"""Web benchmark (issue #8): requests/s, latency and errors of a running server under bounded load.

    python -m benchmarks.bench_web --sizes 1000,10000 [--index-root DIR] [--requests 400] [--duration 60]

For each size the server runs in its own process (so its RSS is its own): the app from
``webapp.create_app`` with a warm ``Searcher`` on ``INDEX_ROOT/ix<N//1000>k`` (the 768-d
``hash-bench-768`` index of ``bench_search``), served by waitress with 8 threads on 127.0.0.1 and a
free port, with the same malloc settings (``indexer.memory.tune_malloc``), as
``caselib serve --no-index`` does (that command loads its model by name, and only
"hash-test*" names give a hash embedder, of 64 dimensions, so it cannot open these indexes).
A Python client then sends, over keep-alive connections from ``--concurrency`` threads, at most
``--requests`` requests or for at most ``--duration`` seconds, whichever ends first:

- ``keyword-repeat``: the same keyword query again and again (``/api/search?q=...&mode=keyword``);
- ``keyword-repeat-html``: the same, as the HTML results page (``/search?...``);
- ``mixed``: the benchmark queries in turn, cycling hybrid / keyword / semantic, every third
  request with a filter (countries=PA, 2005-2020) -- 36 distinct URLs, so after the first
  round these are answered from the Searcher's result cache;
- ``unique``: every request a query never asked before (three words drawn from the benchmark
  queries, hybrid), so no cache helps: the full cost of a search.

With ``--wrk`` (Debian's ``wrk`` installed), ``keyword-repeat`` is also measured by wrk, a C
client that costs the 2 cores far less than the Python one.

Reported: requests/s, latency median / p95 / p99, non-200 responses and connection errors, the
server's start to first answer, and its peak RSS (VmHWM from /proc/<pid>/status). Loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.bench_search import QUERIES, ensure_index

SERVER = """
import logging
import sys
from pathlib import Path
from waitress import create_server
from indexer.embedders import HashEmbedder
from indexer.memory import tune_malloc
from indexer.search import Searcher
from webapp import create_app
tune_malloc()  # as caselib serve does
if len(sys.argv) > 3 and sys.argv[3] == "model":  # resident like production's (it does not answer queries here)
    from indexer.embedders import load_embedder
    resident_model = load_embedder()
    resident_model.encode_query(["warm up"])
logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth" lines under load
index_dir = Path(sys.argv[1])
searcher = Searcher.open(index_dir, embedder=HashEmbedder(dim=768, name="hash-bench-768"))
app = create_app({"SEARCHER": searcher, "INDEX_DIR": str(index_dir)})
server = create_server(app, host="127.0.0.1", port=0, threads=int(sys.argv[2]), ident="caselib")
print("PORT", server.effective_port, flush=True)
server.run()
"""


def proc_status(pid: int) -> dict[str, float]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":")[0]
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(line.split()[1]) / 1024
    return out


def start_server(index_dir: Path, threads: int = 8, model: bool = False) -> tuple[subprocess.Popen, int, float]:
    """The server process, its port, and seconds from spawn to the first answered search.

    ``model``: also load the packaged model into the server, so its memory is counted."""
    t = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    args = [sys.executable, "-c", SERVER, str(index_dir), str(threads), "model" if model else "-"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise RuntimeError(f"server did not start: {line!r}")
    port = int(line.split()[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/api/search?" + urlencode({"q": QUERIES[0]}))
    conn.getresponse().read()
    conn.close()
    return proc, port, time.perf_counter() - t


SCENARIOS = ("keyword-repeat", "keyword-repeat-html", "mixed", "unique")


def paths(kind: str, n: int = 400) -> list[str]:
    if kind == "keyword-repeat":
        return ["/api/search?" + urlencode({"q": "community policing", "mode": "keyword"})]
    if kind == "keyword-repeat-html":
        return ["/search?" + urlencode({"q": "community policing", "mode": "keyword"})]
    if kind == "unique":
        words = sorted({w for q in QUERIES for w in q.split() if len(w) > 3})
        rng = random.Random(8)
        seen: set[str] = set()
        while len(seen) < n:
            seen.add(" ".join(rng.sample(words, 3)))
        return ["/api/search?" + urlencode({"q": q, "mode": "hybrid"}) for q in sorted(seen)]
    out = []
    modes = ("hybrid", "keyword", "semantic")
    for i in range(len(QUERIES) * 3):
        params = {"q": QUERIES[i % len(QUERIES)], "mode": modes[i % 3]}
        if i % 3 == 2:
            params.update({"countries": "PA", "year_from": 2005, "year_to": 2020})
        out.append("/api/search?" + urlencode(params))
    return out


def load(port: int, urls: list[str], requests: int, duration: float, concurrency: int) -> dict:
    """Bounded closed-loop load: ``concurrency`` keep-alive clients share a request budget."""
    lock = threading.Lock()
    budget = {"next": 0}
    lat: list[float] = []
    status: dict[str, int] = {}
    deadline = time.perf_counter() + duration

    def take() -> int | None:
        with lock:
            i = budget["next"]
            if i >= requests or time.perf_counter() > deadline:
                return None
            budget["next"] = i + 1
            return i

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while (i := take()) is not None:
            t = time.perf_counter()
            try:
                conn.request("GET", urls[i % len(urls)])
                resp = conn.getresponse()
                resp.read()
                key = str(resp.status)
            except (OSError, http.client.HTTPException) as exc:
                key = exc.__class__.__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            dt = time.perf_counter() - t
            with lock:
                lat.append(dt)
                status[key] = status.get(key, 0) + 1
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    lat.sort()

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(round(p * (len(lat) - 1))))] * 1000 if lat else float("nan")

    return {
        "n": len(lat),
        "wall": wall,
        "rps": len(lat) / wall if wall else 0.0,
        "median": statistics.median(lat) * 1000 if lat else float("nan"),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": sum(v for k, v in status.items() if k != "200"),
        "status": status,
    }


def wrk(port: int, url: str, duration: float, concurrency: int) -> dict:
    """Requests/s and errors of Debian's wrk (2 threads) on one URL."""
    cmd = ["wrk", "-t2", f"-c{concurrency}", f"-d{int(duration)}s", "--latency", f"http://127.0.0.1:{port}{url}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    n = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)

    def ms(label: str) -> float:
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    return {
        "n": n,
        "wall": duration,
        "rps": rps,
        "median": ms("50"),
        "p95": float("nan"),
        "p99": ms("99"),
        "errors": errors,
        "status": {},
    }


def _free_port_check() -> None:
    with socket.socket() as s:  # loopback must be usable; fail early otherwise
        s.bind(("127.0.0.1", 0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--index-root", type=Path, default=Path("/tmp"))
    ap.add_argument("--requests", type=int, default=400, help="per scenario, at most")
    ap.add_argument("--duration", type=float, default=60.0, help="per scenario, seconds, at most")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    ap.add_argument("--wrk", action="store_true", help="also measure keyword-repeat with Debian's wrk")
    ap.add_argument(
        "--with-model",
        action="store_true",
        help="load the packaged model into the server too (resident, as in production; queries still use the "
        "hash-bench-768 vectors), so the memory figures include it",
    )
    ap.add_argument("--note", default="", help="a remark printed with each table (e.g. 'idle machine')")
    args = ap.parse_args()
    _free_port_check()
    if args.wrk and shutil.which("wrk") is None:
        ap.error("--wrk needs Debian's wrk: apt-get install wrk")
    note = f"; {args.note}" if args.note else ""
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        index_dir = ensure_index(size, args.index_root, args.index_root)
        proc, port, cold = start_server(index_dir, args.threads, args.with_model)
        try:
            rows = {
                kind: load(port, paths(kind, args.requests), args.requests, args.duration, args.concurrency)
                for kind in SCENARIOS
            }
            if args.wrk:
                rows["keyword-repeat (wrk)"] = wrk(port, paths("keyword-repeat")[0], args.duration, args.concurrency)
            mem = proc_status(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        print(f"\n## Web, {size:,} cases (waitress {args.threads} threads, {args.concurrency} clients, loopback{note})")
        print("| scenario | requests | req/s | median ms | p95 ms | p99 ms | errors |")
        print("|---|---|---|---|---|---|---|")
        for kind, r in rows.items():
            print(
                f"| {kind} | {r['n']} in {r['wall']:.1f} s | {r['rps']:.1f} | {r['median']:.0f} | {r['p95']:.0f} "
                f"| {r['p99']:.0f} | {r['errors']} |"
            )
        print(
            f"\nserver start to first answer: {cold:.2f} s; server RSS now {mem['VmRSS']:.0f} MB, "
            f"peak (VmHWM) {mem['VmHWM']:.0f} MB"
        )
        print("RESULT " + json.dumps({"size": size, "cold_s": cold, "mem": mem, "rows": rows}), file=sys.stderr)


if __name__ == "__main__":
    main()
