"""The submission portal in Debian's headless Chromium, in Spanish: submit a practice -> private tracking
page -> a reviewer's comment -> revise through the link; and "Suggest an edit" from a case page.

The app runs the fake embedder (HashEmbedder), never the real model. Screenshots go to $CASELIB_SHOTS when set.
"""

from __future__ import annotations

import os
import re
import urllib.request
from pathlib import Path

import pytest
from browser_support import CHROMIUM, TIMEOUT_MS, Console, chromium, serving

if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
waitress = pytest.importorskip("waitress")

from test_browser_community import fill_draft  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.portal import models  # noqa: E402

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def portal_app(hash_searcher, tmp_path_factory):
    db = tmp_path_factory.mktemp("portal") / "portal.sqlite3"
    return create_app(
        {
            "SEARCHER": hash_searcher,
            "COLLECTIONS_DIR": str(ROOT / "collections"),
            "PORTAL_DATABASE_URL": f"sqlite:///{db}",
        }
    )


@pytest.fixture(scope="module")
def store(portal_app):
    from webapp.portal import get_store

    with portal_app.app_context():
        return get_store()


@pytest.fixture(scope="module")
def base_url(portal_app):
    with serving(portal_app, "waitress-submit-test") as url:
        # the first case page and the first search of a process take ~20 s on a loaded machine (lazy
        # loading in the engine, not the portal): pay it here, not inside a page's 15 s timeout
        for path in ("/cases/panama-vecinos-vigilantes?lang=es", "/search?q=policia&lang=es"):
            urllib.request.urlopen(url + path, timeout=300).read()
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as b:
        yield b


@pytest.fixture()
def page(browser, base_url):
    context = browser.new_context(base_url=base_url, locale="es-ES")
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    pg.caselib_console = Console(pg)
    yield pg
    assert pg.caselib_console.errors == [], pg.caselib_console.errors
    context.close()


@pytest.fixture()
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("CASELIB_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_submit_track_and_revise_in_spanish(page, store, shots):
    page.goto("/submit?lang=es")
    assert page.locator("h1").inner_text() == "Enviar una práctica"
    fill_draft(page)
    page.locator('[name="submitter.institution"]').fill("Policía Nacional de Panamá")
    page.locator('[name="note"]').fill("Primera versión, con el informe anual de 2012.")
    with page.expect_navigation():
        page.get_by_role("button", name="Enviar a revisión").first.click()
    assert re.search(r"/submit/t/[A-Za-z0-9_-]{40,}\?", page.url), page.url
    token = re.search(r"/submit/t/([A-Za-z0-9_-]+)", page.url).group(1)
    assert "Gracias: recibimos su envío." in page.locator("main").inner_text()
    assert page.locator(".status").inner_text() == "En espera de revisión"
    assert token in page.locator("#tracking-link").input_value()
    page.screenshot(path=str(shots / "submit-received-es.png"), full_page=True)

    # the review side (p18b) asks for changes; the submitter sees the comment on the same private page
    (sub,) = [s for s in store.list() if s.case_id == "neighbourhood-patrol-agreements"]
    store.add_comment(sub.id, "Por favor, indique las páginas del informe anual de 2012.", author="Revisora Ana")
    store.set_status(sub.id, models.CHANGES_REQUESTED, actor="ana@example.org")
    page.goto(f"/submit/t/{token}?lang=es")
    assert page.locator(".status").inner_text() == "Se pidieron cambios: revise el envío"
    assert "Por favor, indique las páginas" in page.locator("ol.comments").inner_text()
    page.screenshot(path=str(shots / "submit-changes-requested-es.png"), full_page=False)

    with page.expect_navigation():
        page.get_by_role("link", name="Corregir el envío").click()
    assert page.locator("h1").inner_text() == "Corregir su envío"
    assert page.locator('[name="title"]').input_value() == "Neighbourhood patrol agreements"
    page.locator('[name="sources[0].pages"]').fill("pp. 10-14")
    page.locator('[name="note"]').fill("Agregué las páginas.")
    with page.expect_navigation():
        page.get_by_role("button", name="Enviar la corrección").first.click()
    assert "Recibimos su corrección" in page.locator("main").inner_text()
    assert page.locator(".status").inner_text() == "En espera de revisión"
    assert page.locator("ol.versions-list li").count() == 2
    page.screenshot(path=str(shots / "submit-revised-es.png"), full_page=False)
    revised = store.get(sub.id)
    assert "pp. 10-14" in revised.latest.files["neighbourhood-patrol-agreements.md"]


def test_suggest_an_edit_from_a_case_page(page, shots):
    page.goto("/cases/panama-vecinos-vigilantes?lang=es")
    with page.expect_navigation():
        page.get_by_role("link", name="Sugerir una corrección").click()
    assert page.locator("h1").inner_text() == "Sugerir una corrección"
    assert page.locator('[name="title"]').input_value().startswith("Neighbourhood Watch")
    translation = page.locator('[name="translation"]').input_value()
    assert "translation_of: panama-vecinos-vigilantes" in translation and "language: es" in translation
    page.screenshot(path=str(shots / "suggest-edit-es.png"), full_page=False)
    with page.expect_navigation():
        page.get_by_role("button", name="Verificar").first.click()
    result = page.locator("section.check-result")
    assert "failed" not in result.get_attribute("class"), result.inner_text()


def test_a_collection_built_in_the_browser(page, shots):
    page.goto("/cases/panama-vecinos-vigilantes?lang=es")
    with page.expect_navigation():
        page.get_by_role("link", name="Agregar a una colección").click()
    assert page.locator("h1").inner_text() == "Mi colección"
    page.locator("textarea[name='note.panama-vecinos-vigilantes']").fill("Modelo de vigilancia vecinal.")
    with page.expect_navigation():
        page.get_by_role("button", name="Guardar el título y las notas en el enlace").click()
    # another case page: app.js adds to the basket the browser kept (notes included) instead of starting anew
    page.goto("/cases/colombia-jovenes-a-lo-bien?lang=es")
    with page.expect_navigation():
        page.get_by_role("link", name="Agregar a una colección").click()
    ids = page.locator("form.basket input[name='ids']").evaluate_all("els => els.map(e => e.value)")
    assert ids == ["panama-vecinos-vigilantes", "colombia-jovenes-a-lo-bien"]
    assert "Modelo de vigilancia vecinal." in page.locator("form.basket").inner_text()
    page.screenshot(path=str(shots / "basket-es.png"), full_page=True)
