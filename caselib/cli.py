"""The `caselib` command group, and the one place a failure becomes a line and an exit code.

Every failure prints one line, ``Error: <cause and fix>``, and exits 1 (bad input: a missing
folder, a damaged index, a model that does not load — the engine's ``CaselibError`` family) or 2
(bad usage: an unknown option, a value of the wrong form). No traceback, except with ``--debug``.
"""

from __future__ import annotations

import click

from indexer import __version__
from indexer.errors import CaselibError

from .authoring import check, new, translations
from .evaluation import eval_cmd
from .indexing import index_cmd
from .options import BadInput, BadUsage
from .portal import submissions, users
from .querying import search, similar
from .release import export_cmd, restore_cmd
from .serving import serve


def _usage_line(exc: click.UsageError) -> BadUsage:
    command = exc.ctx.command_path if exc.ctx else "caselib"
    return BadUsage(f"{exc.format_message()} (see `{command} --help`)")


class CaselibGroup(click.Group):
    """A click group that reports every failure of its commands in one line."""

    def make_context(self, info_name, args, parent=None, **extra):  # noqa: ANN001, ANN201
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as exc:  # an unknown option of the group itself
            raise _usage_line(exc) from None

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # a bad option or argument of a command
            if debug:
                raise
            raise _usage_line(exc) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except CaselibError as exc:
            if debug:
                raise
            raise BadInput(str(exc)) from None
        except OSError as exc:
            if debug:
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            raise BadInput(f"{where}{exc.strerror or exc}: check the path and its permissions") from None
        except Exception as exc:
            if debug:
                raise
            raise BadInput(
                f"unexpected {type(exc).__name__}: {exc} (a bug: run `caselib --debug ...` again and report "
                "the traceback)"
            ) from None


@click.group("caselib", cls=CaselibGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="caselib")
@click.option(
    "--debug", is_flag=True, envvar="CASELIB_DEBUG", help="Show the traceback of a failure (env CASELIB_DEBUG)."
)
def main(debug: bool) -> None:
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
