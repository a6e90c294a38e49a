"""The review flow without Flask: who may do what to a submission, and approving = publishing.

The web pages (``webapp.review.views``) and the command line (``caselib submissions …``) both call
these functions, so a decision taken in a terminal and one taken in a browser leave the same audit
rows and the same states:

    waiting ──request_changes──► changes_requested ──(submitter revises)──► waiting
    waiting ──recommend──► recommended ──approve──► approved ──► published
                                                          └──► publish_failed ──retry──► approved …
    waiting | changes_requested | recommended ──reject──► rejected

Reviewers comment, request changes and recommend; editors also approve and reject (an editor may
approve a submission no reviewer has recommended yet). Every move is one conditional UPDATE in the
store (``Store.set_status(expect=…)``), so of two editors approving at once exactly one publishes;
the other is told it was already done. Publishing itself (``indexer.publish``) holds a lock and is
idempotent, so a retry after a crash never publishes twice.
"""

from __future__ import annotations

import datetime as _dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.publish import Person, PublishError, load_submission, publish

from ..portal import models
from ..portal.store import Store

log = logging.getLogger(__name__)

REVIEWER, EDITOR = "reviewer", "editor"
OPEN = (models.WAITING, models.CHANGES_REQUESTED, models.RECOMMENDED)
APPROVABLE = (models.WAITING, models.RECOMMENDED)
RETRYABLE = (models.APPROVED, models.PUBLISH_FAILED)  # approved but not (yet) published: publish again
# action -> (role needed, statuses it may start from, status it leads to)
ACTIONS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "request_changes": (REVIEWER, (models.WAITING, models.RECOMMENDED), models.CHANGES_REQUESTED),
    "recommend": (REVIEWER, (models.WAITING,), models.RECOMMENDED),
    "approve": (EDITOR, APPROVABLE, models.APPROVED),
    "retry": (EDITOR, RETRYABLE, models.APPROVED),
    "reject": (EDITOR, OPEN, models.REJECTED),
}


class Refused(Exception):
    """An action this actor may not take on this submission now; ``code`` says why (for a translated message)."""

    def __init__(self, code: str, **params: Any):
        self.code = code
        self.params = params
        super().__init__(f"{code}: {params}" if params else code)


@dataclass(frozen=True)
class Actor:
    """Who acts: a reviewer or editor account, or the command line (``user_id`` None)."""

    email: str
    role: str
    name: str = ""
    user_id: int | None = None

    @property
    def shown(self) -> str:
        return self.name or self.email

    def may(self, action: str) -> bool:
        need = ACTIONS[action][0] if action in ACTIONS else REVIEWER
        return self.role == EDITOR or (need == REVIEWER and self.role == REVIEWER)


@dataclass
class Site:
    """Where approved cases are published: the case folder, the index, the embedder that builds it."""

    cases_dir: Path
    index_dir: Path
    embedder: Any = None
    model: str | None = None
    mailer: Any = None  # webapp.review.mail.Mailer, or None: nothing is sent
    base_url: str = ""  # for links in e-mails, e.g. https://cases.example.org


@dataclass
class Outcome:
    """What an action did: ``done`` (moved on), ``already`` (someone else moved it first: nothing done),
    ``failed`` (approved, but publishing failed: visible and retryable)."""

    state: str
    submission: models.Submission
    error: PublishError | None = None
    commit: str | None = None
    warnings: list = field(default_factory=list)


def _get(store: Store, submission_id: int) -> models.Submission:
    sub = store.get(submission_id)
    if sub is None:
        raise LookupError(submission_id)
    return sub


def _check(actor: Actor, action: str, sub: models.Submission) -> None:
    role, allowed, _ = ACTIONS[action]
    if not actor.may(action):
        raise Refused("role", role=role)
    if sub.kind == "collection" and action in ("approve", "retry"):
        raise Refused("collection")
    if sub.status not in allowed:
        raise Refused("status", status=sub.status)


def comment(store: Store, submission_id: int, actor: Actor, body: str, public: bool = True) -> models.Comment:
    body = body.strip()
    if not body:
        raise Refused("empty_comment")
    _get(store, submission_id)
    return store.add_comment(
        submission_id, body, author=actor.shown, user_id=actor.user_id, public=public, actor=actor.email
    )


def move(
    store: Store,
    submission_id: int,
    action: str,
    actor: Actor,
    note: str = "",
    version: int | None = None,
    site: Site | None = None,
) -> Outcome:
    """Take ``action`` (request_changes, recommend, approve, retry, reject). A ``note`` becomes a public
    comment first (a request for changes must say what to change). ``version``: the state the actor saw;
    a submission changed since (a new revision, another reviewer's move) is refused, not overwritten."""
    if action not in ACTIONS:
        raise Refused("action", action=action)
    sub = _get(store, submission_id)
    _check(actor, action, sub)
    if version is not None and sub.version != version:
        raise Refused("stale")
    if action == "request_changes" and not note.strip():
        raise Refused("need_note")
    if note.strip():
        comment(store, submission_id, actor, note)
    _, allowed, target = ACTIONS[action]
    moved = store.set_status(submission_id, target, actor=actor.email, user_id=actor.user_id, expect=allowed)
    if moved is None:  # someone else moved it between our read and our write
        return Outcome("already", _get(store, submission_id))
    if action in ("approve", "retry"):
        if site is None:
            raise ValueError("approving needs the Site to publish into")
        return _publish(store, moved, actor, site)
    _notify(site, moved, action)
    return Outcome("done", moved)


def _publish(store: Store, sub: models.Submission, actor: Actor, site: Site) -> Outcome:
    institution = sub.submitter_institution or sub.submitter_name or "Anonymous submitter"
    try:
        result = publish(
            sub.latest.files,
            site.cases_dir,
            site.index_dir,
            submission=str(sub.id),
            # the submitter's e-mail stays private: the public history names the institution only
            author=Person(institution, "submissions@caselib.invalid"),
            committer=Person(actor.shown, actor.email if "@" in actor.email else "editor@caselib.invalid"),
            new_case=sub.kind == "new",
            embedder=site.embedder,
            model=site.model,
        )
    except PublishError as exc:
        detail = {
            "step": exc.step,
            "code": exc.code,
            "params": {k: str(v) for k, v in exc.params.items()},
            "problems": [str(p) for p in exc.problems][:50],
        }
        failed = store.set_status(
            sub.id,
            models.PUBLISH_FAILED,
            actor=actor.email,
            user_id=actor.user_id,
            expect=models.APPROVED,
            publish_error=str(exc) + ("".join("\n" + str(p) for p in exc.problems[:50]) if exc.problems else ""),
            **detail,
        )
        log.warning("publishing submission %s failed at %s: %s", sub.id, exc.step, exc)
        failed = failed or _get(store, sub.id)
        _notify(site, failed, "failed")
        return Outcome("failed", failed, error=exc)
    done = store.set_status(
        sub.id,
        models.PUBLISHED,
        actor=actor.email,
        user_id=actor.user_id,
        expect=models.APPROVED,
        published_commit=result.commit,
        publish_error=None,
        build=result.build,
        already=result.already,
        files=result.paths,
    )
    sub = done or _get(store, sub.id)
    _notify(site, sub, "published")
    return Outcome("done", sub, commit=result.commit, warnings=result.warnings)


def _notify(site: Site | None, sub: models.Submission, event: str) -> None:
    if site is None or site.mailer is None:
        return
    try:
        site.mailer.submission_event(sub, event, site.base_url)
    except Exception:  # noqa: BLE001 - a notification never undoes a decision
        log.exception("notification for submission %s (%s) failed", sub.id, event)


def preview(sub: models.Submission, cases_dir: Path) -> tuple[Any, list, list]:
    """(case as it would be published or None, errors, warnings) of the latest revision: the validator's
    result and the preview's data, for the review page and ``caselib submissions show``."""
    if sub.kind == "collection":
        return None, [], []
    try:
        return load_submission(sub.latest.files, cases_dir)
    except PublishError as exc:
        from indexer.model import Problem

        return None, [Problem(sub.latest.main_file, 0, "", str(exc))], []


def current_files(sub: models.Submission, cases_dir: Path) -> dict[str, str]:
    """The published text of the files an edit changes ({name: text}; absent names are new files)."""
    out = {}
    for name in sub.latest.files:
        path = Path(cases_dir) / name
        if "/" not in name and path.is_file():
            out[name] = path.read_text(encoding="utf-8", errors="replace")
    return out


def summary(sub: models.Submission) -> dict[str, Any]:
    """One line of ``caselib submissions list --json``."""
    return {
        "id": sub.id,
        "status": sub.status,
        "kind": sub.kind,
        "case_id": sub.case_id,
        "title": sub.title,
        "institution": sub.submitter_institution,
        "revisions": len(sub.revisions),
        "updated_at": sub.updated_at.isoformat(timespec="seconds") if sub.updated_at else None,
    }


def export(sub: models.Submission) -> dict[str, Any]:
    """A submission as JSON-ready data (``caselib submissions export``): every revision's files, the
    comments (reviewers' notes included) and the state; no tracking token (only its hash is stored)."""

    def ts(value: _dt.datetime | None) -> str | None:
        return value.isoformat(timespec="seconds") if value else None

    return {
        "id": sub.id,
        "kind": sub.kind,
        "case_id": sub.case_id,
        "target_id": sub.target_id,
        "title": sub.title,
        "status": sub.status,
        "submitter": {
            "name": sub.submitter_name,
            "institution": sub.submitter_institution,
            "email": sub.submitter_email,
            "lang": sub.lang,
        },
        "channel": sub.channel,
        "created_at": ts(sub.created_at),
        "updated_at": ts(sub.updated_at),
        "published_commit": sub.published_commit,
        "publish_error": sub.publish_error,
        "revisions": [
            {"number": r.number, "note": r.note, "created_at": ts(r.created_at), "files": r.files}
            for r in sub.revisions
        ],
        "comments": [
            {
                "author": c.author,
                "public": c.public,
                "revision": c.revision,
                "created_at": ts(c.created_at),
                "body": c.body,
            }
            for c in sub.comments
        ],
    }
