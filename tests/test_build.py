"""The index build: incremental by content hash, model changes, skipped cases, atomic swap, lock, recovery.

Every test builds its own small index in ``tmp_path`` from copies of a few shipped cases, with the
fast fake embedder. The three prison-policy cases only relate to each other, so the copied set has
no dangling ``related`` ids and is clean even under ``--strict``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from caselib.cli import main
from indexer.build import (
    build_index,
    build_lock,
    current_build,
    read_manifest,
)
from indexer.chunking import chunk_case
from indexer.embedders import HashEmbedder
from indexer.errors import IndexFolderError, IndexLockedError, IndexMissingError
from indexer.loader import read_case
from indexer.search import IndexMismatchError, Searcher

CASES = Path(__file__).resolve().parents[1] / "cases"
BASE = [
    "buenos-aires-penitentiary-policy-reintegration",
    "penitentiary-prison-policy-meetings",
    "recidivism-research-prison-policy",
]
EXTRA = "panama-domestic-violence-complaints-system"  # relates to no other case
EMB = HashEmbedder()

BROKEN = """---
id: broken-case
title: A case with most of its front matter missing
---

## Context and problem

Some text.
"""


def quiet(msg: str) -> None:
    pass


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    """A folder holding copies of the three prison-policy cases."""
    d = tmp_path / "cases"
    d.mkdir()
    for cid in BASE:
        shutil.copy(CASES / f"{cid}.md", d / f"{cid}.md")
    return d


@pytest.fixture
def ix(tmp_path: Path) -> Path:
    return tmp_path / "index"


def build(lib: Path, ix: Path, embedder=EMB, **kw):
    return build_index(lib, ix, embedder=embedder, log=quiet, progress=False, **kw)


def n_chunks(path: Path) -> int:
    case, problems = read_case(path)
    assert case is not None, problems
    return len(chunk_case(case, EMB.count_tokens))


def builds_of(ix: Path) -> list[str]:
    return sorted(p.name for p in (ix / "builds").iterdir())


def ids(searcher: Searcher) -> set[str]:
    return {r["id"] for r in searcher.records()}


# --- incremental builds --------------------------------------------------------------------------


def test_first_build_is_full(lib, ix):
    report = build(lib, ix)
    expected_chunks = sum(n_chunks(lib / f"{cid}.md") for cid in BASE)
    assert report.full and report.swapped
    assert "no index yet" in report.reason
    assert (report.indexed, report.unchanged, report.removed, report.skipped) == (3, 0, 0, 0)
    assert report.chunks_encoded == expected_chunks and report.chunks_reused == 0
    assert (ix / "current").is_symlink()
    assert current_build(ix) == report.build_path.resolve()
    manifest = read_manifest(report.build_path)
    assert manifest["model"] == EMB.name
    assert set(manifest["cases"]) == set(BASE)
    assert manifest["counts"] == {"cases": 3, "chunks": expected_chunks, "skipped": 0}
    assert ids(Searcher.open(ix, embedder=EMB)) == set(BASE)


def test_rebuild_without_changes_encodes_nothing_and_does_not_swap(lib, ix):
    first = build(lib, ix)
    before = builds_of(ix)
    again = build(lib, ix)
    assert not again.full and not again.swapped
    assert again.chunks_encoded == 0
    assert (again.indexed, again.unchanged, again.removed) == (0, 3, 0)
    assert again.build_path == first.build_path
    assert current_build(ix) == first.build_path.resolve()
    assert builds_of(ix) == before
    assert "up to date" in again.summary()


def test_editing_one_case_reencodes_only_its_chunks(lib, ix):
    first = build(lib, ix)
    path = lib / "recidivism-research-prison-policy.md"
    text = path.read_text(encoding="utf-8")
    # the title prefixes every chunk's embedded text, so changing it changes all of that case's chunks
    old_title = "title: Research Project on Recidivism and Reintegration for Prison Policy"
    assert old_title in text
    path.write_text(text.replace(old_title, old_title + " in the Americas"), encoding="utf-8")
    report = build(lib, ix)
    assert not report.full and report.swapped
    assert (report.indexed, report.unchanged, report.removed) == (1, 2, 0)
    assert report.chunks_encoded == n_chunks(path)
    assert report.chunks_reused == first.chunks_encoded - report.chunks_encoded
    s = Searcher.open(ix, embedder=EMB)
    assert s.record("recidivism-research-prison-policy")["title"].endswith("in the Americas")


def test_editing_one_section_reuses_the_unchanged_chunks_of_that_case(lib, ix):
    first = build(lib, ix)
    path = lib / "penitentiary-prison-policy-meetings.md"
    before = n_chunks(path)
    text = path.read_text(encoding="utf-8")
    marker = "## Lessons and replication\n"
    assert marker in text
    path.write_text(text.replace(marker, marker + "\nZebrafinch protocol added for this test.\n", 1), encoding="utf-8")
    report = build(lib, ix)
    assert report.indexed == 1 and report.unchanged == 2
    assert 1 <= report.chunks_encoded < n_chunks(path)
    assert report.chunks_encoded + report.chunks_reused == first.chunks_encoded - before + n_chunks(path)
    s = Searcher.open(ix, embedder=EMB)
    hits = s.search("zebrafinch", mode="keyword").hits
    assert [h.id for h in hits] == ["penitentiary-prison-policy-meetings"]


def test_adding_a_case(lib, ix):
    build(lib, ix)
    shutil.copy(CASES / f"{EXTRA}.md", lib / f"{EXTRA}.md")
    report = build(lib, ix)
    assert not report.full and report.swapped
    assert (report.indexed, report.unchanged, report.removed) == (1, 3, 0)
    assert report.chunks_encoded == n_chunks(lib / f"{EXTRA}.md")
    s = Searcher.open(ix, embedder=EMB)
    assert ids(s) == {*BASE, EXTRA}
    assert s.search("domestic violence", mode="keyword").hits[0].id == EXTRA
    assert s.search("", per_page=100).total == 4


def test_deleting_a_case(lib, ix):
    shutil.copy(CASES / f"{EXTRA}.md", lib / f"{EXTRA}.md")
    first = build(lib, ix)
    (lib / f"{EXTRA}.md").unlink()
    report = build(lib, ix)
    assert not report.full and report.swapped
    assert (report.indexed, report.unchanged, report.removed) == (0, 3, 1)
    assert report.chunks_encoded == 0
    assert report.chunks_reused == first.chunks_encoded - n_chunks(CASES / f"{EXTRA}.md")
    s = Searcher.open(ix, embedder=EMB)
    assert ids(s) == set(BASE)
    assert s.get(EXTRA) is None
    for mode in ("keyword", "semantic", "hybrid"):
        assert EXTRA not in [h.id for h in s.search("domestic violence complaints Panama", mode=mode).hits]
    assert set(read_manifest(current_build(ix))["cases"]) == set(BASE)


# --- model changes -------------------------------------------------------------------------------


def test_model_change_forces_full_rebuild_with_reason(lib, ix):
    first = build(lib, ix)
    logged: list[str] = []
    other = HashEmbedder(name="hash-other")
    report = build_index(lib, ix, embedder=other, log=logged.append, progress=False)
    assert report.full and report.swapped
    assert "hash-test" in report.reason and "hash-other" in report.reason
    assert report.reason in logged
    assert report.chunks_encoded == first.chunks_encoded and report.chunks_reused == 0
    assert read_manifest(current_build(ix))["model"] == "hash-other"


def test_searcher_with_another_model_raises_mismatch(lib, ix):
    build(lib, ix)
    with pytest.raises(IndexMismatchError) as exc:
        Searcher.open(ix, embedder=HashEmbedder(name="hash-other"))
    msg = str(exc.value)
    assert "rebuild" in msg
    assert "hash-test" in msg and "hash-other" in msg


# --- invalid cases -------------------------------------------------------------------------------


def test_invalid_case_is_skipped_and_the_others_indexed(lib, ix):
    (lib / "broken-case.md").write_text(BROKEN, encoding="utf-8")
    report = build(lib, ix)
    assert report.skipped == 1
    assert report.indexed == 3 and report.swapped
    assert any(p.path.endswith("broken-case.md") and p.severity == "error" for p in report.problems)
    manifest = read_manifest(current_build(ix))
    assert manifest["counts"]["skipped"] == 1
    assert set(manifest["cases"]) == set(BASE)
    assert ids(Searcher.open(ix, embedder=EMB)) == set(BASE)


def test_editing_a_case_into_an_invalid_one_drops_it(lib, ix):
    build(lib, ix)
    path = lib / "recidivism-research-prison-policy.md"
    path.write_text(path.read_text(encoding="utf-8").replace("channel: ", "chanel: ", 1), encoding="utf-8")
    report = build(lib, ix)
    assert report.skipped == 1 and report.removed == 1 and report.swapped
    assert ids(Searcher.open(ix, embedder=EMB)) == set(BASE) - {"recidivism-research-prison-policy"}


@pytest.mark.parametrize("content", ["empty", "only-invalid"])
def test_first_build_without_valid_cases(tmp_path, ix, content):
    d = tmp_path / "few"
    d.mkdir()
    if content == "only-invalid":
        (d / "broken-case.md").write_text(BROKEN, encoding="utf-8")
    try:
        report = build(d, ix)
    except IndexFolderError as exc:  # refusing with a message that says what to do is fine too
        assert "case" in str(exc)
        return
    assert report.indexed == 0 and report.skipped == int(content == "only-invalid")
    s = Searcher.open(ix, embedder=EMB)
    assert s.search("").total == 0 and s.search("police").total == 0


def test_deleting_every_case_leaves_an_empty_index(lib, ix):
    build(lib, ix)
    for f in lib.glob("*.md"):
        f.unlink()
    report = build(lib, ix)
    assert report.removed == 3 and report.swapped
    s = Searcher.open(ix, embedder=EMB)
    for mode in ("keyword", "semantic", "hybrid"):
        assert s.search("prison", mode=mode).total == 0
    assert s.search("").total == 0


def test_strict_refuses_to_build(lib, ix):
    (lib / "broken-case.md").write_text(BROKEN, encoding="utf-8")
    with pytest.raises(IndexFolderError, match="--strict"):
        build(lib, ix, strict=True)
    assert current_build(ix) is None


def test_strict_builds_a_clean_library(lib, ix):
    report = build(lib, ix, strict=True)
    assert report.swapped and report.indexed == 3


def test_strict_cli_refuses_and_keeps_the_previous_index(lib, ix):
    first = build(lib, ix)
    (lib / "broken-case.md").write_text(BROKEN, encoding="utf-8")
    runner = CliRunner()
    args = ["index", "--cases", str(lib), "--index", str(ix), "--model", "hash-test"]
    refused = runner.invoke(main, [*args, "--strict"])
    assert refused.exit_code != 0
    assert "--strict" in refused.output
    assert current_build(ix) == first.build_path.resolve()
    lenient = runner.invoke(main, args)
    assert lenient.exit_code == 0, lenient.output
    assert "skipped" in lenient.output


# --- atomic swap, lock, recovery -----------------------------------------------------------------


def test_open_searcher_keeps_old_build_until_refresh(lib, ix):
    build(lib, ix)
    s = Searcher.open(ix, embedder=EMB)
    old_build = s._state.build
    assert s.search("").total == 3
    shutil.copy(CASES / f"{EXTRA}.md", lib / f"{EXTRA}.md")
    report = build(lib, ix)
    assert report.swapped
    # still answering from the build it opened
    assert s.search("").total == 3
    assert s.search("femicides", mode="keyword").total == 0
    assert s.get(EXTRA) is None
    assert old_build.exists()
    assert s.refresh() is True
    assert s._state.build == report.build_path.resolve()
    assert s.search("").total == 4
    assert s.search("domestic violence", mode="keyword").hits[0].id == EXTRA
    assert [h.id for h in s.search("femicides", mode="keyword").hits] == [EXTRA]
    assert s.refresh() is False


def test_concurrent_build_raises_locked(lib, ix):
    with build_lock(ix):
        with pytest.raises(IndexLockedError) as exc:
            build(lib, ix)
    assert "wait" in str(exc.value)
    assert current_build(ix) is None
    # the lock is released: a build now succeeds
    assert build(lib, ix).swapped


def test_leftover_tmp_build_is_removed_and_previous_index_serves(lib, ix):
    first = build(lib, ix)
    killed = ix / "builds" / "tmp-20000101T000000000000Z-99999"
    (killed / "keyword").mkdir(parents=True)
    (killed / "vectors.npy").write_bytes(b"half-written")
    s = Searcher.open(ix, embedder=EMB)
    assert s.search("").total == 3
    assert current_build(ix) == first.build_path.resolve()
    report = build(lib, ix)  # nothing changed: still cleans up
    assert not report.swapped
    assert not killed.exists()
    assert not list((ix / "builds").glob("tmp-*"))
    assert Searcher.open(ix, embedder=EMB).search("prison", mode="keyword").total >= 1


def test_leftover_tmp_build_is_removed_by_an_updating_build(lib, ix):
    build(lib, ix)
    killed = ix / "builds" / "tmp-20000101T000000000000Z-99999"
    killed.mkdir()
    shutil.copy(CASES / f"{EXTRA}.md", lib / f"{EXTRA}.md")
    report = build(lib, ix)
    assert report.swapped and not killed.exists()
    assert Searcher.open(ix, embedder=EMB).search("").total == 4


def test_old_builds_are_pruned(lib, ix):
    build(lib, ix)
    for i in range(3):
        (lib / f"{EXTRA}.md").write_text(
            (CASES / f"{EXTRA}.md").read_text(encoding="utf-8") + f"\nEdit {i}.\n", encoding="utf-8"
        )
        build(lib, ix)
    assert len(builds_of(ix)) == 2


def test_missing_index_raises_with_hint(tmp_path):
    with pytest.raises(IndexMissingError, match="caselib index"):
        Searcher.open(tmp_path / "nowhere", embedder=EMB)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(IndexMissingError, match="caselib index"):
        Searcher.open(empty, embedder=EMB)
