"""Issue #9 (1): every kind of bad input beside valid cases, through the build, the Searcher and the web app.

tests/data/bad_cases/*.md are the text-level mistakes (each checked on its own in test_validate);
tests/data/bad_cases/encoding/ holds byte-exact CRLF and BOM files with a mistake. Files that are not
UTF-8 (Latin-1, binary with NUL bytes; ruff cannot read them in the repo), a file over 1 MB and valid
CRLF / BOM copies of a valid case are written at test time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.build import build_index, read_manifest
from indexer.embedders import HashEmbedder
from indexer.loader import MAX_BYTES
from indexer.model import ERROR
from indexer.search import Searcher
from webapp import create_app

DATA = Path(__file__).resolve().parent / "data"
VALID = DATA / "valid_cases"
BAD = DATA / "bad_cases"
ENCODING = BAD / "encoding"
EN_CASE = VALID / "valid-english-case.md"

# bad files that are reported but still load (warnings only / only the dangling link is dropped)
LOADED_BAD = {"todo-placeholder", "dangling-related"}
# the line each byte-level file is reported on (0: the whole file)
BYTE_LINES = {"latin1-encoded": 29, "binary-image": 0, "crlf-wrong-type": 6, "bom-unknown-key": 20, "huge-case": 0}
GENERATED_VALID = {"valid-crlf-case", "valid-bom-case"}
GENERATED_BAD = {"latin1-encoded", "binary-image", "huge-case"}


@pytest.fixture
def library(tmp_path, monkeypatch) -> Path:
    lib = tmp_path / "library"
    lib.mkdir()
    for f in [*VALID.glob("*.md"), *BAD.glob("*.md"), *ENCODING.glob("*.md")]:
        shutil.copy(f, lib / f.name)
    en = EN_CASE.read_text(encoding="utf-8")
    crlf = en.replace("valid-english-case", "valid-crlf-case").replace("\n", "\r\n")
    (lib / "valid-crlf-case.md").write_bytes(crlf.encode())
    (lib / "valid-bom-case.md").write_bytes(
        b"\xef\xbb\xbf" + en.replace("valid-english-case", "valid-bom-case").encode()
    )
    latin1 = en.replace("valid-english-case", "latin1-encoded")
    (lib / "latin1-encoded.md").write_bytes(latin1.encode("latin-1"))
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))
    (lib / "binary-image.md").write_bytes(png)
    big = en.replace("valid-english-case", "huge-case").encode()
    (lib / "huge-case.md").write_bytes(big + b"x" * (MAX_BYTES + 1 - len(big)) + b"\n")
    monkeypatch.chdir(tmp_path)
    return Path("library")


def test_fixture_corpus_covers_every_kind_of_bad_input():
    names = {f.stem for f in BAD.glob("*.md")} | {f.stem for f in ENCODING.glob("*.md")}
    for kind in [
        "broken-yaml",
        "wrong-type",
        "unknown-key",
        "duplicate-id",
        "dangling-related",
        "empty-file",
        "missing-sections",
        "front-matter-only",
        "crlf-wrong-type",
        "bom-unknown-key",
    ]:
        assert kind in names, kind
    assert b"\r\n" in (ENCODING / "crlf-wrong-type.md").read_bytes(), "CRLF fixture was normalised"
    assert (ENCODING / "bom-unknown-key.md").read_bytes().startswith(b"\xef\xbb\xbf")


def test_bad_files_are_skipped_with_a_reason_and_valid_cases_are_searched_and_served(library, tmp_path):
    emb = HashEmbedder()
    report = build_index(library, tmp_path / "index", embedder=emb, log=lambda m: None, progress=False)
    assert report.swapped

    bad = {f.stem for f in BAD.glob("*.md")} | {f.stem for f in ENCODING.glob("*.md")} | GENERATED_BAD
    valid = {f.stem for f in VALID.glob("*.md")} | GENERATED_VALID
    by_path: dict[str, list] = {}
    for p in report.problems:
        by_path.setdefault(p.path, []).append(p)

    for stem in sorted(bad):
        path = f"library/{stem}.md"
        assert path in by_path, f"{stem}: no reason reported"
        for p in by_path[path]:
            shown = str(p)
            assert shown.startswith(f"{path}:{p.line}: " if p.line else f"{path}: "), shown
            assert p.message.strip(), shown
        if stem not in LOADED_BAD:
            assert any(p.severity == ERROR for p in by_path[path]), stem
        if stem in BYTE_LINES:
            assert BYTE_LINES[stem] in {p.line for p in by_path[path]}, (stem, [str(p) for p in by_path[path]])
    for stem in valid:
        assert f"library/{stem}.md" not in by_path, by_path.get(f"library/{stem}.md")

    skipped = bad - LOADED_BAD
    assert report.skipped == len(skipped)
    manifest = read_manifest(report.build_path)
    assert set(manifest["cases"]) == valid | LOADED_BAD
    assert {p["path"] for p in manifest["skipped"]} >= {f"library/{s}.md" for s in skipped}

    s = Searcher.open(tmp_path / "index", embedder=emb)
    assert s.search("", per_page=100).total == len(valid | LOADED_BAD)
    for mode in ("keyword", "semantic", "hybrid"):
        found = {h.id for h in s.search("quadrant community policing plan", mode=mode, per_page=100).hits}
        assert found >= {"valid-english-case", "valid-crlf-case", "valid-bom-case"}, mode
    for cid in valid | LOADED_BAD:
        assert s.get(cid) is not None, cid
    for stem in skipped - {"duplicate-id"}:  # duplicate-id.md uses the id of valid-english-case
        assert s.get(stem) is None, stem

    client = create_app({"SEARCHER": s, "TESTING": True}).test_client()
    for cid in sorted(valid | LOADED_BAD):
        assert client.get(f"/cases/{cid}").status_code == 200, cid
        assert client.get(f"/api/cases/{cid}").status_code == 200, cid
    for stem in sorted(skipped - {"duplicate-id"}):
        assert client.get(f"/cases/{stem}").status_code == 404, stem
    r = client.get("/api/search?q=quadrant&per_page=100")
    assert r.status_code == 200
    assert {x["id"] for x in r.get_json()["results"]} <= valid | LOADED_BAD
