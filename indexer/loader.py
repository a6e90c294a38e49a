"""Read case files from disk: the only module that opens them.

``load_library`` never stops at a bad file: each becomes ``Problem``s and is skipped,
and every valid file becomes a ``Case``.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from .frontmatter import FrontMatterError, parse_yaml, split
from .messages import problem
from .model import ERROR, WARNING, Case, Problem, Translation
from .translation import check_against, read_translation, split_name
from .validate import validate

MAX_BYTES = 1_000_000


@dataclass
class LoadResult:
    cases: list[Case] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    def errors(self, strict: bool = False) -> list[Problem]:
        return [p for p in self.problems if strict or p.severity == ERROR]

    @property
    def skipped_paths(self) -> list[str]:
        """Files with errors that could not be loaded as cases."""
        loaded = {c.path for c in self.cases}
        return sorted({p.path for p in self.problems if p.severity == ERROR} - loaded)


def display_path(path: Path, cwd: Path | None = None) -> str:
    """Path relative to the working directory when possible (what a user typed)."""
    folder = _shown_folder(os.path.dirname(os.path.abspath(path)), str(cwd or Path.cwd().resolve()))
    return os.path.join(folder, path.name) if folder is not None else str(path)


@lru_cache(maxsize=256)
def _shown_folder(folder: str, cwd: str) -> str | None:
    """A folder relative to ``cwd`` ('' for cwd itself), or None when it is outside (computed once per folder)."""
    try:
        rel = str(Path(folder).relative_to(cwd))
    except ValueError:
        return None
    return "" if rel == "." else rel


def inside(entry: Path, folder: Path) -> bool:
    """True when ``entry`` (a symlink or not) resolves to a place inside ``folder``."""
    return os.path.realpath(entry).startswith(os.path.realpath(folder) + os.sep)


def folder_entries(folder: Path, wanted: Callable[[str], bool], problems: list[Problem] | None = None) -> list[Path]:
    """The regular files of ``folder`` whose name is ``wanted``, sorted. A symlink whose target
    leaves the folder is skipped, with a warning in ``problems``; FIFOs, sockets and devices are skipped."""
    out = []
    for e in sorted(os.scandir(folder), key=lambda e: e.name):
        if not wanted(e.name):
            continue
        if e.is_symlink() and not inside(Path(e.path), folder):
            if problems is not None:
                problems.append(
                    Problem(
                        display_path(Path(e.path)),
                        0,
                        "",
                        f"skipped: a symbolic link to {os.path.realpath(e.path)}, outside {folder}; "
                        "copy the file into the folder instead",
                        WARNING,
                    )
                )
            continue
        if e.is_file():
            out.append(folder / e.name)
    return out


def case_files(paths: list[Path] | Path, problems: list[Problem] | None = None) -> list[Path]:
    """Expand folders to their ``*.md`` files (README.md excluded), sorted; each file once.

    Links leaving a folder are skipped (a warning goes to ``problems``); a path named
    explicitly is kept as given (``read_case`` refuses what is not a regular file)."""
    if isinstance(paths, Path):
        paths = [paths]
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(folder_entries(p, lambda n: n.endswith(".md") and n.lower() != "readme.md", problems))
        else:
            files.append(p)
    seen: set[str] = set()
    unique = []
    for f in files:  # a file named twice (a folder and one of its files) is read once
        key = os.path.abspath(f)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def read_limited(path: Path, shown: str, limit: int = MAX_BYTES) -> tuple[bytes | None, list[Problem]]:
    """The bytes of a regular file of at most ``limit`` bytes, or None and one problem.

    The size is checked before reading and at most ``limit + 1`` bytes are ever read (a huge or
    sparse file costs nothing); a folder, FIFO, socket or device is refused without blocking."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        return None, [Problem(shown, 0, "", f"cannot read the file: {exc.strerror or exc}")]
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            mode = info.st_mode
            kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a special file"
            return None, [Problem(shown, 0, "", f"is {kind}, not a regular file: name a text file")]
        size = info.st_size
        chunks, left = [], limit + 1 if size <= limit else 0
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        raw = b"".join(chunks)
    except OSError as exc:
        return None, [Problem(shown, 0, "", f"cannot read the file: {exc.strerror or exc}")]
    finally:
        os.close(fd)
    if size > limit or len(raw) > limit:
        size = max(size, len(raw))
        return None, [
            Problem(
                shown,
                0,
                "",
                f"file is {size:,} bytes, over the {limit:,}-byte limit: move long annexes to a linked source",
            )
        ]
    return raw, []


def decode_text(raw: bytes, shown: str, kind: str = "Markdown") -> tuple[str | None, list[Problem]]:
    """UTF-8 text without NUL bytes, or None and one problem naming the line."""
    if b"\x00" in raw:
        return None, [Problem(shown, 0, "", f"file is binary (contains NUL bytes), not a {kind} text file")]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Problem(
                shown,
                line,
                "",
                f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}): save the file as UTF-8",
            )
        ]


Reuse = Callable[[str, str], "Case | None"]  # (shown path, sha256) -> a case validated before, or None


def read_case(
    path: Path, shown: str | None = None, reuse: Reuse | None = None, cwd: Path | None = None
) -> tuple[Case | None, list[Problem]]:
    """Load one file: a Case when it has no errors, and all its problems.

    ``reuse`` lets an index build skip parsing and validating files whose bytes are unchanged
    since a build that accepted them."""
    shown = shown or display_path(path, cwd)
    raw, problems = read_limited(path, shown)
    if raw is None:
        return None, problems
    if reuse is not None:
        known = reuse(shown, hashlib.sha256(raw).hexdigest())
        if known is not None:
            return known, []
    text, problems = decode_text(raw, shown)
    if text is None:
        return None, problems
    try:
        yaml_text, body, body_line = split(text)
        doc = parse_yaml(yaml_text, 2)
    except FrontMatterError as exc:
        return None, [Problem(shown, exc.line, "", str(exc))]
    problems, sections = validate(doc, body, body_line, shown, path.stem)
    if any(p.severity == ERROR for p in problems):
        return None, problems
    case = Case(
        id=doc.data["id"],
        path=shown,
        meta=doc.data,
        body=body,
        sections=tuple(sections),
        content_hash=hashlib.sha256(raw).hexdigest(),
        warnings=tuple(problems),
        key_lines={k: doc.key_line((k,)) for k in doc.data},
    )
    return case, problems


def read_translation_file(
    path: Path, shown: str | None = None, reuse: Reuse | None = None, cwd: Path | None = None
) -> tuple[Translation | None, list[Problem]]:
    """Load one translation file ``<id>.<lang>.md`` (checked alone; ``check_against`` needs its original).

    Read like a case (bounded read, UTF-8, the same YAML reader). With ``reuse``, a file unchanged
    since the previous build becomes a stand-in (no parsing)."""
    shown = shown or display_path(path, cwd)
    raw, problems = read_limited(path, shown)
    if raw is None:
        return None, problems
    digest = hashlib.sha256(raw).hexdigest()
    if reuse is not None and reuse.translation_known(shown, digest):
        case_id, lang = split_name(path)
        return Translation(case_id=case_id, language=lang, path=shown, meta={}, sections=(), content_hash=digest), []
    text, problems = decode_text(raw, shown)
    if text is None:
        return None, problems
    return read_translation(path, shown, text, digest)


def load_library(paths: list[Path] | Path, reuse: Reuse | None = None) -> LoadResult:
    """Load every case file under ``paths``; check ids are unique and ``related`` ids exist."""
    result = LoadResult()
    all_files = case_files(paths, result.problems)
    result.files = len(all_files)
    files: list[Path] = []
    translation_files: list[Path] = []
    for f in all_files:
        (files if split_name(f) is None else translation_files).append(f)
    cwd = Path.cwd().resolve()
    # related ids may point at any case file beside the ones checked
    named = [p for p in (paths if isinstance(paths, list) else [paths]) if not p.is_dir()]
    stems = {f.stem for f in files} | {
        g.stem for d in {f.parent for f in named} for g in case_files(d) if split_name(g) is None
    }
    by_id: dict[str, Case] = {}
    for f in files:
        case, problems = read_case(f, reuse=reuse, cwd=cwd)
        result.problems.extend(problems)
        if case is None:
            continue
        if case.id in by_id:
            first = by_id[case.id]
            result.problems.append(
                problem(case.path, case.key_lines.get("id", 2), "id", "duplicate_id", id=case.id, first=first.path)
            )
            continue
        by_id[case.id] = case
    for cid, case in list(by_id.items()):
        dangling = [r for r in case.related if r not in stems]
        if dangling:
            # an error for `check`, but the case itself stays usable: only the broken links are dropped
            result.problems.append(
                problem(
                    case.path,
                    case.key_lines.get("related", 1),
                    "related",
                    "unknown_related_file",
                    ids=", ".join(dangling),
                )
            )
            meta = dict(case.meta, related=[r for r in case.related if r in stems])
            by_id[cid] = replace(case, meta=meta, related_declared=tuple(case.related))
    if translation_files:
        _attach_translations(translation_files, by_id, result, reuse, cwd)
    result.cases = sorted(by_id.values(), key=lambda c: c.id)
    result.problems.sort(key=lambda p: (p.path, p.line))
    return result


def _is_stand_in(case: Case) -> bool:
    return case.body == "" and not case.sections


def _attach_translations(
    files: list[Path], by_id: dict[str, Case], result: LoadResult, reuse: Reuse | None, cwd: Path
) -> None:
    """Read translation files, check each against its original, and attach the valid ones to their case.

    Invariant for index builds: a case is either a reused stand-in with only stand-in translations
    (nothing of it changed: same file, same set of translation files and bytes), or fully read with
    every translation fully read."""
    found: dict[str, list[tuple[Path, Translation]]] = {}
    originals: dict[str, Case | None] = {}  # originals read only to check a translation named alone
    for f in files:
        tr, problems = read_translation_file(f, reuse=reuse, cwd=cwd)
        result.problems.extend(problems)
        if tr is None:
            continue
        if tr.case_id not in by_id and tr.case_id not in originals:
            sibling = f.parent / f"{tr.case_id}.md"
            original = read_case(sibling, cwd=cwd)[0] if sibling.is_file() else None
            originals[tr.case_id] = original
            if original is None:
                code = "translation_orphan_invalid" if sibling.is_file() else "translation_orphan_missing"
                result.problems.append(
                    problem(
                        tr.path,
                        tr.key_lines.get("translation_of", 2),
                        "translation_of",
                        code,
                        id=tr.case_id,
                        file=display_path(sibling, cwd),
                    )
                )
        found.setdefault(tr.case_id, []).append((f, tr))
    for cid, items in found.items():
        case = by_id.get(cid)
        if case is None:
            original = originals.get(cid)
            for _, tr in items:
                if original is not None:
                    result.problems.extend(check_against(_full_translation(tr, cwd), original))
            continue
        stored = reuse.translations_of(case) if reuse is not None and _is_stand_in(case) else None
        now = sorted((tr.path, tr.content_hash) for _, tr in items)
        if stored is not None and sorted(map(tuple, stored)) == now and all(not tr.meta for _, tr in items):
            by_id[cid] = replace(case, translations=tuple(tr for _, tr in sorted(items, key=lambda x: x[1].language)))
            continue
        if _is_stand_in(case):  # something of it changed: read the case itself again
            fresh, _ = read_case(Path(case.path) if Path(case.path).is_absolute() else cwd / case.path, shown=case.path)
            if fresh is None:
                continue
            case = replace(fresh, meta=dict(fresh.meta, related=case.related), related_declared=case.related_declared)
        kept = []
        for _f, tr in sorted(items, key=lambda x: x[1].language):
            tr = _full_translation(tr, cwd)
            problems = check_against(tr, case)
            result.problems.extend(problems)
            if not any(p.severity == ERROR for p in problems):
                kept.append(tr)
        by_id[cid] = replace(case, translations=tuple(kept))
    # cases whose translations all disappeared since the previous build must be re-indexed too
    if reuse is not None:
        for cid, case in list(by_id.items()):
            if cid not in found and _is_stand_in(case) and reuse.translations_of(case):
                fresh, _ = read_case(
                    cwd / case.path if not Path(case.path).is_absolute() else Path(case.path), shown=case.path
                )
                if fresh is not None:
                    by_id[cid] = replace(
                        fresh, meta=dict(fresh.meta, related=case.related), related_declared=case.related_declared
                    )


def _full_translation(tr: Translation, cwd: Path) -> Translation:
    """A stand-in translation read in full (its file is unchanged, but its case must be re-indexed)."""
    if tr.meta:
        return tr
    path = Path(tr.path) if Path(tr.path).is_absolute() else cwd / tr.path
    full, _ = read_translation_file(path, shown=tr.path)
    return full or tr


def with_translations(case: Case, cwd: Path | None = None) -> Case:
    """``case`` with its stand-in translations read in full (for a build that must re-index it)."""
    if not case.translations:
        return case
    cwd = cwd or Path.cwd().resolve()
    return replace(case, translations=tuple(_full_translation(t, cwd) for t in case.translations))
