"""Defaults and options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import click

DEFAULT_CASES = Path("cases")
DEFAULT_INDEX = Path("instance/index")
DEFAULT_COLLECTIONS = Path("collections")


def folder_option(flag: str, dest: str, default: Path, env: str, what: str):  # noqa: ANN201 - a click decorator
    """``--cases DIR``-style option: a folder, its default, and the environment variable that sets it."""
    return click.option(
        flag,
        dest,
        type=click.Path(file_okay=False, path_type=Path),
        default=default,
        show_default=True,
        envvar=env,
        help=f"{what} (env {env}).",
    )


def vocabulary_option(flag: str, dest: str, vocabulary: str, what: str):  # noqa: ANN201 - a click decorator
    """A repeatable option whose values come from a controlled vocabulary of the format."""
    from indexer import vocab

    return click.option(flag, dest, multiple=True, type=click.Choice(vocab.enum_values(vocabulary)), help=what)


cases_option = folder_option("--cases", "cases_dir", DEFAULT_CASES, "CASELIB_CASES", "Folder of case files")
index_option = folder_option("--index", "index_dir", DEFAULT_INDEX, "CASELIB_INDEX", "Index folder")
collections_option = folder_option(
    "--collections", "collections_dir", DEFAULT_COLLECTIONS, "CASELIB_COLLECTIONS", "Folder of collection files"
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


def require_cases_dir(cases_dir: Path) -> None:
    if not cases_dir.is_dir():
        raise BadInput(f"cases folder {cases_dir} does not exist: pass --cases DIR")


class BadInput(click.ClickException):
    """Bad input (a missing folder, a file of the wrong kind): one line, exit 1."""

    exit_code = 1


class BadUsage(click.ClickException):
    """Bad usage (an unknown option, a value of the wrong form): one line, exit 2 (no usage block)."""

    exit_code = 2
