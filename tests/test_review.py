"""The review side of the portal (issue 18): login, CSRF, cookies, throttling, the queue, decisions,
publishing from the browser without a restart, the audit log, e-mail only when configured."""

from __future__ import annotations

import threading

import pytest
from portal_support import (  # noqa: F401 - the fixtures site and app
    CASE_ID,
    EMB,
    EN,
    FILES,
    PASSWORD,
    app_fixture,
    csrf,
    git,
    login,
    make_app,
    site_fixture,
    submit,
    users,
)

from webapp.portal import models
from webapp.review import accounts, flow

# --- login, CSRF, cookies, throttling ---------------------------------------------------------------------


def test_review_without_login_redirects_to_login(app):
    client = app.test_client()
    for path in ("/review/", "/review/1", "/review/1/preview", "/review/audit"):
        resp = client.get(path)
        assert resp.status_code == 302, path
        assert resp.headers["Location"].startswith("/review/login?next=")
    resp = client.get("/review/?status=all", follow_redirects=True)
    assert resp.status_code == 200 and 'name="password"' in resp.text


def test_login_logout_and_the_audit_log(app, site):
    users(site["store"])
    client = app.test_client()
    resp = login(client, "rev@oas.example", "wrong password")
    assert resp.status_code == 401 and "Wrong e-mail or password" in resp.text
    resp = login(client, "REV@oas.example")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/review/")
    assert client.get("/review/").status_code == 200
    actions = [(e.action, e.actor) for e in site["store"].audit()]
    assert ("login_failed", "rev@oas.example") in actions and ("login", "rev@oas.example") in actions
    page = client.get("/review/")
    resp = client.post("/review/logout", data={"csrf_token": csrf(page.text)})
    assert resp.status_code == 302
    assert client.get("/review/").status_code == 302


def test_a_post_without_its_csrf_token_is_refused(app, site):
    users(site["store"])
    sub, _ = submit(site["store"])
    client = app.test_client()
    resp = client.post("/review/login", data={"email": "rev@oas.example", "password": PASSWORD})
    assert resp.status_code == 400
    assert client.get("/review/").status_code == 302  # not logged in
    assert login(client, "rev@oas.example").status_code == 302
    for path, data in (
        (f"/review/{sub.id}/comment", {"body": "hello"}),
        (f"/review/{sub.id}/action", {"action": "recommend", "note": ""}),
        ("/review/logout", {}),
    ):
        resp = client.post(path, data=data)
        assert resp.status_code == 400, path
        resp = client.post(path, data=dict(data, csrf_token="forged"))
        assert resp.status_code == 400, path
    assert site["store"].get(sub.id).status == models.WAITING and not site["store"].get(sub.id).comments


def test_session_cookie_flags(site):
    users(site["store"])
    client = make_app(site).test_client()
    cookie = login(client, "rev@oas.example").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = make_app(site, BASE_URL="https://cases.example.org").test_client()
    cookie = login(secure, "rev@oas.example").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_login_attempts_are_throttled_per_account(app, site):
    users(site["store"])
    client = app.test_client()
    for _ in range(accounts.MAX_FAILS_PER_ACCOUNT):
        assert login(client, "ed@oas.example", "guess " * 3).status_code == 401
    resp = login(client, "ed@oas.example")  # even the right password waits now
    assert resp.status_code == 429 and "Too many failed attempts" in resp.text
    assert login(client, "rev@oas.example").status_code == 302  # other accounts are not locked out


def test_login_attempts_are_throttled_per_address(app, site):
    client = app.test_client()
    for i in range(accounts.MAX_FAILS_PER_ADDRESS):
        assert login(client, f"nobody{i}@example.org", "x" * 12).status_code == 401
    assert login(client, "someone@example.org", "x" * 12).status_code == 429


def test_only_a_safe_next_is_followed(app, site):
    users(site["store"])
    client = app.test_client()
    page = client.get("/review/login")
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        resp = client.post(
            "/review/login?next=" + evil,
            data={"email": "rev@oas.example", "password": PASSWORD, "csrf_token": csrf(page.text)},
        )
        assert resp.status_code == 302 and "evil" not in resp.headers["Location"]
        client.post("/review/logout", data={"csrf_token": csrf(client.get("/review/").text)})


def test_set_password_link_works_once_and_ends_old_sessions(app, site):
    store = site["store"]
    user, token = accounts.add_user(store, "new@oas.example", "reviewer")
    assert token and user.password_hash is None
    client = app.test_client()
    page = client.get(f"/review/set-password/{token}?lang=es")
    assert page.status_code == 200 and "new@oas.example" in page.text
    resp = client.post(
        f"/review/set-password/{token}?lang=es",
        data={"password": "short", "confirm": "short", "csrf_token": csrf(page.text)},
    )
    assert resp.status_code == 422 and "12" in resp.text
    resp = client.post(
        f"/review/set-password/{token}",
        data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf(page.text)},
    )
    assert resp.status_code == 302
    assert client.get(f"/review/set-password/{token}").status_code == 404  # spent
    assert login(client, "new@oas.example").status_code == 302
    assert client.get("/review/").status_code == 200
    accounts.set_password(store, user.id, "another long password")  # e.g. reset by an administrator
    assert client.get("/review/").status_code == 302  # the old session ended
    stored = store.user_by_email("new@oas.example").password_hash
    assert stored.startswith("scrypt:") and PASSWORD not in stored


# --- the queue and one submission -------------------------------------------------------------------------


def test_queue_filters_by_status_country_and_date(app, site):
    store = site["store"]
    users(store)
    a, _ = submit(store)
    pa = EN.replace("countries: [CO]", "countries: [PA]").replace(CASE_ID, "portal-panama-plan")
    b, _ = submit(store, {"portal-panama-plan.md": pa}, case_id="portal-panama-plan", title="Panama plan")
    flow.move(store, b.id, "request_changes", flow.Actor("rev@oas.example", "reviewer"), note="add sources")
    client = app.test_client()
    login(client, "rev@oas.example")
    text = client.get("/review/").text
    assert "Quadrant patrol plan" in text and "Panama plan" in text
    text = client.get("/review/?status=waiting").text
    assert "Quadrant patrol plan" in text and "Panama plan" not in text
    text = client.get("/review/?status=all&country=pa").text
    assert "Panama plan" in text and "Quadrant patrol plan" not in text
    assert "Panamá" in client.get("/review/?status=all&country=PA&lang=es").text
    today = a.created_at.date().isoformat()
    assert "Panama plan" in client.get(f"/review/?status=all&from={today}&to={today}").text
    assert "No submission matches" in client.get("/review/?status=all&to=2001-01-01").text


def test_submission_page_shows_validator_preview_diff_and_thread(app, site):
    store = site["store"]
    users(store)
    bad = EN.replace("countries: [CO]", "countries: [XX]")
    sub, _ = submit(store, {f"{CASE_ID}.md": bad})
    client = app.test_client()
    login(client, "rev@oas.example", lang="es")
    page = client.get(f"/review/{sub.id}?lang=es")
    assert page.status_code == 200
    assert "XX" in page.text and "sev-error" in page.text  # the validator's result, in Spanish
    assert "Vista previa" not in page.text or "preview" not in page.text
    # an edit of a published case: the diff against the published file
    original = (site["cases"] / "valid-english-case.md").read_text(encoding="utf-8")
    edit, _ = submit(
        store,
        {"valid-english-case.md": original.replace("fixed team of officers", "fixed team of six officers")},
        case_id="valid-english-case",
        kind="edit",
        target_id="valid-english-case",
    )
    page = client.get(f"/review/{edit.id}").text
    assert '<span class="d-del">-' in page and '<span class="d-add">+' in page and "six officers" in page
    preview = client.get(f"/review/{edit.id}/preview?lang=es")
    assert preview.status_code == 200 and "preview-banner" in preview.text
    assert "Plan de policía comunitaria por cuadrantes" in preview.text  # the Spanish version of the case
    assert preview.headers["X-Robots-Tag"] == "noindex" and "no-store" in preview.headers["Cache-Control"]
    assert client.get(f"/review/{sub.id}/preview").status_code == 422  # errors: no page to show


def test_submitted_text_is_inert(app, site):
    store = site["store"]
    users(store)
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    text = EN.replace("Quadrant patrol plan of the portal test", '"' + evil.replace('"', "") + '"')
    text = text.replace("## The practice\n", f"## The practice\n\n{evil}\n")
    sub, _ = submit(store, {f"{CASE_ID}.md": text}, title=evil, institution=evil, name=evil)
    store.add_comment(sub.id, evil, author=evil)
    client = app.test_client()
    login(client, "rev@oas.example")
    for path in ("/review/", f"/review/{sub.id}", f"/review/{sub.id}/preview", "/review/audit"):
        html = client.get(path).text
        assert "<script>alert(1)" not in html and "<img src=x" not in html, path


def test_reviewers_recommend_and_editors_decide_with_audit_entries(app, site):
    store = site["store"]
    users(store)
    sub, _ = submit(store)
    client = app.test_client()
    login(client, "rev@oas.example")
    page = client.get(f"/review/{sub.id}").text
    assert 'value="recommend"' in page and 'value="approve"' not in page
    token = csrf(page)
    # request changes needs a note
    resp = client.post(f"/review/{sub.id}/action", data={"action": "request_changes", "note": "", "csrf_token": token})
    assert resp.status_code == 422
    resp = client.post(f"/review/{sub.id}/action", data={"action": "approve", "csrf_token": token})
    assert resp.status_code == 403 and store.get(sub.id).status == models.WAITING
    resp = client.post(
        f"/review/{sub.id}/comment", data={"body": "Internal: check the year", "internal": "y", "csrf_token": token}
    )
    assert resp.status_code == 302
    resp = client.post(f"/review/{sub.id}/action", data={"action": "recommend", "csrf_token": token})
    assert resp.status_code == 302 and store.get(sub.id).status == models.RECOMMENDED
    entries = store.audit(submission_id=sub.id)
    whats = [(e.action, e.actor, e.detail.get("status")) for e in reversed(entries)]
    assert whats[0][0] == "submit"
    assert ("comment", "rev@oas.example", None) in whats
    assert ("status", "rev@oas.example", models.RECOMMENDED) in whats
    assert all(e.at.tzinfo is not None for e in entries)
    (note,) = store.get(sub.id).comments
    assert note.public is False and note.author == "Rita Reviewer"
    audit_page = client.get("/review/audit?lang=es").text
    assert "En espera de revisión → Recomendado" in audit_page  # statuses in the reader's language


def test_editor_approves_and_the_running_site_shows_the_case(app, site):
    store = site["store"]
    users(store)
    sub, _ = submit(store)
    client = app.test_client()
    assert client.get(f"/cases/{CASE_ID}").status_code == 404
    assert CASE_ID not in client.get("/api/search?q=quadrant+patrol+plan+portal").text
    login(client, "ed@oas.example")
    token = csrf(client.get(f"/review/{sub.id}").text)
    resp = client.post(f"/review/{sub.id}/action", data={"action": "approve", "csrf_token": token})
    assert resp.status_code == 302, resp.text
    done = store.get(sub.id)
    assert done.status == models.PUBLISHED and done.published_commit
    assert (site["cases"] / f"{CASE_ID}.md").read_text(encoding="utf-8") == EN
    log = git(site["repo"], "log", "-1", "--format=%an|%cn|%ce|%s")
    assert (
        log.strip()
        == f"Policía Nacional de Colombia|Eddie Editor|ed@oas.example|Publish submission {sub.id}: {CASE_ID}"
    )
    # the same app (no restart) serves and finds the new case
    assert client.get(f"/cases/{CASE_ID}").status_code == 200
    assert CASE_ID in client.get("/api/search?q=quadrant+patrol+plan+portal").text
    statuses = [e.detail.get("status") for e in reversed(store.audit(submission_id=sub.id)) if e.action == "status"]
    assert statuses == [models.APPROVED, models.PUBLISHED]


def test_two_editors_approving_at_once_publish_once(site):
    store = site["store"]
    users(store)
    accounts.add_user(store, "ed2@oas.example", "editor", password=PASSWORD)
    sub, _ = submit(store)
    target = flow.Site(site["cases"], site["index"], embedder=EMB)
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def approve(email):
        barrier.wait()
        try:
            outcomes.append(flow.move(store, sub.id, "approve", flow.Actor(email, "editor"), site=target))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=approve, args=(e,)) for e in ("ed@oas.example", "ed2@oas.example")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(o.state for o in outcomes) == ["already", "done"]
    assert git(site["repo"], "log", "--format=%s").count(f"submission {sub.id}:") == 1
    approvals = [e for e in store.audit(submission_id=sub.id) if e.detail.get("status") == models.APPROVED]
    assert len(approvals) == 1


def test_a_failed_publication_is_visible_and_retryable(app, site):
    store = site["store"]
    users(store)
    sub, _ = submit(store)
    hook = site["repo"] / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'repository is read-only today' >&2\nexit 1\n")
    hook.chmod(0o755)
    client = app.test_client()
    login(client, "ed@oas.example")
    token = csrf(client.get(f"/review/{sub.id}").text)
    resp = client.post(f"/review/{sub.id}/action", data={"action": "approve", "csrf_token": token})
    assert resp.status_code == 409 and "read-only today" in resp.text
    failed = store.get(sub.id)
    assert failed.status == models.PUBLISH_FAILED and "read-only today" in failed.publish_error
    assert not (site["cases"] / f"{CASE_ID}.md").exists()
    page = client.get(f"/review/{sub.id}").text
    assert "read-only today" in page and 'value="retry"' in page
    assert "Publishing failed" in client.get("/review/").text
    hook.unlink()
    resp = client.post(f"/review/{sub.id}/action", data={"action": "retry", "csrf_token": csrf(page)})
    assert resp.status_code == 302 and store.get(sub.id).status == models.PUBLISHED


def test_a_stale_decision_is_refused(app, site):
    store = site["store"]
    users(store)
    sub, token = submit(store)
    client = app.test_client()
    login(client, "ed@oas.example")
    page = client.get(f"/review/{sub.id}").text
    store.revise(sub.id, FILES, case_id=CASE_ID, note="second thoughts")  # the submitter revises meanwhile
    resp = client.post(
        f"/review/{sub.id}/action", data={"action": "approve", "version": str(sub.version), "csrf_token": csrf(page)}
    )
    assert resp.status_code == 409 and store.get(sub.id).status == models.WAITING


# --- e-mail -----------------------------------------------------------------------------------------------


@pytest.fixture()
def smtp():
    """A local SMTP server on loopback that keeps what it receives."""
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            self.messages.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free port on loopback (aiosmtpd cannot start on port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", handler.messages
    controller.stop()


def test_without_smtp_nothing_is_sent(app, site, monkeypatch):
    import smtplib

    def refuse(*a, **kw):
        raise AssertionError("no SMTP connection may be opened without CASELIB_SMTP_URL")

    monkeypatch.setattr(smtplib, "SMTP", refuse)
    store = site["store"]
    users(store)
    sub, _ = submit(store)
    client = app.test_client()
    login(client, "rev@oas.example")
    token = csrf(client.get(f"/review/{sub.id}").text)
    resp = client.post(
        f"/review/{sub.id}/action",
        data={"action": "request_changes", "note": "Cite the evaluation.", "csrf_token": token},
    )
    assert resp.status_code == 302
    with app.app_context():
        from webapp.review import get_mailer

        assert get_mailer() is None


def test_with_smtp_submitters_and_reviewers_are_notified(site, smtp):
    url, received = smtp
    app = make_app(site, SMTP_URL=url, BASE_URL="https://cases.example.org")
    store = site["store"]
    users(store)
    sub, token = submit(store)
    with app.test_request_context():
        from webapp.review import notify

        notify(store.get(sub.id), "submitted", tracking_url=f"https://cases.example.org/track/{token}")
    reviewers = [m for m in received if "planeacion@policia.example" not in m.rcpt_tos]
    assert [sorted(m.rcpt_tos) for m in reviewers] == [["ed@oas.example", "rev@oas.example"]]
    assert f"https://cases.example.org/review/{sub.id}" in reviewers[0].content.decode()
    submitter = [m for m in received if m.rcpt_tos == ["planeacion@policia.example"]]
    assert submitter and token in submitter[0].content.decode()
    received.clear()
    client = app.test_client()
    login(client, "rev@oas.example")
    page = client.get(f"/review/{sub.id}").text
    client.post(
        f"/review/{sub.id}/action",
        data={"action": "request_changes", "note": "Falta la fuente de la evaluación.", "csrf_token": csrf(page)},
    )
    (mail,) = received
    assert mail.rcpt_tos == ["planeacion@policia.example"]
    body = mail.content.decode("utf-8", "replace")
    assert "Subject: =?utf-8?" in body or "Subject: [caselib]" in body
    import email

    msg = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert "cambios" in msg["Subject"].lower()  # the submitter's language
    assert "Falta la fuente de la evaluación." in msg.get_content()


def test_an_api_submission_notifies_reviewers_and_sends_the_submitter_the_tracking_link(site, smtp):
    from test_submit import api_case

    url, received = smtp
    app = make_app(site, SMTP_URL=url, BASE_URL="https://cases.example.org")
    users(site["store"])
    payload = api_case()
    payload["submitter"] = {"institution": "Policía Nacional", "email": "oficina@example.org"}
    r = app.test_client().post("/api/submissions?lang=pt", json=payload)
    assert r.status_code == 201, r.get_json()
    tracking = r.get_json()["tracking_url"]
    by_rcpt = {tuple(sorted(m.rcpt_tos)): m for m in received}
    assert set(by_rcpt) == {("ed@oas.example", "rev@oas.example"), ("oficina@example.org",)}
    import email

    mine = email.message_from_bytes(by_rcpt[("oficina@example.org",)].content, policy=email.policy.default)
    assert tracking in mine.get_content() and "Recebemos" in mine["Subject"]  # the submitter's language
