"""Authoring commands: `caselib new` (a ready-to-fill case file), `caselib check` (validate cases and
collections), `caselib translations` (report and stamp translation files)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from indexer import vocab
from indexer.loader import LoadResult, load_library

from .options import (
    DEFAULT_CASES,
    DEFAULT_COLLECTIONS,
    BadInput,
    cases_option,
    require_cases_dir,
    vocabulary_option,
)


@click.command()
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
    from indexer.collections import case_ids_in, is_collection_file, load_collections
    from indexer.i18n import translate, translate_plural
    from indexer.messages import format_problem, render

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


@click.command()
@click.argument("title")
@click.option("--country", "countries", multiple=True, help="ISO 3166-1 alpha-2 code; repeat for several.")
@vocabulary_option(
    "--pillar", "pillars", "pillars", "Pillar of the Commitment to Public Security; repeat, primary first."
)
@vocabulary_option("--theme", "themes", "themes", "Theme from the controlled vocabulary; repeat for several.")
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
    from indexer.template import new_case_text, slugify

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
        raise BadInput(f"{target} already exists: choose another --id or pass --force")
    cases_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(
        new_case_text(title, list(countries), list(pillars), lang, case_id, list(themes)), encoding="utf-8"
    )
    click.echo(f"wrote {target}: fill in every TODO, then run `caselib check --strict {target}`")


@click.command()
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
    from indexer import translation as tr_mod

    if confirmed and not stamp:
        raise click.UsageError("--confirm needs --stamp")
    require_cases_dir(cases_dir)
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
