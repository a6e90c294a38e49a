"""Querying commands: `caselib search` and `caselib similar`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .options import BadInput, BadUsage, index_option, model_option


def _parse_filters(pairs: tuple[str, ...]) -> tuple[dict[str, list[str]], tuple[int | None, int | None]]:
    from indexer.numbers import YEAR_MAX, YEAR_MIN, NumberError, whole_number
    from indexer.search import FILTER_FIELDS

    filters: dict[str, list[str]] = {}
    years: list[int | None] = [None, None]
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"'{pair}' is not field=value (e.g. countries=PA)", param_hint="--filter")
        if name in ("year_from", "year_to"):
            try:
                years[0 if name == "year_from" else 1] = whole_number(value, name, YEAR_MIN, YEAR_MAX)
            except NumberError as exc:
                raise BadUsage(f"--filter {exc}") from None
        elif name in FILTER_FIELDS:
            filters.setdefault(name, []).extend(v for v in value.split(",") if v)
        else:
            raise click.BadParameter(
                f"unknown field '{name}'; use one of {', '.join(FILTER_FIELDS)}, year_from, year_to",
                param_hint="--filter",
            )
    return filters, (years[0], years[1])


def _open_searcher(index_dir: Path, model: str | None):
    from indexer.search import Searcher

    return Searcher.open(index_dir, model=model)


@click.command()
@click.argument("query")
@index_option
@model_option
@click.option("--mode", type=click.Choice(["hybrid", "keyword", "semantic"]), default="hybrid", show_default=True)
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Filter, e.g. countries=PA, themes=community-policing, year_from=2009; repeatable.",
)
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def search(
    query: str,
    index_dir: Path,
    model: str | None,
    mode: str,
    limit: int,
    filters: tuple[str, ...],
    sort: str,
    as_json: bool,
) -> None:
    """Search the library."""
    import html
    import re

    flt, years = _parse_filters(filters)

    s = _open_searcher(index_dir, model)
    r = s.search(query, mode=mode, filters=flt, years=years, sort=sort, per_page=limit)

    if as_json:  # the same fields as the JSON API's (indexer/results.py)
        click.echo(json.dumps(r.to_dict(), ensure_ascii=False, indent=2))
        return
    if r.message:
        click.echo(f"note: {r.message}", err=True)
    if r.suggestion:
        click.echo(f"did you mean: {r.suggestion}")
    click.echo(f"{r.total} close match(es) for '{r.query}' ({r.mode})")
    if r.related:
        click.echo("No practice in the library closely matches the query; these cover related ground:")
    for i, h in enumerate(r.hits or r.related, 1):
        orig = f" ({h.title_original})" if h.title_original and h.title_original != h.title else ""
        click.echo(f"{i:2}. {h.title}{orig}  [{h.id}]  score {h.score:.4f}  {h.match}")
        click.echo("    " + html.unescape(re.sub(r"</?mark>", "*", h.snippet)))


@click.command()
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
        raise BadInput(f"no case '{case_id}' in the index; list ids with `caselib search ''`") from None
    if as_json:
        sims_json = [x.to_dict() for x in sims]
        click.echo(json.dumps({"id": case_id, "similar": sims_json}, ensure_ascii=False, indent=2))
        return
    for x in sims:
        why = "; ".join(f"{k}: {', '.join(v)}" for k, v in x.shared.items()) or "similar text"
        click.echo(f"{x.score:.3f}  {x.title}  [{x.id}]  ({why})")
