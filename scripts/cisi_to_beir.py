"""Convert the CISI test collection (SMART format) into the BEIR layout.

Input (``--src``): ``CISI.ALL`` (1460 documents), ``CISI.QRY`` (112 queries) and ``CISI.REL``
(judgments, one ``qid docid 0 0.0`` line each, whitespace-separated).

In ``CISI.ALL`` and ``CISI.QRY`` a record starts at a ``.I <id>`` line and each field starts at a
marker line: a dot, one letter and nothing else but whitespace (``.T`` title, ``.A`` authors,
``.W`` text, ``.X`` cross-references, ``.B`` source, ``.K`` keywords, ``.C`` categories). A field
runs over every following line until the next marker line.

Output (``--out``)::

    corpus.jsonl     {"_id", "title", "text"} per line
    queries.jsonl    {"_id", "text"} per line; only the queries that have judgments
    qrels/test.tsv   "query-id<TAB>corpus-id<TAB>score" header, score 1

Usage: ``python scripts/cisi_to_beir.py [--src DIR] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SRC = REPO_ROOT.parent / "shared" / "bench-data" / "cisi"
DEFAULT_OUT = REPO_ROOT / "instance" / "beir" / "cisi"

# ".I 12" starts a record; ".T", ".W  " etc. start a field (trailing whitespace occurs in CISI.ALL).
RECORD_RE = re.compile(r"^\.I\s+(\d+)\s*$")
FIELD_RE = re.compile(r"^\.([A-Za-z])\s*$")


def parse_smart(path: Path) -> dict[str, dict[str, str]]:
    """Records of a SMART file: id -> {field letter: text}, whitespace collapsed, in file order.

    A field that occurs twice in one record (it does not in CISI) has its parts joined by a space.
    """
    records: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    field: str | None = None
    with path.open(encoding="ascii", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            line = line.rstrip("\n")
            if m := RECORD_RE.match(line):
                rid = m.group(1)
                if rid in records:
                    raise ValueError(f"{path}:{lineno}: duplicate record .I {rid}")
                current = records[rid] = {}
                field = None
            elif m := FIELD_RE.match(line):
                if current is None:
                    raise ValueError(f"{path}:{lineno}: field marker before the first .I line")
                field = m.group(1).upper()
                current.setdefault(field, []).append("")
            elif current is not None and field is not None:
                current[field][-1] += " " + line
            elif line.strip():
                raise ValueError(f"{path}:{lineno}: text outside any field: {line[:60]!r}")
    return {
        rid: {name: " ".join(" ".join(parts).split()) for name, parts in fields.items()}
        for rid, fields in records.items()
    }


def join_title_text(title: str, text: str) -> str:
    """``title. text``: the title as a sentence in front of the text (either may be empty)."""
    if title and text:
        sep = " " if title[-1] in ".?!:;" else ". "
        return f"{title}{sep}{text}"
    return title or text


def parse_rel(path: Path) -> list[tuple[str, str]]:
    """(query id, document id) pairs of a SMART judgment file, in file order, duplicates dropped."""
    pairs: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for lineno, line in enumerate(path.read_text(encoding="ascii").splitlines(), start=1):
        cols = line.split()
        if not cols:
            continue
        if len(cols) < 2 or not cols[0].isdigit() or not cols[1].isdigit():
            raise ValueError(f"{path}:{lineno}: expected 'qid docid ...', got {line!r}")
        pair = (str(int(cols[0])), str(int(cols[1])))
        if pair not in seen:
            seen.add(pair)
            pairs.append(pair)
    return pairs


def convert(src: Path, out: Path) -> dict[str, int]:
    """Write the BEIR files for the CISI files in ``src`` into ``out``; return the counts written."""
    missing = [name for name in ("CISI.ALL", "CISI.QRY", "CISI.REL") if not (src / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{src}: missing {', '.join(missing)} (expected CISI.ALL, CISI.QRY, CISI.REL)")

    docs = parse_smart(src / "CISI.ALL")
    queries = parse_smart(src / "CISI.QRY")
    pairs = parse_rel(src / "CISI.REL")

    unknown_q = sorted({q for q, _ in pairs if q not in queries}, key=int)
    unknown_d = sorted({d for _, d in pairs if d not in docs}, key=int)
    if unknown_q or unknown_d:
        raise ValueError(f"CISI.REL refers to unknown queries {unknown_q[:10]} / documents {unknown_d[:10]}")

    judged = {q for q, _ in pairs}
    (out / "qrels").mkdir(parents=True, exist_ok=True)

    with (out / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        for did, fields in docs.items():
            row = {"_id": did, "title": fields.get("T", ""), "text": fields.get("W", "")}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    n_queries = 0
    with (out / "queries.jsonl").open("w", encoding="utf-8") as fh:
        for qid, fields in queries.items():
            if qid not in judged:
                continue
            text = join_title_text(fields.get("T", ""), fields.get("W", ""))
            fh.write(json.dumps({"_id": qid, "text": text}, ensure_ascii=False) + "\n")
            n_queries += 1

    with (out / "qrels" / "test.tsv").open("w", encoding="utf-8") as fh:
        fh.write("query-id\tcorpus-id\tscore\n")
        for qid, did in pairs:
            fh.write(f"{qid}\t{did}\t1\n")

    return {
        "documents": len(docs),
        "queries_total": len(queries),
        "queries": n_queries,
        "qrels": len(pairs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC, help=f"CISI folder (default: {DEFAULT_SRC})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    try:
        counts = convert(args.src, args.out)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"{counts['documents']} documents, {counts['queries']} judged queries "
        f"(of {counts['queries_total']}), {counts['qrels']} judgments -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
