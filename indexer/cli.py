"""The `caselib` command line: thin wrappers over the engine."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__, vocab
from .loader import load_library

DEFAULT_CASES = Path("cases")
DEFAULT_INDEX = Path("instance/index")

cases_option = click.option(
    "--cases", "cases_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_CASES,
    show_default=True, envvar="CASELIB_CASES", help="Folder of case files (env CASELIB_CASES).",
)
index_option = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_INDEX,
    show_default=True, envvar="CASELIB_INDEX", help="Index folder (env CASELIB_INDEX).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="caselib")
def main() -> None:
    """caselib: a case library of police-management and public-security practices in the Americas."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. TODO placeholders) as errors.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check(paths: tuple[Path, ...], strict: bool, fmt: str) -> None:
    """Validate case files (default: the cases/ folder). Exit 1 on errors."""
    targets = list(paths) or [DEFAULT_CASES]
    result = load_library(targets)
    failing = result.errors(strict)
    if fmt == "json":
        click.echo(json.dumps({
            "files": result.files,
            "valid": len(result.cases) if not strict else len(result.cases) - len({p.path for p in failing}),
            "errors": sum(p.severity == "error" for p in result.problems),
            "warnings": sum(p.severity == "warning" for p in result.problems),
            "problems": [p.to_dict() for p in result.problems],
        }, ensure_ascii=False, indent=2))
    else:
        for p in result.problems:
            click.echo(str(p), err=False)
        n_err = sum(p.severity == "error" for p in result.problems)
        n_warn = len(result.problems) - n_err
        summary = f"{result.files} file(s) checked: {n_err} error(s), {n_warn} warning(s)"
        if strict and n_warn:
            summary += " (--strict: warnings count as errors)"
        click.echo(summary, err=True)
    if result.files == 0:
        click.echo(f"no case files found in {', '.join(map(str, targets))}", err=True)
        sys.exit(1)
    sys.exit(1 if failing else 0)


@main.command()
@click.argument("title")
@click.option("--country", "countries", multiple=True, help="ISO 3166-1 alpha-2 code; repeat for several.")
@click.option("--pillar", "pillars", multiple=True, type=click.Choice(vocab.enum_values("pillars")),
              help="Pillar of the Commitment to Public Security; repeat, primary first.")
@click.option("--theme", "themes", multiple=True, type=click.Choice(vocab.enum_values("themes")),
              help="Theme from the controlled vocabulary; repeat for several.")
@click.option("--lang", type=click.Choice(["en", "es", "pt"]), default="en", show_default=True,
              help="Language of the body; with es/pt, TITLE is the original-language name.")
@click.option("--id", "case_id", help="Case id (default: derived from the title).")
@cases_option
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def new(title: str, countries: tuple[str, ...], pillars: tuple[str, ...], themes: tuple[str, ...], lang: str,
        case_id: str | None, cases_dir: Path, force: bool) -> None:
    """Write a ready-to-fill case file with TODO placeholders."""
    from .template import new_case_text, slugify

    for c in countries:
        if not vocab.is_country(c):
            guess = vocab.suggest_country(c)
            raise click.BadParameter(f"'{c}' is not an ISO 3166-1 alpha-2 code" + (f"; did you mean {guess}?" if guess else ""),
                                     param_hint="--country")
    case_id = case_id or slugify(title)
    target = cases_dir / f"{case_id}.md"
    if target.exists() and not force:
        raise click.ClickException(f"{target} already exists: choose another --id or pass --force")
    cases_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(new_case_text(title, list(countries), list(pillars), lang, case_id, list(themes)), encoding="utf-8")
    click.echo(f"wrote {target}: fill in every TODO, then run `caselib check --strict {target}`")


if __name__ == "__main__":  # pragma: no cover
    main()
