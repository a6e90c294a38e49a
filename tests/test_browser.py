"""The real app (waitress, real model) driven in Debian's headless Chromium through Playwright.

Run alone with ``pytest -m browser tests/test_browser.py``. Never downloads a browser: it skips when
/usr/bin/chromium or the playwright package is missing.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlsplit

import pytest
from browser_support import CHROMIUM, TIMEOUT_MS, Console, chromium, serving  # noqa: E402

if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
waitress = pytest.importorskip("waitress")

from webapp import create_app  # noqa: E402

pytestmark = pytest.mark.browser

QUERY = "community policing"


@pytest.fixture(scope="module")
def base_url(model_searcher):
    with serving(create_app({"SEARCHER": model_searcher})) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as b:
        yield b


@pytest.fixture()
def page(browser, base_url):
    context = browser.new_context(base_url=base_url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    pg.caselib_console = Console(pg)
    yield pg
    assert pg.caselib_console.errors == [], pg.caselib_console.errors
    context.close()


def hit_titles(page) -> list[str]:
    return [t.strip() for t in page.locator("li.hit h2 a").all_inner_texts()]


def hit_links(page) -> list[str]:
    """The cases a result page lists, by address (titles change with the page's language)."""
    hrefs = page.locator("li.hit h2 a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    return [h.split("?")[0] for h in hrefs]


def search_from_home(page, query: str = QUERY):
    page.goto("/")
    box = page.get_by_role("searchbox")
    box.fill(query)
    with page.expect_navigation():
        box.press("Enter")
    assert urlsplit(page.url).path == "/search"
    page.locator("li.hit").first.wait_for()


def test_search_from_the_home_page(page, tmp_path):
    page.goto("/")
    assert page.title().endswith("caselib")
    page.locator("#q").fill(QUERY)
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    assert urlsplit(page.url).path == "/search"
    assert dict(parse_qsl(urlsplit(page.url).query))["q"] == QUERY
    assert page.locator("#q").input_value() == QUERY
    titles = hit_titles(page)
    assert 1 <= len(titles) <= 10
    assert "for “community policing”" in page.locator("p.total").inner_text()
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)


def test_toggle_a_facet_shows_a_chip_and_untoggles(page, tmp_path):
    search_from_home(page)
    assert page.locator(".active .chip").count() == 0
    facet = page.locator("aside.facets details[open] li a").first
    label = facet.inner_text().replace("☐", "").strip()
    with page.expect_navigation():
        facet.click()
    chip = page.locator(".active .chip")
    assert chip.count() == 1
    assert label in chip.inner_text()
    assert page.locator("aside.facets a.on").count() == 1
    assert label in page.locator("aside.facets a.on").inner_text()
    page.screenshot(path=str(tmp_path / "facet.png"), full_page=True)
    with page.expect_navigation():
        chip.click()
    assert page.locator(".active .chip").count() == 0
    assert page.locator("#q").input_value() == QUERY


def test_open_a_case_and_follow_a_similar_case(page, tmp_path):
    search_from_home(page)
    first = page.locator("li.hit h2 a").first
    title = first.inner_text().strip()
    with page.expect_navigation():
        first.click()
    assert urlsplit(page.url).path.startswith("/cases/")
    assert page.locator("h1").inner_text().strip() == title
    assert page.locator("meta[property='og:title']").get_attribute("content").startswith(title)
    page.screenshot(path=str(tmp_path / "case.png"), full_page=True)
    here = urlsplit(page.url).path
    similar = page.locator("ul.similar li a").first
    similar_title = similar.inner_text().strip()
    with page.expect_navigation():
        similar.click()
    assert urlsplit(page.url).path.startswith("/cases/") and urlsplit(page.url).path != here
    assert page.locator("h1").inner_text().strip() == similar_title
    assert page.locator("ul.similar li a").count() >= 1
    page.screenshot(path=str(tmp_path / "similar.png"), full_page=True)


def test_share_link_round_trip(page, browser, base_url, tmp_path):
    search_from_home(page)
    facet = page.locator("aside.facets details[open] li a").first
    with page.expect_navigation():
        facet.click()
    sort = page.locator("nav.sort a")
    with page.expect_navigation():
        sort.first.click()
    titles = hit_titles(page)
    assert titles
    shared = page.url
    fresh = browser.new_context(locale="es-ES")  # nothing shared: no cookies, no base URL, another locale
    try:
        other = fresh.new_page()
        other.goto(shared)
        assert hit_titles(other) == titles
        assert other.locator("#q").input_value() == QUERY
        assert other.locator(".active .chip").count() == 1
        other.screenshot(path=str(tmp_path / "shared.png"), full_page=True)
    finally:
        fresh.close()


def test_switch_language_keeps_the_query(page, tmp_path):
    search_from_home(page)
    assert page.locator("html").get_attribute("lang") == "en"
    links, titles = hit_links(page), hit_titles(page)
    with page.expect_navigation():
        page.locator(".langs a[hreflang='es']").click()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("#q").input_value() == QUERY
    assert page.get_by_role("button", name="Buscar").count() == 1
    assert "Todos los casos" in page.locator("header.site").inner_text()
    assert "casos para «community policing»" in page.locator("p.total").inner_text()
    # the same cases in the same order, now under their Spanish titles where a translation exists
    assert hit_links(page) == links
    assert hit_titles(page) != titles
    assert "Plan Nacional de Vigilancia Comunitaria por Cuadrantes (PNVCC)" in hit_titles(page)
    # the language sticks: a result link opens the case in Spanish
    with page.expect_navigation():
        page.locator("li.hit h2 a").first.click()
    assert page.locator("html").get_attribute("lang") == "es"
    assert "Fuentes" in page.locator("#sources h2").inner_text()
    page.screenshot(path=str(tmp_path / "spanish.png"), full_page=True)


def test_tab_reaches_the_skip_link_first(page, tmp_path):
    # every step waits for the state it then asserts: on a busy machine focus moves and the jump
    # to #main happen after the key press returns (reading them at once failed once, issue 16)
    page.goto("/search?q=police")
    page.keyboard.press("Tab")
    page.wait_for_function("() => document.activeElement && document.activeElement !== document.body")
    focused = page.evaluate(
        "() => [document.activeElement.tagName, document.activeElement.className,"
        " document.activeElement.getAttribute('href'), document.activeElement.textContent]"
    )
    assert focused == ["A", "skip", "#main", "Skip to content"]
    box = page.locator("a.skip").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the focused skip link is on screen"
    page.screenshot(path=str(tmp_path / "skip.png"))
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.hash === '#main'")
    assert urlsplit(page.url).fragment == "main"
    # the next Tab goes into the main content, past the site navigation
    page.keyboard.press("Tab")
    page.wait_for_function("() => document.activeElement && !document.activeElement.classList.contains('skip')")
    inside_main = page.evaluate("() => !!document.activeElement.closest('main')")
    assert inside_main


def test_pages_load_without_csp_or_script_errors(page):
    for url in ("/", "/search?q=police&lang=es", "/cases/panama-vecinos-vigilantes", "/about", "/browse/themes"):
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.evaluate("() => document.documentElement.classList.contains('js')"), url
        assert page.evaluate("() => getComputedStyle(document.body).marginTop") == "0px", "stylesheet applied"
    time.sleep(0.2)
    assert page.caselib_console.errors == []
