"""`caselib index`: build or update the keyword and embedding indexes, or verify the live one."""

from __future__ import annotations

from pathlib import Path

import click

from .options import BadInput, cases_option, index_option, model_option, require_cases_dir


@click.command("index")
@cases_option
@index_option
@model_option
@click.option("--full", is_flag=True, help="Rebuild everything instead of only changed cases.")
@click.option("--strict", is_flag=True, help="Refuse to build if any case has an error or warning.")
@click.option("--wait", is_flag=True, help="Wait for a running build instead of failing.")
@click.option(
    "--verify", is_flag=True, help="Only check every file of the live index against its checksums (exit 1 if damaged)."
)
def index_cmd(
    cases_dir: Path, index_dir: Path, model: str | None, full: bool, strict: bool, wait: bool, verify: bool
) -> None:
    """Build or update the keyword and embedding indexes (only changed cases are re-encoded)."""
    from indexer.build import build_index, current_build, read_manifest, verify_build

    if verify:
        build = current_build(index_dir)
        if build is None:
            raise BadInput(f"no index at {index_dir}: build it with `caselib index --index {index_dir}`")
        verify_build(build, index_dir)
        files = len(read_manifest(build)["files"])
        click.echo(f"index at {build}: all {files} files match their checksums")
        return
    require_cases_dir(cases_dir)
    report = build_index(
        cases_dir,
        index_dir,
        model=model,
        full=full,
        strict=strict,
        wait=wait,
        log=lambda m: click.echo(m, err=True),
    )
    for p in report.problems:
        if p.severity == "error":
            click.echo(f"skipped: {p}", err=True)
    click.echo(report.summary())
