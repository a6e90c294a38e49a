"""The whole portal in Debian's headless Chromium, in Spanish: an institution submits a practice -> a
reviewer requests changes -> the submitter revises through the tracking link -> an editor approves ->
the case is on the running site and found by search, without a restart.

Runs over a temporary copy of cases/ in a temporary git repository, with the fake embedder. Screenshots
go to $CASELIB_SHOTS when set (else a temporary folder).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest
from browser_support import CHROMIUM, TIMEOUT_MS, Console, chromium, serving

if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytest.importorskip("waitress")

from test_browser_community import fill_draft  # noqa: E402

from indexer.build import build_index  # noqa: E402
from indexer.embedders import HashEmbedder  # noqa: E402
from indexer.search import Searcher  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.portal import Store, models  # noqa: E402
from webapp.review import accounts  # noqa: E402

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "contraseña larga de prueba"
CASE_ID = "neighbourhood-patrol-agreements"  # what fill_draft describes


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("portal-site")
    repo = root / "repo"
    shutil.copytree(ROOT / "cases", repo / "cases")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "add", "cases")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "the library")
    emb = HashEmbedder()
    build_index(repo / "cases", root / "index", embedder=emb, log=lambda m: None)
    store = Store(f"sqlite:///{root / 'portal.sqlite3'}")
    store.upgrade()
    accounts.add_user(store, "revisora@oea.example", "reviewer", name="Ana Revisora", password=PASSWORD)
    accounts.add_user(store, "editor@oea.example", "editor", name="Luis Editor", password=PASSWORD)
    app = create_app(
        {
            "SEARCHER": Searcher.open(root / "index", embedder=emb),
            "INDEX_DIR": str(root / "index"),
            "CASES_DIR": str(repo / "cases"),
            "COLLECTIONS_DIR": str(ROOT / "collections"),
            "PORTAL_DATABASE_URL": str(store.url),
            "SECRET_KEY": "browser-test",
        }
    )
    app.extensions["caselib.portal"] = store
    with serving(app, "waitress-review-test") as url:
        # the first case page and search of a process take ~20 s on a loaded machine (lazy loading in the
        # engine): pay it here, not inside a page's 15 s timeout
        for path in ("/cases/panama-vecinos-vigilantes?lang=es", "/search?q=policia&lang=es"):
            urllib.request.urlopen(url + path, timeout=300).read()
        yield {"url": url, "repo": repo, "store": store}
    store.dispose()


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as b:
        yield b


@pytest.fixture()
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("CASELIB_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_page(browser, site):
    """A separate browser context (its own cookies): the submitter, the reviewer and the editor."""
    context = browser.new_context(base_url=site["url"], locale="es-ES")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.caselib_console = Console(page)
    return context, page


def log_in(page, email: str) -> None:
    page.goto("/review/?lang=es")
    assert "/review/login" in page.url  # without a session the queue sends you to the login page
    assert page.locator("h1").inner_text() == "Inicie sesión para revisar envíos"
    page.locator('[name="email"]').fill(email)
    page.locator('[name="password"]').fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Iniciar sesión").click()
    assert page.locator("h1").inner_text() == "Envíos", page.locator("main").inner_text()


def test_submit_review_revise_approve_and_find_in_spanish(browser, site, shots):
    store, repo = site["store"], site["repo"]
    submitter_ctx, submitter = new_page(browser, site)
    reviewer_ctx, reviewer = new_page(browser, site)
    editor_ctx, editor = new_page(browser, site)
    pages = (submitter, reviewer, editor)

    # 1. an institution submits a practice
    submitter.goto("/submit?lang=es")
    fill_draft(submitter)
    submitter.locator('[name="submitter.institution"]').fill("Policía Nacional de Panamá")
    submitter.locator('[name="note"]').fill("Primera versión.")
    with submitter.expect_navigation():
        submitter.get_by_role("button", name="Enviar a revisión").first.click()
    token = re.search(r"/submit/t/([A-Za-z0-9_-]{40,})", submitter.url).group(1)
    tracking = f"/submit/t/{token}?lang=es"
    (sub,) = [s for s in store.list() if s.case_id == CASE_ID]

    # 2. a reviewer logs in, reads it and requests changes
    log_in(reviewer, "revisora@oea.example")
    queue = reviewer.locator("table.queue")
    assert "Neighbourhood patrol agreements" in queue.inner_text()
    assert queue.locator(".status.st-waiting").count() == 1
    reviewer.screenshot(path=str(shots / "review-queue-es.png"), full_page=True)
    with reviewer.expect_navigation():
        reviewer.get_by_role("link", name="Neighbourhood patrol agreements").click()
    assert reviewer.locator("h1").inner_text().startswith(f"Envío {sub.id}")
    check = reviewer.locator("#h-check").locator("xpath=..")
    assert "Validador (caselib check)" in check.inner_text()
    assert reviewer.get_by_role("button", name="Aprobar y publicar").count() == 0  # a reviewer cannot approve
    with reviewer.expect_navigation():
        reviewer.get_by_role("link", name="Vista previa de la página del caso").click()
    assert "Vista previa del envío" in reviewer.locator(".preview-banner").inner_text()
    assert reviewer.locator("h1").inner_text() == "Acuerdos de patrullaje vecinal"  # the submitted Spanish version
    reviewer.screenshot(path=str(shots / "review-preview-es.png"), full_page=False)
    with reviewer.expect_navigation():
        reviewer.get_by_role("link", name="Volver al envío").click()
    reviewer.locator("#f-note").fill("Indique las páginas del informe anual de 2012, por favor.")
    with reviewer.expect_navigation():
        reviewer.get_by_role("button", name="Pedir cambios").click()
    assert "Cambios solicitados" in reviewer.locator(".meta .status").inner_text()
    reviewer.screenshot(path=str(shots / "review-changes-requested-es.png"), full_page=True)
    assert store.get(sub.id).status == models.CHANGES_REQUESTED

    # 3. the submitter revises through the tracking link
    submitter.goto(tracking)
    assert "Indique las páginas del informe anual de 2012" in submitter.locator("main").inner_text()
    with submitter.expect_navigation():
        submitter.get_by_role("link", name="Corregir el envío").click()
    submitter.locator('[name="sources[0].pages"]').fill("pp. 10-14")
    submitter.locator('[name="note"]').fill("Agregué las páginas.")
    with submitter.expect_navigation():
        submitter.get_by_role("button", name="Enviar la corrección").first.click()
    assert store.get(sub.id).status == models.WAITING and len(store.get(sub.id).revisions) == 2

    # 4. an editor sees what changed and approves: the case is published
    log_in(editor, "editor@oea.example")
    editor.goto(f"/review/{sub.id}?lang=es")
    assert "Cambios desde la revisión 1" in editor.locator("main").inner_text()
    assert "pp. 10-14" in editor.locator("#h-rev").locator("xpath=..").inner_text()
    assert "Sin problemas" in editor.locator("#h-check").locator("xpath=..").inner_text(), (
        editor.locator("#h-check").locator("xpath=..").inner_text()
    )
    with editor.expect_navigation():
        editor.get_by_role("button", name="Aprobar y publicar").click()
    assert "Hecho." in editor.locator("main").inner_text(), editor.locator("main").inner_text()
    assert "Publicado" in editor.locator(".meta .status").inner_text()
    editor.screenshot(path=str(shots / "review-published-es.png"), full_page=False)
    done = store.get(sub.id)
    assert done.status == models.PUBLISHED and done.published_commit
    assert (repo / "cases" / f"{CASE_ID}.md").exists()
    assert git(repo, "log", "-1", "--format=%an|%cn|%s").strip() == (
        f"Policía Nacional de Panamá|Luis Editor|Publish submission {sub.id}: {CASE_ID}"
    )

    # 5. the running site (never restarted) shows the case and search finds it; the first request after the
    # swap opens the new build (every file checked against its checksum) and the first search on it fills
    # its caches: slow on a loaded machine
    for pg in pages:
        pg.set_default_timeout(90_000)
        pg.set_default_navigation_timeout(90_000)
    with editor.expect_navigation(timeout=90_000):
        editor.get_by_role("link", name="Ver el caso publicado").click(timeout=90_000)
    assert editor.locator("h1").inner_text() == "Acuerdos de patrullaje vecinal"
    editor.screenshot(path=str(shots / "review-case-live-es.png"), full_page=False)
    submitter.goto("/search?q=Neighbourhood+patrol+agreements&lang=es")
    assert submitter.locator(f'ol.hits a[href*="/cases/{CASE_ID}"]').count() >= 1
    submitter.screenshot(path=str(shots / "review-found-by-search-es.png"), full_page=False)
    submitter.goto(tracking)
    assert "Publicado" in submitter.locator("main").inner_text() or "publicad" in submitter.locator("main").inner_text()

    # every step is in the audit log
    actions = [(e.action, e.actor, e.detail.get("status")) for e in reversed(store.audit(submission_id=sub.id))]
    assert actions[0][0] == "submit"
    assert ("status", "revisora@oea.example", models.CHANGES_REQUESTED) in actions
    assert ("revise", "submitter", None) in actions
    assert ("status", "editor@oea.example", models.APPROVED) in actions
    assert ("status", "editor@oea.example", models.PUBLISHED) in actions
    for page in pages:
        assert page.caselib_console.errors == [], page.caselib_console.errors
    for ctx in (submitter_ctx, reviewer_ctx, editor_ctx):
        ctx.close()
