"""Build the indexes: incremental by content hash, written beside the live index and swapped in atomically.

Layout of an index folder::

    INDEX/current -> builds/<name>     the live build (a symlink, replaced atomically)
    INDEX/builds/<name>/               manifest.json, catalog.json, docs.jsonl, keyword/, vectors/
    INDEX/.lock                        held while a build runs (a second build fails fast)

A reader that opened a build keeps using it; the previous build is kept until the next swap.
A build killed halfway leaves only a ``tmp-*`` folder, removed by the next build.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from . import __version__, integrity, vectorcache, vocab
from .catalog import Reuse, encode_full, reuse_from, write_catalog
from .chunking import chunk_case
from .embedders import Embedder, backend_of, default_model, load_embedder
from .errors import IndexDamagedError, IndexFolderError, IndexLockedError, IndexMissingError  # noqa: F401 (search.py)
from .keyword import KeywordIndex
from .loader import LoadResult, load_library, read_case, with_translations
from .model import Case, Problem
from .vectors import VectorIndex

# 2: vectors/case_ids.json, catalog hashes; 3: keyword/terms (BM25F matrix); 4: file checksums;
# 5: translations (catalog column, versions in records, chunk languages)
FORMAT_VERSION = 5
KEEP_BUILDS = 2


# the old name, still imported by indexer/search.py until its split lands; use IndexFolderError
IndexError_ = IndexFolderError


def verify_build(build: Path, index_dir: Path, manifest: dict | None = None) -> None:
    """Raise IndexDamagedError, with the fix, when a file of ``build`` differs from its manifest."""
    found = integrity.damage(build, manifest)
    if found:
        raise IndexDamagedError(
            f"the index at {build} is damaged ({found}); rebuild it with `caselib index --index {index_dir}`"
        )


@dataclass
class BuildReport:
    indexed: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0
    chunks_encoded: int = 0
    chunks_reused: int = 0
    seconds: float = 0.0
    full: bool = False
    reason: str = ""
    swapped: bool = False
    build_path: Path | None = None
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        what = "full build" if self.full else "incremental update"
        if not self.swapped:
            what = "index up to date"
        return (
            f"{what}: {self.indexed} case(s) indexed, {self.unchanged} unchanged, {self.removed} removed, "
            f"{self.skipped} skipped; {self.chunks_encoded} chunk(s) encoded, {self.chunks_reused} reused; "
            f"{self.seconds:.1f} s"
        )


def current_build(index_dir: Path) -> Path | None:
    """The live build folder, or None when there is none."""
    link = index_dir / "current"
    if not link.is_symlink() and not link.exists():
        return None
    target = link.resolve()
    return target if (target / "manifest.json").exists() else None


def read_manifest(build: Path) -> dict:
    return json.loads((build / "manifest.json").read_text(encoding="utf-8"))


@contextmanager
def build_lock(index_dir: Path, wait: bool = False):
    index_dir.mkdir(parents=True, exist_ok=True)
    fh = open(index_dir / ".lock", "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            raise IndexLockedError(
                f"another `caselib index` is building {index_dir} (pid {holder}); wait for it to finish, "
                "or run with --wait"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def _log_default(msg: str) -> None:
    print(msg, file=sys.stderr)


def build_index(
    source: Path | list[Path] | list[Case] | LoadResult,
    index_dir: Path,
    embedder: Embedder | None = None,
    model: str | None = None,
    full: bool = False,
    strict: bool = False,
    wait: bool = False,
    log: Callable[[str], None] = _log_default,
    progress: bool | None = None,
    batch_size: int = 256,
) -> BuildReport:
    """Index the cases from ``source`` into ``index_dir``; returns what was done.

    Pass an ``embedder``, or a ``model`` name/path: the model is then loaded only if chunks need encoding.
    """
    t0 = time.perf_counter()
    report = BuildReport()
    reuse: Reuse | None = None
    checked: dict[Path, str | None] = {}  # build -> its damage, if any (verified once per build_index)
    if isinstance(source, LoadResult):
        result = source
    elif isinstance(source, list) and source and isinstance(source[0], Case):
        result = LoadResult(cases=sorted(source, key=lambda c: c.id), files=len(source))
    else:
        prev_build = current_build(index_dir)
        if prev_build is not None and not full:
            checked[prev_build] = integrity.damage(prev_build)
        if prev_build is not None and not full and checked[prev_build] is None:
            try:
                model_name = embedder.name if embedder is not None else (model or default_model())
                if not _needs_full(read_manifest(prev_build), model_name, False)[0]:
                    reuse = reuse_from(prev_build)
            except (OSError, ValueError, KeyError, EOFError):
                reuse = None  # an unreadable previous build: validate everything
        result = load_library(source if isinstance(source, list) else [source], reuse=reuse)
    errors = result.errors(strict)
    report.problems = result.problems
    if strict and errors:
        raise IndexFolderError(
            f"--strict: {len(errors)} problem(s) in the cases; nothing was built. "
            "Fix them (see `caselib check --strict`) or build without --strict to skip those files."
        )
    report.skipped = len(result.skipped_paths) if not strict else 0
    cases = result.cases
    index_dir.mkdir(parents=True, exist_ok=True)
    with build_lock(index_dir, wait):
        builds = index_dir / "builds"
        builds.mkdir(exist_ok=True)
        for stale in builds.glob("tmp-*"):  # left by a killed build
            shutil.rmtree(stale, ignore_errors=True)
        prev = current_build(index_dir)
        damaged = ""
        try:
            prev_manifest = read_manifest(prev) if prev else None
        except (OSError, ValueError):  # a damaged live build: rebuild everything from the cases
            prev, prev_manifest = None, None
        if not full and prev_manifest is not None and prev_manifest.get("format_version") == FORMAT_VERSION:
            found = checked[prev] if prev in checked else integrity.damage(prev, prev_manifest)
            if found:  # never copied forward: a damaged build is rebuilt from the cases
                damaged = f"the live index is damaged ({found}): rebuilding it from the cases"
                log(damaged)
                prev, prev_manifest = None, None
        model_name = embedder.name if embedder is not None else (model or default_model())
        report.full, report.reason = _needs_full(prev_manifest, model_name, full)
        report.reason = damaged or report.reason
        if report.reason and prev_manifest:
            log(report.reason)
        old_hashes = {} if report.full else {k: v["hash"] for k, v in prev_manifest["cases"].items()}
        new_hashes = {c.id: c.index_hash for c in cases}  # the case file and its translations
        changed = {cid for cid, h in new_hashes.items() if old_hashes.get(cid) != h}
        removed = set(old_hashes) - set(new_hashes)
        report.removed = len(removed)
        report.unchanged = len(cases) - len(changed)
        report.indexed = len(changed)
        if reuse is not None:  # a build swapped in meanwhile may make a reused (body-less) case "changed"
            cases = [_reload(c) if c.id in changed and reuse.full_record(c) else c for c in cases]
            # unchanged files whose kept ``related`` links changed: same text and vectors, new records
            cases = [_relink(c) if reuse.stale(c) else c for c in cases]
        if not report.full and not changed and not removed:
            report.seconds = time.perf_counter() - t0
            report.build_path = prev
            return report

        stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        tmp = builds / f"tmp-{stamp}-{os.getpid()}"
        tmp.mkdir()
        KeywordIndex.build(
            tmp / "keyword", cases, previous=None if report.full else prev / "keyword", changed=changed, removed=removed
        )
        factory = (  # a model loaded by name looks up the shipped library's vectors first (vectorcache.py)
            (lambda: embedder)
            if embedder is not None
            else (lambda: vectorcache.with_cache(load_embedder(model_name), vectorcache.default_cache_dir()))
        )
        emb = _vectors(
            tmp / "vectors",
            cases,
            changed,
            None if report.full else prev / "vectors",
            factory,
            report,
            log,
            progress,
            batch_size,
        )
        write_catalog(tmp, cases, [(reuse.full_record(c) if reuse else None) or encode_full(c) for c in cases], reuse)
        manifest = {
            "format_version": FORMAT_VERSION,
            "schema_version": vocab.schema_version(),
            "caselib_version": __version__,
            "model": model_name,
            "backend": emb.backend if emb else (prev_manifest or {}).get("backend") or backend_of(model_name),
            "dim": emb.dim if emb else (prev_manifest or {}).get("dim", 0),
            "built_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "cases": {c.id: {"hash": c.index_hash, "path": c.path} for c in cases},
            "counts": {
                "cases": len(cases),
                "chunks": report.chunks_encoded + report.chunks_reused,
                "skipped": report.skipped,
            },
            "skipped": [p.to_dict() for p in result.problems if p.severity == "error"],
        }
        manifest = integrity.seal(manifest, tmp)
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        final = builds / stamp
        os.rename(tmp, final)
        _swap(index_dir, final)
        report.swapped = True
        report.build_path = final
        _prune(builds, final, prev)
    report.seconds = time.perf_counter() - t0
    return report


def _reload(case: Case) -> Case:
    fresh, problems = read_case(Path(case.path))
    if fresh is None:
        raise IndexFolderError(f"{case.path} changed during the build: run `caselib index` again")
    return with_translations(replace(fresh, translations=case.translations))


def _relink(stand_in: Case) -> Case:
    """The full case behind a reused stand-in, with the ``related`` links the loader kept."""
    fresh = _reload(stand_in)
    if fresh.content_hash != stand_in.content_hash:  # edited since it was read: its index entries would be stale
        raise IndexFolderError(f"{stand_in.path} changed during the build: run `caselib index` again")
    return replace(fresh, meta=dict(fresh.meta, related=stand_in.related), related_declared=tuple(fresh.related))


def _needs_full(prev: dict | None, model_name: str | None, full: bool) -> tuple[bool, str]:
    if full:
        return True, "full rebuild requested (--full)"
    if prev is None:
        return True, "no index yet: building from scratch"
    if prev.get("format_version") != FORMAT_VERSION or prev.get("schema_version") != vocab.schema_version():
        return True, "index format or schema version changed: rebuilding from scratch"
    if model_name and prev.get("model") != model_name:
        return True, f"model changed from '{prev.get('model')}' to '{model_name}': rebuilding every embedding"
    return False, ""


def _vectors(
    path: Path,
    cases: list[Case],
    changed: set[str],
    previous: Path | None,
    factory: Callable[[], Embedder],
    report: BuildReport,
    log,
    progress,
    batch_size: int,
):
    """Write the vector index; encode only chunks whose text is new. Returns the embedder if loaded."""
    old = VectorIndex.open(previous) if previous is not None else None
    old_rows: dict[str, range] = {}
    old_case_row: dict[str, int] = {}
    old_lines: list[bytes] = []
    by_hash: dict[str, int] = {}
    old_chunk_hashes: list[str] = []
    if old is not None:
        old_lines = old.lines()
        old_chunk_hashes = old.hashes
        old_case_row = {cid: r for r, cid in enumerate(old.case_ids())}
        old_rows = {cid: old.rows_of(r) for cid, r in old_case_row.items()}
        if changed:
            by_hash = old.rows_by_hash()
    emb: Embedder | None = None

    def get_embedder() -> Embedder:
        nonlocal emb
        if emb is None:
            emb = factory()
        return emb

    lines: list[bytes] = []
    hashes: list[str] = []
    rows: list[int] = []
    copy_dest: list[int] = []  # rows of the new matrix filled from the old one ...
    copy_src: list[int] = []  # ... from these old rows
    new_dest: list[int] = []  # rows filled by the model, in to_encode order
    to_encode: list[str] = []
    cent_src = np.full(len(cases), -1, dtype=np.int64)  # old case row whose centroid is reused, or -1
    for row, case in enumerate(cases):
        if case.id not in changed and case.id in old_rows:
            cent_src[row] = old_case_row[case.id]
            span = old_rows[case.id]  # whole ranges at a time: this loop sees every chunk of the library
            copy_dest.extend(range(len(lines), len(lines) + len(span)))
            copy_src.extend(span)
            lines.extend(old_lines[span.start : span.stop])
            hashes.extend(old_chunk_hashes[span.start : span.stop])
            rows.extend([row] * len(span))
            continue
        for chunk in chunk_case(case, get_embedder().count_tokens):
            if chunk.hash in by_hash:
                copy_dest.append(len(lines))
                copy_src.append(by_hash[chunk.hash])
            else:
                new_dest.append(len(lines))
                to_encode.append(chunk.embed_text)
            lines.append(VectorIndex.line(chunk))
            hashes.append(chunk.hash)
            rows.append(row)
    new_vecs = _encode(get_embedder(), to_encode, log, progress, batch_size) if to_encode else None
    dim = emb.dim if emb is not None else (old.dim if old is not None else 0)
    matrix = np.zeros((len(lines), dim), dtype=np.float16)
    if copy_dest:
        matrix[np.asarray(copy_dest)] = old.vectors[np.asarray(copy_src)]
    if new_dest:
        matrix[np.asarray(new_dest)] = new_vecs
    report.chunks_encoded = len(to_encode)
    report.chunks_reused = len(lines) - len(to_encode)
    VectorIndex.build(path, lines, hashes, rows, matrix, [c.id for c in cases], old, cent_src)
    return emb


def _encode(emb: Embedder, texts: list[str], log, progress, batch_size: int) -> np.ndarray:
    tty = sys.stderr.isatty() if progress is None else progress
    out = []
    if tty:
        from tqdm import tqdm

        bar = tqdm(total=len(texts), unit="chunk", desc="encoding", file=sys.stderr)
    for start in range(0, len(texts), batch_size):
        out.append(emb.encode(texts[start : start + batch_size]))
        done = min(start + batch_size, len(texts))
        if tty:
            bar.update(done - start)
        elif len(texts) > batch_size:
            log(f"encoded {done}/{len(texts)} chunks")
    if tty:
        bar.close()
    return np.concatenate(out) if out else np.zeros((0, emb.dim), dtype=np.float32)


def _swap(index_dir: Path, final: Path) -> None:
    tmp_link = index_dir / f".current-{os.getpid()}"
    if tmp_link.is_symlink():
        tmp_link.unlink()
    os.symlink(Path("builds") / final.name, tmp_link)
    os.replace(tmp_link, index_dir / "current")


def _prune(builds: Path, final: Path, prev: Path | None) -> None:
    keep = {final.name, prev.name if prev else None}
    olds = sorted(p for p in builds.iterdir() if p.is_dir() and not p.name.startswith("tmp-") and p.name not in keep)
    for p in olds[: max(0, len(olds) - (KEEP_BUILDS - len({k for k in keep if k})))]:
        shutil.rmtree(p, ignore_errors=True)
