"""`caselib eval`: retrieval quality on a BEIR folder or on judged queries."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .options import index_option, model_option


@click.command("eval")
@click.option(
    "--beir",
    "beir_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv): built into a temporary library.",
)
@click.option(
    "--queries",
    "queries_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Judged queries (YAML) run against the library index.",
)
@index_option
@model_option
@click.option(
    "--mode",
    "modes",
    multiple=True,
    type=click.Choice(["keyword", "semantic", "hybrid"]),
    help="Modes to evaluate (default: all three).",
)
@click.option("--json", "as_json", is_flag=True, help="Print metrics as JSON.")
@click.option("--details", is_flag=True, help="With --queries: list each query's top 5 and whether it hit.")
def eval_cmd(
    beir_dir: Path | None,
    queries_file: Path | None,
    index_dir: Path,
    model: str | None,
    modes: tuple[str, ...],
    as_json: bool,
    details: bool,
) -> None:
    """Measure retrieval quality: nDCG@10, Recall@10/100, MRR@10 per mode."""
    from indexer.evalrun import eval_beir, eval_judged

    if bool(beir_dir) == bool(queries_file):
        raise click.UsageError("give exactly one of --beir DIR or --queries FILE")
    modes = modes or ("keyword", "semantic", "hybrid")

    def log(message: str) -> None:
        click.echo(message, err=True)

    detail: list[dict] = []
    if beir_dir:
        metrics = eval_beir(beir_dir, model=model, modes=modes, log=log)
    else:
        metrics, detail = eval_judged(queries_file, index_dir, model=model, modes=modes)
    if as_json:
        out = {m: {k: round(v, 4) for k, v in vals.items()} for m, vals in metrics.items()}
        if details:
            out["queries"] = detail
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    names = list(next(iter(metrics.values())))
    click.echo(f"{'mode':10}" + "".join(f"{n:>12}" for n in names))
    for mode, vals in metrics.items():
        click.echo(f"{mode:10}" + "".join(f"{vals[n]:12.4f}" for n in names))
    if any(vals.get("nomatch") for vals in metrics.values()):
        click.echo("kept: share of matchable queries with a relevant case among the close matches (results)")
        click.echo("nomatch_empty: share of the no-match queries (relevant: []) whose results are empty")
    if details:
        for row in detail:
            if row["relevant"]:
                marks = " ".join(f"{m}:{'ok' if row[m]['hit@5'] else 'MISS'}" for m in modes)
            else:
                marks = " ".join(f"{m}:{'empty' if not row[m]['n_close'] else 'NOT EMPTY'}" for m in modes)
            click.echo(f"[{row['language']}] {row['query']}  ->  {marks}")
            for m in modes:
                if row["relevant"] and not row[m]["hit@5"]:
                    click.echo(f"    {m} top5: {', '.join(row[m]['top5'])}; wanted {', '.join(row['relevant'])}")
                elif not row["relevant"] and row[m]["n_close"]:
                    click.echo(f"    {m} close: {', '.join(row[m]['close'])}")
