"""Communities of practice in Debian's headless Chromium: compare links and the draft form, end to end.

Run alone with ``pytest -m browser tests/test_browser_community.py``. Never downloads a browser: it skips
when /usr/bin/chromium or the playwright package is missing. Screenshots go to $CASELIB_SHOTS when set.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from browser_support import CHROMIUM, TIMEOUT_MS, Console, chromium, serving  # noqa: E402
from click.testing import CliRunner

if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
waitress = pytest.importorskip("waitress")

from caselib.cli import main  # noqa: E402
from webapp import create_app  # noqa: E402

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
IDS = ["brazil-fica-vivo-homicide-control", "colombia-jovenes-a-lo-bien", "forging-peace-youth-violence-prevention"]


@pytest.fixture(scope="module")
def base_url(hash_searcher):
    app = create_app({"SEARCHER": hash_searcher, "COLLECTIONS_DIR": str(ROOT / "collections")})
    with serving(app, "waitress-community-test") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as b:
        yield b


def new_page(browser, base_url, **kw):
    context = browser.new_context(base_url=base_url, **kw)
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    pg.caselib_console = Console(pg)
    return context, pg


@pytest.fixture()
def page(browser, base_url):
    context, pg = new_page(browser, base_url, locale="en-US")
    yield pg
    assert pg.caselib_console.errors == [], pg.caselib_console.errors
    context.close()


@pytest.fixture()
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("CASELIB_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def columns(page) -> list[str]:
    hrefs = page.locator("table.compare thead th.case-col > a:first-child").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    return [urlsplit(h).path.rsplit("/", 1)[1] for h in hrefs]


def cells(page) -> list[str]:
    return [" ".join(t.split()) for t in page.locator("table.compare tbody td").all_inner_texts()]


# --- compare -----------------------------------------------------------------------------------------------------


def test_compare_from_results_and_share_the_link(page, browser, shots):
    page.goto("/search?q=youth+violence+prevention")
    boxes = page.locator("form.compare-pick input[name=ids]")
    assert boxes.count() >= 2
    chosen = [boxes.nth(i).get_attribute("value") for i in (0, 1)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Compare selected cases").click()
    assert urlsplit(page.url).path == "/compare"
    assert columns(page) == chosen
    rows = page.locator("table.compare tbody th[scope=row]").all_inner_texts()
    for row in ("Problem", "Institution", "Scale", "Period", "Pillars", "Themes", "Evaluation", "Evidence rating"):
        assert row in rows
    shared = page.locator("input[data-copy]").input_value()
    assert [v for k, v in parse_qsl(urlsplit(shared).query) if k == "ids"] == chosen
    before = cells(page)
    page.screenshot(path=str(shots / "compare-from-results.png"), full_page=True)
    fresh = browser.new_context(locale="es-ES")  # nothing shared: no cookies, no base URL, another locale
    try:
        other = fresh.new_page()
        other.goto(shared)
        assert columns(other) == chosen
        assert cells(other) == before
        assert other.locator("h1").inner_text() == "Compare cases"  # the link carries its language
    finally:
        fresh.close()


def test_compare_picker_and_remove(page, shots):
    page.goto("/compare?lang=es")
    assert page.locator("table.compare").count() == 0
    for cid in IDS:  # each case found by its own title, then added
        title = page.context.request.get(f"/api/cases/{cid}").json()["title"]
        page.locator("#find").fill(title)
        with page.expect_navigation():
            page.locator("#find").press("Enter")
        with page.expect_navigation():
            page.locator(f'ul.found a[href*="ids={cid}"]').first.click()
    assert columns(page) == IDS
    assert page.locator("html").get_attribute("lang") == "es"
    assert "Prevención de la violencia juvenil" in page.locator(".in-common").inner_text()
    page.screenshot(path=str(shots / "compare-es.png"), full_page=True)
    with page.expect_navigation():
        page.locator("table.compare thead a.remove").nth(1).click()
    assert columns(page) == [IDS[0], IDS[2]]
    assert [i.get_attribute("value") for i in page.locator('form.picker input[name="ids"]').all()] == [IDS[0], IDS[2]]


def test_compare_copy_button_is_progressive(page):
    page.goto("/compare?" + "&".join(f"ids={i}" for i in IDS[:2]))
    button = page.locator("[data-copy-button]")
    assert button.is_visible()  # shown only once app.js has run


# --- draft -------------------------------------------------------------------------------------------------------

TEXT = {
    "title": "Neighbourhood patrol agreements",
    "title_original": "Acuerdos de patrullaje vecinal",
    "countries": "PA",
    "locality": "Panama City",
    "institution.name": "National Police of Panama",
    "partners": "Municipality of Panama",
    "period.start": "2011",
    "evidence.rationale": "Not evaluated: the sources report no evaluation.",
    "mechanism": "Residents and officers agree on patrol priorities, so patrols go where residents see risks.",
    "sources[0].title": "Annual report of the National Police",
    "sources[0].publisher": "National Police of Panama",
    "sources[0].year": "2012",
    "sources[0].url": "https://example.org/report",
    "summary.en": "Officers meet residents every month to agree on local patrol priorities in Panama City.",
    "summary.es": "Los policías se reúnen cada mes con los vecinos para acordar prioridades de patrullaje.",
    "documentation.documented_by": "caselib browser test",
    "body.context": "Residents reported thefts at bus stops (annual report, 2012).",
    "body.practice": "- Monthly meetings\n- A shared patrol calendar",
    "body.implementation": "Not documented in the sources.",
    "body.results": "Not evaluated: the sources report no evaluation.",
    "body.lessons": "Not documented in the sources.",
    "body.sources": "- National Police of Panama (2012). Annual report.",
}
SELECT = {"language": "es", "scale": "local", "institution.type": "national-police", "status": "active"}
SELECT |= {"pillars.primary": "citizen-participation"}


def fill_draft(page) -> None:
    for name, value in TEXT.items():
        page.locator(f'[name="{name}"]').fill(value)
    for name, value in SELECT.items():
        page.locator(f'select[name="{name}"]').select_option(value)
    page.locator('input[name="pillars.other"][value="prevention"]').check()
    page.locator('input[name="themes"][value="community-policing"]').check()
    page.locator('input[name="problems"][value="theft-burglary"]').check()
    page.locator('input[name="target_population"][value="residents"]').check()
    page.locator('input[name="setting"][value="urban"]').check()


@pytest.fixture()
def nojs_page(browser, base_url):
    """The draft form needs no JavaScript: these pages run with it switched off."""
    context, pg = new_page(browser, base_url, locale="es-ES", java_script_enabled=False, accept_downloads=True)
    yield pg
    assert pg.caselib_console.errors == [], pg.caselib_console.errors
    context.close()


def test_draft_completed_in_the_form_downloads_a_file_that_passes_check_strict(nojs_page, tmp_path, shots):
    page = nojs_page
    page.goto("/draft?lang=es")
    # scripts are off: app.js never ran, so the page works as plain HTML
    assert page.locator("html").get_attribute("class") is None
    fill_draft(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Añadir una fuente").click()
    assert page.locator('[name="sources[2].title"]').count() == 1
    assert page.locator('[name="title"]').input_value() == TEXT["title"]  # what was typed survives the round trip
    with page.expect_navigation():
        page.get_by_role("button", name="Verificar").first.click()
    result = page.locator("section.check-result")
    assert "passed" in result.get_attribute("class"), result.inner_text()
    assert "El archivo pasa todas las verificaciones" in result.inner_text()
    page.screenshot(path=str(shots / "draft-passed-es.png"), full_page=False)
    with page.expect_download() as info:
        page.get_by_role("button", name="Descargar el archivo del caso").first.click()
    download = info.value
    assert download.suggested_filename == "neighbourhood-patrol-agreements.md"
    cases = tmp_path / "cases"
    cases.mkdir()
    target = cases / download.suggested_filename
    download.save_as(str(target))
    result = CliRunner().invoke(main, ["check", "--strict", str(cases)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "## Contexto y problema" in target.read_text(encoding="utf-8")


def test_draft_incomplete_shows_problems_next_to_fields(nojs_page, shots):
    page = nojs_page
    page.goto("/draft?lang=en")
    page.locator('[name="title"]').fill("Patrol agreements")
    page.locator('[name="countries"]').fill("Panama")
    with page.expect_navigation():
        page.get_by_role("button", name="Check").first.click()
    summary = page.locator("section.check-result")
    assert "failed" in summary.get_attribute("class")
    scale = page.locator("#f-scale")
    assert scale.get_attribute("aria-invalid") == "true"
    described = scale.get_attribute("aria-describedby")
    assert "This field is required." in page.locator(f"[id='{described}']").inner_text()
    countries = page.locator("[id='e-countries']").inner_text()
    assert "did you mean 'PA'?" in countries
    page.screenshot(path=str(shots / "draft-problems-en.png"), full_page=False)
    # the summary links jump to the field
    page.locator("ul.problem-list a[href='#f-scale']").click()
    assert urlsplit(page.url).fragment == "f-scale"
    box = scale.bounding_box()
    assert box and -1 <= box["y"] <= page.viewport_size["height"]  # sub-pixel: the jump puts it at the top
    # download is refused while there are errors
    page.get_by_role("button", name="Download the case file").first.click()
    page.wait_for_load_state("load")
    assert "The file has errors: fix them before downloading." in page.locator("section.check-result").inner_text()


# --- every community page loads cleanly, in both languages -------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "es"])
def test_community_pages_load_without_csp_or_script_errors(page, shots, lang):
    urls = {
        "collections": f"/collections?lang={lang}",
        "collection": f"/collections/youth-violence-prevention?lang={lang}",
        "compare": "/compare?" + "&".join(f"ids={i}" for i in IDS) + f"&lang={lang}",
        "draft": f"/draft?lang={lang}",
    }
    for name, url in urls.items():
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == lang
        assert page.evaluate("() => document.documentElement.classList.contains('js')"), url
        assert page.evaluate("() => getComputedStyle(document.body).marginTop") == "0px", "stylesheet applied"
        page.screenshot(path=str(shots / f"{name}-{lang}.png"), full_page=True)
    time.sleep(0.2)
    assert page.caselib_console.errors == []


def test_collection_page_links_work(page):
    page.goto("/collections")
    with page.expect_navigation():
        page.get_by_role("link", name="Youth violence prevention").click()
    assert urlsplit(page.url).path == "/collections/youth-violence-prevention"
    entries = page.locator("ol.entries li.entry h3 a")
    assert entries.count() == 5
    boxes = page.locator("ol.entries input[name=ids]")
    boxes.nth(0).check()
    boxes.nth(2).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Compare selected cases").click()
    assert columns(page) == [IDS[0], IDS[2]]
