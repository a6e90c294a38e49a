"""The portal's storage: submissions, revisions, comments, status changes, audit log; migrations; a
missing or locked database raises PortalUnavailable (the web app's 503) instead of losing data."""

from __future__ import annotations

import os
import sqlite3
import threading
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from webapp.portal import models
from webapp.portal.store import NotRevisable, PortalUnavailable, Store, token_hash

FILES = {"demo-case.md": "---\nid: demo-case\n---\n", "demo-case.es.md": "---\ntranslation_of: demo-case\n---\n"}


PG_URL = os.environ.get("CASELIB_TEST_DATABASE_URL")  # an empty PostgreSQL database the tests may fill


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'db' / 'portal.sqlite3'}", timeout=0.3)
    elif not PG_URL:
        pytest.skip("set CASELIB_TEST_DATABASE_URL to run the PostgreSQL path")
    else:
        s = Store(PG_URL, timeout=5)
        with s.engine.begin() as conn:  # start empty: tables and Alembic's version row
            models.Base.metadata.drop_all(conn)
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    yield s
    s.dispose()


@pytest.fixture()
def sqlite_store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'db' / 'portal.sqlite3'}", timeout=0.3)
    yield s
    s.dispose()


def test_migrations_create_the_models_schema(store):
    store.upgrade()
    assert store.schema_revision() == "0001"
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), models.Base.metadata)
    assert diff == []  # a model changed without a migration fails here


def test_create_stores_files_and_only_the_tokens_hash(store):
    sub, token = store.create(FILES, case_id="demo-case", title="Demo", name="Ana", institution="PNC", lang="es")
    assert len(token) >= 40
    assert sub.status == models.WAITING and sub.latest.number == 1
    assert sub.latest.files == FILES and sub.latest.main_file == "demo-case.md"
    assert sub.latest.translations == {"es": FILES["demo-case.es.md"]}
    assert sub.submitter_email is None and sub.submitter_institution == "PNC"
    assert sub.created_at.tzinfo is not None
    assert store.get_by_token(token).id == sub.id
    assert store.get_by_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert store.get_by_token("") is None and store.get_by_token("x" * 500) is None
    with store.session() as s:
        stored = [tuple(row) for row in s.execute(models.Submission.__table__.select())]
    assert token not in repr(stored) and token_hash(token) in repr(stored)
    (entry,) = store.audit(submission_id=sub.id)
    assert (entry.action, entry.actor, entry.detail["revision"]) == ("submit", "submitter", 1)


def test_two_submissions_get_different_tokens(store):
    tokens = {store.create(FILES, case_id="demo-case")[1] for _ in range(5)}
    assert len(tokens) == 5


def test_revise_adds_a_revision_and_waits_again(store):
    sub, _ = store.create(FILES, case_id="demo-case")
    assert store.set_status(sub.id, models.CHANGES_REQUESTED, actor="rev@example.org")
    revised = store.revise(sub.id, {"demo-case.md": "v2"}, case_id="demo-case", title="Demo 2", note="fixed")
    assert [r.number for r in revised.revisions] == [1, 2]
    assert revised.latest.files == {"demo-case.md": "v2"} and revised.latest.note == "fixed"
    assert revised.status == models.WAITING and revised.title == "Demo 2"
    assert revised.version > sub.version
    assert [e.action for e in store.audit(submission_id=sub.id)] == ["revise", "status", "submit"]


@pytest.mark.parametrize("closed", [models.REJECTED, models.PUBLISHED, models.APPROVED, models.WITHDRAWN])
def test_a_closed_submission_takes_no_revision(store, closed):
    sub, _ = store.create(FILES, case_id="demo-case")
    store.set_status(sub.id, closed, actor="editor@example.org")
    with pytest.raises(NotRevisable):
        store.revise(sub.id, FILES, case_id="demo-case")
    assert len(store.get(sub.id).revisions) == 1


def test_comments_public_and_private(store):
    sub, token = store.create(FILES, case_id="demo-case")
    store.add_comment(sub.id, "Add a source for the 2019 figure.", author="Ana", user_id=None)
    store.add_comment(sub.id, "between us", author="Ana", public=False)
    got = store.get_by_token(token)
    assert [(c.body, c.public, c.revision) for c in got.comments] == [
        ("Add a source for the 2019 figure.", True, 1),
        ("between us", False, 1),
    ]
    with pytest.raises(LookupError):
        store.add_comment(9999, "x", author="Ana")


def test_set_status_is_compare_and_set(store):
    sub, _ = store.create(FILES, case_id="demo-case")
    assert store.set_status(sub.id, models.APPROVED, actor="a", expect=models.RECOMMENDED) is None
    assert store.get(sub.id).status == models.WAITING
    done = store.set_status(sub.id, models.PUBLISH_FAILED, actor="a", publish_error="disk full")
    assert done.status == models.PUBLISH_FAILED and done.publish_error == "disk full"
    assert store.set_status(sub.id, models.WAITING, actor="a", version=sub.version) is None  # stale version
    with pytest.raises(ValueError):
        store.set_status(sub.id, "done", actor="a")
    with pytest.raises(LookupError):
        store.set_status(4242, models.REJECTED, actor="a")


def test_two_editors_approving_at_once_win_once(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'portal.sqlite3'}", timeout=10)
    sub, _ = store.create(FILES, case_id="demo-case")
    store.set_status(sub.id, models.RECOMMENDED, actor="rev")
    wins, start = [], threading.Barrier(4)

    def approve(n):
        start.wait()
        got = store.set_status(sub.id, models.APPROVED, actor=f"ed{n}", expect=models.RECOMMENDED)
        wins.append(got is not None)

    threads = [threading.Thread(target=approve, args=(n,)) for n in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(wins) == [False, False, False, True]
    assert [e.detail["status"] for e in store.audit(submission_id=sub.id) if e.action == "status"].count(
        models.APPROVED
    ) == 1


def test_list_filters_and_orders(store):
    a, _ = store.create(FILES, case_id="alpha", title="Alpha patrols", institution="Policía de Chile")
    b, _ = store.create(FILES, case_id="beta", title="Beta", kind="edit", target_id="beta")
    store.set_status(a.id, models.REJECTED, actor="ed")
    assert [s.id for s in store.list()] == [a.id, b.id]  # most recently changed first
    assert [s.id for s in store.list(status=models.WAITING)] == [b.id]
    assert [s.id for s in store.list(status=[models.WAITING, models.REJECTED], kind="edit")] == [b.id]
    assert [s.id for s in store.list(q="chile")] == [a.id]
    assert store.count(status=models.WAITING) == 1 and store.count() == 2


def test_users_and_log(store):
    user = store.add_user(" Ana@Example.org ", "reviewer", name="Ana")
    assert store.user_by_email("ana@example.org").id == user.id
    with pytest.raises(ValueError):
        store.add_user("x@example.org", "admin")
    store.log("login", actor="ana@example.org", user_id=user.id, ip="127.0.0.1")
    assert [e.action for e in store.audit()][:2] == ["login", "user_add"]


def test_a_removed_database_is_unavailable_not_recreated(sqlite_store):
    store = sqlite_store
    store.create(FILES, case_id="demo-case")
    store.sqlite_path.unlink()
    with pytest.raises(PortalUnavailable):
        store.list()
    assert not store.sqlite_path.exists()


def test_a_locked_database_is_unavailable_within_the_timeout(sqlite_store):
    store = sqlite_store
    store.create(FILES, case_id="demo-case")
    holder = sqlite3.connect(store.sqlite_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with pytest.raises(PortalUnavailable):
            store.list()
        assert time.monotonic() - started < 3
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len(store.list()) == 1  # back as soon as the lock is gone
