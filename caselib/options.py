"""Defaults and options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import click

DEFAULT_CASES = Path("cases")
DEFAULT_INDEX = Path("instance/index")
DEFAULT_COLLECTIONS = Path("collections")

cases_option = click.option(
    "--cases",
    "cases_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_CASES,
    show_default=True,
    envvar="CASELIB_CASES",
    help="Folder of case files (env CASELIB_CASES).",
)
index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_INDEX,
    show_default=True,
    envvar="CASELIB_INDEX",
    help="Index folder (env CASELIB_INDEX).",
)
model_option = click.option(
    "--model",
    default=None,
    envvar="CASELIB_MODEL",
    help=(
        "Embedding model (env CASELIB_MODEL): packaged:multilingual-e5-small (the default, offline), "
        "packaged:all-MiniLM-L6-v2 (English, offline), or any sentence-transformers model name or path."
    ),
)


def fail(exc: Exception) -> None:
    raise click.ClickException(str(exc))


class OneLineUsageError(click.ClickException):
    """Bad input on the command line: one line, exit 2 (no usage block)."""

    exit_code = 2
