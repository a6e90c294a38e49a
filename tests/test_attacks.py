"""Issue #15: each attack that was found against a copy of the library, kept as a regression test.

One section per class of attack (docs/reliability.md lists them with their limits). These are the
bounded versions that run in every `make test`; the long randomised runs are marked ``fuzz``.
"""

from __future__ import annotations

import os
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest

from indexer.collections import load_collections, read_collection
from indexer.frontmatter import MAX_DEPTH, FrontMatterError, parse_yaml, safe_load, split
from indexer.loader import MAX_BYTES, load_library, read_case
from indexer.model import ERROR, WARNING
from indexer.search import Searcher

ROOT = Path(__file__).resolve().parents[1]
CASE = sorted(f for f in (ROOT / "cases").glob("*.md") if f.name != "README.md")[0]  # any shipped case
COLLECTION = ROOT / "collections" / "youth-violence-prevention.yml"


def laughs(levels: int = 9, width: int = 9, indent: str = "") -> str:
    """A "billion laughs" YAML: ``levels`` anchors of ``width`` aliases each (9**9 leaves, ~1 KB)."""
    lines = [f"{indent}l0: &l0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"{indent}l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def bomb_case(case_id: str) -> str:
    """A real case with a bomb added to its front matter (just before the closing fence)."""
    text = CASE.read_text(encoding="utf-8").replace(f"id: {CASE.stem}", f"id: {case_id}", 1)
    head, fence, body = text.partition("\n---\n")
    return head + "\n" + laughs() + fence + body


def cheap(fn):
    """Run ``fn``; return its result, seconds and peak traced memory (bytes)."""
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        out = fn()
    finally:
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return out, seconds, peak


# --- 1. YAML alias bombs ---------------------------------------------------------------------------------------


def test_anchor_alias_and_merge_keys_are_refused_with_their_line():
    with pytest.raises(FrontMatterError, match=r"anchor \(&l0\) is not allowed") as exc:
        parse_yaml("id: x\n" + laughs(), first_line=2)
    assert exc.value.line == 3
    with pytest.raises(FrontMatterError, match=r"alias \(\*a\)") as exc:
        parse_yaml("a: 1\nb: *a\n", first_line=1)
    assert exc.value.line == 2
    with pytest.raises(FrontMatterError, match="alias"):
        parse_yaml("base: {x: 1}\nother:\n  <<: *base\n")
    with pytest.raises(FrontMatterError, match=f"more than {MAX_DEPTH} levels"):
        parse_yaml("a: " + "[" * 200 + "]" * 200)
    with pytest.raises(FrontMatterError, match="alias"):
        safe_load("a: &x 1\nb: *x\n")


def test_a_bomb_case_is_refused_fast_and_small_and_the_valid_cases_beside_it_are_indexed(
    tmp_path, build, hash_embedder
):
    lib = tmp_path / "cases"
    shutil.copytree(ROOT / "cases", lib)
    (lib / "lol-case.md").write_text(bomb_case("lol-case"), encoding="utf-8")
    (case, problems), seconds, peak = cheap(lambda: read_case(lib / "lol-case.md"))
    assert case is None and seconds < 1 and peak < 50_000_000
    head_lines = CASE.read_text(encoding="utf-8").partition("\n---\n")[0].count("\n") + 2
    assert [(p.line, p.severity) for p in problems] == [(head_lines, ERROR)]
    assert "anchor (&l0) is not allowed in YAML" in problems[0].message
    report = build(lib, tmp_path / "index")
    assert any(p.path.endswith("lol-case.md") for p in report.problems)
    shipped = {f.stem for f in (ROOT / "cases").glob("*.md") if f.name != "README.md"}
    searcher = Searcher.open(tmp_path / "index", embedder=hash_embedder)
    assert set(searcher.case_ids()) == shipped


def test_a_bomb_collection_is_refused_fast_and_small(tmp_path):
    path = tmp_path / "lol.yml"
    path.write_text(COLLECTION.read_text(encoding="utf-8").replace("youth-violence-prevention", "lol") + laughs())
    (col, problems), seconds, peak = cheap(lambda: read_collection(path))
    assert col is None and seconds < 1 and peak < 50_000_000
    assert "anchor (&l0) is not allowed" in problems[0].message and problems[0].line > 1
    shutil.copy(COLLECTION, tmp_path / COLLECTION.name)
    result = load_collections(tmp_path)
    assert [c.id for c in result.collections] == ["youth-violence-prevention"]


def test_a_bomb_translation_file_is_refused_fast(tmp_path):
    """Translation files (cases/<id>.<lang>.md) and submissions go through the same split + parse_yaml."""
    text = f"---\nid: {CASE.stem}\nlanguage: es\n" + laughs() + "---\n\n## Contexto\n\nx\n"
    yaml_text, _, _ = split(text)
    (_, seconds, peak) = cheap(lambda: pytest.raises(FrontMatterError, parse_yaml, yaml_text))
    assert seconds < 1 and peak < 50_000_000


def test_a_bomb_collection_does_not_slow_the_web_app(tmp_path, hash_searcher):
    from webapp import create_app

    shutil.copy(COLLECTION, tmp_path / COLLECTION.name)
    (tmp_path / "lol.yml").write_text(COLLECTION.read_text(encoding="utf-8").replace("youth-", "lol-") + laughs())
    app = create_app({"SEARCHER": hash_searcher, "TESTING": True, "COLLECTIONS_DIR": str(tmp_path)})
    t0 = time.perf_counter()
    resp = app.test_client().get("/api/collections")
    assert resp.status_code == 200 and time.perf_counter() - t0 < 2
    assert [c["id"] for c in resp.get_json()["collections"]] == ["youth-violence-prevention"]


# --- 8, 9, 12. files: links out of the folder, size before reading, FIFOs ----------------------------------------


def test_symlinks_leaving_the_case_folder_are_skipped_with_a_warning(tmp_path, build, hash_embedder):
    lib = tmp_path / "cases"
    lib.mkdir()
    shutil.copy(CASE, lib / CASE.name)
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "leaked-case.md").write_text(CASE.read_text(encoding="utf-8").replace(CASE.stem, "leaked-case"))
    os.symlink(outside / "leaked-case.md", lib / "leaked-case.md")
    os.symlink("/etc/passwd", lib / "passwd.md")
    os.symlink(lib / CASE.name, lib / "inside-link.md")  # inside the folder: read (its id is not its name)
    result = load_library(lib)
    assert [c.id for c in result.cases] == [CASE.stem]
    warned = sorted(
        Path(p.path).name for p in result.problems if p.severity == WARNING and "symbolic link" in p.message
    )
    assert warned == ["leaked-case.md", "passwd.md"]
    assert not any("root:" in p.message for p in result.problems)
    assert any(
        Path(p.path).name == "inside-link.md" and "differs from the file name" in p.message for p in result.problems
    )
    build(lib, tmp_path / "index")
    assert "leaked-case" not in Searcher.open(tmp_path / "index", embedder=hash_embedder).case_ids()


def test_symlinked_collection_outside_the_folder_is_skipped(tmp_path):
    folder = tmp_path / "collections"
    folder.mkdir()
    os.symlink(COLLECTION, folder / COLLECTION.name)
    result = load_collections(folder)
    assert result.collections == [] and "symbolic link" in result.problems[0].message


def test_size_is_checked_before_reading(tmp_path):
    huge = tmp_path / "huge.md"
    with open(huge, "wb") as fh:  # sparse: 800 MB on paper, nothing on disk
        fh.truncate(800_000_000)
    (case, problems), seconds, peak = cheap(lambda: read_case(huge))
    assert case is None and peak < 5 * MAX_BYTES and seconds < 1
    assert "800,000,000 bytes, over the 1,000,000-byte limit" in problems[0].message
    (col, problems), _, peak = cheap(lambda: read_collection(huge.rename(tmp_path / "huge.yml")))
    assert col is None and peak < 5 * MAX_BYTES and "over the" in problems[0].message


def test_a_fifo_or_a_folder_is_one_line_problem_and_never_blocks(tmp_path):
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    case, problems = read_case(fifo)  # would block forever on open() without O_NONBLOCK
    assert case is None and [p.message for p in problems] == ["is a FIFO, not a regular file: name a text file"]
    fifo_yml = tmp_path / "pipe.yml"
    os.mkfifo(fifo_yml)
    assert "FIFO" in read_collection(fifo_yml)[1][0].message
    (tmp_path / "folder.md").mkdir()
    assert "a folder" in read_case(tmp_path / "folder.md")[1][0].message


def test_caselib_check_on_a_fifo_prints_one_line(tmp_path):
    from click.testing import CliRunner

    from indexer.cli import main

    for name in ("pipe.md", "pipe.yml"):
        os.mkfifo(tmp_path / name)
        res = CliRunner().invoke(main, ["check", str(tmp_path / name)])
        assert res.exit_code == 1 and res.exception is None or isinstance(res.exception, SystemExit)
        assert "is a FIFO, not a regular file" in res.output and "Traceback" not in res.output
