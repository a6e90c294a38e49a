"""Every failure of the command line is one line naming the cause and the fix (issue 16).

Exit 1 for bad input (a model that does not load, a missing index, a file of the wrong kind), exit 2
for bad usage (an unknown option, a value of the wrong form); a traceback only with ``--debug``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from caselib.cli import main
from indexer.errors import CaselibError, ModelLoadError

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def one_line(result) -> str:
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # nothing else escaped
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert lines[0].startswith("Error: "), lines[0]
    return lines[0]


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["index", "--model", "/nonexistent/model", "--index", "{tmp}/index"], 1, ["/nonexistent/model", "packaged"]),
        (["serve", "--model", "/nonexistent/model", "--index", "{tmp}/index"], 1, ["/nonexistent/model", "packaged"]),
        (["search", "police", "--filter", "year_from=abc"], 2, ["--filter year_from", "1900–2100"]),
        (["search", "police", "--filter", "year_to=²"], 2, ["--filter year_to", "whole number"]),
        (["search", "police", "--filter", "colour=red"], 2, ["unknown field 'colour'", "countries"]),
        (["search", "police", "--mode", "fast"], 2, ["'fast' is not one of", "caselib search --help"]),
        (["search", "police", "--index", "{tmp}/none"], 1, ["no index at", "caselib index --index"]),
        (["similar", "x", "--index", "{tmp}/none"], 1, ["no index at", "caselib index --index"]),
        (["index", "--verify", "--index", "{tmp}/none"], 1, ["no index at", "caselib index --index"]),
        (["index", "--cases", "{tmp}/none", "--index", "{tmp}/index"], 1, ["cases folder", "pass --cases"]),
        (["eval"], 2, ["exactly one of --beir DIR or --queries FILE"]),
        (["eval", "--queries", "README.md"], 1, ["README.md", "YAML"]),
        (["restore", "README.md", "--cases", "{tmp}/out"], 1, ["is not a caselib cases.jsonl release"]),
        (["--no-such-option"], 2, ["No such option", "caselib --help"]),
        (["translations", "--confirm", "README.md"], 2, ["--confirm needs --stamp"]),
    ],
)
def test_failures_are_one_line_with_the_fix(args, code, words, tmp_path, monkeypatch, cases_dir):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CASELIB_CASES", str(cases_dir))
    result = run(*(a.format(tmp=tmp_path) for a in args))
    line = one_line(result)
    assert result.exit_code == code, line
    for word in words:
        assert word in line


def test_debug_shows_the_traceback(tmp_path):
    result = run("--debug", "search", "police", "--index", str(tmp_path / "none"))
    assert isinstance(result.exception, CaselibError)  # re-raised, so click's runner (and Python) show it


def test_an_unexpected_exception_is_one_line_that_says_it_is_a_bug(monkeypatch, tmp_path, cases_dir):
    import indexer.build

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(indexer.build, "build_index", broken)
    line = one_line(run("index", "--cases", str(cases_dir), "--index", str(tmp_path / "i")))
    assert "unexpected KeyError" in line and "--debug" in line


def test_model_load_error_is_in_the_family():
    assert issubclass(ModelLoadError, CaselibError)


def test_a_real_process_prints_no_traceback(tmp_path):
    """`python -m caselib` end to end: what a user sees in a terminal."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "caselib", "search", "police", "--filter", "year_from=abc"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == "" and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
