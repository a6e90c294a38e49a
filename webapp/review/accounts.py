"""Reviewer and editor accounts without Flask: passwords, one-time set-password links, failed logins.

Passwords are hashed with scrypt through Werkzeug's ``generate_password_hash`` (Werkzeug is already
Flask's own dependency, kept by the Pallets project, and its scrypt format carries its parameters, so
stronger settings later still verify old hashes): no extra dependency. A set-password link holds 256
random bits; only their sha256 is stored, it expires after ``LINK_HOURS`` and works once.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import secrets

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..portal import models
from ..portal.store import Store

MIN_PASSWORD = 12
MAX_PASSWORD = 200
LINK_HOURS = 72
# login throttling: failed attempts counted over a window, per account (in the database: every process
# sees them) and per client address (in memory, per process)
FAIL_WINDOW = _dt.timedelta(minutes=15)
MAX_FAILS_PER_ACCOUNT = 5
MAX_FAILS_PER_ADDRESS = 20
# compared against when the e-mail is unknown, so an unknown account costs the same time as a wrong password
_DUMMY = generate_password_hash("not a password of anyone", method="scrypt")


class PasswordRefused(ValueError):
    """A password too short or too long; ``code`` names the rule (for a translated message)."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise PasswordRefused("short")
    if len(password) > MAX_PASSWORD:
        raise PasswordRefused("long")
    return generate_password_hash(password, method="scrypt")


def verify(user: models.User | None, password: str) -> bool:
    """True when ``user`` is active and ``password`` is theirs (the same work is done when it is not)."""
    if len(password) > MAX_PASSWORD:
        return False
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY
    ok = check_password_hash(stored, password)
    return bool(ok and user is not None and user.password_hash and user.active)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(store: Store, email: str, role: str, name: str = "", password: str | None = None) -> tuple:
    """Create an account. With ``password`` it is set now; without, returns a one-time set-password token.
    Returns (user, token or None). Raises ValueError for a bad e-mail, role or password, or a taken e-mail."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 320 or any(c.isspace() for c in email):
        raise ValueError(f"'{email[:100]}' is not an e-mail address")
    if role not in models.ROLES:
        raise ValueError(f"role must be one of {', '.join(models.ROLES)}")
    if store.user_by_email(email) is not None:
        raise ValueError(f"an account for {email} already exists: use `caselib users link {email}` for a new link")
    pw_hash = hash_password(password) if password is not None else None
    user = store.add_user(email, role, name=name, password_hash=pw_hash)
    token = None if password is not None else issue_link(store, user.id)
    return user, token


def issue_link(store: Store, user_id: int, actor: str = "cli") -> str:
    """A new one-time set-password token for the account (replacing any earlier one)."""
    token = secrets.token_urlsafe(32)
    with store.session() as s:
        user = s.get(models.User, user_id)
        if user is None:
            raise LookupError(user_id)
        user.reset_token_hash = _token_hash(token)
        user.reset_expires_at = models.utcnow() + _dt.timedelta(hours=LINK_HOURS)
        s.add(models.AuditEntry(actor=actor, action="password_link", user_id=None, detail={"user": user.id}))
    return token


def user_for_link(store: Store, token: str) -> models.User | None:
    """The account a set-password token opens, if it is current."""
    if not token or len(token) > 100:
        return None
    with store.session() as s:
        user = s.scalars(select(models.User).where(models.User.reset_token_hash == _token_hash(token))).first()
        if user is None or user.reset_expires_at is None or user.reset_expires_at < models.utcnow():
            return None
        return user


def set_password_with_link(store: Store, token: str, password: str) -> models.User | None:
    """Set the password of the account the token opens and spend the token; None when it is not current."""
    pw_hash = hash_password(password)
    with store.session() as s:
        user = s.scalars(
            select(models.User).where(models.User.reset_token_hash == _token_hash(token)).with_for_update()
        ).first()
        if user is None or user.reset_expires_at is None or user.reset_expires_at < models.utcnow():
            return None
        user.password_hash, user.reset_token_hash, user.reset_expires_at = pw_hash, None, None
        s.add(models.AuditEntry(actor=user.email, action="password_set", user_id=user.id, detail={}))
        return user


def set_password(store: Store, user_id: int, password: str, actor: str = "cli") -> None:
    pw_hash = hash_password(password)
    with store.session() as s:
        user = s.get(models.User, user_id)
        if user is None:
            raise LookupError(user_id)
        user.password_hash, user.reset_token_hash, user.reset_expires_at = pw_hash, None, None
        s.add(models.AuditEntry(actor=actor, action="password_set", user_id=None, detail={"user": user.id}))


def recent_failures(store: Store, email: str) -> int:
    """Failed logins for ``email`` within the throttling window (from the audit log)."""
    since = models.utcnow() - FAIL_WINDOW
    with store.session() as s:
        stmt = select(func.count(models.AuditEntry.id)).where(
            models.AuditEntry.action == "login_failed",
            models.AuditEntry.actor == email.strip().lower()[:320],
            models.AuditEntry.at >= since,
        )
        return int(s.execute(stmt).scalar() or 0)


def logged_in(store: Store, user: models.User, address: str | None) -> None:
    with store.session() as s:
        row = s.get(models.User, user.id)
        if row is not None:
            row.last_login_at = models.utcnow()
        s.add(models.AuditEntry(actor=user.email, action="login", user_id=user.id, detail={"address": address}))


def session_key(user: models.User) -> str:
    """What the session cookie remembers: the account id and a fingerprint of its password hash, so that
    setting a new password ends every session opened with the old one."""
    fp = hashlib.sha256((user.password_hash or "").encode("utf-8")).hexdigest()[:16]
    return f"{user.id}.{fp}"
