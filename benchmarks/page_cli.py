"""The command line shared by the page benchmarks (bench_map, bench_pages): sizes, index folder, repeats, a note."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks.bench_search import ensure_index


def run_page_benchmark(
    doc: str | None, measure: Callable[[Path, int], dict], report: Callable[[dict, str], None]
) -> None:
    """Parse the options, then measure and report each library size (the JSON result goes to stderr)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000")
    ap.add_argument("--index-root", type=Path, default=Path("/tmp"))
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--note", default="", help="a remark printed with each table (e.g. 'idle machine')")
    args = ap.parse_args()
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        result = measure(ensure_index(size, args.index_root, args.index_root), args.repeat)
        report(result, args.note)
        print("RESULT " + json.dumps(result), file=sys.stderr)
