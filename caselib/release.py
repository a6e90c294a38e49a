"""Release commands: `caselib export` (a data release or an OpenSearch bulk file), `caselib restore`."""

from __future__ import annotations

from pathlib import Path

import click

from .options import cases_option, collections_option, index_option, require_cases_dir


@click.command("export")
@click.option(
    "--format",
    "formats",
    type=click.Choice(["jsonl", "json", "csv", "opensearch-bulk"]),
    multiple=True,
    help="What to write (repeat for several; default: jsonl, json and csv).",
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("release"),
              show_default=True, help="Folder to write into.")  # fmt: skip
@cases_option
@collections_option
@index_option
def export_cmd(
    formats: tuple[str, ...], out_dir: Path, cases_dir: Path, collections_dir: Path, index_dir: Path
) -> None:
    """Write the whole library as a data release (with manifest.json), or as an OpenSearch bulk file."""
    from indexer.export import export_library
    from indexer.opensearch import export_opensearch

    require_cases_dir(cases_dir)
    wanted = list(formats) or ["jsonl", "json", "csv"]
    data_formats = [f for f in wanted if f != "opensearch-bulk"]
    if data_formats:
        citation = [Path("CITATION.cff")] if Path("CITATION.cff").is_file() else []
        manifest = export_library(cases_dir, out_dir, data_formats, collections_dir, extra=citation)
        counts = manifest["counts"]
        click.echo(
            f"{out_dir}: {counts['cases']} cases, {counts['translations']} translations, "
            f"{counts['collections']} collections, {len(manifest['files'])} files (manifest.json)"
        )
    if "opensearch-bulk" in wanted:
        info = export_opensearch(cases_dir, out_dir, index_dir)
        vectors = f"{info['dimensions']}-dimension vectors" if info["dimensions"] else "no vectors (no index built)"
        click.echo(f"{out_dir}: opensearch-bulk.ndjson ({info['documents']} documents, {vectors}), "
                   "opensearch-mapping.json")  # fmt: skip


@click.command("restore")
@click.argument("jsonl", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@cases_option
def restore_cmd(jsonl: Path, cases_dir: Path) -> None:
    """Write case files (and translations) back from a release's cases.jsonl into the cases folder."""
    from indexer.export import restore

    n = restore(jsonl, cases_dir)
    click.echo(f"{cases_dir}: wrote {n} cases; run `caselib check --cases {cases_dir}` then `caselib index`")
