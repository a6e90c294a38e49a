"""The portal's storage: one ``Store`` per database, with every read and write the portal needs.

No Flask here (the CLI uses it too). Each method runs in its own transaction and returns ORM
objects that stay readable after it (``expire_on_commit=False``; a submission's revisions and
comments are loaded with it). Every write adds its audit-log row in the same transaction.
A database that cannot be reached, is locked past the timeout, or lacks its tables raises
``PortalUnavailable`` — the web app answers 503 and the rest of the site keeps working.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, func, or_, select, update
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from .models import (
    KINDS,
    REVISABLE,
    ROLES,
    STATUSES,
    WAITING,
    AuditEntry,
    Comment,
    Revision,
    Submission,
    User,
    utcnow,
)

MIGRATIONS = Path(__file__).resolve().parent / "alembic"
DEFAULT_TIMEOUT = 5.0  # seconds a SQLite statement waits for a lock before the portal answers 503


class PortalUnavailable(Exception):
    """The portal's database cannot be used right now (missing, locked, unreachable, not migrated)."""


class NotRevisable(Exception):
    """The submission is closed (approved, published, rejected or withdrawn): it takes no new revision."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A private tracking token: 256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def default_url(instance: Path | str = "instance") -> str:
    return f"sqlite:///{Path(instance).resolve() / 'portal.sqlite3'}"


class Store:
    """The portal database at ``url`` (SQLAlchemy URL: ``sqlite:///path`` or ``postgresql+psycopg://...``)."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url: URL = make_url(url)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._ready = False
        self.engine: Engine = self._engine(create=False)
        self.Session = sessionmaker(self.engine, expire_on_commit=False)

    # --- engine and schema ------------------------------------------------------------------------------------

    @property
    def sqlite_path(self) -> Path | None:
        if self.url.get_backend_name() != "sqlite" or not self.url.database or self.url.database == ":memory:":
            return None
        return Path(self.url.database)

    def _engine(self, *, create: bool) -> Engine:
        path = self.sqlite_path
        if path is None:
            kw: dict[str, Any] = {"pool_pre_ping": True}
            if self.url.get_backend_name() == "postgresql":
                kw["connect_args"] = {"connect_timeout": max(1, int(self.timeout))}
            return create_engine(self.url, **kw)
        # Serving opens the file read-write but never creates it: a database removed while the site runs
        # must answer "unavailable", not start again empty and lose track of every waiting submission.
        mode = "rwc" if create else "rw"
        uri = f"sqlite:///file:{quote(str(path.resolve()))}?mode={mode}&uri=true"
        engine = create_engine(uri, connect_args={"timeout": self.timeout, "check_same_thread": False})

        @_listens(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # foreign keys are off by default in SQLite
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine

    def upgrade(self) -> None:
        """Create or migrate the schema to the newest Alembic revision (creates a SQLite file and its folder)."""
        from alembic import command
        from alembic.config import Config

        path = self.sqlite_path
        engine = self.engine
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            engine = self._engine(create=True)
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        try:
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except (OperationalError, DBAPIError) as exc:
            raise PortalUnavailable(str(exc.orig or exc)) from exc
        finally:
            if engine is not self.engine:
                engine.dispose()
        self._ready = True

    def ensure_ready(self) -> None:
        """Migrate once per process, at first use (so a locked database never stops the app from starting)."""
        if self._ready:
            return
        with self._lock:
            if not self._ready:
                self.upgrade()

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at, or None before the first migration."""
        from alembic.runtime.migration import MigrationContext

        try:
            with self.engine.connect() as conn:
                return MigrationContext.configure(conn).get_current_revision()
        except (OperationalError, DBAPIError) as exc:
            raise PortalUnavailable(str(exc.orig or exc)) from exc

    def _check_file(self) -> None:
        """A SQLite file removed or replaced while serving: pooled connections still read the old (deleted)
        file, and writes to it would be lost. Drop them; a missing file is "unavailable"."""
        path = self.sqlite_path
        if path is None:
            return
        try:
            st = path.stat()
        except OSError:
            self.engine.dispose()
            raise PortalUnavailable(f"database file {path} is missing") from None
        ident = (st.st_dev, st.st_ino)
        if self._file_id is not None and ident != self._file_id:
            self.engine.dispose()
        self._file_id = ident

    _file_id: tuple[int, int] | None = None

    @contextlib.contextmanager
    def _session(self) -> Iterator[Session]:
        self.ensure_ready()
        self._check_file()
        try:
            with self.Session.begin() as session:
                yield session
        except (OperationalError, ProgrammingError) as exc:  # locked, missing file, missing table, unreachable
            raise PortalUnavailable(str(exc.orig or exc)) from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise PortalUnavailable(str(exc.orig or exc)) from exc
            raise

    # --- submissions -------------------------------------------------------------------------------------------

    def create(
        self,
        files: dict[str, str],
        *,
        case_id: str,
        title: str = "",
        kind: str = "new",
        target_id: str | None = None,
        name: str | None = None,
        institution: str | None = None,
        email: str | None = None,
        lang: str = "en",
        channel: str = "web",
        note: str = "",
        actor: str = "submitter",
    ) -> tuple[Submission, str]:
        """A new submission waiting for review, with its first revision. Returns it and its tracking token
        (shown to the submitter once; only its hash is stored)."""
        if kind not in KINDS:
            raise ValueError(f"kind {kind!r} is not one of {KINDS}")
        if not files:
            raise ValueError("a submission needs at least its case file")
        token = new_token()
        now = utcnow()
        with self._session() as s:
            sub = Submission(
                kind=kind,
                case_id=case_id,
                target_id=target_id,
                title=title[:500],
                status=WAITING,
                token_hash=token_hash(token),
                submitter_name=_blank_none(name),
                submitter_institution=_blank_none(institution),
                submitter_email=_blank_none(email),
                lang=lang,
                channel=channel,
                created_at=now,
                updated_at=now,
            )
            sub.revisions.append(Revision(number=1, files=dict(files), note=note, created_at=now))
            s.add(sub)
            s.flush()
            s.add(_audit(actor, "submit", sub.id, None, kind=kind, case_id=case_id, channel=channel, revision=1))
        return self.get(sub.id), token

    def revise(
        self,
        submission_id: int,
        files: dict[str, str],
        *,
        case_id: str,
        title: str = "",
        note: str = "",
        actor: str = "submitter",
    ) -> Submission:
        """A new revision from the submitter: the submission goes back to "waiting" for review.
        Raises ``NotRevisable`` when it is closed, ``LookupError`` when it does not exist."""
        if not files:
            raise ValueError("a revision needs at least its case file")
        now = utcnow()
        with self._session() as s:
            sub = s.get(Submission, submission_id, with_for_update=True)
            if sub is None:
                raise LookupError(submission_id)
            if sub.status not in REVISABLE:
                raise NotRevisable(sub.status)
            number = len(sub.revisions) + 1
            sub.revisions.append(Revision(number=number, files=dict(files), note=note, created_at=now))
            before = sub.status
            sub.status, sub.case_id, sub.updated_at, sub.version = WAITING, case_id, now, sub.version + 1
            if title:
                sub.title = title[:500]
            s.add(_audit(actor, "revise", sub.id, None, revision=number, status_before=before))
        return self.get(submission_id)

    def get(self, submission_id: int) -> Submission | None:
        with self._session() as s:
            return s.scalars(_loaded().where(Submission.id == submission_id)).first()

    def get_by_token(self, token: str) -> Submission | None:
        """The submission a tracking token opens, or None (a wrong or malformed token)."""
        if not token or len(token) > 100:
            return None
        with self._session() as s:
            return s.scalars(_loaded().where(Submission.token_hash == token_hash(token))).first()

    def list(
        self,
        *,
        status: str | Iterable[str] | None = None,
        kind: str | None = None,
        q: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Submission]:
        """Submissions, most recently changed first; ``q`` matches the title, case id or submitter."""
        stmt = _loaded().order_by(Submission.updated_at.desc(), Submission.id.desc())
        if status:
            wanted = [status] if isinstance(status, str) else list(status)
            stmt = stmt.where(Submission.status.in_(wanted))
        if kind:
            stmt = stmt.where(Submission.kind == kind)
        if q:
            like = f"%{q.lower()}%"
            stmt = stmt.where(
                or_(
                    func.lower(Submission.title).like(like),
                    func.lower(Submission.case_id).like(like),
                    func.lower(func.coalesce(Submission.submitter_institution, "")).like(like),
                    func.lower(func.coalesce(Submission.submitter_name, "")).like(like),
                )
            )
        with self._session() as s:
            return list(s.scalars(stmt.limit(limit).offset(offset)))

    def count(self, *, status: str | Iterable[str] | None = None) -> int:
        stmt = select(func.count(Submission.id))
        if status:
            stmt = stmt.where(Submission.status.in_([status] if isinstance(status, str) else list(status)))
        with self._session() as s:
            return int(s.execute(stmt).scalar() or 0)

    def add_comment(
        self,
        submission_id: int,
        body: str,
        *,
        author: str,
        user_id: int | None = None,
        public: bool = True,
        actor: str | None = None,
    ) -> Comment:
        """A comment on a submission (``public=False``: seen by reviewers only). ``author`` is the shown name."""
        now = utcnow()
        with self._session() as s:
            sub = s.get(Submission, submission_id)
            if sub is None:
                raise LookupError(submission_id)
            comment = Comment(
                submission_id=submission_id,
                user_id=user_id,
                author=author[:200],
                body=body,
                public=public,
                revision=len(sub.revisions),
                created_at=now,
            )
            s.add(comment)
            sub.updated_at, sub.version = now, sub.version + 1
            s.flush()
            s.add(_audit(actor or author, "comment", submission_id, user_id, comment=comment.id, public=public))
        return comment

    def set_status(
        self,
        submission_id: int,
        status: str,
        *,
        actor: str,
        user_id: int | None = None,
        expect: str | Iterable[str] | None = None,
        version: int | None = None,
        **detail: Any,
    ) -> Submission | None:
        """Move a submission to ``status`` — only if it is now in ``expect`` (and at ``version``, when given).

        One conditional UPDATE: of two editors approving at once, exactly one gets the submission back;
        the other gets None and should show the current state. Extra keyword arguments go to the audit row
        (``published_commit=`` and ``publish_error=`` are also stored on the submission)."""
        if status not in STATUSES:
            raise ValueError(f"status {status!r} is not one of {STATUSES}")
        now = utcnow()
        values: dict[str, Any] = {"status": status, "updated_at": now, "version": Submission.version + 1}
        for key in ("published_commit", "publish_error"):
            if key in detail:
                values[key] = detail[key]
        stmt = update(Submission).where(Submission.id == submission_id).values(**values)
        if expect is not None:
            stmt = stmt.where(Submission.status.in_([expect] if isinstance(expect, str) else list(expect)))
        if version is not None:
            stmt = stmt.where(Submission.version == version)
        with self._session() as s:
            before = s.execute(select(Submission.status).where(Submission.id == submission_id)).scalar()
            if before is None:
                raise LookupError(submission_id)
            changed = s.execute(stmt.execution_options(synchronize_session=False)).rowcount
            if changed != 1:
                return None
            s.add(_audit(actor, "status", submission_id, user_id, status_before=before, status=status, **detail))
        return self.get(submission_id)

    # --- audit log ---------------------------------------------------------------------------------------------

    def log(
        self, action: str, *, actor: str, user_id: int | None = None, submission_id: int | None = None, **detail: Any
    ) -> None:
        """An audit row for an action the methods above do not record themselves (login, user added, ...)."""
        with self._session() as s:
            s.add(_audit(actor, action, submission_id, user_id, **detail))

    def audit(self, *, submission_id: int | None = None, limit: int = 200) -> list[AuditEntry]:
        stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if submission_id is not None:
            stmt = stmt.where(AuditEntry.submission_id == submission_id)
        with self._session() as s:
            return list(s.scalars(stmt))

    # --- users (the table; authentication is the review side's) ------------------------------------------------

    def add_user(self, email: str, role: str, *, name: str = "", password_hash: str | None = None) -> User:
        if role not in ROLES:
            raise ValueError(f"role {role!r} is not one of {ROLES}")
        with self._session() as s:
            user = User(email=email.strip().lower(), role=role, name=name, password_hash=password_hash)
            s.add(user)
            s.flush()
            s.add(_audit("cli", "user_add", None, None, user=user.id, email=user.email, role=role))
        return user

    def user_by_email(self, email: str) -> User | None:
        with self._session() as s:
            return s.scalars(select(User).where(User.email == email.strip().lower())).first()

    def user(self, user_id: int) -> User | None:
        with self._session() as s:
            return s.get(User, user_id)

    def session(self) -> contextlib.AbstractContextManager[Session]:
        """A transaction for what the methods above do not cover (commits on success; errors -> PortalUnavailable)."""
        return self._session()

    def dispose(self) -> None:
        self.engine.dispose()


def _blank_none(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None


def _audit(actor: str, action: str, submission_id: int | None, user_id: int | None, **detail: Any) -> AuditEntry:
    return AuditEntry(
        at=utcnow(), actor=actor[:320], action=action, submission_id=submission_id, user_id=user_id, detail=detail
    )


def _loaded():
    return select(Submission).options(selectinload(Submission.revisions), selectinload(Submission.comments))


def _listens(engine: Engine, name: str):
    from sqlalchemy import event

    def register(fn):
        event.listen(engine, name, fn)
        return fn

    return register
