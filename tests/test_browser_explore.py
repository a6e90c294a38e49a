"""/start and /evidence in Debian's headless Chromium (fake-embedder app): the form without JavaScript,
the shareable results, the matrix's links, no CSP error, and the layout at desktop and phone widths.

Run alone with ``pytest -m browser tests/test_browser_explore.py``. Never downloads a browser: it skips
when /usr/bin/chromium or the playwright package is missing. Screenshots go to $CASELIB_SHOTS when set.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from browser_support import CHROMIUM, TIMEOUT_MS, Console, chromium, serving  # noqa: E402

if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
waitress = pytest.importorskip("waitress")

from webapp import create_app  # noqa: E402

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 900}
START = (
    "/start?problems=extortion&target_population=transport-workers&setting=urban-high-crime&countries=GT"
    "&q=extorsi%C3%B3n+a+conductores+de+autobuses+por+pandillas"
)


@pytest.fixture(scope="module")
def base_url(hash_searcher):
    app = create_app({"SEARCHER": hash_searcher, "COLLECTIONS_DIR": str(ROOT / "collections")})
    # the first search of a process loads the speller's word lists (seconds on a loaded machine): before the clock
    assert app.test_client().get(START).status_code == 200
    with serving(app, "waitress-explore-test") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as b:
        yield b


@pytest.fixture()
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("CASELIB_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_page(browser, base_url, **kw):
    context = browser.new_context(base_url=base_url, **kw)
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    pg.caselib_console = Console(pg)
    return context, pg


def card_links(page) -> list[str]:
    return page.locator("ol.comparable li.hit h3 a").evaluate_all("els => els.map(e => e.getAttribute('href'))")


def test_the_form_works_without_javascript_and_its_address_reproduces_the_page(browser, base_url, shots):
    context, page = open_page(browser, base_url, java_script_enabled=False, locale="es-ES", viewport=DESKTOP)
    page.goto("/?lang=es")
    page.get_by_role("link", name="Parte de tu problema").first.click()
    page.select_option("#f-problems", "extortion")
    page.select_option("#f-target_population", "transport-workers")
    page.select_option("#f-setting", "urban-high-crime")
    page.select_option("#f-countries", "GT")
    page.fill("#f-q", "extorsión a conductores de autobuses por pandillas")
    page.get_by_role("button", name="Encuentre prácticas comparables").click()
    page.wait_for_selector("ol.comparable li.hit")
    query = dict(parse_qsl(urlsplit(page.url).query))
    assert query["problems"] == "extortion" and query["countries"] == "GT" and query["lang"] == "es"
    first = page.locator("ol.comparable li.hit").first
    assert "Mismo problema: Extorsión" in first.locator(".why").inner_text()
    assert first.locator(".badge").count() == 2
    gaps = page.locator("#gaps li").all_inner_texts()
    assert gaps and all("extorsión" in g for g in gaps)
    links = card_links(page)
    shared = page.url
    assert page.caselib_console.errors == []
    context.close()
    context, again = open_page(browser, base_url, locale="en-US", viewport=DESKTOP)
    again.goto(shared)
    assert card_links(again) == links  # the address is the whole state
    assert again.locator("#gaps li").all_inner_texts() == gaps
    context.close()


def test_a_matrix_cell_opens_the_search_with_as_many_cases(browser, base_url):
    context, page = open_page(browser, base_url, java_script_enabled=False, locale="pt-BR", viewport=DESKTOP)
    page.goto("/evidence?lang=pt")
    cell = page.locator("table.matrix td:not(.gap) a").nth(3)
    count = int(cell.inner_text())
    cell.click()
    page.wait_for_selector("p.total")
    assert page.locator("p.total").inner_text().split()[0] == str(count)
    page.go_back()
    gap = page.locator("table.matrix td.gap a").first
    assert gap.inner_text() == "0"
    page.get_by_role("link", name="Países × pilares").click()
    assert page.locator("table.matrix tr.rowgroup th").first.inner_text() in ("América Setentrional", "América Central")
    assert page.caselib_console.errors == []
    context.close()


@pytest.mark.parametrize("lang", ["es", "pt", "en"])
@pytest.mark.parametrize("size, viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_and_no_page_wide_overflow(browser, base_url, shots, lang, size, viewport):
    context, page = open_page(browser, base_url, viewport=viewport)
    for name, url in (("start", f"{START}&lang={lang}"), ("evidence", f"/evidence?lang={lang}")):
        page.goto(url)
        # the matrix scrolls inside its own region; the page itself never scrolls sideways
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (name, lang, size, width)
        page.screenshot(path=str(shots / f"{name}-{lang}-{size}.png"))
        target = "ol.comparable li.hit" if name == "start" else "table.matrix tbody tr:nth-child(8)"
        page.locator(target).first.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"{name}-{lang}-{size}-2.png"))
        if name == "start":
            page.locator("#gaps").scroll_into_view_if_needed()
            page.screenshot(path=str(shots / f"{name}-{lang}-{size}-gaps.png"))
    assert page.caselib_console.errors == []
    context.close()
