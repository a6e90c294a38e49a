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


model_option = click.option(
    "--model", default=None, envvar="CASELIB_MODEL",
    help="sentence-transformers model name or path (env CASELIB_MODEL; default: the packaged all-MiniLM-L6-v2).",
)


def _fail(exc: Exception) -> None:
    raise click.ClickException(str(exc))


@main.command("index")
@cases_option
@index_option
@model_option
@click.option("--full", is_flag=True, help="Rebuild everything instead of only changed cases.")
@click.option("--strict", is_flag=True, help="Refuse to build if any case has an error or warning.")
@click.option("--wait", is_flag=True, help="Wait for a running build instead of failing.")
def index_cmd(cases_dir: Path, index_dir: Path, model: str | None, full: bool, strict: bool, wait: bool) -> None:
    """Build or update the keyword and embedding indexes (only changed cases are re-encoded)."""
    from .build import IndexError_, build_index

    if not cases_dir.is_dir():
        _fail(FileNotFoundError(f"cases folder {cases_dir} does not exist: pass --cases DIR"))
    try:
        report = build_index(cases_dir, index_dir, model=model, full=full, strict=strict, wait=wait,
                             log=lambda m: click.echo(m, err=True))
    except IndexError_ as exc:
        _fail(exc)
    for p in report.problems:
        if p.severity == "error":
            click.echo(f"skipped: {p}", err=True)
    click.echo(report.summary())


def _parse_filters(pairs: tuple[str, ...]) -> tuple[dict[str, list[str]], tuple[int | None, int | None]]:
    from .search import FILTER_FIELDS

    filters: dict[str, list[str]] = {}
    years: list[int | None] = [None, None]
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"'{pair}' is not field=value (e.g. countries=PA)", param_hint="--filter")
        if name in ("year_from", "year_to"):
            years[0 if name == "year_from" else 1] = int(value)
        elif name in FILTER_FIELDS:
            filters.setdefault(name, []).extend(v for v in value.split(",") if v)
        else:
            raise click.BadParameter(f"unknown field '{name}'; use one of {', '.join(FILTER_FIELDS)}, year_from, "
                                     "year_to", param_hint="--filter")
    return filters, (years[0], years[1])


def _open_searcher(index_dir: Path, model: str | None):
    from .build import IndexError_
    from .search import Searcher

    try:
        return Searcher.open(index_dir, model=model)
    except IndexError_ as exc:
        _fail(exc)


@main.command()
@click.argument("query")
@index_option
@model_option
@click.option("--mode", type=click.Choice(["hybrid", "keyword", "semantic"]), default="hybrid", show_default=True)
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--filter", "filters", multiple=True, metavar="FIELD=VALUE",
              help="Filter, e.g. countries=PA, themes=community-policing, year_from=2009; repeatable.")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def search(query: str, index_dir: Path, model: str | None, mode: str, limit: int, filters: tuple[str, ...],
           sort: str, as_json: bool) -> None:
    """Search the library."""
    import html
    import re

    flt, years = _parse_filters(filters)
    s = _open_searcher(index_dir, model)
    r = s.search(query, mode=mode, filters=flt, years=years, sort=sort, per_page=limit)
    if as_json:
        click.echo(json.dumps({
            "query": r.query, "mode": r.mode, "total": r.total,
            "results": [{"id": h.id, "title": h.title, "title_original": h.title_original, "score": h.score,
                         "snippet": h.snippet, "url": f"/cases/{h.id}"} for h in r.hits],
            "facets": r.facets, "suggestion": r.suggestion,
        }, ensure_ascii=False, indent=2))
        return
    if r.message:
        click.echo(f"note: {r.message}", err=True)
    if r.suggestion:
        click.echo(f"did you mean: {r.suggestion}")
    click.echo(f"{r.total} result(s) for '{r.query}' ({r.mode})")
    for i, h in enumerate(r.hits, 1):
        orig = f" ({h.title_original})" if h.title_original and h.title_original != h.title else ""
        click.echo(f"{i:2}. {h.title}{orig}  [{h.id}]  score {h.score:.4f}")
        click.echo("    " + html.unescape(re.sub(r"</?mark>", "*", h.snippet)))


@main.command()
@click.argument("case_id")
@index_option
@model_option
@click.option("--limit", type=click.IntRange(1, 50), default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def similar(case_id: str, index_dir: Path, model: str | None, limit: int, as_json: bool) -> None:
    """Cases most similar to CASE_ID, with what they share."""
    s = _open_searcher(index_dir, model)
    try:
        sims = s.similar(case_id, limit)
    except KeyError:
        _fail(KeyError(f"no case '{case_id}' in the index; list ids with `caselib search ''`"))
    if as_json:
        click.echo(json.dumps({"id": case_id, "similar": [
            {"id": x.id, "title": x.title, "title_original": x.title_original, "score": x.score, "shared": x.shared,
             "url": f"/cases/{x.id}"} for x in sims]}, ensure_ascii=False, indent=2))
        return
    for x in sims:
        why = "; ".join(f"{k}: {', '.join(v)}" for k, v in x.shared.items()) or "similar text"
        click.echo(f"{x.score:.3f}  {x.title}  [{x.id}]  ({why})")


if __name__ == "__main__":  # pragma: no cover
    main()
