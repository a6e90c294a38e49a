"""The `caselib` command group: every command registered here (`caselib --help` lists them)."""

from __future__ import annotations

import click

from indexer import __version__

from .authoring import check, new, translations
from .evaluation import eval_cmd
from .indexing import index_cmd
from .portal import submissions, users
from .querying import search, similar
from .release import export_cmd, restore_cmd
from .serving import serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="caselib")
def main() -> None:
    """caselib: a case library of police-management and public-security practices in the Americas."""


for command in (
    check,
    new,
    translations,
    index_cmd,
    search,
    similar,
    eval_cmd,
    serve,
    export_cmd,
    restore_cmd,
    users,
    submissions,
):
    main.add_command(command)
