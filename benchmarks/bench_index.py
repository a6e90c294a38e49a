"""Indexing benchmark: build throughput vs raw model.encode, and a one-case incremental update.

    python -m benchmarks.bench_index [--cases 1000] [--big 10000] [--repeat 3]

1. Full build of a synthetic library of --cases cases with the default model: cases/s and
   chunks/s, and the ratio to raw ``model.encode`` over exactly the same chunk texts, measured
   in the same process (goal >= 0.9: the model is the physical limit).
2. One-case incremental update in a --big library (goal <= 2 s after model load). The --big base
   is built with the fast hash embedder (real embedding of 10k cases takes about an hour here);
   the update then re-encodes only the edited case, and the real model's time for that case's
   chunks is measured separately and added, so the figure is what a real update costs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.synth import generate
from indexer.build import build_index
from indexer.chunking import chunk_case
from indexer.embedders import HashEmbedder, load_embedder
from indexer.loader import load_library


def _q(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return f"median {statistics.median(values):.3f}  p95 {p95:.3f}"


def bench_full(n: int, repeat: int, work: Path) -> None:
    cases_dir = generate(work / f"lib{n}", n)
    emb = load_embedder()
    cases = load_library(cases_dir).cases
    texts = [c.embed_text for case in cases for c in chunk_case(case, emb.count_tokens)]
    raw, built = [], []
    for r in range(repeat):
        t = time.perf_counter()
        for i in range(0, len(texts), 256):
            emb.encode(texts[i : i + 256])
        raw.append(time.perf_counter() - t)
        t = time.perf_counter()
        report = build_index(cases_dir, work / f"ix{n}-{r}", embedder=emb, log=lambda m: None)
        built.append(time.perf_counter() - t)
    print(f"\n## Full build, {n} cases, {len(texts)} chunks ({emb.name}, {repeat} runs)")
    print("| figure | value |\n|---|---|")
    print(f"| raw model.encode, s | {_q(raw)} |")
    print(f"| caselib index (full), s | {_q(built)} |")
    print(f"| cases/s | {n / statistics.median(built):.1f} |")
    print(f"| chunks/s (index) | {len(texts) / statistics.median(built):.1f} |")
    print(f"| chunks/s (raw encode) | {len(texts) / statistics.median(raw):.1f} |")
    ratio = statistics.median(raw) / statistics.median(built)
    print(f"| ratio index / raw encode throughput (goal >= 0.9) | {ratio:.3f} |")
    assert report.chunks_encoded == len(texts)


def bench_incremental(n: int, repeat: int, work: Path, base_root: Path | None = None) -> None:
    cases_dir, index_dir = work / f"lib{n}", work / f"ix{n}"
    fake = HashEmbedder(dim=768, name="hash-bench-768")  # as bench_search builds its indexes
    tag = f"{n // 1000}k"
    if base_root is not None and (base_root / f"ix{tag}" / "current").exists():
        # copies of bench_search's library and index (same seed, same embedder): no 3-minute base build
        shutil.copytree(base_root / f"syn{tag}", cases_dir)
        shutil.copytree(base_root / f"ix{tag}", index_dir, symlinks=True)
    else:
        generate(cases_dir, n)
    t = time.perf_counter()
    first = build_index(cases_dir, index_dir, embedder=fake, log=lambda m: None)
    base = time.perf_counter() - t
    if not first.full:  # a copied index: it knows the files by their old paths, so nothing is reused
        base = float("nan")  # until one build has recorded the new ones (not measured)
        warm = sorted(cases_dir.glob("*.md"))[0]
        warm.write_text(warm.read_text(encoding="utf-8") + "\nWarm-up edit.\n", encoding="utf-8")
        build_index(cases_dir, index_dir, embedder=fake, log=lambda m: None)
    emb = load_embedder()
    target = sorted(cases_dir.glob("*.md"))[n // 2]
    updates, encodes = [], []
    for r in range(repeat):
        text = target.read_text(encoding="utf-8")
        # add a sentence to the first section (the Sources section is not embedded)
        head, sep, rest = text.partition("\n## ")  # the first section starts after the front matter
        first, sep2, tail = rest.partition("\n\n## ")
        target.write_text(f"{head}{sep}{first} Edited in run {r}.{sep2}{tail}", encoding="utf-8")
        t = time.perf_counter()
        report = build_index(cases_dir, index_dir, embedder=fake, log=lambda m: None)
        updates.append(time.perf_counter() - t)
        case = next(c for c in load_library([target]).cases)
        # the chunks the update had to encode: those holding the edited sentence
        chunk_texts = [c.embed_text for c in chunk_case(case, emb.count_tokens) if f"Edited in run {r}." in c.text]
        t = time.perf_counter()
        emb.encode(chunk_texts)
        encodes.append(time.perf_counter() - t)
        assert report.indexed == 1 and report.chunks_encoded == len(chunk_texts), report.summary()
    total = [u + e for u, e in zip(updates, encodes, strict=True)]
    print(f"\n## One-case incremental update in a {n}-case library ({repeat} runs)")
    print("| figure | value |\n|---|---|")
    print(f"| base build with the hash embedder, s | {base:.1f} (nan: a copied base was reused) |")
    print(f"| incremental update (caselib overhead), s | {_q(updates)} |")
    print(f"| real-model encode of the edited case's chunks, s | {_q(encodes)} |")
    print(f"| total one-case update after model load (goal <= 2 s), s | {_q(total)} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--big", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-full", action="store_true")
    ap.add_argument(
        "--base-root",
        type=Path,
        default=None,
        help="reuse syn<N>k/ and ix<N>k/ from this folder (as bench_search builds them) for the --big base",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="caselib-bench-") as tmp:
        if not args.skip_full:
            bench_full(args.cases, args.repeat, Path(tmp))
        if args.big:
            bench_incremental(args.big, args.repeat, Path(tmp), args.base_root)


if __name__ == "__main__":
    main()
