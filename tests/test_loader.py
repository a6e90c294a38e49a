"""indexer.loader: a library never stops at a bad file; duplicate ids and dangling related ids."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from indexer.frontmatter import split
from indexer.loader import MAX_BYTES, case_files, load_library, read_case
from indexer.model import ERROR, WARNING

DATA = Path(__file__).resolve().parent / "data"
VALID = DATA / "valid_cases"
BAD = DATA / "bad_cases"
EN_CASE = VALID / "valid-english-case.md"

VALID_IDS = {"valid-english-case", "caso-valido-espanol", "valid-ongoing-case"}
# bad files that still load: warnings only, or a dangling related id (the link is dropped)
LOADED_BAD = {"todo-placeholder", "dangling-related"}
GENERATED_BAD = {"latin1-case", "utf16-case", "huge-case"}


@pytest.fixture
def library(tmp_path, monkeypatch) -> Path:
    """tmp/library: the valid and bad fixtures together, plus files whose bytes are written here."""
    lib = tmp_path / "library"
    lib.mkdir()
    for f in [*VALID.glob("*.md"), *BAD.glob("*.md")]:
        shutil.copy(f, lib / f.name)
    en = EN_CASE.read_text(encoding="utf-8")
    (lib / "latin1-case.md").write_bytes(en.replace("valid-english-case", "latin1-case").encode("latin-1"))
    (lib / "utf16-case.md").write_bytes(en.replace("valid-english-case", "utf16-case").encode("utf-16"))
    big = en.replace("valid-english-case", "huge-case").encode()
    (lib / "huge-case.md").write_bytes(big + b"x" * (MAX_BYTES - len(big)) + b"\n")
    monkeypatch.chdir(tmp_path)  # paths are shown relative to the working directory
    return Path("library")


def _by_path(result) -> dict[str, list]:
    out: dict[str, list] = {}
    for p in result.problems:
        out.setdefault(p.path, []).append(p)
    return out


def test_mixed_folder_loads_every_valid_case_and_reports_every_bad_file(library):
    result = load_library(library)  # must not raise
    bad_stems = {f.stem for f in BAD.glob("*.md")} | GENERATED_BAD
    assert result.files == len(VALID_IDS) + len(bad_stems)
    assert {c.id for c in result.cases} == VALID_IDS | LOADED_BAD
    assert [c.id for c in result.cases] == sorted(c.id for c in result.cases)

    problems = _by_path(result)
    for stem in VALID_IDS:
        assert f"library/{stem}.md" not in problems
    for stem in bad_stems:
        assert f"library/{stem}.md" in problems, f"{stem} not reported"
    for stem in bad_stems - {"todo-placeholder"}:
        assert any(p.severity == ERROR for p in problems[f"library/{stem}.md"]), stem
    assert {p.severity for p in problems["library/todo-placeholder.md"]} == {WARNING}

    assert result.skipped_paths == sorted(f"library/{s}.md" for s in bad_stems - LOADED_BAD)
    assert result.problems == sorted(result.problems, key=lambda p: (p.path, p.line))


def test_mixed_folder_problem_lines(library):
    """Spot checks that the library reports the same file:line as a single-file read."""
    printed = {str(p) for p in load_library(library).problems}
    assert (
        "library/bad-country.md:6: countries[0]: 'Panama' is not an ISO 3166-1 alpha-2 code: did you mean 'PA'?"
        in printed
    )
    assert "library/utf16-case.md: file is binary (contains NUL bytes), not a Markdown text file" in printed
    assert any(s.startswith("library/latin1-case.md:29: not valid UTF-8 (byte 0xf1") for s in printed)
    assert any(
        s.startswith("library/huge-case.md: file is 1,000,") and "over the 1,000,000-byte limit" in s for s in printed
    )


def test_strict_errors_include_warnings(library):
    result = load_library(library)
    plain = result.errors()
    strict = result.errors(strict=True)
    assert all(p.severity == ERROR for p in plain)
    assert not any(p.path == "library/todo-placeholder.md" for p in plain)
    assert {p.line for p in strict if p.path == "library/todo-placeholder.md"} == {33, 55}
    assert set(plain) < set(strict) == set(result.problems)


def test_dangling_related_id_is_an_error_but_the_case_stays_with_the_link_dropped(library):
    result = load_library(library)
    case = next(c for c in result.cases if c.id == "dangling-related")
    assert case.related == ["valid-english-case"]
    (p,) = [p for p in result.problems if p.path == "library/dangling-related.md"]
    assert (p.line, p.field, p.severity) == (30, "related", ERROR)
    assert str(p).startswith("library/dangling-related.md:30: related: unknown case id(s) no-such-case: ")
    assert "valid-english-case" not in p.message
    assert "library/dangling-related.md" not in result.skipped_paths
    # a good link stays
    es = next(c for c in result.cases if c.id == "caso-valido-espanol")
    assert es.related == ["valid-english-case"]


def test_dangling_related_lists_every_unknown_id(tmp_path):
    shutil.copy(BAD / "dangling-related.md", tmp_path)
    result = load_library(tmp_path)
    (p,) = result.problems
    assert "unknown case id(s) valid-english-case, no-such-case:" in p.message
    assert result.cases[0].related == []


def test_related_resolves_against_the_folder_of_a_single_file():
    result = load_library([VALID / "caso-valido-espanol.md"])
    assert result.files == 1
    assert result.problems == []
    assert result.cases[0].related == ["valid-english-case"]


def test_related_resolves_across_folders_given_together(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(VALID / "caso-valido-espanol.md", tmp_path / "a")
    shutil.copy(EN_CASE, tmp_path / "b")
    assert load_library([tmp_path / "a"]).errors() != []
    result = load_library([tmp_path / "a", tmp_path / "b"])
    assert result.problems == []
    assert len(result.cases) == 2


def test_copied_file_with_the_same_id_in_one_folder(library):
    """duplicate-id.md keeps the id of valid-english-case: the file-name rule catches it."""
    result = load_library(library)
    (p,) = [p for p in result.problems if p.path == "library/duplicate-id.md"]
    assert str(p).startswith("library/duplicate-id.md:2: id: 'valid-english-case' differs from the file name")
    (en,) = [c for c in result.cases if c.id == "valid-english-case"]
    assert en.path == "library/valid-english-case.md"


def _two_folders(tmp_path: Path, second_text: str) -> tuple[Path, Path]:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    shutil.copy(EN_CASE, a)
    (b / EN_CASE.name).write_text(second_text, encoding="utf-8")
    return a, b


def test_duplicate_id_across_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a, b = _two_folders(tmp_path, EN_CASE.read_text())
    result = load_library([Path("a"), Path("b")])
    assert [c.path for c in result.cases] == ["a/valid-english-case.md"]
    (p,) = result.problems
    assert str(p) == (
        "b/valid-english-case.md:2: id: duplicate id 'valid-english-case', already used by "
        "a/valid-english-case.md: give this case its own id and file name"
    )
    assert result.skipped_paths == ["b/valid-english-case.md"]


def test_duplicate_id_is_reported_on_the_id_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = EN_CASE.read_text().replace(
        "---\nid: valid-english-case\n", "---\n# copy of a/\nid: valid-english-case\n", 1
    )
    _two_folders(tmp_path, text)
    (p,) = load_library([Path("a"), Path("b")]).problems
    assert (p.path, p.line, p.field) == ("b/valid-english-case.md", 3, "id")


def test_a_file_named_twice_is_not_its_own_duplicate():
    result = load_library([VALID, EN_CASE])
    assert result.problems == []
    assert result.files == len(VALID_IDS)


def test_case_files_skips_readme_and_other_files(tmp_path):
    for name in ["b-case.md", "a-case.md", "README.md", "notes.txt", "readme.md"]:
        (tmp_path / name).write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c-case.md").write_text("x")
    assert [f.name for f in case_files(tmp_path)] == ["a-case.md", "b-case.md"]
    assert case_files([tmp_path / "notes.txt"]) == [tmp_path / "notes.txt"]


def test_empty_folder_loads_nothing(tmp_path):
    result = load_library(tmp_path)
    assert (result.files, result.cases, result.problems) == (0, [], [])


def test_unreadable_file_is_a_problem_not_an_exception(tmp_path):
    case, problems = read_case(tmp_path / "missing.md", "missing.md")
    assert case is None
    (p,) = problems
    assert (p.line, p.severity) == (0, ERROR)
    assert str(p).startswith("missing.md: cannot read the file: ")


def test_case_fields(library):
    case = next(c for c in load_library(library).cases if c.id == "valid-english-case")
    assert case.path == "library/valid-english-case.md"
    assert case.key_lines["countries"] == 6
    assert case.key_lines["related"] == 30
    assert (case.start_year, case.end_year) == (2010, 2015)
    assert case.facet_values()["evidence_rating"] == ["promising"]


# --- robustness: any value of the wrong type is reported, never raised ------------------------------

_BASE_META = yaml.safe_load(split(EN_CASE.read_text())[0])
_BODY = split(EN_CASE.read_text())[1]
_KEYS = [*_BASE_META, "institution.name", "period.start", "period.end", "evidence.stage", "summary.en", "sources.0"]
_VALUES = [1, True, 3.5, None, "text", [1], {"a": 1}]


def _params():
    for key in _KEYS:
        for value in _VALUES:
            yield pytest.param(key, value, id=f"{key}={value!r}")


@pytest.mark.parametrize("key, value", list(_params()))
def test_wrong_value_types_never_raise(tmp_path, key, value):
    meta = yaml.safe_load(yaml.safe_dump(_BASE_META))
    target, _, sub = key.partition(".")
    if not sub:
        meta[target] = value
    elif sub.isdigit():
        meta[target][int(sub)] = value
    else:
        meta[target][sub] = value
    (tmp_path / "valid-english-case.md").write_text("---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n" + _BODY)
    shutil.copy(VALID / "valid-ongoing-case.md", tmp_path)
    result = load_library(tmp_path)
    assert "valid-ongoing-case" in {c.id for c in result.cases}
    mine = [p for p in result.problems if p.path.endswith("valid-english-case.md")]
    loaded = any(c.id == "valid-english-case" for c in result.cases)
    if not loaded:
        assert any(p.severity == ERROR and p.line > 1 for p in mine), mine
    else:
        assert not any(p.severity == ERROR for p in mine), mine
