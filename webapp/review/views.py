"""The reviewers' pages: login, set-password links, the queue, one submission, its preview, actions.

Every page needs a logged-in reviewer or editor (Flask-Login; ``/review`` without login redirects to
the login page). Every form carries a CSRF token (Flask-WTF). Pages work without JavaScript and never
inline scripts or styles (strict CSP). Submitted text is only ever rendered escaped, or as Markdown
through the same sanitiser as published cases (the preview).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField, TextAreaField

from indexer.catalog import full_record
from indexer.frontmatter import FrontMatterError, parse_yaml, split
from indexer.messages import render as render_problem

from .. import render
from ..i18n import N_, current, gettext, url
from ..portal import get_store, models
from . import accounts, flow

bp = Blueprint("review", __name__, url_prefix="/review")
login_manager = LoginManager()
login_manager.login_view = "review.login"
login_manager.login_message = None  # the login page says what it is for; no flashed English text

STATUS_LABELS = {
    models.WAITING: N_("Waiting for review"),
    models.CHANGES_REQUESTED: N_("Changes requested"),
    models.RECOMMENDED: N_("Recommended"),
    models.APPROVED: N_("Approved, publishing"),
    models.PUBLISHED: N_("Published"),
    models.PUBLISH_FAILED: N_("Publishing failed"),
    models.REJECTED: N_("Rejected"),
    models.WITHDRAWN: N_("Withdrawn"),
}
KIND_LABELS = {"new": N_("New case"), "edit": N_("Edit of a case"), "collection": N_("Collection")}
ACTION_LABELS = {
    "request_changes": N_("Request changes"),
    "recommend": N_("Recommend"),
    "approve": N_("Approve and publish"),
    "retry": N_("Publish again"),
    "reject": N_("Reject"),
}
AUDIT_LABELS = {
    "submit": N_("submitted"),
    "revise": N_("revised"),
    "comment": N_("commented"),
    "status": N_("changed the status"),
    "login": N_("logged in"),
    "login_failed": N_("failed to log in"),
    "password_set": N_("set a password"),
    "password_link": N_("issued a set-password link"),
    "user_add": N_("added an account"),
}
REFUSALS = {
    "role": N_("Only an editor can do this."),
    "collection": N_("Collections are published by hand for now: export the submission and add the file."),
    "status": N_("This submission is no longer in a state that allows it: reload the page."),
    "stale": N_(
        "The submission changed since you opened it (a new revision or another reviewer's decision): "
        "read it again, then decide."
    ),
    "need_note": N_("Say what should change: the submitter reads this comment."),
    "empty_comment": N_("The comment is empty."),
    "action": N_("Unknown action."),
}
OPEN_STATUSES = (
    models.WAITING,
    models.CHANGES_REQUESTED,
    models.RECOMMENDED,
    models.APPROVED,
    models.PUBLISH_FAILED,
)


# --- forms (Flask-WTF: each carries its CSRF token) -------------------------------------------------------


class LoginForm(FlaskForm):
    email = StringField()
    password = PasswordField()


class PasswordForm(FlaskForm):
    password = PasswordField()
    confirm = PasswordField()


class CommentForm(FlaskForm):
    body = TextAreaField()
    internal = BooleanField()


class ActionForm(FlaskForm):
    action = HiddenField()
    version = HiddenField()
    note = TextAreaField()


class LogoutForm(FlaskForm):
    pass


# --- accounts and login -----------------------------------------------------------------------------------


class Account(UserMixin):
    """The logged-in reviewer or editor (a detached copy of the User row)."""

    def __init__(self, user: models.User):
        self.user_id = user.id
        self.email = user.email
        self.name = user.name or ""
        self.role = user.role
        self._active = bool(user.active)
        self._key = accounts.session_key(user)

    def get_id(self) -> str:
        return self._key

    @property
    def is_active(self) -> bool:
        return self._active

    @property
    def actor(self) -> flow.Actor:
        return flow.Actor(email=self.email, role=self.role, name=self.name, user_id=self.user_id)


@login_manager.user_loader
def load_account(key: str) -> Account | None:
    user_id, _, _fp = key.partition(".")
    if not user_id.isdigit():
        return None
    user = get_store().user(int(user_id))
    if user is None or not user.active or accounts.session_key(user) != key:
        return None  # removed, disabled, or its password changed since this session began
    return Account(user)


@login_manager.unauthorized_handler
def to_login():
    if request.path.startswith("/api/"):
        abort(401)
    return redirect(url_for("review.login", next=request.full_path.rstrip("?"), lang=current()))


class _AddressThrottle:
    """Failed logins per client address in this process (the per-account count is in the database)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._fails: dict[str, deque[float]] = {}

    def _recent(self, address: str, now: float) -> deque[float]:
        q = self._fails.setdefault(address, deque())
        while q and q[0] < now - accounts.FAIL_WINDOW.total_seconds():
            q.popleft()
        return q

    def blocked(self, address: str) -> bool:
        with self._lock:
            return len(self._recent(address, time.monotonic())) >= accounts.MAX_FAILS_PER_ADDRESS

    def failed(self, address: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent(address, now).append(now)
            if len(self._fails) > 10_000:  # a flood of addresses: forget the quiet ones
                for key in [k for k, v in self._fails.items() if not v][:5_000]:
                    del self._fails[key]


def _throttle() -> _AddressThrottle:
    return current_app.extensions.setdefault("caselib.login_throttle", _AddressThrottle())


def _expired():
    """A POST whose CSRF token is missing or wrong (Flask-WTF): 400, said in the page's language."""
    abort(400, description=gettext("The form expired or did not come from this site: reload it and try again."))


def _safe_next(target: str | None) -> str:
    """Only a path of this site (never another host) is followed after login."""
    if not target:
        return url_for("review.queue", lang=current())
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("review.queue", lang=current())
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error, status = None, 200
    if request.method == "POST":
        if not form.validate_on_submit():  # the CSRF token is missing or wrong
            _expired()
        email = (form.email.data or "").strip().lower()[:320]
        address = request.remote_addr or "?"
        store = get_store()
        if _throttle().blocked(address) or accounts.recent_failures(store, email) >= accounts.MAX_FAILS_PER_ACCOUNT:
            error = gettext("Too many failed attempts. Wait 15 minutes and try again.")
            status = 429
        else:
            user = store.user_by_email(email) if email else None
            if accounts.verify(user, form.password.data or ""):
                accounts.logged_in(store, user, address)
                login_user(Account(user))
                return redirect(_safe_next(request.args.get("next")))
            _throttle().failed(address)
            store.log("login_failed", actor=email or "?", address=address)
            error = gettext("Wrong e-mail or password.")
            status = 401
    return render_template("review/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    form = LogoutForm()
    if not form.validate_on_submit():
        _expired()
    if current_user.is_authenticated:
        get_store().log("logout", actor=current_user.email, user_id=current_user.user_id)
    logout_user()
    return redirect(url_for("review.login", lang=current()))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    store = get_store()
    user = accounts.user_for_link(store, token)
    if user is None:
        abort(404, description=gettext("This link is not valid any more: ask an administrator for a new one."))
    form = PasswordForm()
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            _expired()
        password = form.password.data or ""
        if password != (form.confirm.data or ""):
            error = gettext("The two passwords differ.")
        else:
            try:
                done = accounts.set_password_with_link(store, token, password)
            except accounts.PasswordRefused as exc:
                error = (
                    gettext("Choose a password of at least {n} characters.", n=accounts.MIN_PASSWORD)
                    if exc.code == "short"
                    else gettext("Choose a password of at most {n} characters.", n=accounts.MAX_PASSWORD)
                )
            else:
                if done is None:
                    abort(
                        404, description=gettext("This link is not valid any more: ask an administrator for a new one.")
                    )
                logout_user()
                return redirect(url_for("review.login", lang=current(), password="set"))
    resp = render_template("review/set_password.html", form=form, error=error, email=user.email)
    return resp, (200 if error is None else 422), {"Referrer-Policy": "no-referrer"}


# --- the queue --------------------------------------------------------------------------------------------


def _countries(sub: models.Submission) -> list[str]:
    """The countries the latest revision's case file names (for the queue's filter and list)."""
    text = sub.latest.files.get(sub.latest.main_file, "") if sub.revisions else ""
    try:
        yaml_text, _, _ = split(text)
        data = parse_yaml(yaml_text, 2).data
    except (FrontMatterError, ValueError):
        return []
    found = data.get("countries") if isinstance(data, dict) else None
    return [c for c in found if isinstance(c, str)][:30] if isinstance(found, list) else []


def _day(value: str | None) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/")
@login_required
def queue():
    status = request.args.get("status", "open")
    country = (request.args.get("country") or "").strip().upper()[:2]
    q = (request.args.get("q") or "").strip()[:200]
    since, until = _day(request.args.get("from")), _day(request.args.get("to"))
    wanted: Any = OPEN_STATUSES if status == "open" else (None if status == "all" else status)
    if wanted is not None and wanted is not OPEN_STATUSES and wanted not in models.STATUSES:
        wanted, status = OPEN_STATUSES, "open"
    store = get_store()
    rows = []
    for sub in store.list(status=wanted, q=q or None, limit=500):
        day = sub.created_at.date()
        if (since and day < since) or (until and day > until):
            continue
        countries = _countries(sub)
        if country and country not in countries:
            continue
        rows.append({"sub": sub, "countries": countries})
    counts = {s: store.count(status=s) for s in models.STATUSES}
    return render_template(
        "review/queue.html",
        rows=rows,
        counts=counts,
        status=status,
        country=country,
        q=q,
        since=request.args.get("from", "") if since else "",
        until=request.args.get("to", "") if until else "",
        statuses=models.STATUSES,
        status_labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
        logout=LogoutForm(),
    )


# --- one submission ---------------------------------------------------------------------------------------


def _site() -> flow.Site:
    from .. import get_searcher
    from . import get_mailer

    searcher = get_searcher()
    return flow.Site(
        cases_dir=Path(current_app.config["CASES_DIR"]),
        index_dir=Path(current_app.config["INDEX_DIR"]),
        embedder=searcher.embedder,
        mailer=get_mailer(),
        base_url=current_app.config.get("BASE_URL") or request.host_url.rstrip("/"),
    )


def _diff(old: str | None, new: str, before: str, after: str) -> list[tuple[str, str]]:
    """A unified diff as (kind, line) pairs: kind is add, del, hunk, head or same."""
    out = []
    for line in difflib.unified_diff(
        (old or "").splitlines(), new.splitlines(), fromfile=before, tofile=after, lineterm="", n=3
    ):
        kind = (
            "head"
            if line.startswith(("---", "+++"))
            else "hunk"
            if line.startswith("@@")
            else "add"
            if line.startswith("+")
            else "del"
            if line.startswith("-")
            else "same"
        )
        out.append((kind, line))
    return out


def _get_submission(submission_id: int) -> models.Submission:
    sub = get_store().get(submission_id)
    if sub is None:
        abort(404, description=gettext("There is no submission {id}.", id=submission_id))
    return sub


@bp.get("/<int:submission_id>")
@login_required
def submission(submission_id: int, refusal: str | None = None, outcome: flow.Outcome | None = None, code: int = 200):
    sub = _get_submission(submission_id)
    cases_dir = Path(current_app.config["CASES_DIR"])
    lang = current()
    case, errors, warnings = flow.preview(sub, cases_dir)
    rev = sub.latest
    published = flow.current_files(sub, cases_dir)
    diffs = []
    for name in sorted(rev.files, key=lambda n: (n.count("."), n)):
        if name in published and published[name] != rev.files[name]:
            diffs.append(
                (name, _diff(published[name], rev.files[name], f"cases/{name}", f"#{sub.id} r{rev.number}/{name}"))
            )
    since_previous = []
    if len(sub.revisions) > 1:
        prev = sub.revisions[-2]
        for name in sorted(set(prev.files) | set(rev.files), key=lambda n: (n.count("."), n)):
            if prev.files.get(name) != rev.files.get(name):
                since_previous.append(
                    (
                        name,
                        _diff(
                            prev.files.get(name),
                            rev.files.get(name, ""),
                            f"r{prev.number}/{name}",
                            f"r{rev.number}/{name}",
                        ),
                    )
                )
    actor = current_user.actor
    actions = [
        a
        for a, (_role, allowed, _target) in flow.ACTIONS.items()
        if sub.status in allowed and actor.may(a) and not (sub.kind == "collection" and a in ("approve", "retry"))
    ]
    return (
        render_template(
            "review/submission.html",
            sub=sub,
            rev=rev,
            errors=[render_problem(p, lang) for p in errors],
            error_items=errors,
            warnings=warnings,
            render_problem=lambda p: render_problem(p, lang),
            previewable=case is not None,
            diffs=diffs,
            since_previous=since_previous,
            actions=actions,
            action_labels=ACTION_LABELS,
            status_labels=STATUS_LABELS,
            kind_labels=KIND_LABELS,
            audit=get_store().audit(submission_id=sub.id, limit=200),
            audit_labels=AUDIT_LABELS,
            comment_form=CommentForm(),
            action_form=ActionForm(),
            logout=LogoutForm(),
            refusal=gettext(REFUSALS[refusal]) if refusal else None,
            outcome=outcome,
            publish_error=_publish_error(outcome, sub, lang),
        ),
        code,
    )


def _publish_error(outcome: flow.Outcome | None, sub: models.Submission, lang: str) -> dict | None:
    if outcome is not None and outcome.error is not None:
        err = outcome.error
        return {"message": err.render(lang), "problems": [render_problem(p, lang) for p in err.problems]}
    if sub.status == models.PUBLISH_FAILED and sub.publish_error:
        return {"message": sub.publish_error, "problems": []}
    return None


@bp.post("/<int:submission_id>/comment")
@login_required
def add_comment(submission_id: int):
    form = CommentForm()
    if not form.validate_on_submit():
        _expired()
    _get_submission(submission_id)
    try:
        flow.comment(
            get_store(), submission_id, current_user.actor, form.body.data or "", public=not form.internal.data
        )
    except flow.Refused as exc:
        return submission(submission_id, refusal=exc.code, code=422)
    return redirect(url_for("review.submission", submission_id=submission_id, lang=current()) + "#comments")


@bp.post("/<int:submission_id>/action")
@login_required
def act(submission_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        _expired()
    _get_submission(submission_id)
    action = form.action.data or ""
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    site = _site() if action in ("approve", "retry") else _site_light()
    try:
        outcome = flow.move(get_store(), submission_id, action, current_user.actor, form.note.data or "", version, site)
    except flow.Refused as exc:
        code = 403 if exc.code == "role" else 409 if exc.code in ("status", "stale") else 422
        return submission(submission_id, refusal=exc.code, code=code)
    if outcome.state == "failed":
        return submission(submission_id, outcome=outcome, code=500 if outcome.error.step == "index" else 409)
    if outcome.state == "already":
        return submission(submission_id, refusal="status", code=409)
    return redirect(url_for("review.submission", submission_id=submission_id, lang=current(), done=action))


def _site_light() -> flow.Site:
    """The Site for actions that publish nothing (only notifications need it)."""
    from . import get_mailer

    return flow.Site(
        cases_dir=Path(current_app.config["CASES_DIR"]),
        index_dir=Path(current_app.config["INDEX_DIR"]),
        mailer=get_mailer(),
        base_url=current_app.config.get("BASE_URL") or request.host_url.rstrip("/"),
    )


@bp.get("/<int:submission_id>/preview")
@login_required
def preview(submission_id: int):
    """The latest revision rendered with the case-page template, as it would be published."""
    from .. import data

    sub = _get_submission(submission_id)
    case, _errors, _warnings = flow.preview(sub, Path(current_app.config["CASES_DIR"]))
    if case is None:
        abort(
            422, description=gettext("The case file has errors, so it cannot be shown as a page: see the submission.")
        )
    lang = current()
    d = data.case_data(
        case.id, lang, with_similar=False, version_lang=data.version_language(lang), record=full_record(case)
    )
    for s in d["sections"]:
        s["html"] = render.markdown_html(s["markdown"])
    back = url("review.submission", submission_id=sub.id)
    resp = current_app.make_response(render_template("case.html", d=d, preview={"id": sub.id, "back": back}))
    resp.headers["X-Robots-Tag"] = "noindex"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get("/audit")
@login_required
def audit():
    entries = get_store().audit(limit=500)
    return render_template(
        "review/audit.html",
        entries=entries,
        audit_labels=AUDIT_LABELS,
        status_labels=STATUS_LABELS,
        logout=LogoutForm(),
    )


@bp.after_request
def private(response):
    response.headers.setdefault("Cache-Control", "private, no-store")
    response.headers["X-Robots-Tag"] = "noindex"
    return response
