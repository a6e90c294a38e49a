"""The `caselib` command line: thin wrappers over the engine."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__, vocab
from .loader import LoadResult, load_library

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="caselib")
def main() -> None:
    """caselib: a case library of police-management and public-security practices in the Americas."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. TODO placeholders) as errors.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--collections",
    "collections_dir",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Collections folder or file to check as well (default: collections/, when it exists and no PATH is given).",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "es", "pt"]),
    default="en",
    show_default=True,
    help="Language of the messages (JSON output keeps English in 'message' and adds 'text').",
)
def check(paths: tuple[Path, ...], strict: bool, fmt: str, collections_dir: Path | None, lang: str) -> None:
    """Validate case files (default: the cases/ folder) and collections (*.yml). Exit 1 on errors."""
    from .collections import case_ids_in, is_collection_file, load_collections
    from .i18n import translate, translate_plural
    from .messages import format_problem, render

    def collection_target(p: Path) -> bool:
        if not p.is_dir():  # a file, or a FIFO or device that read_case/read_collection refuse in one line
            return is_collection_file(p)
        return not any(p.glob("*.md")) and any(is_collection_file(f) for f in p.iterdir())

    col_targets = [p for p in paths if collection_target(p)]
    targets = [p for p in paths if p not in col_targets]
    if not paths:
        targets = [DEFAULT_CASES]
        if collections_dir is None and DEFAULT_COLLECTIONS.is_dir():
            col_targets = [DEFAULT_COLLECTIONS]
    if collections_dir is not None:
        col_targets.append(collections_dir)
    result = load_library(targets) if targets else LoadResult()
    cols = None
    if col_targets:
        known = case_ids_in(targets or ([DEFAULT_CASES] if DEFAULT_CASES.is_dir() else []))
        cols = load_collections(col_targets, known)
    problems = result.problems + (cols.problems if cols else [])
    failing = result.errors(strict) + (cols.errors(strict) if cols else [])
    failing_paths = {p.path for p in failing}
    files = result.files + (cols.files if cols else 0)
    n_err = sum(p.severity == "error" for p in problems)
    n_warn = len(problems) - n_err
    if fmt == "json":
        valid = sum(1 for c in result.cases if c.path not in failing_paths)
        report = {"files": files, "valid": valid, "errors": n_err, "warnings": n_warn}
        if cols is not None:
            report["collections"] = cols.files
            report["valid"] += sum(1 for c in cols.collections if c.path not in failing_paths)
        report["problems"] = [p.to_dict() | ({"text": render(p, lang)} if lang != "en" else {}) for p in problems]
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for p in problems:
            click.echo(format_problem(p, lang), err=False)
        what = translate(lang, "{n} file(s) checked", n=files)
        if cols is not None:
            what += translate(
                lang, " ({cases} case file(s), {collections} collection(s))", cases=result.files, collections=cols.files
            )
        summary = translate(
            lang,
            "{checked}: {errors}, {warnings}",
            checked=what,
            # English keeps its "(s)" form (scripts read it); the catalogs give real plurals
            errors=translate_plural(lang, "{n} error(s)", "{n} error(s)", n_err),
            warnings=translate_plural(lang, "{n} warning(s)", "{n} warning(s)", n_warn),
        )
        if strict and n_warn:
            summary += translate(lang, " (--strict: warnings count as errors)")
        click.echo(summary, err=True)
    if targets and result.files == 0:
        click.echo(f"no case files found in {', '.join(map(str, targets))}", err=True)
        sys.exit(1)
    if cols is not None and not targets and cols.files == 0:
        click.echo(f"no collection files found in {', '.join(map(str, col_targets))}", err=True)
        sys.exit(1)
    sys.exit(1 if failing else 0)


@main.command()
@click.argument("title")
@click.option("--country", "countries", multiple=True, help="ISO 3166-1 alpha-2 code; repeat for several.")
@click.option(
    "--pillar",
    "pillars",
    multiple=True,
    type=click.Choice(vocab.enum_values("pillars")),
    help="Pillar of the Commitment to Public Security; repeat, primary first.",
)
@click.option(
    "--theme",
    "themes",
    multiple=True,
    type=click.Choice(vocab.enum_values("themes")),
    help="Theme from the controlled vocabulary; repeat for several.",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "es", "pt"]),
    default="en",
    show_default=True,
    help="Language of the body, the hints and the default texts; with es/pt, TITLE is the original-language name.",
)
@click.option("--id", "case_id", help="Case id (default: derived from the title).")
@cases_option
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def new(
    title: str,
    countries: tuple[str, ...],
    pillars: tuple[str, ...],
    themes: tuple[str, ...],
    lang: str,
    case_id: str | None,
    cases_dir: Path,
    force: bool,
) -> None:
    """Write a ready-to-fill case file with TODO placeholders."""
    from .template import new_case_text, slugify

    for c in countries:
        if not vocab.is_country(c.strip().upper()) or len(c.strip()) != 2:
            guess = vocab.suggest_country(c)
            raise click.BadParameter(
                f"'{c}' is not an ISO 3166-1 alpha-2 code" + (f"; did you mean {guess}?" if guess else ""),
                param_hint="--country",
            )
    countries = tuple(c.strip().upper() for c in countries)
    case_id = case_id or slugify(title)
    target = cases_dir / f"{case_id}.md"
    if target.exists() and not force:
        raise click.ClickException(f"{target} already exists: choose another --id or pass --force")
    cases_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(
        new_case_text(title, list(countries), list(pillars), lang, case_id, list(themes)), encoding="utf-8"
    )
    click.echo(f"wrote {target}: fill in every TODO, then run `caselib check --strict {target}`")


@main.command()
@cases_option
@click.option(
    "--stamp",
    is_flag=True,
    help="Write source_hash (the original's current content hash) into translation files that have none.",
)
@click.option(
    "--confirm",
    "confirmed",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A translation file you brought up to date with its changed original: stamp it with the current "
    "hash (repeatable; with --stamp).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def translations(cases_dir: Path, stamp: bool, confirmed: tuple[Path, ...], fmt: str) -> None:
    """Report missing, partial, unstamped and outdated translations (exit 1 when there are any).

    Expected per case: English body -> es complete, pt complete for Brazil cases (else partial);
    Spanish body -> en complete, pt partial; Portuguese body -> en and es complete. A translation is
    outdated when its source_hash differs from the hash of the original's translatable content."""
    from . import translation as tr_mod

    if confirmed and not stamp:
        raise click.UsageError("--confirm needs --stamp")
    if not cases_dir.is_dir():
        _fail(FileNotFoundError(f"cases folder {cases_dir} does not exist: pass --cases DIR"))
    result = load_library([cases_dir])
    for p in result.errors():
        click.echo(f"skipped: {p}", err=True)
    if stamp:
        wanted = {str(Path(c).resolve()) for c in confirmed}
        stamped = []
        for case in result.cases:
            digest = tr_mod.source_hash(case)
            for tr in case.translations:
                path = Path(tr.path)
                if (not tr.meta.get("source_hash") or str(path.resolve()) in wanted) and tr.meta.get(
                    "source_hash"
                ) != digest:
                    if tr_mod.stamp(path, digest):
                        stamped.append(tr.path)
        unknown = wanted - {str(Path(t.path).resolve()) for c in result.cases for t in c.translations}
        for u in sorted(unknown):
            click.echo(f"not stamped: {u} is not a valid translation of a valid case (run caselib check)", err=True)
        click.echo(f"stamped {len(stamped)} translation file(s)" + "".join(f"\n  {s}" for s in stamped), err=True)
        result = load_library([cases_dir])
    rows = tr_mod.report(result.cases)
    if fmt == "json":
        counts: dict[str, int] = {}
        for r in rows:
            counts[r["state"]] = counts.get(r["state"], 0) + 1
        click.echo(json.dumps({"cases": len(result.cases), "counts": counts, "translations": rows}, indent=2))
    else:
        for r in rows:
            where = r["path"] or str(cases_dir / f"{r['id']}.{r['language']}.md")
            want = f" (expected {r['expected']})" if r["expected"] else ""
            click.echo(f"{where}: {r['state']}{want}")
        click.echo(
            f"{len(result.cases)} case(s): {len(rows)} translation(s) missing, partial, unstamped or outdated", err=True
        )
    sys.exit(1 if rows else 0)


model_option = click.option(
    "--model",
    default=None,
    envvar="CASELIB_MODEL",
    help=(
        "Embedding model (env CASELIB_MODEL): packaged:multilingual-e5-small (the default, offline), "
        "packaged:all-MiniLM-L6-v2 (English, offline), or any sentence-transformers model name or path."
    ),
)


def _fail(exc: Exception) -> None:
    raise click.ClickException(str(exc))


class OneLineUsageError(click.ClickException):
    """Bad input on the command line: one line, exit 2 (no usage block)."""

    exit_code = 2


@main.command("index")
@cases_option
@index_option
@model_option
@click.option("--full", is_flag=True, help="Rebuild everything instead of only changed cases.")
@click.option("--strict", is_flag=True, help="Refuse to build if any case has an error or warning.")
@click.option("--wait", is_flag=True, help="Wait for a running build instead of failing.")
@click.option(
    "--verify", is_flag=True, help="Only check every file of the live index against its checksums (exit 1 if damaged)."
)
def index_cmd(
    cases_dir: Path, index_dir: Path, model: str | None, full: bool, strict: bool, wait: bool, verify: bool
) -> None:
    """Build or update the keyword and embedding indexes (only changed cases are re-encoded)."""
    from .build import IndexError_, build_index, current_build, read_manifest, verify_build
    from .embedders import ModelLoadError

    if verify:
        build = current_build(index_dir)
        if build is None:
            _fail(FileNotFoundError(f"no index at {index_dir}: build it with `caselib index --index {index_dir}`"))
        try:
            verify_build(build, index_dir)
        except IndexError_ as exc:
            _fail(exc)
        files = len(read_manifest(build)["files"])
        click.echo(f"index at {build}: all {files} files match their checksums")
        return
    if not cases_dir.is_dir():
        _fail(FileNotFoundError(f"cases folder {cases_dir} does not exist: pass --cases DIR"))
    try:
        report = build_index(
            cases_dir,
            index_dir,
            model=model,
            full=full,
            strict=strict,
            wait=wait,
            log=lambda m: click.echo(m, err=True),
        )
    except (IndexError_, ModelLoadError) as exc:
        _fail(exc)
    for p in report.problems:
        if p.severity == "error":
            click.echo(f"skipped: {p}", err=True)
    click.echo(report.summary())


def _parse_filters(pairs: tuple[str, ...]) -> tuple[dict[str, list[str]], tuple[int | None, int | None]]:
    from .numbers import YEAR_MAX, YEAR_MIN, whole_number
    from .search import FILTER_FIELDS

    filters: dict[str, list[str]] = {}
    years: list[int | None] = [None, None]
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"'{pair}' is not field=value (e.g. countries=PA)", param_hint="--filter")
        if name in ("year_from", "year_to"):
            try:
                years[0 if name == "year_from" else 1] = whole_number(value, name, YEAR_MIN, YEAR_MAX)
            except ValueError as exc:
                raise OneLineUsageError(f"--filter {exc}") from None
        elif name in FILTER_FIELDS:
            filters.setdefault(name, []).extend(v for v in value.split(",") if v)
        else:
            raise click.BadParameter(
                f"unknown field '{name}'; use one of {', '.join(FILTER_FIELDS)}, year_from, year_to",
                param_hint="--filter",
            )
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
    from .embedders import ModelLoadError

    s = _open_searcher(index_dir, model)
    try:
        r = s.search(query, mode=mode, filters=flt, years=years, sort=sort, per_page=limit)
    except ModelLoadError as exc:
        _fail(exc)

    def hit_json(h) -> dict:  # noqa: ANN001
        return {
            "id": h.id,
            "title": h.title,
            "title_original": h.title_original,
            "score": h.score,
            "match": h.match,
            "snippet": h.snippet,
            "url": f"/cases/{h.id}",
        }

    if as_json:
        click.echo(
            json.dumps(
                {
                    "query": r.query,
                    "mode": r.mode,
                    "total": r.total,
                    "results": [hit_json(h) for h in r.hits],
                    "related": [hit_json(h) for h in r.related],
                    "facets": r.facets,
                    "suggestion": r.suggestion,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
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
        click.echo(
            json.dumps(
                {
                    "id": case_id,
                    "similar": [
                        {
                            "id": x.id,
                            "title": x.title,
                            "title_original": x.title_original,
                            "score": x.score,
                            "shared": x.shared,
                            "url": f"/cases/{x.id}",
                        }
                        for x in sims
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for x in sims:
        why = "; ".join(f"{k}: {', '.join(v)}" for k, v in x.shared.items()) or "similar text"
        click.echo(f"{x.score:.3f}  {x.title}  [{x.id}]  ({why})")


@main.command("eval")
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
    from .build import IndexError_
    from .evalrun import eval_beir, eval_judged

    if bool(beir_dir) == bool(queries_file):
        raise click.UsageError("give exactly one of --beir DIR or --queries FILE")
    modes = modes or ("keyword", "semantic", "hybrid")

    def log(message: str) -> None:
        click.echo(message, err=True)

    detail: list[dict] = []
    try:
        if beir_dir:
            metrics = eval_beir(beir_dir, model=model, modes=modes, log=log)
        else:
            metrics, detail = eval_judged(queries_file, index_dir, model=model, modes=modes)
    except (IndexError_, ValueError) as exc:
        _fail(exc)
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


@main.command()
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
    from .build import IndexError_, build_index
    from .embedders import ModelLoadError, load_embedder
    from .memory import tune_malloc
    from .search import Searcher

    tune_malloc()  # before the server's threads exist
    try:
        embedder = load_embedder(model)
        if not no_index:
            report = build_index(cases_dir, index_dir, embedder=embedder, log=lambda m: click.echo(m, err=True))
            for p in report.problems:
                if p.severity == "error":
                    click.echo(f"skipped: {p}", err=True)
            click.echo(report.summary(), err=True)
        searcher = Searcher.open(index_dir, embedder=embedder)
    except (IndexError_, ModelLoadError) as exc:
        _fail(exc)
    # the first real visitor should not pay for model start-up or the lazily built name and title tables
    searcher.search("warm up", mode="hybrid")
    searcher.search("")
    from webapp import create_app

    try:
        app = create_app({"SEARCHER": searcher, "INDEX_DIR": str(index_dir)})
    except ValueError as exc:  # a bad CASELIB_BASE_URL
        _fail(exc)
    click.echo(f"caselib serving {len(searcher.case_ids())} cases on http://{host}:{port}/  (Ctrl+C to stop)", err=True)
    if dev:
        app.run(host=host, port=port, debug=True, use_reloader=True)
        return
    from waitress import serve as waitress_serve

    waitress_serve(app, host=host, port=port, threads=threads, ident="caselib")


@main.command("export")
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
@click.option("--collections", "collections_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_COLLECTIONS, show_default=True, envvar="CASELIB_COLLECTIONS",
              help="Folder of collection files (env CASELIB_COLLECTIONS).")  # fmt: skip
@index_option
def export_cmd(
    formats: tuple[str, ...], out_dir: Path, cases_dir: Path, collections_dir: Path, index_dir: Path
) -> None:
    """Write the whole library as a data release (with manifest.json), or as an OpenSearch bulk file."""
    from .export import export_library
    from .opensearch import export_opensearch

    if not cases_dir.is_dir():
        _fail(FileNotFoundError(f"cases folder {cases_dir} does not exist: pass --cases DIR"))
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


@main.command("restore")
@click.argument("jsonl", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@cases_option
def restore_cmd(jsonl: Path, cases_dir: Path) -> None:
    """Write case files (and translations) back from a release's cases.jsonl into the cases folder."""
    from .export import restore

    try:
        n = restore(jsonl, cases_dir)
    except (ValueError, KeyError, json.JSONDecodeError) as exc:
        _fail(ValueError(f"{jsonl} is not a caselib cases.jsonl release: {exc}"))
    click.echo(f"{cases_dir}: wrote {n} cases; run `caselib check --cases {cases_dir}` then `caselib index`")


if __name__ == "__main__":  # pragma: no cover
    main()
