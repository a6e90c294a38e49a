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


# --- 2. a damaged index: every single-file corruption of a build ----------------------------------------------

FUZZ = os.environ.get("CASELIB_FUZZ") == "1"  # `make fuzz`: every corruption is also rebuilt from
CORRUPTIONS = ("truncate", "flip", "shuffle", "delete")


def corrupt(path: Path, how: str) -> None:
    """Damage one file: cut it in half, flip bytes in its middle, swap its halves, or delete it."""
    data = path.read_bytes()
    if how == "delete":
        path.unlink()
        return
    if how == "truncate":
        new = data[: len(data) // 2]
    elif how == "flip":
        mid = len(data) // 2
        new = data[:mid] + bytes(b ^ 0x5A for b in data[mid : mid + 4]) + data[mid + 4 :]
    else:  # shuffle: the second half first (or bytes reversed, when the halves are equal)
        half = len(data) // 2
        new = data[half:] + data[:half]
        new = new if new != data else data[::-1]
    if new == data:
        new = data + b"\x00"
    path.unlink()  # a new inode: keyword files are hard links shared with the previous build
    path.write_bytes(new)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, hash_embedder):
    """A small library and its index, built once; each test damages a copy."""
    from indexer.build import build_index

    root = tmp_path_factory.mktemp("pristine")
    lib = root / "cases"
    shutil.copytree(Path(__file__).parent / "data" / "valid_cases", lib)
    build_index(lib, root / "index", embedder=hash_embedder, log=lambda m: None)
    searcher = Searcher.open(root / "index", embedder=hash_embedder)
    answers = {q: [h.id for h in searcher.search(q).hits] for q in ("police", "prevención", "community")}
    return lib, root / "index", answers


def build_files(index: Path) -> list[str]:
    build = (index / "current").resolve()
    return sorted(str(p.relative_to(build)) for p in build.rglob("*") if p.is_file() and "_WRITELOCK" not in p.name)


def test_every_file_of_a_build_is_covered_by_its_manifest(pristine):
    from indexer.build import read_manifest

    _, index, _ = pristine
    manifest = read_manifest((index / "current").resolve())
    assert sorted(manifest["files"]) == [f for f in build_files(index) if f != "manifest.json"]
    assert all(set(v) == {"size", "blake2b"} for v in manifest["files"].values())


def damaged_copy(pristine, tmp_path: Path, rel: str, how: str) -> Path:
    _, index, _ = pristine
    copy = tmp_path / "index"
    shutil.copytree(index, copy, symlinks=True)
    corrupt((copy / "current").resolve() / rel, how)
    return copy


@pytest.mark.parametrize("how", CORRUPTIONS)
def test_any_single_file_corruption_is_refused_by_the_searcher_the_cli_and_the_web(
    pristine, tmp_path, how, hash_embedder
):
    from click.testing import CliRunner

    from indexer.build import IndexError_
    from indexer.cli import main
    from webapp import create_app

    files = build_files(pristine[1])
    for rel in files:
        where = tmp_path / rel.replace("/", "_")
        copy = damaged_copy(pristine, where, rel, how)
        with pytest.raises(IndexError_, match="caselib index") as exc:
            Searcher.open(copy, embedder=hash_embedder)
        assert "\n" not in str(exc.value)
        if not FUZZ and rel not in files[CORRUPTIONS.index(how) :: 2]:
            continue  # the bounded run: the CLI and the web on every other file (all of them under `make fuzz`)
        res = CliRunner().invoke(main, ["index", "--verify", "--index", str(copy)])
        assert res.exit_code == 1 and "caselib index" in res.output and "Traceback" not in res.output, (rel, how)
        app = create_app({"INDEX_DIR": str(copy), "MODEL": hash_embedder.name, "TESTING": True})
        client = app.test_client()
        api = client.get("/api/search?q=police")
        assert api.status_code == 503, (rel, how)
        assert api.get_json()["error"]["code"] == "index_unavailable"
        page = client.get("/search?q=police")
        assert page.status_code == 503 and "caselib index" in page.get_data(as_text=True), (rel, how)


@pytest.mark.parametrize("how", CORRUPTIONS)
def test_caselib_index_rebuilds_a_damaged_build_instead_of_reusing_it(pristine, tmp_path, how, hash_embedder, build):
    lib, index, answers = pristine
    files = build_files(index)
    # the bounded run rebuilds each file under one kind of damage (rotating); `make fuzz` under all four
    chosen = files if FUZZ else files[CORRUPTIONS.index(how) :: len(CORRUPTIONS)]
    for rel in chosen:
        copy = damaged_copy(pristine, tmp_path / rel.replace("/", "_"), rel, how)
        report = build(lib, copy)
        assert report.swapped, (rel, how, report.summary())
        searcher = Searcher.open(copy, embedder=hash_embedder)  # verifies every checksum
        assert {q: [h.id for h in searcher.search(q).hits] for q in answers} == answers, (rel, how)


def test_damage_while_serving_turns_read_errors_into_503(pristine, tmp_path, hash_embedder):
    from webapp import create_app

    copy = damaged_copy(pristine, tmp_path, "catalog.json", "truncate")
    shutil.rmtree(copy)
    shutil.copytree(pristine[1], copy, symlinks=True)
    app = create_app({"INDEX_DIR": str(copy), "MODEL": hash_embedder.name, "TESTING": True})
    client = app.test_client()
    case_id = sorted(p.stem for p in pristine[0].glob("*.md"))[0]
    assert client.get(f"/api/cases/{case_id}").status_code == 200
    (copy / "current").resolve().joinpath("docs.jsonl").unlink()  # damaged after the searcher opened it
    resp = client.get(f"/cases/{case_id}?lang=es")
    assert resp.status_code == 503 and "caselib index" in resp.get_data(as_text=True)
    assert client.get(f"/api/cases/{case_id}").get_json()["error"]["code"] == "index_unavailable"


def test_unknown_fusion_method_is_an_error(pristine, hash_embedder):
    with pytest.raises(ValueError, match="unknown fusion method 'bogus': use one of convex, rrf"):
        Searcher.open(pristine[1], embedder=hash_embedder, fusion_method="bogus")
    assert Searcher.open(pristine[1], embedder=hash_embedder, fusion_method="rrf").search("police").total >= 0
