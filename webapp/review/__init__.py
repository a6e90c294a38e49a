"""The review side of the submission portal (issue 18): accounts, the queue, decisions, publishing, e-mail.

- ``flow``: the decisions (request changes, recommend, approve = publish, reject) without Flask, shared
  with ``caselib submissions``;
- ``accounts``: passwords (scrypt), set-password links, failed-login counts;
- ``views``: the ``/review`` pages (Flask-Login; Flask-WTF forms, each with its CSRF token);
- ``mail``: notifications, only when ``CASELIB_SMTP_URL`` is set.

Config keys: ``CASES_DIR`` (where approved cases are written; env ``CASELIB_CASES``, default ``cases``),
``SMTP_URL`` (env ``CASELIB_SMTP_URL``), ``SECURE_COOKIES`` (env ``CASELIB_SECURE_COOKIES``; on by
itself when ``BASE_URL`` is https). Session cookies are HttpOnly and SameSite=Lax, and Secure behind HTTPS.
"""

from __future__ import annotations

import os
import secrets

from flask import Flask, current_app, has_request_context, request

from ..portal import get_store, models
from .mail import Mailer

__all__ = ["get_mailer", "init_app", "notify"]


def init_app(app: Flask) -> None:
    from . import views

    if not app.config.get("SECRET_KEY"):  # signs the session cookie and the CSRF tokens; set
        # CASELIB_SECRET_KEY when several processes serve the site (else each has its own random key)
        app.config["SECRET_KEY"] = os.environ.get("CASELIB_SECRET_KEY") or secrets.token_hex(32)
    app.config.setdefault("CASES_DIR", os.environ.get("CASELIB_CASES", "cases"))
    app.config.setdefault("SMTP_URL", os.environ.get("CASELIB_SMTP_URL") or None)
    secure = app.config.get("SECURE_COOKIES")
    if secure is None:
        secure = os.environ.get("CASELIB_SECURE_COOKIES", "").lower() in ("1", "true", "yes") or str(
            app.config.get("BASE_URL") or ""
        ).startswith("https://")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(secure),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=bool(secure),
    )
    app.register_blueprint(views.bp)
    views.login_manager.init_app(app)


def _recipients(role: str) -> list[str]:
    store = get_store()
    with store.session() as s:
        rows = s.query(models.User.email).filter(models.User.role == role, models.User.active.is_(True)).all()
    return [r[0] for r in rows]


def get_mailer() -> Mailer | None:
    """The app's Mailer, or None when no SMTP server is configured (then nothing is ever sent)."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        return None
    mailer = current_app.extensions.get("caselib.mailer")
    if mailer is None or mailer.url != url:
        mailer = Mailer.from_env(_recipients, env={"CASELIB_SMTP_URL": url, **_mail_env()})
        mailer.url = url
        current_app.extensions["caselib.mailer"] = mailer
    return mailer


def _mail_env() -> dict[str, str]:
    return {k: v for k in ("CASELIB_MAIL_FROM", "CASELIB_REVIEW_LANG") if (v := os.environ.get(k))}


def notify(sub: models.Submission, event: str, tracking_url: str | None = None) -> None:
    """For the submitter side: tell reviewers about a new ("submitted") or revised ("revised") submission,
    and send the submitter their tracking link. Does nothing without ``CASELIB_SMTP_URL``; never raises."""
    mailer = get_mailer()
    if mailer is None:
        return
    base = current_app.config.get("BASE_URL") or (request.host_url.rstrip("/") if has_request_context() else "")
    try:
        mailer.submission_event(sub, event, base, tracking_url=tracking_url)
    except Exception:  # noqa: BLE001 - a notification never stops a submission
        current_app.logger.exception("notification for submission %s failed", sub.id)
