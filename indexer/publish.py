"""Publish a reviewed submission: validate, write into the case folder, commit, update the index.

``publish(files, cases_dir, index_dir, submission=…, author=…, committer=…)`` does the four steps
of issue 18's "publish without loss", each of which either completes or leaves nothing behind:

1. **check** — the files (``<id>.md`` and/or translations ``<id>.<lang>.md``) are validated by the
   very loader ``caselib check`` uses (``load_library``), in a staging folder that mirrors the case
   folder's file names, so ``related`` ids and translations are checked against the real library
   and the case's existing translations are checked against an edited original. Errors (and, by
   default, warnings: the published folder must pass ``caselib check --strict``) refuse the publication.
2. **write** — every file is written to a temporary file in the case folder, flushed to disk, and
   renamed over its target (the original first, so no translation is ever seen without its case).
   If any rename fails, the files already replaced are put back as they were: all or nothing.
3. **commit** — when the case folder is inside a git work tree, exactly those paths are committed
   (author = the submitting institution, committer = the editor, a message naming the submission).
   If the commit fails, the files are put back and unstaged, as if nothing had happened.
4. **index** — the existing incremental build (``build_index``) re-indexes the changed case and swaps
   the new build in; a running ``Searcher`` picks it up on its next ``refresh()`` (the web app calls it
   on every request), so the site shows the case without a restart. The files and the commit are the
   published record: if only this step fails, a retry (or ``caselib index``) finishes it.

One publication runs at a time: an exclusive lock (``INDEX/.publish.lock``) is held through the four
steps. A publication that finds the files already holding the submitted text (a retry, or a second
editor approving the same submission at the same moment) writes and commits nothing again: it only
makes sure the index is current, and reports ``already=True``. Every failure is a ``PublishError``
with the step it happened in and whether a retry can help; nothing here imports Flask or Click.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .i18n import N_, translate
from .loader import MAX_BYTES, display_path, load_library
from .model import ERROR, Case, Problem
from .translation import LANGUAGES, split_name

_STEM = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TMP_PREFIX = ".publish-"
LOCK_NAME = ".publish.lock"
GIT_TIMEOUT = 60

# What went wrong, in the reader's language (the web app renders them; the CLI prints English).
MESSAGES: dict[str, str] = {
    "no_files": N_("the submission holds no case file"),
    "bad_name": N_("'{name}' is not a case file name: use <id>.md or <id>.<language>.md"),
    "mixed_ids": N_("the files belong to several cases ({ids}): publish one case at a time"),
    "no_original": N_("'{name}' translates a case that does not exist: submit the case file {id}.md with it"),
    "too_large": N_("'{name}' is {size} bytes, over the {limit}-byte limit"),
    "invalid": N_("the case does not pass `caselib check`: {n} problem(s); fix them and approve again"),
    "conflict": N_(
        "{name} changed since the submission was made (someone published another version): "
        "ask the submitter to revise it from the current case"
    ),
    "exists": N_("a case with the id '{id}' is already published: this submission must be an edit of it"),
    "locked": N_("another publication is running; try again in a minute"),
    "write": N_(
        "could not write {name} ({error}); nothing was changed: fix the folder's permissions or space and retry"
    ),
    "commit": N_("git could not commit the case ({error}); nothing was changed: fix the repository and retry"),
    "index": N_(
        "the case is published but the search index could not be updated ({error}): retry, or run `caselib index`"
    ),
}


class PublishError(RuntimeError):
    """A publication that did not happen (or, for ``step == "index"``, is not yet searchable).

    ``step``: check | write | commit | index | lock; ``retryable``: True when trying again can succeed
    without changing the submission (a busy lock, a full disk, a broken repository, a failed build)."""

    def __init__(self, step: str, code: str, problems: list[Problem] | None = None, retryable: bool = False, **params):
        self.step = step
        self.code = code
        self.params = params
        self.problems = problems or []
        self.retryable = retryable
        super().__init__(self.render("en"))

    def render(self, lang: str = "en") -> str:
        return translate(lang, MESSAGES[self.code], **self.params)


@dataclass(frozen=True)
class Person:
    """A git identity: a name (an institution, an editor) and an e-mail address."""

    name: str
    email: str

    def clean(self) -> Person:
        # git refuses '<', '>' and newlines in identities; an empty name is refused too
        name = " ".join(re.sub(r"[<>\x00]+", " ", self.name).split()) or "caselib"
        email = re.sub(r"[<>\s\x00]+", "", self.email) or "no-reply@caselib.invalid"
        return Person(name[:200], email[:200])


@dataclass
class PublishResult:
    case_id: str
    paths: list[str]  # the files written (as shown to a user)
    already: bool = False  # the files already held the submitted text: nothing written or committed again
    commit: str | None = None  # the commit made, when the folder is in a git work tree
    indexed: bool = False
    build: str | None = None  # the index build now live
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0


def _digest(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def case_id_of(files: Mapping[str, str]) -> str:
    """The one case id the file names belong to; PublishError otherwise."""
    if not files:
        raise PublishError("check", "no_files")
    ids = set()
    for name in files:
        tr = split_name(Path(name))
        stem = tr[0] if tr else (name[:-3] if name.endswith(".md") else "")
        if "/" in name or "\\" in name or not _STEM.match(stem) or (tr and tr[1] not in LANGUAGES):
            raise PublishError("check", "bad_name", name=name[:100])
        ids.add(stem)
    if len(ids) > 1:
        raise PublishError("check", "mixed_ids", ids=", ".join(sorted(ids)))
    return ids.pop()


def check_files(files: Mapping[str, str], cases_dir: Path, strict: bool = True) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) of a submission's files, as ``caselib check`` would report them once published.

    The files are checked in a staging folder holding every other file name of ``cases_dir`` (empty
    stand-ins: only their names matter, for ``related``) and the real text of this case's other files,
    so an edited original is checked against its existing translations and a translation against its
    original. Problems name the files as they will be (``cases/<name>``). With ``strict``, warnings
    count as errors. Raises PublishError for names that are not one case's files."""
    _, errors, warnings = load_submission(files, cases_dir, strict)
    return errors, warnings


def load_submission(
    files: Mapping[str, str], cases_dir: Path, strict: bool = True
) -> tuple[Case | None, list[Problem], list[Problem]]:
    """``check_files`` and the case as it would be published, with its valid translations (None when the
    case file itself has errors): what a reviewer's preview shows."""
    case_id = case_id_of(files)
    shown_dir = os.path.join(os.path.dirname(display_path(cases_dir / "x")), "")
    with tempfile.TemporaryDirectory(prefix="caselib-check-") as tmp:
        stage = Path(tmp)
        mine: list[Path] = []
        for entry in os.scandir(cases_dir) if cases_dir.is_dir() else ():
            if not entry.name.endswith(".md") or entry.name.startswith("."):
                continue
            target = stage / entry.name
            tr = split_name(Path(entry.name))
            if entry.name == f"{case_id}.md" or (tr and tr[0] == case_id):
                shutil.copyfile(entry.path, target)
                mine.append(target)
            else:
                target.touch()
        for name, text in files.items():
            target = stage / name
            target.write_bytes(text.encode("utf-8"))
            if target not in mine:
                mine.append(target)
        if not (stage / f"{case_id}.md").exists():
            raise PublishError("check", "no_original", name=sorted(files)[0], id=case_id)
        result = load_library(sorted(mine))
        prefix = str(stage) + os.sep

        def shown(value: str) -> str:
            return shown_dir + value[len(prefix) :] if value.startswith(prefix) else value.replace(prefix, shown_dir)

        def shown_problem(p: Problem) -> Problem:
            fix = {k: (shown(v) if isinstance(v, str) else v) for k, v in p.params.items()}
            return replace(p, path=shown(p.path), message=shown(p.message), params=fix)

        problems = [shown_problem(p) for p in result.problems]
        case = next((c for c in result.cases if c.id == case_id), None)
        if case is not None:
            case = replace(
                case,
                path=shown(case.path),
                warnings=tuple(shown_problem(p) for p in case.warnings),
                translations=tuple(replace(t, path=shown(t.path)) for t in case.translations),
            )
    errors = [p for p in problems if strict or p.severity == ERROR]
    warnings = [p for p in problems if p not in errors]
    return case, errors, warnings


@contextmanager
def publish_lock(index_dir: Path, timeout: float = 120.0):
    """The exclusive publication lock (a flock on ``INDEX/.publish.lock``), waited for up to ``timeout`` s."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fh = open(index_dir / LOCK_NAME, "a+")
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PublishError("lock", "locked", retryable=True) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    finally:
        fh.close()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _write_atomic(path: Path, data: bytes, tag: str) -> None:
    """Write ``data`` to ``path`` through a flushed temporary file in the same folder and a rename."""
    fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{tag}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _restore(cases_dir: Path, before: Mapping[str, bytes | None], tag: str) -> None:
    """Put every file back as it was (``None``: it did not exist)."""
    for name, old in before.items():
        target = cases_dir / name
        if old is None:
            try:
                target.unlink()
            except FileNotFoundError:
                pass
        elif _read(target) != old:
            _write_atomic(target, old, tag)
    _fsync_dir(cases_dir)


def _git(args: list[str], cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None) -> str:
    out = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, "LC_ALL": "C", **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT,
        check=False,
    )
    if out.returncode != 0:
        raise subprocess.CalledProcessError(out.returncode, ["git", *args], out.stdout, out.stderr)
    return out.stdout


def git_root(folder: Path) -> Path | None:
    """The top of the git work tree holding ``folder``, or None (no git, or not a work tree)."""
    if shutil.which("git") is None:
        return None
    try:
        top = _git(["rev-parse", "--show-toplevel"], folder).strip()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
        return None
    return Path(top) if top else None


def commit_message(submission: str, case_id: str, title: str, author: Person, committer: Person) -> str:
    return (
        f"Publish submission {submission}: {case_id}\n\n"
        f"{title}\n\n"
        f"Submitted by {author.name}; reviewed and approved by {committer.name} in the caselib portal.\n"
        f"Submission: {submission}\n"
    )


def _git_error(exc: Exception) -> str:
    text = (getattr(exc, "stderr", "") or str(exc)).strip().splitlines()
    return (text[-1] if text else exc.__class__.__name__)[:300]


def _commit(
    root: Path, cases_dir: Path, names: list[str], message: str, author: Person, committer: Person
) -> str | None:
    """Commit exactly ``names`` (in ``cases_dir``); the new commit's id, or None when they hold nothing new."""
    rel = [os.path.relpath(cases_dir.resolve() / n, root.resolve()) for n in names]
    _git(["add", "--", *rel], root)
    if not _git(["status", "--porcelain", "--", *rel], root).strip():
        return None
    env = {
        "GIT_AUTHOR_NAME": author.name,
        "GIT_AUTHOR_EMAIL": author.email,
        "GIT_COMMITTER_NAME": committer.name,
        "GIT_COMMITTER_EMAIL": committer.email,
    }
    _git(["commit", "--quiet", "--no-edit", "-F", "-", "--", *rel], root, env=env, stdin=message)
    return _git(["rev-parse", "HEAD"], root).strip()


def _title(files: Mapping[str, str], case_id: str) -> str:
    m = re.search(r"^title:\s*(.+)$", files.get(f"{case_id}.md", ""), re.M)
    return m.group(1).strip().strip("\"'")[:200] if m else case_id


def publish(
    files: Mapping[str, str],
    cases_dir: Path,
    index_dir: Path,
    *,
    submission: str,
    author: Person,
    committer: Person,
    base: Mapping[str, str | None] | None = None,
    new_case: bool | None = None,
    embedder: Any = None,
    model: str | None = None,
    strict: bool = True,
    git: bool = True,
    lock_timeout: float = 120.0,
    log: Callable[[str], None] = lambda m: None,
) -> PublishResult:
    """Publish one case's files (``{"<id>.md": text, "<id>.es.md": text, …}``); see the module docstring.

    ``base``: the sha256 each file had when the submission was made (None: it did not exist); a file
    changed since then is a conflict (another version was published meanwhile) and nothing is written.
    ``new_case=True``: refuse when ``<id>.md`` already exists with another text. ``embedder``/``model``:
    what the index is built with (pass the running Searcher's embedder to reuse the loaded model).
    Raises PublishError; returns a PublishResult."""
    t0 = time.perf_counter()
    cases_dir = Path(cases_dir)
    index_dir = Path(index_dir)
    case_id = case_id_of(files)
    data = {name: text.encode("utf-8") for name, text in sorted(files.items())}
    for name, raw in data.items():
        if len(raw) > MAX_BYTES:
            raise PublishError("check", "too_large", name=name, size=len(raw), limit=MAX_BYTES)
    # the original first: a translation is never on disk without its case
    names = sorted(data, key=lambda n: (n != f"{case_id}.md", n))
    shown = [display_path(cases_dir / n) for n in names]
    author, committer = author.clean(), committer.clean()
    tag = re.sub(r"[^A-Za-z0-9_-]+", "", submission)[:40] or "x"
    with publish_lock(index_dir, lock_timeout):
        for stale in cases_dir.glob(f"{TMP_PREFIX}*.tmp"):  # left by a publication that was killed
            stale.unlink(missing_ok=True)
        before = {n: _read(cases_dir / n) for n in names}
        already = all(before[n] == data[n] for n in names)
        if not already:
            for n in names:
                if before[n] == data[n]:
                    continue
                if base is not None and n in base and _digest(before[n]) != base[n]:
                    raise PublishError("check", "conflict", name=display_path(cases_dir / n))
                if new_case and n == f"{case_id}.md" and before[n] is not None:
                    raise PublishError("check", "exists", id=case_id)
        errors, warnings = check_files(files, cases_dir, strict)
        if errors:
            raise PublishError("check", "invalid", problems=errors, n=len(errors))
        result = PublishResult(case_id=case_id, paths=shown, already=already, warnings=warnings)
        # 2. write, all or nothing
        if not already:
            done: list[str] = []
            try:
                for n in names:
                    if before[n] != data[n]:
                        _write_atomic(cases_dir / n, data[n], tag)
                        done.append(n)
                _fsync_dir(cases_dir)
            except OSError as exc:
                _restore(cases_dir, {n: before[n] for n in done}, tag)
                raise PublishError(
                    "write", "write", retryable=True, name=display_path(cases_dir / n), error=exc.strerror or str(exc)
                ) from exc
            log(f"wrote {', '.join(shown)}")
        # 3. commit
        root = git_root(cases_dir) if git else None
        if root is not None:
            message = commit_message(submission, case_id, _title(files, case_id), author, committer)
            try:
                result.commit = _commit(root, cases_dir, names, message, author, committer)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
                rel = [os.path.relpath(cases_dir.resolve() / n, root.resolve()) for n in names]
                try:
                    _git(["reset", "--quiet", "--", *rel], root)
                except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
                    pass
                if not already:
                    _restore(cases_dir, before, tag)
                raise PublishError("commit", "commit", retryable=True, error=_git_error(exc)) from exc
            if result.commit:
                log(f"committed {result.commit[:12]}")
        # 4. index (the files and the commit are the record: a failure here is finished by a retry)
        from .build import IndexError_, build_index

        try:
            report = build_index(
                cases_dir, index_dir, embedder=embedder, model=model if embedder is None else None, wait=True, log=log
            )
        except (IndexError_, OSError, RuntimeError, ValueError) as exc:
            raise PublishError("index", "index", retryable=True, error=str(exc)[:300]) from exc
        result.indexed = True
        result.build = report.build_path.name if report.build_path else None
        log(report.summary())
    result.seconds = time.perf_counter() - t0
    return result


def file_hashes(cases_dir: Path, case_id: str) -> dict[str, str]:
    """sha256 of each file of one case (``<id>.md`` and its translations) as it is now: the ``base``
    an edit submission records, so that publishing it later detects a version published meanwhile."""
    out = {}
    for entry in sorted(os.scandir(cases_dir), key=lambda e: e.name) if cases_dir.is_dir() else ():
        tr = split_name(Path(entry.name))
        if entry.name == f"{case_id}.md" or (tr and tr[0] == case_id):
            out[entry.name] = _digest(Path(entry.path).read_bytes())
    return out
