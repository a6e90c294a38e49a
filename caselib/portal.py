"""`caselib users …` and `caselib submissions …`: the submission portal from a terminal.

The same functions as the /review pages (webapp.review.flow, webapp.review.accounts), so a decision
taken here leaves the same states and audit rows as one taken in a browser.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click

from .options import cases_option, index_option, model_option

database_option = click.option(
    "--database",
    "database_url",
    default=None,
    envvar="CASELIB_DATABASE_URL",
    help="The portal's database (env CASELIB_DATABASE_URL; default: SQLite at instance/portal.sqlite3).",
)
base_url_option = click.option(
    "--base-url",
    default="http://127.0.0.1:8000",
    show_default=True,
    envvar="CASELIB_BASE_URL",
    help="The site's public address, for the links printed (env CASELIB_BASE_URL).",
)


def _store(database_url: str | None):
    from webapp.portal.store import Store, default_url

    return Store(database_url or default_url("instance"))


def _unavailable(exc: Exception):
    raise click.ClickException(f"the portal database cannot be used: {exc}")


# --- users ------------------------------------------------------------------------------------------------


@click.group()
def users() -> None:
    """Reviewer and editor accounts of the submission portal (/review)."""


@users.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(["reviewer", "editor"]), required=True)
@click.option("--name", default="", help="The name shown on comments and in the git history (as committer).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
@base_url_option
@database_option
def users_add(email: str, role: str, name: str, password_stdin: bool, base_url: str, database_url: str | None) -> None:
    """Create an account. Without --password-stdin, print a one-time set-password link (valid 72 hours)."""
    from webapp.portal.store import PortalUnavailable
    from webapp.review import accounts

    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    store = _store(database_url)
    try:
        store.ensure_ready()
        user, token = accounts.add_user(store, email, role, name=name, password=password)
    except accounts.PasswordRefused as exc:
        raise click.ClickException(
            f"the password must have {accounts.MIN_PASSWORD} to {accounts.MAX_PASSWORD} characters"
            if exc.code in ("short", "long")
            else str(exc)
        ) from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    except PortalUnavailable as exc:
        _unavailable(exc)
    click.echo(f"{role} account {user.email} created")
    if token:
        click.echo(f"set-password link (works once, for {accounts.LINK_HOURS} hours; send it privately):")
        click.echo(f"{base_url.rstrip('/')}/review/set-password/{token}")


@users.command("link")
@click.argument("email")
@base_url_option
@database_option
def users_link(email: str, base_url: str, database_url: str | None) -> None:
    """Print a new one-time set-password link for an account (a forgotten password)."""
    from webapp.portal.store import PortalUnavailable
    from webapp.review import accounts

    store = _store(database_url)
    try:
        user = store.user_by_email(email)
        if user is None:
            raise click.ClickException(f"no account for {email}: create it with `caselib users add`")
        token = accounts.issue_link(store, user.id)
    except PortalUnavailable as exc:
        _unavailable(exc)
    click.echo(f"{base_url.rstrip('/')}/review/set-password/{token}")


@users.command("list")
@database_option
def users_list(database_url: str | None) -> None:
    """The accounts: e-mail, role, active, last login."""
    from webapp.portal import models
    from webapp.portal.store import PortalUnavailable

    store = _store(database_url)
    try:
        with store.session() as s:
            rows = s.query(models.User).order_by(models.User.email).all()
    except PortalUnavailable as exc:
        _unavailable(exc)
    for u in rows:
        last = u.last_login_at.isoformat(timespec="minutes") if u.last_login_at else "never"
        state = "active" if u.active else "disabled"
        pw = "" if u.password_hash else " (no password yet)"
        click.echo(f"{u.email}\t{u.role}\t{state}\tlast login: {last}{pw}")


# --- submissions ------------------------------------------------------------------------------------------


@click.group()
def submissions() -> None:
    """Submissions waiting for review: list, show, approve (publish), reject, export."""


def _get(store, submission_id: int):
    from webapp.portal.store import PortalUnavailable

    try:
        sub = store.get(submission_id)
    except PortalUnavailable as exc:
        _unavailable(exc)
    if sub is None:
        raise click.ClickException(f"there is no submission {submission_id}")
    return sub


@submissions.command("list")
@click.option("--status", default="open", show_default=True, help="A status, 'open' (needs a decision) or 'all'.")
@click.option("--json", "as_json", is_flag=True)
@database_option
def submissions_list(status: str, as_json: bool, database_url: str | None) -> None:
    """Submissions, most recently changed first."""
    from webapp.portal import models
    from webapp.portal.store import PortalUnavailable
    from webapp.review import flow
    from webapp.review.views import OPEN_STATUSES

    if status not in ("open", "all", *models.STATUSES):
        raise click.BadParameter(f"use open, all or one of {', '.join(models.STATUSES)}", param_hint="--status")
    wanted = OPEN_STATUSES if status == "open" else None if status == "all" else status
    try:
        rows = _store(database_url).list(status=wanted, limit=1000)
    except PortalUnavailable as exc:
        _unavailable(exc)
    if as_json:
        click.echo(json.dumps([flow.summary(s) for s in rows], ensure_ascii=False, indent=2))
        return
    for s in rows:
        who = s.submitter_institution or s.submitter_name or "anonymous"
        click.echo(f"{s.id}\t{s.status}\t{s.kind}\t{s.case_id}\t{s.updated_at:%Y-%m-%d}\t{who}\t{s.title}")
    if not rows:
        click.echo("no submissions", err=True)


@submissions.command("show")
@click.argument("submission_id", type=int)
@cases_option
@click.option("--lang", type=click.Choice(["en", "es", "pt"]), default="en", show_default=True)
@database_option
def submissions_show(submission_id: int, cases_dir: Path, lang: str, database_url: str | None) -> None:
    """One submission: state, submitter, files, the validator's result and the comments."""
    from indexer.messages import format_problem
    from webapp.review import flow

    sub = _get(_store(database_url), submission_id)
    who = ", ".join(x for x in (sub.submitter_name, sub.submitter_institution, sub.submitter_email) if x) or "anonymous"
    click.echo(f"submission {sub.id}: {sub.title}")
    click.echo(f"  status: {sub.status}   kind: {sub.kind}   case: {sub.case_id}   revision: {sub.latest.number}")
    click.echo(f"  from: {who} ({sub.channel}, {sub.lang})   submitted: {sub.created_at:%Y-%m-%d %H:%M} UTC")
    if sub.published_commit:
        click.echo(f"  published in commit {sub.published_commit}")
    if sub.publish_error:
        click.echo(f"  publishing failed: {sub.publish_error}")
    sizes = [f"{n} ({len(t.encode('utf-8')):,} bytes)" for n, t in sorted(sub.latest.files.items())]
    click.echo("  files: " + ", ".join(sizes))
    _case, errors, warnings = flow.preview(sub, cases_dir)
    click.echo("validator (caselib check --strict):" + (" no problems" if not errors and not warnings else ""))
    for p in errors + warnings:
        click.echo("  " + format_problem(p, lang))
    if sub.comments:
        click.echo("comments:")
    for c in sub.comments:
        tag = "" if c.public else " [reviewers only]"
        author = c.author if c.user_id is not None else "submitter"
        click.echo(f"  {c.created_at:%Y-%m-%d %H:%M} {author}{tag}: {c.body}")


def _actor(store, as_email: str | None, cases_dir: Path):
    from webapp.review import flow

    if as_email:
        user = store.user_by_email(as_email)
        if user is None or not user.active:
            raise click.ClickException(f"no active account for {as_email}")
        return flow.Actor(email=user.email, role=user.role, name=user.name, user_id=user.id)
    # the person at the terminal: git's identity for the commit, "cli" in the audit log
    name = _git_config(cases_dir, "user.name") or "caselib command line"
    email = _git_config(cases_dir, "user.email") or "cli"
    return flow.Actor(email=email, role="editor", name=name)


def _git_config(folder: Path, key: str) -> str:
    try:
        out = subprocess.run(
            ["git", "config", key], cwd=folder, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip()


def _mailer(store):
    from webapp.portal import models
    from webapp.review.mail import Mailer

    def recipients(role: str) -> list[str]:
        with store.session() as s:
            rows = s.query(models.User.email).filter(models.User.role == role, models.User.active.is_(True)).all()
        return [r[0] for r in rows]

    return Mailer.from_env(recipients)


@submissions.command("approve")
@click.argument("submission_id", type=int)
@click.option("--as", "as_email", default=None, help="Act as this editor account (default: git's user, as 'cli').")
@click.option("--comment", default="", help="A comment for the submitter, added first.")
@cases_option
@index_option
@model_option
@base_url_option
@database_option
def submissions_approve(
    submission_id: int,
    as_email: str | None,
    comment: str,
    cases_dir: Path,
    index_dir: Path,
    model: str | None,
    base_url: str,
    database_url: str | None,
) -> None:
    """Approve and publish a submission (or publish again one whose publication failed): check, write the
    files into the case folder, commit them (in a git work tree) and update the index."""
    from webapp.portal import models
    from webapp.portal.store import PortalUnavailable
    from webapp.review import flow

    store = _store(database_url)
    sub = _get(store, submission_id)
    actor = _actor(store, as_email, cases_dir)
    action = "retry" if sub.status in flow.RETRYABLE else "approve"
    site = flow.Site(cases_dir, index_dir, model=model, mailer=_mailer(store), base_url=base_url)
    try:
        outcome = flow.move(store, submission_id, action, actor, comment, site=site)
    except flow.Refused as exc:
        raise click.ClickException(_refusal(exc, sub)) from None
    except PortalUnavailable as exc:
        _unavailable(exc)
    if outcome.state == "already":
        now = outcome.submission.status
        raise click.ClickException(f"submission {submission_id} is now '{now}': someone else acted first")
    if outcome.state == "failed":
        err = outcome.error
        for p in err.problems:
            click.echo(f"  {p}", err=True)
        raise click.ClickException(
            f"submission {submission_id} is approved but not published ({err.step}): {err}; "
            f"fix the cause and run `caselib submissions approve {submission_id}` again"
        )
    done = outcome.submission
    assert done.status == models.PUBLISHED
    commit = f" in commit {outcome.commit[:12]}" if outcome.commit else ""
    click.echo(f"submission {submission_id} published{commit}: {', '.join(sorted(done.latest.files))}")
    for w in outcome.warnings:
        click.echo(f"  warning: {w}", err=True)


def _refusal(exc, sub) -> str:  # noqa: ANN001
    if exc.code == "role":
        return "only an editor can do this"
    if exc.code == "status":
        return f"submission {sub.id} is '{sub.status}': this action does not apply"
    if exc.code == "collection":
        return "collections are published by hand for now: `caselib submissions export` and add the file"
    if exc.code == "need_note":
        return "say what should change: --comment TEXT"
    return exc.code


@submissions.command("reject")
@click.argument("submission_id", type=int)
@click.option("--reason", required=True, help="Why: the submitter reads it on the tracking page.")
@click.option("--as", "as_email", default=None, help="Act as this editor account (default: git's user, as 'cli').")
@cases_option
@base_url_option
@database_option
def submissions_reject(
    submission_id: int, reason: str, as_email: str | None, cases_dir: Path, base_url: str, database_url: str | None
) -> None:
    """Reject a submission, with the reason for the submitter."""
    from webapp.portal.store import PortalUnavailable
    from webapp.review import flow

    store = _store(database_url)
    sub = _get(store, submission_id)
    actor = _actor(store, as_email, cases_dir)
    site = flow.Site(cases_dir, Path("."), mailer=_mailer(store), base_url=base_url)
    try:
        outcome = flow.move(store, submission_id, "reject", actor, reason, site=site)
    except flow.Refused as exc:
        raise click.ClickException(_refusal(exc, sub)) from None
    except PortalUnavailable as exc:
        _unavailable(exc)
    if outcome.state == "already":
        raise click.ClickException(f"submission {submission_id} is now '{outcome.submission.status}'")
    click.echo(f"submission {submission_id} rejected")


@submissions.command("export")
@click.argument("submission_ids", type=int, nargs=-1)
@click.option("--all", "export_all", is_flag=True, help="Every submission.")
@click.option(
    "--files",
    "files_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write the latest revision's files into this folder (e.g. to open a pull request).",
)
@database_option
def submissions_export(
    submission_ids: tuple[int, ...], export_all: bool, files_dir: Path | None, database_url: str | None
) -> None:
    """Print submissions as JSON (every revision's files, comments, state); no tracking tokens."""
    from webapp.portal.store import PortalUnavailable
    from webapp.review import flow

    store = _store(database_url)
    if not submission_ids and not export_all:
        raise click.UsageError("name submission ids, or --all")
    try:
        subs = store.list(limit=100_000) if export_all else [_get(store, i) for i in submission_ids]
    except PortalUnavailable as exc:
        _unavailable(exc)
    click.echo(json.dumps([flow.export(s) for s in subs], ensure_ascii=False, indent=2))
    if files_dir is not None:
        files_dir.mkdir(parents=True, exist_ok=True)
        for s in subs:
            for name, text in s.latest.files.items():
                if "/" in name or "\\" in name or name.startswith("."):
                    continue
                (files_dir / name).write_text(text, encoding="utf-8")
        click.echo(f"files written to {files_dir}", err=True)
