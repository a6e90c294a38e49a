"""The six main pages in English, Spanish and Portuguese, desktop and phone, in Debian's headless Chromium.

Each page: the right <html lang>, the language chosen by the browser's locale (Accept-Language) when the
address names none, nothing wider than the screen, the switcher offering three languages, no console
error. Screenshots go to $CASELIB_SHOTS when set (scripts/screenshots.py takes the ones in docs/).
Run alone with ``pytest -m browser tests/test_browser_i18n.py``; skips without /usr/bin/chromium.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_support import CHROMIUM, TIMEOUT_MS, Console, chromium, serving  # noqa: E402

if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
waitress = pytest.importorskip("waitress")

from webapp import create_app  # noqa: E402

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "home": ("/", 200),
    "results": ("/search?q=policiamento+comunit%C3%A1rio", 200),
    "case": ("/cases/panama-vecinos-vigilantes", 200),
    "compare": ("/compare?ids=panama-vecinos-vigilantes&ids=colombia-jovenes-a-lo-bien", 200),
    "draft": ("/draft?action=check&title=Patrol+agreements&countries=Panama", 200),
    "error": ("/cases/no-such-case", 404),
}
# A word of each page's UI in each language (from the catalogs), and the <html lang>.
EXPECT = {
    "en": ("en", {"home": "Browse", "results": "Sort:", "case": "Cite this case", "compare": "Compare cases",
                  "draft": "This field is required.", "error": "Page not found"}),
    "es": ("es", {"home": "Explorar", "results": "Ordenar:", "case": "Citar este caso", "compare": "Comparar casos",
                  "draft": "Este campo es obligatorio.", "error": "Página no encontrada"}),
    "pt": ("pt-BR", {"home": "Explorar", "results": "Ordenar:", "case": "Citar este caso",
                     "compare": "Comparar casos", "draft": "Este campo é obrigatório.",
                     "error": "Página não encontrada"}),
}  # fmt: skip
LOCALES = {"en": "en-US", "es": "es-MX", "pt": "pt-BR"}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def base_url(hash_searcher):
    app = create_app({"SEARCHER": hash_searcher, "COLLECTIONS_DIR": str(ROOT / "collections")})
    with serving(app, "waitress-i18n-test") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as b:
        yield b


@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("lang", list(EXPECT))
def test_main_pages_in_each_language_and_size(browser, base_url, lang, size, tmp_path):
    shots = Path(os.environ.get("CASELIB_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    # the browser's locale sends Accept-Language: no ?lang= in the first address
    context = browser.new_context(base_url=base_url, locale=LOCALES[lang], viewport=VIEWPORTS[size])
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    console = Console(page)
    html_lang, words = EXPECT[lang]
    for name, (path, status) in PAGES.items():
        response = page.goto(path)
        assert response.status == status, (name, lang)
        assert page.locator("html").get_attribute("lang") == html_lang, (name, lang)
        assert words[name] in page.locator("main").inner_text(), (name, lang, words[name])
        switch = page.locator("header .langs")
        assert switch.locator("a, strong").all_inner_texts() == ["EN", "ES", "PT"]
        assert switch.locator("strong").inner_text() == lang.upper()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} ({lang}, {size}) is {overflow}px wider than the screen"
        page.screenshot(path=str(shots / f"{name}-{lang}-{size}.png"))
    # the error page's own 404 status is reported by Chromium as a failed load: expected
    errors = [e for e in console.errors if "/cases/no-such-case" not in e]
    assert errors == [], errors
    context.close()
