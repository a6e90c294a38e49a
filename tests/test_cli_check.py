"""The `caselib` command line: `check`, `new`, --version and --help (through click's CliRunner)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from caselib.cli import main
from indexer import __version__
from indexer.frontmatter import split

DATA = Path(__file__).resolve().parent / "data"
VALID = DATA / "valid_cases"
BAD = DATA / "bad_cases"

PROBLEM_LINE = re.compile(r"^(?P<path>[^:\s]+\.md)(?::(?P<line>\d+))?: (?:warning: )?(?:(?P<field>[\w.\[\]]+): )?\S")


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="caselib", catch_exceptions=False)


@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    """An empty working directory: paths in messages are relative to it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CASELIB_CASES", raising=False)
    return tmp_path


def _copy(names: list[str], folder: Path, source: Path = BAD) -> None:
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(source / name, folder / name)


# --- check -----------------------------------------------------------------------------------------


def test_check_valid_folder_exits_0():
    result = run("check", str(VALID))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "3 file(s) checked: 0 error(s), 0 warning(s)" in result.stderr


def test_check_valid_folder_strict_exits_0():
    assert run("check", "--strict", str(VALID)).exit_code == 0


def test_check_real_cases_strict_exits_0(cases_dir):
    result = run("check", "--strict", str(cases_dir))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    n = len([f for f in cases_dir.glob("*.md") if f.name.lower() != "readme.md"])
    assert n > 0
    assert f"{n} file(s) checked: 0 error(s), 0 warning(s)" in result.stderr


def test_check_defaults_to_the_cases_folder(work):
    _copy(["valid-english-case.md"], work / "cases", VALID)
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "1 file(s) checked" in result.stderr
    _copy(["bad-country.md"], work / "cases")
    result = run("check")
    assert result.exit_code == 1
    assert "cases/bad-country.md:6: countries[0]: " in result.stdout


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "bad-country.md",
            "bad-country.md:6: countries[0]: 'Panama' is not an ISO 3166-1 alpha-2 code: did you mean 'PA'?",
        ),
        ("unknown-key.md", "unknown-key.md:6: contries: unknown key 'contries': did you mean 'countries'?"),
        ("wrong-type.md", "wrong-type.md:6: countries: expected a list, got str; write it as a list, e.g. [PA]"),
        ("period-reversed.md", "period-reversed.md:14: period.end: ends (2010) before it starts (2015)"),
        ("duplicate-key.md", "duplicate-key.md:21: channel: key appears twice"),
        ("broken-yaml.md", "broken-yaml.md:18: YAML syntax error"),
        ("empty-file.md", "empty-file.md:1: the file is empty"),
    ],
)
def test_check_bad_file_exits_1_with_path_line_field_message(work, name, expected):
    _copy([name], work)
    result = run("check", name)
    assert result.exit_code == 1
    assert expected in result.stdout
    assert re.search(r"1 file\(s\) checked: [1-9]\d* error\(s\), 0 warning\(s\)", result.stderr)


def test_check_output_lines_all_have_the_documented_form(work):
    _copy([f.name for f in BAD.glob("*.md")], work / "bad")
    result = run("check", "bad")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) >= len(list(BAD.glob("*.md")))
    for line in lines:
        assert PROBLEM_LINE.match(line), line
        assert line.startswith("bad/")


def test_check_todo_warnings_fail_only_under_strict(work):
    _copy(["todo-placeholder.md"], work)
    plain = run("check", "todo-placeholder.md")
    assert plain.exit_code == 0
    assert (
        "todo-placeholder.md:33: warning: documentation.documented_by: still holds a TODO placeholder" in plain.stdout
    )
    assert "0 error(s), 2 warning(s)" in plain.stderr
    strict = run("check", "--strict", "todo-placeholder.md")
    assert strict.exit_code == 1
    assert "(--strict: warnings count as errors)" in strict.stderr


def test_check_dangling_related_exits_1(work):
    _copy(["dangling-related.md"], work)
    result = run("check", "dangling-related.md")
    assert result.exit_code == 1
    assert "dangling-related.md:30: related: unknown case id(s) valid-english-case, no-such-case" in result.stdout


def test_check_json_shape(work):
    _copy(["bad-country.md", "todo-placeholder.md"], work / "mix")
    _copy(["valid-english-case.md"], work / "mix", VALID)
    result = run("check", "--format", "json", "mix")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert set(data) == {"files", "valid", "errors", "warnings", "problems"}
    assert data["files"] == 3
    assert data["valid"] == 2  # the valid case and the one with warnings only
    assert (data["errors"], data["warnings"]) == (1, 2)
    assert len(data["problems"]) == 3
    for p in data["problems"]:
        assert set(p) == {"path", "line", "field", "message", "severity", "code", "params"}
        assert isinstance(p["line"], int)
        assert p["severity"] in ("error", "warning")
    assert {
        "path": "mix/bad-country.md",
        "line": 6,
        "field": "countries[0]",
        "message": "'Panama' is not an ISO 3166-1 alpha-2 code: did you mean 'PA'?",
        "severity": "error",
        "code": "country_code_guess",
        "params": {"value": "Panama", "guess": "PA"},
    } in data["problems"]


def test_check_json_clean_folder():
    result = run("check", "--format", "json", "--strict", str(VALID))
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"files": 3, "valid": 3, "errors": 0, "warnings": 0, "problems": []}


def test_check_json_strict_valid_count(work):
    _copy(["bad-country.md", "todo-placeholder.md"], work / "mix")
    data = json.loads(run("check", "--format", "json", "--strict", "mix").stdout)
    assert data["files"] == 2
    assert data["valid"] == 0  # both files fail under --strict; reported: -1


def test_check_empty_folder_exits_1(work):
    (work / "empty").mkdir()
    result = run("check", "empty")
    assert result.exit_code == 1
    assert "no case files found in empty" in result.stderr


def test_check_missing_path_is_a_usage_error(work):
    result = run("check", "no-such-folder")
    assert result.exit_code == 2
    assert "does not exist" in result.output


# --- new -------------------------------------------------------------------------------------------

REAL_VALUES = {
    "institution": {"name": "National Police of Panama", "type": "national-police"},
    "themes": ["community-policing"],
    "period": {"start": 2011, "end": None},
    "sources": [
        {"title": "Annual report of the National Police", "publisher": "National Police of Panama", "year": 2012}
    ],
    "problems": ["public-disorder"],
    "target_population": ["residents"],
    "setting": ["urban"],
    "mechanism": "Agreeing patrol priorities with residents is meant to put patrols where residents feel unsafe.",
    "resources": {k: "not-documented" for k in ("staff", "training", "equipment", "duration", "budget")},
    "summary": {
        "en": "Officers meet residents every month to agree on local patrol priorities.",
        "es": "Los policías se reúnen cada mes con los vecinos para acordar prioridades de patrullaje.",
    },
}


def _fill_todos(path: Path) -> None:
    """Replace every TODO of a `caselib new` file: parse the YAML, set real values, rewrite."""
    yaml_text, body, _ = split(path.read_text(encoding="utf-8"))
    meta = yaml.safe_load(yaml_text)
    meta.update(REAL_VALUES)
    meta["documentation"]["documented_by"] = "caselib test suite"
    if "TODO" in meta["title"]:
        meta["title"] = "Neighbourhood patrol agreements"
    body = re.sub(r"^TODO:.*$", "Not documented in the sources.", body, flags=re.M)
    assert "TODO" not in yaml.safe_dump(meta) + body, "the test left a placeholder"
    path.write_text(
        "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n" + body, encoding="utf-8"
    )


@pytest.mark.parametrize(
    "lang, title, file_name, heading",
    [
        ("en", "Neighbourhood Patrol Agreements", "neighbourhood-patrol-agreements.md", "## Context and problem"),
        (
            "es",
            "Acuerdos de Patrullaje Vecinal (Panamá)",
            "acuerdos-de-patrullaje-vecinal-panama.md",
            "## Contexto y problema",
        ),
    ],
)
def test_new_then_check_then_fill_then_strict(work, lang, title, file_name, heading):
    result = run(
        "new", title, "--country", "PA", "--pillar", "citizen-participation", "--lang", lang, "--cases", "drafts"
    )
    assert result.exit_code == 0, result.output
    target = work / "drafts" / file_name
    assert target.is_file()
    assert f"wrote drafts/{file_name}" in result.stdout

    meta = yaml.safe_load(split(target.read_text())[0])
    assert meta["id"] == target.stem
    assert meta["countries"] == ["PA"]
    assert meta["pillars"] == ["citizen-participation"]
    assert meta["language"] == lang
    if lang != "en":
        assert meta["title_original"] == title
    assert heading in target.read_text()

    plain = run("check", f"drafts/{file_name}")
    assert plain.exit_code == 0, plain.output
    assert "0 error(s)" in plain.stderr
    strict = run("check", "--strict", f"drafts/{file_name}")
    assert strict.exit_code == 1
    assert "still holds a TODO placeholder" in strict.stdout
    assert all(" warning: " in line for line in strict.stdout.splitlines())

    _fill_todos(target)
    final = run("check", "--strict", f"drafts/{file_name}")
    assert final.exit_code == 0, final.output


def test_new_refuses_to_overwrite(work):
    assert run("new", "Neighbourhood Patrol Agreements", "--country", "PA", "--cases", "c").exit_code == 0
    target = work / "c" / "neighbourhood-patrol-agreements.md"
    target.write_text("my edits")
    again = run("new", "Neighbourhood Patrol Agreements", "--country", "CO", "--cases", "c")
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert target.read_text() == "my edits"
    forced = run("new", "Neighbourhood Patrol Agreements", "--country", "CO", "--cases", "c", "--force")
    assert forced.exit_code == 0
    assert "countries:\n- CO" in target.read_text()


def test_new_with_id(work):
    result = run("new", "Some title here", "--id", "my-own-id", "--cases", "c")
    assert result.exit_code == 0
    assert (work / "c" / "my-own-id.md").is_file()
    assert run("check", "c").exit_code == 0


@pytest.mark.parametrize("bad, hint", [("Panama", "did you mean PA?"), ("PAN", "did you mean PA?"), ("XX", "")])
def test_new_bad_country_is_a_clear_error(work, bad, hint):
    result = run("new", "Neighbourhood Patrol Agreements", "--country", bad, "--cases", "c")
    assert result.exit_code == 2
    assert f"Invalid value for --country: '{bad}' is not an ISO 3166-1 alpha-2 code" in result.output
    assert hint in result.output
    assert not (work / "c").exists()


def test_new_never_writes_a_country_check_rejects(work):
    result = run("new", "Neighbourhood Patrol Agreements", "--country", "pa", "--cases", "c")
    if result.exit_code == 0:
        assert run("check", "c").exit_code == 0
    else:
        assert result.exit_code == 2
        assert not (work / "c").exists()


def test_new_bad_pillar_lists_the_choices(work):
    result = run("new", "Neighbourhood Patrol Agreements", "--pillar", "policing", "--cases", "c")
    assert result.exit_code == 2
    assert "'policing' is not one of" in result.output
    assert "citizen-participation" in result.output
    assert not (work / "c").exists()


# --- --version and --help --------------------------------------------------------------------------


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"caselib, version {__version__}"


def test_main_help_lists_every_command():
    result = run("--help")
    assert result.exit_code == 0
    assert result.output.startswith("Usage: caselib [OPTIONS] COMMAND [ARGS]...")
    for name in main.commands:
        assert re.search(rf"^\s+{re.escape(name)}\s", result.output, re.M), name


@pytest.mark.parametrize("name", sorted(main.commands))
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_every_command_has_help(name, flag):
    result = run(name, flag)
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: caselib {name} ")
    for param in main.commands[name].params:
        for opt in param.opts:
            if opt.startswith("-"):
                assert opt in result.output, f"{name} {opt}"


def test_commands_that_the_tests_rely_on_exist():
    assert {"check", "new"} <= set(main.commands)
