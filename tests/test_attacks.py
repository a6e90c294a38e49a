"""Issue #15: each attack that was found against a copy of the library, kept as a regression test.

One section per class of attack (docs/reliability.md lists them with their limits). These are the
bounded versions that run in every `make test`; the long randomised runs are marked ``fuzz``.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest
from conftest import originals
from fuzzing import examples, sample  # noqa: E402 - `make fuzz`: full budgets (tests/fuzzing.py)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer import frontmatter
from indexer.collections import load_collections, read_collection
from indexer.frontmatter import FrontMatterError, parse_yaml, split
from indexer.loader import MAX_BYTES, load_library, read_case
from indexer.model import ERROR, WARNING
from indexer.search import Searcher

ROOT = Path(__file__).resolve().parents[1]
CASE = originals(ROOT / "cases")[0]  # any shipped case
COLLECTION = ROOT / "collections" / "youth-violence-prevention.yml"
VALID = Path(__file__).parent / "data" / "valid_cases"


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
    with pytest.raises(FrontMatterError, match=f"more than {frontmatter.MAX_DEPTH} levels"):
        parse_yaml("a: " + "[" * 200 + "]" * 200)
    with pytest.raises(FrontMatterError, match="alias"):
        frontmatter.safe_load("a: &x 1\nb: *x\n")


def test_a_bomb_case_is_refused_fast_and_small_and_the_valid_cases_beside_it_are_indexed(
    tmp_path, build, hash_embedder
):
    lib = tmp_path / "cases"
    shutil.copytree(VALID, lib)
    (lib / "lol-case.md").write_text(bomb_case("lol-case"), encoding="utf-8")
    (case, problems), seconds, peak = cheap(lambda: read_case(lib / "lol-case.md"))
    assert case is None and seconds < 1 and peak < 50_000_000
    head_lines = CASE.read_text(encoding="utf-8").partition("\n---\n")[0].count("\n") + 2
    assert [(p.line, p.severity) for p in problems] == [(head_lines, ERROR)]
    assert "anchor (&l0) is not allowed in YAML" in problems[0].message
    report = build(lib, tmp_path / "index")
    assert any(p.path.endswith("lol-case.md") for p in report.problems)
    searcher = Searcher.open(tmp_path / "index", embedder=hash_embedder)
    assert set(searcher.case_ids()) == {f.stem for f in VALID.glob("*.md")}


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

    from caselib.cli import main

    for name in ("pipe.md", "pipe.yml"):
        os.mkfifo(tmp_path / name)
        res = CliRunner().invoke(main, ["check", str(tmp_path / name)])
        assert res.exit_code == 1 and res.exception is None or isinstance(res.exception, SystemExit)
        assert "is a FIFO, not a regular file" in res.output and "Traceback" not in res.output


# --- 2. a damaged index: every single-file corruption of a build ----------------------------------------------

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
    shutil.copytree(VALID, lib)
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
    assert all(set(v) == {"size", "sha256"} for v in manifest["files"].values())


def damaged_copy(pristine, tmp_path: Path, rel: str, how: str) -> Path:
    _, index, _ = pristine
    copy = tmp_path / "index"
    shutil.copytree(index, copy, symlinks=True)
    corrupt((copy / "current").resolve() / rel, how)
    return copy


@pytest.mark.fuzz
@pytest.mark.parametrize("how", CORRUPTIONS)
def test_any_single_file_corruption_is_refused_by_the_searcher_the_cli_and_the_web(
    pristine, tmp_path, how, hash_embedder
):
    from click.testing import CliRunner

    from caselib.cli import main
    from indexer.errors import IndexFolderError
    from webapp import create_app

    files = build_files(pristine[1])
    for rel in files:
        where = tmp_path / rel.replace("/", "_")
        copy = damaged_copy(pristine, where, rel, how)
        with pytest.raises(IndexFolderError, match="caselib index") as exc:
            Searcher.open(copy, embedder=hash_embedder)
        assert "\n" not in str(exc.value)
        if rel not in sample(files, CORRUPTIONS.index(how), 2):
            continue  # the CLI and the web on a sample of the files (all of them under `make fuzz`)
        res = CliRunner().invoke(main, ["index", "--verify", "--index", str(copy)])
        assert res.exit_code == 1 and "caselib index" in res.output and "Traceback" not in res.output, (rel, how)
        app = create_app({"INDEX_DIR": str(copy), "MODEL": hash_embedder.name, "TESTING": True})
        client = app.test_client()
        api = client.get("/api/search?q=police")
        assert api.status_code == 503, (rel, how)
        assert api.get_json()["error"]["code"] == "index_unavailable"
        page = client.get("/search?q=police")
        assert page.status_code == 503 and "caselib index" in page.get_data(as_text=True), (rel, how)


@pytest.mark.fuzz
@pytest.mark.parametrize("how", CORRUPTIONS)
def test_caselib_index_rebuilds_a_damaged_build_instead_of_reusing_it(pristine, tmp_path, how, hash_embedder, build):
    lib, index, answers = pristine
    files = build_files(index)
    # the bounded run rebuilds each file under one kind of damage (rotating); `make fuzz` under all four
    chosen = sample(files, CORRUPTIONS.index(how), len(CORRUPTIONS))
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
    case_id = originals(pristine[0])[0].stem
    assert client.get(f"/api/cases/{case_id}").status_code == 200
    (copy / "current").resolve().joinpath("docs.jsonl").unlink()  # damaged after the searcher opened it
    resp = client.get(f"/cases/{case_id}?lang=es")
    assert resp.status_code == 503 and "caselib index" in resp.get_data(as_text=True)
    assert client.get(f"/api/cases/{case_id}").get_json()["error"]["code"] == "index_unavailable"


def test_unknown_fusion_method_is_an_error(pristine, hash_embedder):
    with pytest.raises(ValueError, match="unknown fusion method 'bogus': use one of convex, rrf"):
        Searcher.open(pristine[1], embedder=hash_embedder, fusion_method="bogus")
    assert Searcher.open(pristine[1], embedder=hash_embedder, fusion_method="rrf").search("police").total >= 0


# --- 3. unbounded requests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang, words", [("en", "too large"), ("es", "demasiado grande")])
def test_a_huge_post_is_413_in_the_page_language(client, lang, words):
    resp = client.post(f"/draft?lang={lang}", data={"title": "x" * 2_000_000, "action": "check"})
    assert resp.status_code == 413 and resp.mimetype == "text/html"
    assert words in resp.get_data(as_text=True) and len(resp.data) < 100_000
    api = client.post("/api/search", data="x" * 2_000_000, content_type="text/plain")
    assert api.status_code in (405, 413)  # the API takes no POST: refused before the body is read


def test_one_over_long_form_field_is_413(client):
    resp = client.post("/draft?lang=es", data={"title": "x" * 5_000, "action": "check"})
    assert resp.status_code == 413 and "«title»" in resp.get_data(as_text=True)
    resp = client.get("/draft?lang=en&title=" + "y" * 5_000)
    assert resp.status_code == 413
    assert client.post("/draft", data={"title": "A fine title", "action": "check"}).status_code == 200


# --- 4, 5. exports: CSV formulas, Atom well-formed and escaped ---------------------------------------------------


@pytest.fixture()
def hostile_collection_app(hash_searcher, tmp_path):
    from webapp import create_app

    text = COLLECTION.read_text(encoding="utf-8").replace("id: youth-violence-prevention", "id: hostile", 1)
    formula = '=HYPERLINK("http://evil","x") The best'
    text = text.replace("      en: >-\n        The best-evidenced", f"      en: >-\n        {formula}", 1)
    assert formula in text  # the fixture must really plant the formula
    text = text.replace("name: caselib team", "name: '@SUM(1+1)'", 1)
    text += (
        "links:\n"
        "  - title: \"+cmd|' /C calc'!A0\"\n"
        '    url: https://example.org/a"onmouseover="alert(1)\n'
        "    note: '-2+3'\n"
    )
    (tmp_path / "hostile.yml").write_text(text, encoding="utf-8")
    app = create_app({"SEARCHER": hash_searcher, "TESTING": True, "COLLECTIONS_DIR": str(tmp_path)})
    assert "hostile" in app.test_client().get("/api/collections").get_data(as_text=True)
    return app


def test_csv_cells_that_start_like_formulas_are_neutralised(hostile_collection_app):
    import csv
    import io

    from indexer.export import safe_cell

    assert [safe_cell(v) for v in ("=1+1", "+1", "-1", "@x", "\tx", "\rx", "ok", 3)] == [
        "'=1+1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "ok", "3",
    ]  # fmt: skip
    body = hostile_collection_app.test_client().get("/collections/hostile.csv").get_data(as_text=True)
    cells = [c for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert any(c.startswith("'=HYPERLINK") for c in cells)


def test_atom_feeds_are_well_formed_and_attributes_escaped(hostile_collection_app):
    from xml.etree import ElementTree as ET

    client = hostile_collection_app.test_client()
    feed = ET.fromstring(client.get("/collections/hostile.atom").data)  # raises on malformed XML
    ns = "{http://www.w3.org/2005/Atom}"
    hrefs = [link.get("href") for link in feed.iter(f"{ns}link")]
    assert 'https://example.org/a"onmouseover="alert(1)' in hrefs
    assert all(e.find(f"{ns}updated") is not None for e in feed.iter(f"{ns}entry"))
    ET.fromstring(client.get("/feed.atom?lang=es").data)


def test_the_feed_writer_drops_characters_xml_forbids():
    from xml.etree import ElementTree as ET

    from webapp.feeds import Entry, atom

    xml = atom(
        id="https://x/", title="a\x07b\x1b", self_url='https://x/"', alternate="https://x/", updated="2024-01-02",
        author="c\x00d", entries=[Entry("https://x/1", "t\x0b", 'https://x/1"><script>', "2024-01-01", "s\x1f")],
    )  # fmt: skip
    root = ET.fromstring(xml)
    assert root.findtext("{http://www.w3.org/2005/Atom}title") == "ab"


@pytest.mark.parametrize(
    "value",
    ['"A \\a title"', '"A title\\e"', '"A \\x0c title"', '"A \\r title"', '"\\x7f"', '"\\uFFFE"'],
)
def test_control_characters_are_refused_in_cases_and_collections(tmp_path, value):
    text = CASE.read_text(encoding="utf-8")
    title_line = next(line for line in text.splitlines() if line.startswith("title:"))
    (tmp_path / CASE.name).write_text(text.replace(title_line, f"title: {value}", 1), encoding="utf-8")
    case, problems = read_case(tmp_path / CASE.name)
    assert case is None
    found = [p for p in problems if p.field == "title" and "control character" in p.message]
    assert found and found[0].line == text.splitlines().index(title_line) + 1
    col = COLLECTION.read_text(encoding="utf-8").replace("name: caselib team", f"name: {value}", 1)
    (tmp_path / COLLECTION.name).write_text(col, encoding="utf-8")
    col, problems = read_collection(tmp_path / COLLECTION.name)
    assert col is None and any(p.field == "curator.name" and "control character" in p.message for p in problems)


def test_control_characters_in_the_body_are_refused_with_their_line(tmp_path):
    text = CASE.read_text(encoding="utf-8")
    lines = text.split("\n")
    at = len(lines) - 3
    lines[at] += "\x1b[31m"
    (tmp_path / CASE.name).write_text("\n".join(lines), encoding="utf-8")
    case, problems = read_case(tmp_path / CASE.name)
    assert case is None and [(p.line, p.field) for p in problems if "U+001B" in p.message] == [(at + 1, "body")]


# --- 6. citations ----------------------------------------------------------------------------------------------


def test_ris_fields_stay_on_one_line_and_bibtex_parses_with_pybtex():
    from pybtex.database import parse_string

    from webapp.render import bibtex, ris

    meta = {
        "id": "x",
        "title": "Line one\r\nER  - \r\nTY  - JOUR a}b{c \\d %e #f _g ~h ^i",
        "title_original": "T\u2028U",
        "documentation": {"documented_by": "A } team\n@misc{evil,", "last_reviewed": "2024-01-02"},
        "countries": ["PA"],
        "summary": {"en": "first\nsecond"},
    }
    text = ris(meta, "https://x/cases/x")
    lines = text.split("\r\n")
    assert [line[:6] for line in lines if line].count("ER  - ") == 1 and lines[-2] == "ER  - "
    assert all(line[2:6] == "  - " for line in lines if line)
    entry = parse_string(bibtex(meta, "https://x/cases/x"), "bibtex").entries["caselib-x"]
    assert "\n" not in entry.fields["title"] and "a\\}b\\{c" in entry.fields["title"]


def test_bibtex_of_every_shipped_case_parses_with_pybtex(client, hash_searcher):
    from pybtex.database import parse_string

    for case_id in hash_searcher.case_ids():
        body = client.get(f"/cases/{case_id}/cite.bib").get_data(as_text=True)
        entries = parse_string(body, "bibtex").entries
        assert list(entries) == [f"caselib-{case_id}"], case_id
        assert entries[f"caselib-{case_id}"].fields["title"]
        ris = client.get(f"/cases/{case_id}/cite.ris").get_data(as_text=True)
        assert ris.count("\r\nER  - ") == 1 and ris.startswith("TY  - GEN\r\n")


# --- 7, 10. numbers and dates: ASCII digits only ----------------------------------------------------------------


@pytest.mark.parametrize("raw", ["²", "①", "9" * 4301, "١٢", "1_0", " 5", "+5", "-1", "0x10", "", "5 "])
def test_non_ascii_or_odd_numbers_are_400_never_500(client, raw):
    from urllib.parse import quote

    case_id = client.get("/api/cases").get_json()["cases"][0]["id"]
    q = quote(raw)
    if raw:  # an empty limit is not a number; empty page/year means "default"
        assert client.get(f"/api/cases/{case_id}/similar?limit={q}").status_code == 400
    for url in (f"/api/search?q=x&page={q}", f"/search?year_from={q}", f"/api/search?per_page={q}"):
        assert client.get(url).status_code == (200 if raw == "" else 400), url
    # a bad row count gives the default rows; a field over 2,000 characters is 413
    assert client.get(f"/draft?sources_n={q}&title=x").status_code == (413 if len(raw) > 2_000 else 200)


def test_whole_number_helper():
    from indexer.numbers import NumberError, whole_number

    assert whole_number("0042", "n", 1, 100) == 42
    for raw in ("²", "①", "١٢", "1_0", " 5", "+5", "9" * 10, "", None):
        with pytest.raises(NumberError):
            whole_number(raw, "n", 0, 10**12)
    with pytest.raises(NumberError, match="out of range"):
        whole_number("101", "n", 1, 100)


@pytest.mark.parametrize("value", ['"２０９９-１２-３１"', '"2099-12-31\\n"', '"٢٠٢٠-٠١-٠١"'])
def test_dates_accept_ascii_digits_only_and_no_trailing_newline(tmp_path, value):
    text = CASE.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.strip().startswith("last_reviewed:"))
    (tmp_path / CASE.name).write_text(text.replace(line, line.split(":")[0] + f": {value}"), encoding="utf-8")
    case, problems = read_case(tmp_path / CASE.name)
    assert case is None and any(p.field == "documentation.last_reviewed" for p in problems)
    col, n = re.subn(
        r"(?m)^updated: .*$", lambda m: f"updated: {value}", COLLECTION.read_text(encoding="utf-8"), count=1
    )
    assert n == 1  # the fixture must really plant the date
    (tmp_path / COLLECTION.name).write_text(col, encoding="utf-8")
    assert read_collection(tmp_path / COLLECTION.name)[0] is None


def test_ids_and_urls_with_a_trailing_newline_are_refused(tmp_path):
    text = CASE.read_text(encoding="utf-8").replace(f"id: {CASE.stem}", f'id: "{CASE.stem}\\n"', 1)
    (tmp_path / CASE.name).write_text(text, encoding="utf-8")
    case, problems = read_case(tmp_path / CASE.name)
    assert case is None and any(p.field == "id" and "wrong form" in p.message for p in problems)


# --- 11. the Host header --------------------------------------------------------------------------------------


def absolute_urls(client, host: str) -> list[str]:
    import re

    case_id = client.get("/api/cases").get_json()["cases"][0]["id"]
    found = []
    for url in ("/sitemap.xml", "/feed.atom", "/robots.txt", f"/cases/{case_id}", f"/cases/{case_id}/cite.ris"):
        resp = client.get(url, headers={"Host": host})
        assert resp.status_code == 200, url
        found += re.findall(r"https?://[^\s\"<>]+", resp.get_data(as_text=True))
    canonical = client.get(f"/cases/{case_id}", headers={"Host": host}).get_data(as_text=True)
    assert 'rel="canonical"' in canonical
    return [u for u in found if "sitemaps.org" not in u and "w3.org" not in u]


def test_base_url_decides_every_absolute_url_not_the_host_header(hash_searcher):
    from webapp import create_app

    app = create_app({"SEARCHER": hash_searcher, "TESTING": True, "BASE_URL": "https://cases.example.org/lib/"})
    urls = absolute_urls(app.test_client(), "evil.example")
    assert urls and not [u for u in urls if "evil.example" in u]
    assert [u for u in urls if u.startswith("https://cases.example.org/lib/")]


def test_untrusted_hosts_are_refused_and_bad_base_urls_rejected(hash_searcher, monkeypatch):
    from webapp import create_app

    app = create_app({"SEARCHER": hash_searcher, "TESTING": True, "TRUSTED_HOSTS": ["cases.example.org"]})
    resp = app.test_client().get("/sitemap.xml", headers={"Host": "evil.example"})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "untrusted_host"
    assert app.test_client().get("/sitemap.xml", headers={"Host": "cases.example.org"}).status_code == 200
    for bad in ("javascript:alert(1)", "https://x.org/?q=1", "https://user@x.org", "cases.example.org"):
        with pytest.raises(ValueError, match="CASELIB_BASE_URL"):
            create_app({"SEARCHER": hash_searcher, "BASE_URL": bad})
    monkeypatch.setenv("CASELIB_BASE_URL", "https://env.example.org")
    monkeypatch.setenv("CASELIB_TRUSTED_HOSTS", "env.example.org, localhost")
    app = create_app({"SEARCHER": hash_searcher, "TESTING": True})
    assert app.config["TRUSTED_HOSTS"] == ["env.example.org", "localhost"]
    assert "https://env.example.org/" in app.test_client().get("/robots.txt").get_data(as_text=True)


# --- the classes above under random input (bounded here; in full under `make fuzz`) ---------------------------


RANDOM = {"deadline": None, "database": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}
names = st.text(alphabet="abcxyz", min_size=1, max_size=3)
yaml_with_refs = st.lists(
    st.one_of(
        st.tuples(names, names).map(lambda t: f"{t[0]}: &{t[1]} [{t[1]}, {t[1]}]"),
        st.tuples(names, names).map(lambda t: f"{t[0]}: [*{t[1]}, *{t[1]}, *{t[1]}]"),
        st.tuples(names, names).map(lambda t: f"{t[0]}:\n  <<: *{t[1]}"),
        names.map(lambda n: f"{n}: plain"),
    ),
    min_size=1,
    max_size=12,
).map("\n".join)


@pytest.mark.fuzz
@settings(max_examples=examples(1000), **RANDOM)
@given(yaml_with_refs)
def test_random_yaml_with_anchors_or_aliases_is_refused_or_plain(text):
    t0 = time.perf_counter()
    try:
        doc = parse_yaml(text, 1)
    except FrontMatterError as exc:
        assert exc.line >= 1
    else:
        assert "&" not in text and "*" not in text and isinstance(doc.data, dict)
    assert time.perf_counter() - t0 < 1


@pytest.mark.fuzz
@settings(max_examples=examples(2000), **RANDOM)
@given(st.one_of(st.text(max_size=30), st.integers(-(10**30), 10**30).map(str)))
def test_random_number_text_is_a_number_or_one_clear_error(raw):
    from indexer.numbers import NumberError, whole_number

    try:
        value = whole_number(raw, "n", 0, 10**9)
    except NumberError as exc:
        assert str(exc).startswith("n ")
    else:
        assert raw.isascii() and raw.isdigit() and value == int(raw)


@pytest.mark.fuzz
@settings(max_examples=examples(500), **RANDOM)
@given(st.text(max_size=80), st.text(max_size=80))
def test_random_text_gives_well_formed_feeds_one_line_ris_and_parsable_bibtex(title, author):
    from xml.etree import ElementTree as ET

    from pybtex.database import parse_string

    from indexer.export import safe_cell
    from webapp.feeds import Entry, atom
    from webapp.render import bibtex, ris

    ET.fromstring(atom(id="https://x/", title=title, self_url=f"https://x/{author}", alternate="https://x/",
                       updated="2024-01-01", author=author, entries=[Entry("https://x/1", title, f"https://x/{title}",
                       "2024-01-01", author, title)]))  # fmt: skip
    meta = {"id": "x", "title": title, "documentation": {"documented_by": author}}
    assert [line[:2] for line in ris(meta, "https://x").split("\r\n")[:-1]] == [
        "TY",
        "TI",
        "AU",
        "PY",
        "UR",
        "ID",
        "ER",
    ]
    parse_string(bibtex(meta, "https://x"), "bibtex")
    assert not safe_cell(title).startswith(("=", "+", "-", "@", "\t", "\r"))
