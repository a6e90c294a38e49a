"""Every benchmark in one command, printing the tables of docs/benchmarks.md.

    python -m benchmarks [--sizes 1000,10000,100000] [--root /tmp] [--quick] [--note "idle machine"]

Runs, one after the other (never in parallel: they would measure each other):

1. ``bench_index``: full build vs raw ``model.encode`` (100 cases, packaged model), and the
   one-case incremental update at 10,000 cases;
2. ``bench_search``: cold start, warm latency per mode with and without a filter, peak RSS, at
   each size, and the real model's query-encoding time;
3. ``bench_web``: requests/s, latency and errors of the served app at each size, and the server's
   peak RSS with the packaged model resident (as in production);
4. ``bench_map``: the server time of /map and /api/map at each size (goal: 150 ms at 10,000 cases);
5. ``bench_pages``: the server time of the /start and /evidence pages at each size (goal: 150 ms
   at 10,000 cases).

Synthetic libraries and their hash-embedder indexes are generated under ``--root`` when missing
(the 100,000-case library takes about 40 minutes to build here, once). ``--quick`` shrinks every
run for a smoke check (sizes 1000, fewer repeats); its figures are not for the docs.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time


def run(args: list[str]) -> None:
    cmd = [sys.executable, "-m", *args]
    print(f"\n<!-- {' '.join(cmd[1:])} -->", flush=True)
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    print(f"<!-- {time.perf_counter() - t:.0f} s -->", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--root", default="/tmp", help="where syn<N>k/ and ix<N>k/ live (generated if missing)")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 1,000 cases, few repeats")
    ap.add_argument("--note", default="", help="a remark printed with each table (e.g. 'idle machine')")
    ap.add_argument("--skip", default="", help="comma-separated: index, search, web, map, pages")
    args = ap.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    sizes = "1000" if args.quick else args.sizes
    note = ["--note", args.note] if args.note else []
    if "index" not in skip:
        cases, big, repeat = ("20", "1000", "1") if args.quick else ("100", "10000", "3")
        run(["benchmarks.bench_index", "--cases", cases, "--big", big, "--repeat", repeat, "--base-root", args.root])
    if "search" not in skip:
        repeat = "1" if args.quick else "3"
        run(["benchmarks.bench_search", "--sizes", sizes, "--index-root", args.root, "--repeat", repeat, *note])
    if "web" not in skip:
        web = ["benchmarks.bench_web", "--sizes", sizes, "--index-root", args.root, "--with-model", *note]
        web += ["--requests", "300", "--duration", "10"] if args.quick else ["--requests", "3000", "--duration", "20"]
        if shutil.which("wrk"):
            web.append("--wrk")
        run(web)
    if "map" not in skip:
        repeat = "5" if args.quick else "30"
        run(["benchmarks.bench_map", "--sizes", sizes, "--index-root", args.root, "--repeat", repeat, *note])
    if "pages" not in skip:
        repeat = "5" if args.quick else "30"
        run(["benchmarks.bench_pages", "--sizes", sizes, "--index-root", args.root, "--repeat", repeat, *note])


if __name__ == "__main__":
    main()
