"""Shared by the portal's tests: a small library in a git repository, its index, a portal database,
the web app over them, and helpers to log in and submit."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.embedders import HashEmbedder
from indexer.search import Searcher
from webapp.portal import Store
from webapp.review import accounts

DATA = Path(__file__).resolve().parent / "data"
CASE_ID = "portal-quadrant-plan"
EN = (DATA / "valid_cases" / "valid-english-case.md").read_text(encoding="utf-8").replace("valid-english-case", CASE_ID)
EN = EN.replace("Quadrant-based community policing plan", "Quadrant patrol plan of the portal test")
ES = (
    (DATA / "translations" / "valid-english-case.es.md")
    .read_text(encoding="utf-8")
    .replace("valid-english-case", CASE_ID)
)
FILES = {f"{CASE_ID}.md": EN, f"{CASE_ID}.es.md": ES}
EMB = HashEmbedder()
PASSWORD = "correct horse battery staple"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


@pytest.fixture(name="site")
def site_fixture(tmp_path):
    """A small library (the test data's valid cases) in a git repository, its index, and a portal database."""
    repo = tmp_path / "repo"
    cases = repo / "cases"
    cases.mkdir(parents=True)
    for f in [*(DATA / "valid_cases").glob("*.md"), *(DATA / "translations").glob("*.md")]:
        shutil.copy(f, cases / f.name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "add", "cases")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "cases")
    index = tmp_path / "index"
    build_index(cases, index, embedder=EMB, log=lambda m: None)
    store = Store(f"sqlite:///{tmp_path / 'portal.sqlite3'}", timeout=2)
    store.upgrade()
    yield {"cases": cases, "index": index, "store": store, "repo": repo, "tmp": tmp_path}
    store.dispose()


def make_app(site, **extra):
    from webapp import create_app

    config = {
        "SEARCHER": Searcher.open(site["index"], embedder=EMB),
        "INDEX_DIR": str(site["index"]),
        "CASES_DIR": str(site["cases"]),
        "PORTAL_DATABASE_URL": str(site["store"].url),
        "TESTING": True,
        "SECRET_KEY": "test-secret",
    }
    config.update(extra)
    app = create_app(config)
    app.extensions["caselib.portal"] = site["store"]
    return app


@pytest.fixture(name="app")
def app_fixture(site):
    return make_app(site)


def csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert m, "no CSRF token in the form"
    return m.group(1)


def login(client, email: str, password: str = PASSWORD, lang: str = "en"):
    page = client.get(f"/review/login?lang={lang}")
    return client.post(
        f"/review/login?lang={lang}", data={"email": email, "password": password, "csrf_token": csrf(page.text)}
    )


def users(store):
    accounts.add_user(store, "rev@oas.example", "reviewer", name="Rita Reviewer", password=PASSWORD)
    accounts.add_user(store, "ed@oas.example", "editor", name="Eddie Editor", password=PASSWORD)


def submit(store, files=FILES, **kw):
    kw.setdefault("case_id", CASE_ID)
    kw.setdefault("title", "Quadrant patrol plan of the portal test")
    kw.setdefault("institution", "Policía Nacional de Colombia")
    kw.setdefault("email", "planeacion@policia.example")
    kw.setdefault("lang", "es")
    return store.create(files, **kw)
