"""The portal's tables: submissions with their revisions (the submitted files as text), comments,
reviewer accounts and the audit log. SQLAlchemy 2 declarative models; the schema itself is created
and changed only by the Alembic migrations in ``webapp/portal/alembic/versions`` (a test checks that
the migrations and these models agree).

Case files stay the published record: these tables hold what is not yet published.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# A submission's life. p18b's review flow moves it on; "waiting" is where every new submission starts.
WAITING = "waiting"  # waiting for review (new, or revised by the submitter)
CHANGES_REQUESTED = "changes_requested"  # a reviewer asked the submitter to revise
RECOMMENDED = "recommended"  # a reviewer recommends it; an editor decides
APPROVED = "approved"  # an editor approved it; publishing is under way (or failed: see PUBLISH_FAILED)
PUBLISHED = "published"  # its files are in the case folder and the index
PUBLISH_FAILED = "publish_failed"  # approved, but writing or indexing failed: visible and retryable
REJECTED = "rejected"
WITHDRAWN = "withdrawn"  # the submitter withdrew it
STATUSES = (WAITING, CHANGES_REQUESTED, RECOMMENDED, APPROVED, PUBLISHED, PUBLISH_FAILED, REJECTED, WITHDRAWN)
# The submitter may revise while the submission is open.
REVISABLE = (WAITING, CHANGES_REQUESTED, RECOMMENDED)

KINDS = ("new", "edit", "collection")  # a new case, an edit of a published case, a proposed collection
ROLES = ("reviewer", "editor")


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: _dt.datetime | None, dialect: Any) -> _dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC time")
        return value.astimezone(_dt.UTC)

    def process_result_value(self, value: _dt.datetime | None, dialect: Any) -> _dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=_dt.UTC) if value.tzinfo is None else value.astimezone(_dt.UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    """A reviewer or editor account. Authentication (passwords, login) is the review side's job."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))  # one of ROLES
    password_hash: Mapped[str | None] = mapped_column(String(400), nullable=True)
    # a one-time set-password link: sha256 of its token, and when it expires
    reset_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    reset_expires_at: Mapped[_dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[_dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Submission(Base):
    """One proposed case (new or an edit of a published one) or collection, through all its revisions."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="new")  # one of KINDS
    # the id of the case (or collection) the files define; for an edit, the published case it changes
    case_id: Mapped[str] = mapped_column(String(200), default="", index=True)
    target_id: Mapped[str | None] = mapped_column(String(200), nullable=True)  # edit: the case being edited
    title: Mapped[str] = mapped_column(String(500), default="")  # for lists; from the latest revision
    status: Mapped[str] = mapped_column(String(30), default=WAITING, index=True)  # one of STATUSES
    # sha256 (hex) of the private tracking token; the token itself is shown once, to the submitter
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    submitter_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    submitter_institution: Mapped[str | None] = mapped_column(String(300), nullable=True)
    submitter_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    lang: Mapped[str] = mapped_column(String(5), default="en")  # the submitter's page language (for messages)
    channel: Mapped[str] = mapped_column(String(20), default="web")  # "web", "api" or "cli"
    created_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # bumped by every change: lets a writer refuse to act on a state it did not see (compare-and-set)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # what publishing did or why it failed (the review side fills it)
    published_commit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    publish_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    revisions: Mapped[list[Revision]] = relationship(
        back_populates="submission", order_by="Revision.number", cascade="all, delete-orphan"
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="submission", order_by="Comment.id", cascade="all, delete-orphan"
    )

    @property
    def latest(self) -> Revision:
        return self.revisions[-1]

    @property
    def revisable(self) -> bool:
        return self.status in REVISABLE


class Revision(Base):
    """One version of the submitted files: the case file and its translations, as text."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ...
    # {file name: text}: "<id>.md" is the case file, "<id>.<lang>.md" its translations
    # (for a collection, "<id>.yml"); the names are the files publishing writes into the folder
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")  # the submitter's words about this revision
    created_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="revisions")

    @property
    def main_file(self) -> str:
        """The name of the case (or collection) file among ``files``."""
        names = sorted(self.files, key=lambda n: (n.count("."), n))
        return names[0] if names else ""

    @property
    def translations(self) -> dict[str, str]:
        """{lang: text} of the translation files."""
        main = self.main_file
        stem = main.rsplit(".", 1)[0]
        return {n[len(stem) + 1 : -3]: t for n, t in self.files.items() if n != main and n.startswith(stem + ".")}


class Comment(Base):
    """A message on a submission: from a reviewer or editor, or from the submitter."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)  # None: the submitter
    author: Mapped[str] = mapped_column(String(200))  # shown name: a reviewer's name, or "submitter"
    body: Mapped[str] = mapped_column(Text)
    # False: a note among reviewers, never shown on the tracking page
    public: Mapped[bool] = mapped_column(default=True)
    revision: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the revision number it is about
    created_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="comments")


class AuditEntry(Base):
    """Who did what, when: every action on a submission or an account. Rows are only ever added."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(320))  # "submitter", "api", a reviewer's e-mail, "cli"
    action: Mapped[str] = mapped_column(String(50), index=True)  # "submit", "revise", "comment", "status", ...
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), nullable=True, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
