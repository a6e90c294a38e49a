"""The submission portal's storage (issue 18): submissions, revisions, comments, users, audit log.

Database: ``CASELIB_DATABASE_URL`` (any SQLAlchemy URL, e.g. ``postgresql+psycopg://user@host/caselib``),
else SQLite at ``instance/portal.sqlite3`` (nothing to install). Config key: ``PORTAL_DATABASE_URL``;
``PORTAL_DB_TIMEOUT`` (seconds a locked SQLite database is waited for, default 5). The schema is
created and migrated by Alembic (``webapp/portal/alembic``) at the portal's first use in a process,
or ahead of time by ``Store(url).upgrade()`` (``caselib db upgrade``). Search and case pages never
touch it: a missing or locked database makes only the portal answer 503.

API for the review side (p18b) — everything goes through one ``Store``:

    from webapp.portal import get_store, PortalUnavailable, NotRevisable, models
    store = get_store()                    # in a request: the app's Store (Store(url) outside Flask)

    sub, token = store.create(files, case_id=..., title=..., kind="new"|"edit"|"collection",
                              target_id=None, name=None, institution=None, email=None,
                              lang="es", channel="web"|"api"|"cli", note="")
    store.revise(sub.id, files, case_id=..., title=..., note="")   # back to "waiting"; NotRevisable if closed
    store.get(id) / store.get_by_token(token)                          # Submission or None
    store.list(status=None|"waiting"|[...], kind=None, q=None, limit=100, offset=0)   # newest change first
    store.count(status=...)
    store.add_comment(id, body, author="Ana (reviewer)", user_id=user.id, public=True)  # public=False: reviewers only
    store.set_status(id, models.APPROVED, actor=user.email, user_id=user.id,
                     expect=models.RECOMMENDED, version=None, **detail)  # None if someone else moved it first
    store.log("login", actor=email, user_id=..., submission_id=None, **detail)   # any other audited action
    store.audit(submission_id=None, limit=200)
    store.add_user(email, "reviewer"|"editor", name="", password_hash=None) / user_by_email / user(id)
    with store.session() as s: ...         # a transaction for anything else (SQLAlchemy Session)

    ``files`` is {file name: text}: "<case-id>.md" plus optional "<case-id>.<lang>.md" translations
    (a collection: "<id>.yml") — what publishing writes into the case folder.
    Submission: id, kind, case_id, target_id, title, status (models.STATUSES), submitter_name,
    submitter_institution, submitter_email, lang, channel, created_at, updated_at (aware UTC), version,
    published_commit, publish_error, revisions (Revision: number, files, note, created_at,
    main_file, translations), latest, comments (Comment: author, body, public, user_id, revision,
    created_at), revisable. Every write adds an AuditEntry (at, actor, user_id, action,
    submission_id, detail) in the same transaction. Database errors raise PortalUnavailable (→ 503).
    The tracking page is ``url_for("submit.track", token=token)``; only sha256(token) is stored.
"""

from __future__ import annotations

import os

from flask import Flask, current_app

from . import models
from .limits import RateLimiter
from .store import NotRevisable, PortalUnavailable, Store, default_url

__all__ = ["NotRevisable", "PortalUnavailable", "RateLimiter", "Store", "get_store", "init_app", "limiter", "models"]


def init_app(app: Flask) -> None:
    """Configure the portal database; nothing is opened until the portal is first used."""
    app.config.setdefault("PORTAL_DATABASE_URL", os.environ.get("CASELIB_DATABASE_URL") or None)
    app.config.setdefault("PORTAL_DB_TIMEOUT", float(os.environ.get("CASELIB_DATABASE_TIMEOUT", "5")))
    # anonymous submissions (web form and API together) per client address and process
    app.config.setdefault("PORTAL_SUBMIT_LIMIT", os.environ.get("CASELIB_SUBMIT_LIMIT", "20/hour"))


def limiter(name: str = "submit") -> RateLimiter:
    """The app's rate limiter ``name`` ("submit": PORTAL_SUBMIT_LIMIT; others: PORTAL_<NAME>_LIMIT)."""
    app = current_app
    key = f"caselib.limit.{name}"
    found = app.extensions.get(key)
    if found is None:
        found = RateLimiter(app.config.get(f"PORTAL_{name.upper()}_LIMIT") or "20/hour")
        app.extensions[key] = found
    return found


def get_store() -> Store:
    """The app's Store, created at first use (and migrated at its first query)."""
    app = current_app
    store = app.extensions.get("caselib.portal")
    if store is None:
        url = app.config.get("PORTAL_DATABASE_URL") or default_url("instance")
        store = Store(url, timeout=float(app.config.get("PORTAL_DB_TIMEOUT", 5)))
        app.extensions["caselib.portal"] = store
    return store
