"""The web app through Flask's test client: pages, languages, shareable search state, JSON API, errors, security."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from indexer.keyword import FACET_FIELDS
from webapp import create_app

CASE = "panama-vecinos-vigilantes"
CASE_TITLE = "Neighbourhood Watch programme of Panama's National Police"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


# --- helpers ------------------------------------------------------------------------------------------------


class Page(HTMLParser):
    """Tags (name, attrs, context: classes, #ids and names of enclosing elements) and the text of an HTML page."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None], tuple[str, ...]]] = []
        self.text: list[str] = []
        self._stack: list[tuple[str, str]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        ctx = tuple(c for _, cls in self._stack for c in cls.split()) + tuple(t for t, _ in self._stack)
        self.tags.append((tag, a, ctx))
        if tag not in self.VOID:
            self._stack.append((tag, (a.get("class") or "") + (f" #{a['id']}" if a.get("id") else "")))

    def handle_startendtag(self, tag, attrs):
        ctx = tuple(c for _, cls in self._stack for c in cls.split()) + tuple(t for t, _ in self._stack)
        self.tags.append((tag, dict(attrs), ctx))

    def handle_endtag(self, tag):
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data):
        self.text.append(data)

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())

    def find(self, tag: str, within: str | None = None, **attrs) -> list[dict[str, str | None]]:
        """Attributes of each ``tag`` with these attribute values (class_: one of its classes).

        ``within``: a class, #id or tag name of an enclosing element.
        """
        out = []
        for name, a, ctx in self.tags:
            if name != tag or (within and within not in ctx):
                continue
            ok = True
            for k, v in attrs.items():
                if k == "class_":
                    ok &= v in (a.get("class") or "").split()
                else:
                    ok &= a.get(k.replace("_", "-")) == v
            if ok:
                out.append(a)
        return out

    def hrefs(self, within: str, **attrs) -> list[str]:
        return [a["href"] for a in self.find("a", within=within, **attrs) if a.get("href")]


def page(client, url: str, status: int = 200, **kw) -> Page:
    r = client.get(url, **kw)
    assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:500])
    assert r.mimetype == "text/html"
    return Page(r.get_data(as_text=True))


def args_of(url: str) -> MultiDict:
    return MultiDict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def pairs(url: str, drop: tuple[str, ...] = ()) -> set[tuple[str, str]]:
    return {(k, v) for k, v in parse_qsl(urlsplit(url).query) if k not in drop}


def hit_ids(p: Page) -> list[str]:
    """Case ids of the result list, in order."""
    ids = []
    for href in p.hrefs("hit"):
        m = re.fullmatch(r"/cases/([a-z0-9-]+)", urlsplit(href).path)
        if m:
            ids.append(m.group(1))
    return ids


def api_ids(client, query_string: str) -> list[str]:
    r = client.get("/api/search?" + query_string)
    assert r.status_code == 200
    return [h["id"] for h in r.get_json()["results"]]


@pytest.fixture(scope="module")
def all_ids(hash_searcher) -> list[str]:
    return [r["id"] for r in hash_searcher.records()]


# --- every page answers in both languages ---------------------------------------------------------------------

PAGES = [
    "/",
    "/search",
    "/search?q=community+policing",
    "/search?q=encuestas+de+victimizaci%C3%B3n&mode=keyword",
    "/search?q=police&mode=semantic&sort=date&page=2",
    f"/cases/{CASE}",
    "/browse/pillars",
    "/browse/countries",
    "/browse/themes",
    "/about",
]


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("url", PAGES)
def test_pages_answer_in_both_languages(client, url, lang):
    sep = "&" if "?" in url else "?"
    p = page(client, f"{url}{sep}lang={lang}")
    assert p.find("html", lang=lang)
    assert p.find("link", rel="stylesheet")
    assert p.find("main", id="main")
    assert ("Skip to content" if lang == "en" else "Saltar al contenido") in p.plain


def test_cases_index_redirects_to_search(client):
    r = client.get("/cases?lang=es")
    assert r.status_code in (301, 302, 303, 307, 308)
    assert urlsplit(r.headers["Location"]).path == "/search"
    assert args_of(r.headers["Location"]).get("lang") == "es"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_atom_feed_has_one_entry_per_case_newest_first(client, hash_searcher, lang):
    r = client.get(f"/feed.atom?lang={lang}")
    assert r.status_code == 200
    assert r.mimetype == "application/atom+xml"
    root = ET.fromstring(r.data)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    records = hash_searcher.recent(50)  # the feed holds the 50 most recently reviewed cases
    assert len(entries) == len(records) == min(50, len(hash_searcher.records()))
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert sorted(urlsplit(u).path for u in links) == sorted(f"/cases/{r['id']}" for r in records)
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == len(entries)
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert all(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|\+00:00)", u) for u in updated)
    assert updated == sorted(updated, reverse=True)
    assert root.findtext(f"{ATOM}updated") == updated[0]
    by_id = {r["id"]: r for r in records}
    for e, link in zip(entries, links, strict=True):
        rec = by_id[urlsplit(link).path.rsplit("/", 1)[1]]
        assert e.findtext(f"{ATOM}title") == rec["title"]
        assert updated[0] >= e.findtext(f"{ATOM}updated")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_sitemap_lists_pages_and_every_case_in_both_languages(client, all_ids, lang):
    r = client.get(f"/sitemap.xml?lang={lang}")
    assert r.status_code == 200
    assert r.mimetype == "application/xml"
    locs = [u.findtext(f"{SITEMAP}loc") for u in ET.fromstring(r.data).findall(f"{SITEMAP}url")]
    assert len(locs) == len(set(locs))
    paths = {(urlsplit(u).path, args_of(u).get("lang")) for u in locs}
    for cid in all_ids:
        assert (f"/cases/{cid}", "en") in paths and (f"/cases/{cid}", "es") in paths
    assert {"/", "/about", "/browse/pillars", "/browse/countries", "/browse/themes"} <= {p for p, _ in paths}
    for u in locs:  # every listed URL is live
        assert client.get(urlsplit(u).path + ("?" + urlsplit(u).query if urlsplit(u).query else "")).status_code == 200


@pytest.mark.parametrize("lang", ["en", "es"])
def test_robots_txt_points_to_sitemap(client, lang):
    r = client.get(f"/robots.txt?lang={lang}")
    assert r.status_code == 200
    assert r.mimetype == "text/plain"
    assert "User-agent: *" in r.get_data(as_text=True)
    sitemap = re.search(r"^Sitemap: (\S+)$", r.get_data(as_text=True), re.M)
    assert sitemap and urlsplit(sitemap.group(1)).path == "/sitemap.xml"


# --- language choice -----------------------------------------------------------------------------------------


def test_lang_parameter_selects_spanish(client):
    p = page(client, "/search?countries=PA&lang=es")
    assert p.find("html", lang="es")
    assert "Todos los casos" in p.plain and "Buscar" in p.plain
    assert "Panamá" in p.plain
    assert "All cases" not in p.plain


def test_accept_language_selects_spanish(client):
    p = page(client, "/browse/countries", headers={"Accept-Language": "es"})
    assert p.find("html", lang="es")
    assert "Países" in p.plain and "Panamá" in p.plain
    p = page(client, "/", headers={"Accept-Language": "es-PA,es;q=0.9,en;q=0.5"})
    assert p.find("html", lang="es")
    assert "Explorar" in p.plain


def test_lang_parameter_wins_over_accept_language(client):
    p = page(client, "/?lang=en", headers={"Accept-Language": "es"})
    assert p.find("html", lang="en")
    assert "Browse" in p.plain
    p = page(client, "/", headers={"Accept-Language": "fr, de"})
    assert p.find("html", lang="en")


def test_english_is_the_default(client):
    p = page(client, "/browse/countries")
    assert p.find("html", lang="en")
    assert "Panama" in p.plain and "Panamá" not in p.plain


def test_lang_kept_in_result_facet_and_navigation_links(client):
    p = page(client, "/search?q=community+policing&countries=PA&lang=es")
    hits = p.hrefs("hit")
    facets = p.hrefs("facets")
    chips = p.hrefs("active")
    assert hits and facets and chips
    nav = [a["href"] for a in p.find("a", within="site") if "hreflang" not in a]  # not the language switch
    for href in hits + facets + chips + p.hrefs("toolbar") + nav:
        if href.startswith("/") and not href.startswith(("/api/", "/static/", "/feed.atom")):
            assert args_of(href).get("lang") == "es", href
    form = p.find("input", within="form", name="lang")
    assert form and form[0]["value"] == "es"


def test_language_switch_keeps_the_query(client):
    p = page(client, "/search?q=community+policing&countries=PA&lang=en")
    switch = [a["href"] for a in p.find("a", within="langs", hreflang="es")]
    assert len(switch) == 1
    assert args_of(switch[0]) == MultiDict([("q", "community policing"), ("countries", "PA"), ("lang", "es")])
    p2 = page(client, switch[0])
    assert p2.find("html", lang="es")
    assert p2.find("input", id="q")[0]["value"] == "community policing"


# --- shareable search state -----------------------------------------------------------------------------------


SHARE_QUERIES = [
    "q=community+policing",
    "q=police&mode=keyword&sort=date&per_page=5&page=2",
    "q=violence&countries=CO&countries=BR&themes=violence-prevention",
    "q=victimizaci%C3%B3n&year_from=2005&year_to=2012&lang=es",
    "pillars=prevention&sort=date",
]


@pytest.mark.parametrize("qs", SHARE_QUERIES)
def test_canonical_link_round_trip(client, qs):
    first = page(client, "/search?" + qs)
    canonical = first.find("link", rel="canonical")
    assert len(canonical) == 1
    url = canonical[0]["href"]
    assert urlsplit(url).path == "/search"
    ids = hit_ids(first)
    assert ids, qs
    again = page(client, url)
    assert hit_ids(again) == ids
    assert again.find("link", rel="canonical")[0]["href"] == url
    assert api_ids(client, urlsplit(url).query) == ids
    assert api_ids(client, qs) == ids
    # the canonical URL carries the whole state
    original = args_of("/search?" + qs)
    shared = args_of(url)
    for key in set(original) - {"lang"}:
        assert sorted(shared.getlist(key)) == sorted(original.getlist(key)), key


def test_facet_links_toggle_exactly_one_filter(client):
    base = "/search?q=community+policing&countries=PA&lang=en"
    p = page(client, base)
    before = pairs(base)
    links = p.find("a", within="facets")
    assert len(links) > 5
    for a in links:
        after = pairs(a["href"])
        if a.get("aria-current") == "true":
            assert "on" in a["class"].split()
            diff = before - after
            assert len(diff) == 1 and after == before - diff, a["href"]
        else:
            diff = after - before
            assert len(diff) == 1 and after - diff == before, a["href"]
            ((field, value),) = diff
            assert field in FACET_FIELDS and value
    active = [a for a in links if a.get("aria-current") == "true"]
    assert [pairs(base) - pairs(a["href"]) for a in active] == [{("countries", "PA")}]


def test_toggled_facet_filters_results_and_shows_a_chip(client):
    p = page(client, "/search?q=community+policing&lang=en")
    theme = next(a for a in p.find("a", within="facets") if ("themes", "community-policing") in pairs(a["href"]))
    r = client.get(theme["href"])
    filtered = Page(r.get_data(as_text=True))
    chips = filtered.find("a", within="active", class_="chip")
    assert len(chips) == 1
    assert "Community policing" in filtered.plain
    data = client.get("/api/search?" + urlsplit(theme["href"]).query).get_json()
    assert data["total"] >= 1
    for hit in data["results"]:
        assert "community-policing" in [t["value"] for t in hit["themes"]]


def test_active_filters_are_removable(client):
    url = "/search?q=police&countries=CO&themes=community-policing&year_from=2000&year_to=2020&lang=en"
    p = page(client, url)
    chips = [a["href"] for a in p.find("a", within="active", class_="chip")]
    assert len(chips) == 3
    removed = [pairs(url) - pairs(c) for c in chips]
    assert {("countries", "CO")} in removed and {("themes", "community-policing")} in removed
    assert {("year_from", "2000"), ("year_to", "2020")} in removed
    for c, gone in zip(chips, removed, strict=True):
        assert pairs(c) == pairs(url) - gone
        after = page(client, c)
        assert len(after.find("a", within="active", class_="chip")) == 2
    clear = p.find("a", within="active", class_="clear")
    assert len(clear) == 1
    assert pairs(clear[0]["href"]) == {("q", "police"), ("lang", "en")}
    assert not page(client, clear[0]["href"]).find("a", class_="chip")


def test_pagination_links_cover_every_case_once(client, all_ids):
    url = "/search?lang=en"
    seen: list[str] = []
    pages = 0
    prev_link = None
    while url:
        p = page(client, url)
        pages += 1
        ids = hit_ids(p)
        assert 1 <= len(ids) <= 10
        seen += ids
        prev = p.find("a", within="pager", rel="prev")
        nxt = p.find("a", within="pager", rel="next")
        if pages == 1:
            assert not prev
        else:
            assert len(prev) == 1 and pairs(prev[0]["href"]) == pairs(prev_link)
        prev_link = url
        url = nxt[0]["href"] if nxt else None
        if url:
            assert args_of(url).get("page") == str(pages + 1)
            assert args_of(url).get("lang") == "en"
    assert pages == -(-len(all_ids) // 10)
    assert sorted(seen) == sorted(all_ids)
    assert len(seen) == len(set(seen))


def test_page_beyond_the_last_is_empty_not_an_error(client):
    p = page(client, "/search?page=99")
    assert hit_ids(p) == []
    assert p.find("a", within="pager", rel="prev")


def test_sort_by_date_orders_by_start_year(client, hash_searcher):
    years = {r["id"]: r["start_year"] for r in hash_searcher.records()}
    for qs in (
        "sort=date&per_page=100",
        "q=police&sort=date&per_page=100",
        "q=police&mode=keyword&sort=date&per_page=100",
    ):
        data = client.get("/api/search?" + qs).get_json()
        assert data["sort"] == "date"
        got = [years[h["id"]] for h in data["results"]]
        assert len(got) > 5
        assert got == sorted(got, reverse=True), qs
    p = page(client, "/search?sort=date")
    ids = hit_ids(p)
    assert [years[i] for i in ids] == sorted((years[i] for i in ids), reverse=True)
    assert p.find("strong", within="sort", aria_current="true")


def test_did_you_mean(client):
    p = page(client, "/search?q=polcia+comunitaria&lang=en")
    links = p.find("a", within="didyoumean")
    assert len(links) == 1
    assert args_of(links[0]["href"]).get("q") == "policía comunitaria"
    assert args_of(links[0]["href"]).get("lang") == "en"
    assert "Did you mean" in p.plain
    followed = page(client, links[0]["href"])
    assert followed.find("input", id="q")[0]["value"] == "policía comunitaria"
    assert not followed.find("a", within="didyoumean")
    api = client.get("/api/search?q=polcia+comunitaria").get_json()
    assert api["suggestion"] == "policía comunitaria"
    es = page(client, "/search?q=polcia+comunitaria&lang=es")
    assert "Quizás quiso decir" in es.plain


@pytest.mark.parametrize(
    "lang, headline", [("en", "No case matches this search."), ("es", "Ningún caso coincide con esta búsqueda.")]
)
def test_honest_empty_state_in_keyword_mode(client, lang, headline):
    qs = f"q=zyxwvq+qqxjzv&mode=keyword&lang={lang}"
    p = page(client, "/search?" + qs)
    assert hit_ids(p) == []
    assert headline in p.plain
    assert p.find("div", class_="empty")
    assert not p.find("nav", class_="pager")
    data = client.get("/api/search?" + qs).get_json()
    assert data["total"] == 0 and data["results"] == []


def test_empty_state_with_filters_offers_search_without_filters(client):
    p = page(client, "/search?q=zyxwvq&mode=keyword&countries=PA&lang=en")
    assert hit_ids(p) == []
    offer = p.hrefs("empty")
    assert len(offer) == 1 and pairs(offer[0]) == {("q", "zyxwvq"), ("lang", "en")}


def test_long_query_is_shortened_with_a_note(client):
    q = ("community policing " * 1200)[:20_000]
    assert len(q) == 20_000
    r = client.get("/search", query_string={"q": q})
    assert r.status_code == 200
    p = Page(r.get_data(as_text=True))
    assert p.find("p", class_="note")
    assert "shortened" in p.plain
    assert len(p.find("input", id="q")[0]["value"]) <= 500
    api = client.get("/api/search", query_string={"q": q})
    assert api.status_code == 200
    body = api.get_json()
    assert len(body["query"]) <= 500 and "shortened" in body["message"]


def test_long_query_note_is_translated(client):
    r = client.get("/search", query_string={"q": "policía " * 3000, "lang": "es"})
    assert r.status_code == 200
    p = Page(r.get_data(as_text=True))
    assert "shortened" not in p.plain


# --- JSON API ---------------------------------------------------------------------------------------------------


def test_api_search_shape(client):
    r = client.get("/api/search?q=community+policing")
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    data = r.get_json()
    for key in ("query", "mode", "total", "results", "facets", "suggestion"):
        assert key in data
    assert data["query"] == "community policing" and data["mode"] == "hybrid"
    assert isinstance(data["total"], int) and data["total"] >= len(data["results"]) > 0
    for hit in data["results"]:
        assert {"id", "title", "title_original", "score", "snippet", "url"} <= set(hit)
        assert isinstance(hit["score"], float | int)
        assert urlsplit(hit["url"]).path == f"/cases/{hit['id']}"
    scores = [h["score"] for h in data["results"]]
    assert scores == sorted(scores, reverse=True)
    assert isinstance(data["facets"], list)
    for f in data["facets"]:
        assert set(f) >= {"field", "values"}
        for v in f["values"]:
            assert {"value", "label", "count", "active", "toggle_url"} <= set(v)


def test_api_search_modes_and_paging(client):
    for mode in ("hybrid", "keyword", "semantic"):
        data = client.get(f"/api/search?q=police&mode={mode}&per_page=3&page=2").get_json()
        assert data["mode"] == mode and data["page"] == 2 and len(data["results"]) <= 3


def test_api_case(client):
    r = client.get(f"/api/cases/{CASE}")
    assert r.status_code == 200
    data = r.get_json()
    assert data["id"] == CASE and data["title"] == CASE_TITLE
    assert data["title_original"] == "Vecinos Vigilantes"
    assert [c["value"] for c in data["countries"]] == ["PA"]
    assert data["sections"] and data["sources"]
    assert data["summary"].startswith("Vecinos Vigilantes (Neighbourhood Watch)")
    es = client.get(f"/api/cases/{CASE}?lang=es").get_json()
    assert es["summary"].startswith("Vecinos Vigilantes es un programa")
    assert es["countries"][0]["label"] == "Panamá"


def test_api_similar_excludes_the_case_itself(client, all_ids):
    for cid in all_ids[:8] + [CASE]:
        data = client.get(f"/api/cases/{cid}/similar").get_json()
        ids = [s["id"] for s in data["similar"]]
        assert data["id"] == cid
        assert cid not in ids
        assert len(ids) == 5 == len(set(ids))
        assert set(ids) <= set(all_ids)
    data = client.get(f"/api/cases/{CASE}/similar?limit=50").get_json()
    assert len(data["similar"]) == min(50, len(all_ids) - 1)
    assert CASE not in [s["id"] for s in data["similar"]]
    assert len(client.get(f"/api/cases/{CASE}/similar?limit=2").get_json()["similar"]) == 2


def test_api_facets(client, all_ids):
    data = client.get("/api/facets").get_json()
    assert data["filters"] == {}
    assert sum(v["count"] for v in data["facets"]["language"]) == len(all_ids)
    narrowed = client.get("/api/facets?countries=PA&lang=es").get_json()
    assert narrowed["filters"] == {"countries": ["PA"]}
    pa = [v for v in narrowed["facets"]["countries"] if v["value"] == "PA"]
    assert pa and pa[0]["label"] == "Panamá"
    assert sum(v["count"] for v in narrowed["facets"]["language"]) == pa[0]["count"]


def test_api_cases_lists_every_case(client, all_ids):
    data = client.get("/api/cases?per_page=100").get_json()
    assert data["total"] == len(all_ids) == len(data["cases"])
    assert sorted(c["id"] for c in data["cases"]) == sorted(all_ids)
    for c in data["cases"]:
        assert client.get(c["api_url"]).status_code == 200


API_ERRORS = [
    ("/api/cases/no-such-case", 404),
    ("/api/cases/no-such-case/similar", 404),
    ("/api/cases/Not_A_Slug", 404),
    ("/api/nothing-here", 404),
    ("/api/search?mode=fuzzy", 400),
    ("/api/search?sort=random", 400),
    ("/api/search?page=0", 400),
    ("/api/search?page=abc", 400),
    ("/api/search?page=10001", 400),
    ("/api/search?per_page=1000", 400),
    ("/api/search?year_from=nineteen", 400),
    ("/api/search?year_to=3000", 400),
    ("/api/facets?mode=nope", 400),
    (f"/api/cases/{CASE}/similar?limit=0", 400),
    (f"/api/cases/{CASE}/similar?limit=51", 400),
    (f"/api/cases/{CASE}/similar?limit=-1", 400),
    (f"/api/cases/{CASE}/similar?limit=many", 400),
]


@pytest.mark.parametrize("url, status", API_ERRORS)
def test_api_errors_have_one_shape(client, url, status):
    r = client.get(url)
    assert r.status_code == status
    assert r.mimetype == "application/json"
    body = r.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message"}
    assert body["error"]["status"] == status
    assert isinstance(body["error"]["code"], str) and re.fullmatch(r"[a-z_]+", body["error"]["code"])
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def test_api_method_not_allowed_has_the_error_shape(client):
    r = client.post("/api/search")
    assert r.status_code == 405
    assert r.get_json()["error"]["status"] == 405


def test_api_error_messages_name_the_bad_value(client):
    assert "fuzzy" in client.get("/api/search?mode=fuzzy").get_json()["error"]["message"]
    assert "51" in client.get(f"/api/cases/{CASE}/similar?limit=51").get_json()["error"]["message"]


# --- HTML errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/cases/no-such-case", "/no/such/page", "/browse/colours"])
@pytest.mark.parametrize("lang, headline", [("en", "Page not found"), ("es", "Página no encontrada")])
def test_html_404_in_site_style(client, url, lang, headline):
    p = page(client, f"{url}?lang={lang}", status=404)
    assert p.find("html", lang=lang)
    assert p.find("link", rel="stylesheet", href="/static/style.css")
    assert p.find("header", class_="site") and p.find("footer", class_="site")
    assert p.find("section", class_="error")
    assert headline in p.plain
    back = p.hrefs("error")
    assert back and urlsplit(back[0]).path == "/"


def test_html_400_in_site_style(client):
    p = page(client, "/search?mode=fuzzy", status=400)
    assert p.find("section", class_="error")
    assert "This request cannot be answered" in p.plain and "fuzzy" in p.plain


@pytest.mark.parametrize(
    "url", ["/?endpoint=x", "/search?_anchor=x", "/about?_method=POST", f"/cases/{CASE}?case_id=x"]
)
def test_reserved_query_parameter_names_do_not_crash_pages(hash_searcher, url):
    client = create_app({"SEARCHER": hash_searcher}).test_client()  # not TESTING: the app's own error handling
    try:
        status = client.get(url).status_code
    except Exception:  # the error page failed too: a WSGI server answers a bare 500
        status = 500
    assert status < 500


# --- security ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/search?q=police",
        f"/cases/{CASE}",
        "/about",
        "/no/such/page",
        "/api/search?q=police",
        f"/api/cases/{CASE}",
        "/api/cases/nope",
        "/api/openapi.json",
        "/feed.atom",
        f"/cases/{CASE}/cite.bib",
    ],
)
def test_security_headers(client, url):
    r = client.get(url)
    csp = r.headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("default-src") == ["'self'"]
    assert directives.get("script-src") == ["'self'"]
    assert directives.get("object-src") == ["'none'"]
    assert directives.get("frame-ancestors") == ["'none'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert r.headers.get("X-Content-Type-Options") == "nosniff"
    assert r.headers.get("X-Frame-Options") == "DENY"
    assert r.headers.get("Referrer-Policy") in ("strict-origin-when-cross-origin", "no-referrer", "same-origin")


@pytest.mark.parametrize(
    "url",
    ["/", "/search?q=community+policing&countries=PA", f"/cases/{CASE}", "/about", "/browse/themes", "/no/such/page"],
)
def test_pages_obey_their_own_csp(client, url):
    """script-src/style-src 'self': no inline scripts, handlers or styles."""
    p = Page(client.get(url).get_data(as_text=True))
    for tag, attrs, _ in p.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        assert "style" not in attrs, (tag, attrs)
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/")
        assert tag != "style"


TRAVERSALS = [
    "/cases/..%2f..%2fetc%2fpasswd",
    "/cases/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/cases/%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "/cases/..%252f..%252fetc%252fpasswd",
    "/cases/%2e%2e",
    "/cases/..",
    "/cases/....//....//etc/passwd",
    "/cases/%2e%2e%5c%2e%2e%5cwindows",
    "/cases/..%2f..%2fetc%2fpasswd/cite.bib",
    "/cases/..%2f..%2fetc%2fpasswd/cite.ris",
    "/cases/%2e%2e/cite.bib",
    "/cases/%2e%2e%2f%2e%2e%2fetc%2fpasswd/cite.bib",
    "/cases/%252e%252e%252fetc%252fpasswd/cite.ris",
    "/cases/..%2fsecret/cite.bib",
    "/api/cases/..%2fsecret",
    "/api/cases/%2e%2e%2fsecret",
    "/api/cases/%252e%252e%252fsecret",
    "/api/cases/%2e%2e",
    "/api/cases/..%2fsecret/similar",
    "/api/cases/%252e%252e%252fsecret/similar",
    "/browse/..%2f..%2fetc%2fpasswd",
    "/browse/%252e%252e%252fetc",
    "/static/..%2f..%2fpyproject.toml",
    "/static/%2e%2e/__init__.py",
]


@pytest.mark.parametrize("url", TRAVERSALS)
def test_path_traversal_is_404(client, url):
    r = client.get(url)
    assert r.status_code == 404, url
    body = r.get_data(as_text=True)
    assert "root:" not in body and "[project]" not in body and "create_app" not in body
    if urlsplit(url).path.startswith("/api/"):
        assert r.get_json()["error"]["status"] == 404


REFLECTED = [
    "/search?q=%3Cscript%3Ealert(1)%3C/script%3E",
    "/search?q=%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E&mode=keyword",
    "/search?q=polica%3Cscript%3E&lang=es",
    "/search?countries=%3Cscript%3Ealert(1)%3C/script%3E",
    "/search?themes=%22+onmouseover%3D%22alert(1)",
    "/search?mode=%3Cscript%3Ealert(1)%3C/script%3E",
    "/search?page=%3Cscript%3E",
    "/browse/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
]


@pytest.mark.parametrize("url", REFLECTED)
def test_reflected_input_is_escaped(client, url):
    r = client.get(url)
    assert r.status_code in (200, 400, 404)
    p = Page(r.get_data(as_text=True))
    for tag, attrs, _ in p.tags:
        assert tag not in ("img", "iframe") and not any(k.startswith("on") for k in attrs), (tag, attrs)
        if tag == "script":
            assert attrs.get("src") == "/static/app.js"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_facet_field_can_be_browsed(client, lang):
    for field in FACET_FIELDS:
        p = page(client, f"/browse/{field}?lang={lang}")
        links = p.hrefs("browse")
        assert links, field
        for href in links:
            assert urlsplit(href).path == "/search" and field in args_of(href) and args_of(href)["lang"] == lang


def test_ids_are_echoed_escaped(client):
    r = client.get("/cases/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert r.status_code == 404
    assert "<script>alert" not in r.get_data(as_text=True)


# --- citations and sharing -----------------------------------------------------------------------------------------


def test_bibtex_download(client):
    r = client.get(f"/cases/{CASE}/cite.bib")
    assert r.status_code == 200
    assert r.mimetype == "application/x-bibtex"
    disposition = r.headers["Content-Disposition"]
    assert "attachment" in disposition and f"caselib-{CASE}.bib" in disposition
    body = r.get_data(as_text=True)
    assert body.startswith(f"@misc{{caselib-{CASE},")
    assert f"title = {{{CASE_TITLE}}}" in body
    assert f"/cases/{CASE}" in body
    assert body.count("{") == body.count("}")


def test_ris_download(client):
    r = client.get(f"/cases/{CASE}/cite.ris")
    assert r.status_code == 200
    assert r.mimetype == "application/x-research-info-systems"
    assert f"caselib-{CASE}.ris" in r.headers["Content-Disposition"]
    lines = r.get_data(as_text=True).split("\r\n")
    assert lines[0] == "TY  - GEN"
    assert f"TI  - {CASE_TITLE}" in lines
    assert "T2  - Vecinos Vigilantes" in lines
    assert "CY  - PA" in lines
    assert lines[-2] == "ER  - "


def test_case_page_links_its_citations(client):
    p = page(client, f"/cases/{CASE}")
    cite = p.hrefs("#cite")
    assert f"/cases/{CASE}/cite.bib" in cite and f"/cases/{CASE}/cite.ris" in cite
    assert CASE_TITLE in p.plain


@pytest.mark.parametrize(
    "lang, title_start, summary_start",
    [
        ("en", CASE_TITLE, "Vecinos Vigilantes (Neighbourhood Watch)"),
        # the case's Spanish translation file gives the Spanish page its title and summary
        ("es", "Programa Vecinos Vigilantes de la Policía Nacional de Panamá", "Vecinos Vigilantes es un programa"),
    ],
)
def test_opengraph_meta_on_case_pages(client, lang, title_start, summary_start):
    p = page(client, f"/cases/{CASE}?lang={lang}")
    og = {a["property"]: a["content"] for a in p.find("meta") if (a.get("property") or "").startswith("og:")}
    assert og["og:title"].startswith(title_start)
    assert "Vecinos Vigilantes" in og["og:title"]
    assert og["og:description"].startswith(summary_start)
    assert og["og:type"] == "article"
    assert urlsplit(og["og:url"]).path == f"/cases/{CASE}"
    canonical = p.find("link", rel="canonical")
    assert canonical and canonical[0]["href"] == og["og:url"]
    assert urlsplit(canonical[0]["href"]).scheme in ("http", "https")


def test_case_page_shows_similar_and_related_cases(client):
    p = page(client, f"/cases/{CASE}?lang=en")
    similar = p.hrefs("similar")
    assert len(similar) == 5
    assert all(urlsplit(h).path.startswith("/cases/") and urlsplit(h).path != f"/cases/{CASE}" for h in similar)
    assert all(args_of(h).get("lang") == "en" for h in similar)
    for h in similar:
        assert client.get(h).status_code == 200
    assert "Related cases" in p.plain


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "policía comunitaria & más", "mode": "keyword", "countries": "PA,CO", "year_from": "2005"},
        {"q": "a/b?c=d #e", "sort": "date", "page": "3", "per_page": "25", "themes": "knowledge-sharing"},
    ],
)
def test_state_urls_equal_flask_url_for(app, params):
    """State URLs are built without url_for (speed); they must be the very string url_for builds."""
    from flask import url_for
    from werkzeug.datastructures import MultiDict

    from webapp.state import SearchState

    with app.test_request_context("/search"):
        state = SearchState.from_args(MultiDict(params))
        for lang in (None, "es"):
            for endpoint in ("pages.search", "api.search", "community.saved_search"):
                assert state.url(lang, endpoint=endpoint) == url_for(endpoint, **state.params(lang))
            toggled = state.toggled("countries", "JM")
            assert toggled.url(lang) == url_for("pages.search", **toggled.params(lang))
