"""`caselib users …` and `caselib submissions …`: accounts and decisions from a terminal."""

from __future__ import annotations

import json

from click.testing import CliRunner
from portal_support import CASE_ID, EN, FILES, PASSWORD, git, site_fixture, submit  # noqa: F401 - fixture site

from caselib.cli import main
from webapp.portal import models
from webapp.review import accounts


def run(site, *args, input=None):  # noqa: A002 - click's name
    env = {
        "CASELIB_DATABASE_URL": str(site["store"].url),
        "CASELIB_CASES": str(site["cases"]),
        "CASELIB_INDEX": str(site["index"]),
        "CASELIB_SMTP_URL": "",
        "CASELIB_MODEL": "hash-test",  # the test index is built with the fake embedder
    }
    return CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)


def test_users_add_with_a_password_from_stdin(site):
    result = run(
        site,
        "users",
        "add",
        "Ana@OAS.example",
        "--role",
        "editor",
        "--name",
        "Ana",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "editor account ana@oas.example created" in result.output and "set-password" not in result.output
    user = site["store"].user_by_email("ana@oas.example")
    assert user.role == "editor" and accounts.verify(user, PASSWORD)
    assert run(site, "users", "add", "ana@oas.example", "--role", "reviewer").exit_code == 1  # taken
    short = run(site, "users", "add", "b@oas.example", "--role", "reviewer", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "12" in short.output
    assert ("user_add", "cli") in [(e.action, e.actor) for e in site["store"].audit()]


def test_users_add_prints_a_one_time_link(site):
    result = run(site, "users", "add", "rev@oas.example", "--role", "reviewer", "--base-url", "https://c.example.org")
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith("https://c.example.org/review/set-password/")
    token = link.rsplit("/", 1)[1]
    assert accounts.user_for_link(site["store"], token).email == "rev@oas.example"
    assert accounts.set_password_with_link(site["store"], token, PASSWORD) is not None
    assert accounts.set_password_with_link(site["store"], token, PASSWORD) is None  # once
    listed = run(site, "users", "list").output
    assert "rev@oas.example\treviewer\tactive" in listed


def test_submissions_approve_publishes_and_search_finds_it(site):
    store = site["store"]
    sub, _ = submit(store)
    listed = run(site, "submissions", "list")
    assert f"{sub.id}\twaiting\tnew\t{CASE_ID}" in listed.output
    shown = run(site, "submissions", "show", str(sub.id))
    assert "validator (caselib check --strict): no problems" in shown.output
    result = run(site, "submissions", "approve", str(sub.id))
    assert result.exit_code == 0, result.output
    assert f"submission {sub.id} published in commit" in result.output
    assert store.get(sub.id).status == models.PUBLISHED
    assert (site["cases"] / f"{CASE_ID}.md").read_text(encoding="utf-8") == EN
    found = run(site, "search", "portal test", "--mode", "keyword", "--json")
    assert found.exit_code == 0, found.output
    assert [r["id"] for r in json.loads(found.output)["results"]] == [CASE_ID]
    again = run(site, "submissions", "approve", str(sub.id))
    assert again.exit_code == 1 and "'published'" in again.output
    assert git(site["repo"], "log", "--format=%s").count(f"submission {sub.id}:") == 1


def test_submissions_approve_refuses_an_invalid_case_and_keeps_it_retryable(site):
    store = site["store"]
    sub, _ = submit(store, {f"{CASE_ID}.md": EN.replace("countries: [CO]", "countries: [XX]")})
    result = run(site, "submissions", "approve", str(sub.id))
    assert result.exit_code == 1 and "approved but not published (check)" in result.output
    assert "countries" in result.output
    assert store.get(sub.id).status == models.PUBLISH_FAILED
    assert not (site["cases"] / f"{CASE_ID}.md").exists()


def test_submissions_reject_and_export(site):
    store = site["store"]
    sub, token = submit(store)
    assert run(site, "submissions", "reject", str(sub.id)).exit_code == 2  # --reason is required
    result = run(site, "submissions", "reject", str(sub.id), "--reason", "Out of scope: not a police practice.")
    assert result.exit_code == 0, result.output
    done = store.get(sub.id)
    assert done.status == models.REJECTED and done.comments[-1].body == "Out of scope: not a police practice."
    exported = run(site, "submissions", "export", str(sub.id))
    data = json.loads(exported.output)
    assert data[0]["status"] == "rejected" and data[0]["revisions"][0]["files"] == FILES
    assert token not in exported.output
    assert run(site, "submissions", "export").exit_code == 2


def test_approving_as_a_reviewer_is_refused(site):
    store = site["store"]
    accounts.add_user(store, "rev@oas.example", "reviewer", password=PASSWORD)
    sub, _ = submit(store)
    result = run(site, "submissions", "approve", str(sub.id), "--as", "rev@oas.example")
    assert result.exit_code == 1 and "only an editor" in result.output
    assert store.get(sub.id).status == models.WAITING
