"""The map of the Americas and the printable briefs in Debian's headless Chromium (fake-embedder app).

Run alone with ``pytest -m browser tests/test_browser_map_print.py``. Never downloads a browser: it skips
when /usr/bin/chromium or playwright is missing. Screenshots (and the first page of each printed brief
as a PNG) go to $CASELIB_SHOTS when set.
"""

from __future__ import annotations

import io
import os
import re
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import CHROMIUM, TIMEOUT_MS, Console, chromium, serving  # noqa: E402

if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed")
waitress = pytest.importorskip("waitress")

from webapp import create_app  # noqa: E402

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOTS = Path(os.environ["CASELIB_SHOTS"]) if os.environ.get("CASELIB_SHOTS") else None
CASE = "panama-vecinos-vigilantes"  # a typical case: six sections, nine sources
# the header, footer, forms and buttons in each language: none of it may reach the paper
CHROME = {
    "es": ["Todos los casos", "Colecciones", "Saltar al contenido", "Copiar enlace", "Borrador de un caso"],
    "pt": ["Todos os casos", "Coleções", "Pular para o conteúdo", "Copiar link"],
    "en": ["All cases", "Collections", "Skip to content", "Copy link", "Draft a case"],
}


@pytest.fixture(scope="module")
def base_url(hash_searcher):
    app = create_app({"SEARCHER": hash_searcher, "COLLECTIONS_DIR": str(ROOT / "collections")})
    with serving(app, "waitress-map-print-test") as url:
        # the first case page imports torch for "similar cases" (seconds on a busy machine): not in a test's timeout
        # and the first query loads the speller's word lists
        for path in (f"/cases/{CASE}", "/search?q=policia+comunitaria", "/map"):
            urllib.request.urlopen(f"{url}{path}", timeout=300).read()
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as b:
        yield b


def open_page(browser, base_url, width=1280, height=900, **kw):
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": height}, **kw)
    context.set_default_timeout(TIMEOUT_MS * 3)  # PDF printing on a busy 2-core machine
    pg = context.new_page()
    pg.caselib_console = Console(pg)
    return context, pg


@pytest.fixture()
def page(browser, base_url):
    context, pg = open_page(browser, base_url, locale="es-419")
    yield pg
    assert pg.caselib_console.errors == [], pg.caselib_console.errors  # CSP violations show up here
    context.close()


def shot(pg, name: str, **kw) -> None:
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(SHOTS / name), **kw)


def printed(pg, name: str) -> tuple[int, list[str]]:
    """Print the page as Chromium does (A4, print stylesheet): the number of pages and each page's text;
    the first page also goes to $CASELIB_SHOTS as a PNG (the print media screenshot of the top of the page)."""
    pdf = pg.pdf(format="A4")
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / f"{name}.pdf").write_bytes(pdf)
        pg.emulate_media(media="print")
        pg.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        pg.screenshot(path=str(SHOTS / f"{name}-page1.png"))
        pg.emulate_media(media="null")  # back to no emulation ("screen" would also print with screen styles)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    n = len(reader.pages)
    texts = [p.extract_text() for p in reader.pages]
    for i, text in enumerate(texts):  # each page's number in its margin, "2 / 3"
        assert re.search(rf"(^|\n){i + 1} / {n}(\n|$)", text), (name, i, text[:80])
    return n, [re.sub(rf"(^|\n){i + 1} / {n}(\n|$)", "\n", t) for i, t in enumerate(texts)]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --- the map ------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "width"), [("es", 1280), ("pt", 390), ("en", 1280), ("es", 390)])
def test_map_renders_without_script_errors_in_each_language_and_size(browser, base_url, lang, width):
    context, pg = open_page(browser, base_url, width=width)
    pg.goto(f"/map?lang={lang}")
    assert pg.locator("svg.americas a").count() >= 20
    box = pg.locator("svg.americas").bounding_box()
    assert box["width"] <= width  # no sideways scrolling on a phone
    assert pg.evaluate("document.documentElement.scrollWidth") <= width
    shot(pg, f"map-{lang}-{width}.png")
    assert pg.caselib_console.errors == []
    context.close()


def test_a_country_is_reached_by_keyboard_with_a_visible_focus_and_opens_its_search(page):
    page.goto("/map?pillars=prevention&lang=es")
    first_country = page.locator('svg.americas a:not([tabindex="-1"])').first
    label = first_country.get_attribute("aria-label")
    page.locator("details.map-filters summary").focus()
    for _ in range(60):  # Tab from the filters into the map
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('svg') !== null"):
            break
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == label
    stroke = page.evaluate("getComputedStyle(document.activeElement.querySelector('path')).stroke")
    width = page.evaluate("getComputedStyle(document.activeElement.querySelector('path')).strokeWidth")
    assert stroke == "rgb(232, 89, 12)" and float(width.rstrip("px")) >= 3, (stroke, width)
    name, count = re.fullmatch(r"(.+): (\d+) prácticas? documentadas?", label).groups()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    args = parse_qs(urlsplit(page.url).query)
    assert args["pillars"] == ["prevention"] and len(args["countries"]) == 1
    assert page.locator(".chip", has_text=name).count() == 1
    assert re.match(rf"{count} casos?\b", page.locator("p.total").inner_text())


def test_the_inset_states_can_be_clicked(page):
    page.goto("/map?lang=es")
    inset = page.locator("svg.americas g.inset a")
    assert inset.count() >= 5
    barbados = page.locator('svg.americas g.inset a[aria-label^="Barbados:"]')  # one island: its middle is land
    label = barbados.get_attribute("aria-label")
    with page.expect_navigation():
        barbados.click()
    assert "countries=" in page.url
    assert label.split(":")[0] in page.locator(".active").inner_text()


# --- printable briefs --------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["es", "pt", "en"])
def test_a_typical_case_prints_on_at_most_three_a4_pages_without_navigation(page, lang):
    page.goto(f"/cases/{CASE}?lang={lang}")
    pages, texts = printed(page, f"print-case-{lang}")
    text = flat(" ".join(texts))
    assert 1 <= pages <= 3, pages
    for chrome in CHROME[lang]:
        assert chrome not in text, chrome
    title = page.locator("h1").inner_text()
    assert flat(texts[0]).strip().startswith(flat(title)[:30])  # the brief starts with the case, not a header
    # outside links are written out after their text
    source = page.locator("ol.sources a[href^='http']").first.get_attribute("href")
    assert source[8:40] in text.replace(" ", "")
    # the citation is at the foot: the last thing printed
    citation = flat(page.locator("p.citation").inner_text())
    assert text.rstrip().endswith(citation[-25:]), text[-200:]


def test_result_lists_comparisons_collections_and_the_map_print_cleanly(page):
    for name, url, must in [
        ("results", "/search?q=policia+comunitaria&lang=es", "policía comunitaria"),
        ("compare", "/compare?ids=brazil-fica-vivo-homicide-control,colombia-jovenes-a-lo-bien&lang=es", "Fica Vivo"),
        ("collection", "/collections/youth-violence-prevention?lang=es", "Fica Vivo"),
        ("map", "/map?lang=es", "Prácticas por país"),
    ]:
        page.goto(url)
        pages, texts = printed(page, f"print-{name}-es")
        text = flat(" ".join(texts))
        assert must.lower() in text.lower(), (name, text[:300])
        for chrome in CHROME["es"] + ["Comparar casos seleccionados", "Guardar como colección", "Buscar"]:
            assert chrome not in text, (name, chrome)
        assert pages <= 6, (name, pages)


def test_list_items_are_not_split_across_pages(page):
    page.goto("/search?lang=es&per_page=40")
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('li.hit')).breakInside") == "avoid"
    assert page.evaluate("getComputedStyle(document.querySelector('header.site')).display") == "none"
    assert page.evaluate("getComputedStyle(document.querySelector('aside.facets')).display") == "none"
