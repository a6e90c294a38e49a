"""Read case files from disk: the only module that opens them.

``load_library`` never stops at a bad file: each becomes ``Problem``s and is skipped,
and every valid file becomes a ``Case``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from .frontmatter import FrontMatterError, parse_yaml, split
from .messages import problem
from .model import ERROR, Case, Problem
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


def case_files(paths: list[Path] | Path) -> list[Path]:
    """Expand folders to their ``*.md`` files (README.md excluded), sorted; each file once."""
    if isinstance(paths, Path):
        paths = [paths]
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            names = sorted(e.name for e in os.scandir(p) if e.name.endswith(".md") and e.is_file())
            files.extend(p / n for n in names if n.lower() != "readme.md")
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


Reuse = Callable[[str, str], "Case | None"]  # (shown path, sha256) -> a case validated before, or None


def read_case(
    path: Path, shown: str | None = None, reuse: Reuse | None = None, cwd: Path | None = None
) -> tuple[Case | None, list[Problem]]:
    """Load one file: a Case when it has no errors, and all its problems.

    ``reuse`` lets an index build skip parsing and validating files whose bytes are unchanged
    since a build that accepted them."""
    shown = shown or display_path(path, cwd)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown, 0, "", f"cannot read the file: {exc.strerror or exc}")]
    if reuse is not None and len(raw) <= MAX_BYTES:
        known = reuse(shown, hashlib.sha256(raw).hexdigest())
        if known is not None:
            return known, []
    if len(raw) > MAX_BYTES:
        return None, [
            Problem(
                shown,
                0,
                "",
                f"file is {len(raw):,} bytes, over the {MAX_BYTES:,}-byte limit: move long annexes to a linked source",
            )
        ]
    if b"\x00" in raw:
        return None, [Problem(shown, 0, "", "file is binary (contains NUL bytes), not a Markdown text file")]
    try:
        text = raw.decode("utf-8")
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


def load_library(paths: list[Path] | Path, reuse: Reuse | None = None) -> LoadResult:
    """Load every case file under ``paths``; check ids are unique and ``related`` ids exist."""
    result = LoadResult()
    files = case_files(paths)
    result.files = len(files)
    cwd = Path.cwd().resolve()
    # related ids may point at any case file beside the ones checked
    named = [p for p in (paths if isinstance(paths, list) else [paths]) if not p.is_dir()]
    stems = {f.stem for f in files} | {g.stem for d in {f.parent for f in named} for g in case_files(d)}
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
    result.cases = sorted(by_id.values(), key=lambda c: c.id)
    result.problems.sort(key=lambda p: (p.path, p.line))
    return result
