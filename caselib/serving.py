"""`caselib serve`: update the index, then serve the web app (the only command that imports it)."""

from __future__ import annotations

from pathlib import Path

import click

from .options import BadInput, cases_option, index_option, model_option


@click.command()
@cases_option
@index_option
@model_option
@click.option("--host", default="127.0.0.1", show_default=True, envvar="CASELIB_HOST")
@click.option("--port", default=8000, show_default=True, type=int, envvar="CASELIB_PORT")
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads of the WSGI server.")
@click.option("--no-index", is_flag=True, help="Serve the existing index without building or updating it first.")
@click.option(
    "--dev", is_flag=True, help="Flask's development server with auto-reload and debugger (never in production)."
)
def serve(
    cases_dir: Path, index_dir: Path, model: str | None, host: str, port: int, threads: int, no_index: bool, dev: bool
) -> None:
    """Update the index if needed, then serve the web app (waitress) with a warm searcher."""
    from indexer.build import build_index
    from indexer.embedders import load_embedder
    from indexer.memory import tune_malloc
    from indexer.search import Searcher

    tune_malloc()  # before the server's threads exist
    embedder = load_embedder(model)
    if not no_index:
        report = build_index(cases_dir, index_dir, embedder=embedder, log=lambda m: click.echo(m, err=True))
        for p in report.problems:
            if p.severity == "error":
                click.echo(f"skipped: {p}", err=True)
        click.echo(report.summary(), err=True)
    searcher = Searcher.open(index_dir, embedder=embedder)
    # the first real visitor should not pay for model start-up or the lazily built name and title tables
    searcher.search("warm up", mode="hybrid")
    searcher.search("")
    from webapp import create_app

    try:
        app = create_app({"SEARCHER": searcher, "INDEX_DIR": str(index_dir), "CASES_DIR": str(cases_dir)})
    except ValueError as exc:  # a bad CASELIB_BASE_URL
        raise BadInput(str(exc)) from None
    click.echo(f"caselib serving {len(searcher.case_ids())} cases on http://{host}:{port}/  (Ctrl+C to stop)", err=True)
    if dev:
        app.run(host=host, port=port, debug=True, use_reloader=True)
        return
    from waitress import serve as waitress_serve

    waitress_serve(app, host=host, port=port, threads=threads, ident="caselib")
