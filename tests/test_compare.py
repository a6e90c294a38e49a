"""Compare 2–4 cases side by side on one shareable URL (page and JSON)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[1]
IDS = ["brazil-fica-vivo-homicide-control", "colombia-jovenes-a-lo-bien", "forging-peace-youth-violence-prevention"]
ROWS_EN = [
    "Problem",
    "Countries",
    "Institution",
    "Scale",
    "Period",
    "Status",
    "Pillars",
    "Themes",
    "Evaluation",
    "Evidence rating",
    "Evidence notes",
    "Results reported",
    "Summary",
    "Sources",
]
ROWS_ES = ["Problema", "Países", "Institución", "Escala", "Período", "Estado", "Pilares", "Temas", "Evaluación"]


class Table(HTMLParser):
    """Column headers (case links), row headers and cells of the comparison table, plus every link and select."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.cols: list[str] = []
        self.rows: list[str] = []
        self.cells: list[list[str]] = []
        self.links: list[tuple[str, str]] = []
        self.hidden_ids: list[str] = []
        self.find: str | None = None
        self.canonical = None
        self._in: list[str] = []
        self._href = None
        self._text = ""
        self._thead = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "canonical":
            self.canonical = a["href"]
        if tag == "thead":
            self._thead = True
        if tag == "a":
            self._href, self._text = a.get("href"), ""
        if tag == "th" and a.get("scope") == "row":
            self._in.append("rowhead")
            self._text = ""
            self.cells.append([])
        if tag == "td":
            self._in.append("td")
            self._text = ""
        if tag == "th" and a.get("scope") == "col" and self._thead:
            self._in.append("colhead")
        if tag == "input" and a.get("type") == "hidden" and a.get("name") == "ids":
            self.hidden_ids.append(a["value"])
        if tag == "input" and a.get("name") == "find":
            self.find = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, self._text.strip()))
            if self._in and self._in[-1] == "colhead" and not self._href.endswith("#sources"):
                if urlsplit(self._href).path.startswith("/cases/"):
                    self.cols.append(urlsplit(self._href).path.rsplit("/", 1)[1])
            self._href = None
        if tag == "th" and self._in and self._in[-1] == "rowhead":
            self.rows.append(self._text.strip())
            self._in.pop()
        elif tag == "th" and self._in and self._in[-1] == "colhead":
            self._in.pop()
        if tag == "td" and self._in and self._in[-1] == "td":
            self.cells[-1].append(" ".join(self._text.split()))
            self._in.pop()
        if tag == "thead":
            self._thead = False

    def handle_data(self, data):
        self._text += data


def table(client, url: str, status: int = 200) -> Table:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:300])
    assert r.mimetype == "text/html"
    return Table(r.get_data(as_text=True))


def qs(ids: list[str], lang: str | None = None) -> str:
    return "&".join([f"ids={i}" for i in ids] + ([f"lang={lang}"] if lang else []))


@pytest.mark.parametrize("n", [2, 3, 4])
def test_two_to_four_cases_side_by_side(client, hash_searcher, n):
    ids = (IDS + ["panama-vecinos-vigilantes"])[:n]
    t = table(client, "/compare?" + qs(ids))
    assert t.cols == ids
    assert t.rows == ROWS_EN
    assert all(len(row) == n for row in t.cells)
    for i, cid in enumerate(ids):
        meta = hash_searcher.get(cid)["meta"]
        assert meta["institution"]["name"] in t.cells[ROWS_EN.index("Institution")][i]
        assert str(meta["period"]["start"]) in t.cells[ROWS_EN.index("Period")][i]
        context = next(s["text"] for s in hash_searcher.get(cid)["sections"] if s["key"] == "context")
        first_words = " ".join(re.sub(r"[*_`\[\]]", "", context).split()[:4])
        assert first_words in re.sub(r"[*_`\[\]]", "", t.cells[0][i]), (cid, first_words)


def test_spanish_labels_and_language_kept_in_links(client):
    t = table(client, "/compare?" + qs(IDS[:2], "es"))
    assert t.rows[: len(ROWS_ES)] == ROWS_ES
    assert "Prevención de la violencia juvenil" in " ".join(t.cells[ROWS_EN.index("Themes")])
    for href, text in t.links:
        if text in ("EN", "ES", "PT"):
            continue  # the language switch
        if href.startswith("/cases/") or href.startswith("/compare"):
            assert dict(parse_qsl(urlsplit(href).query)).get("lang") == "es", href


def test_canonical_url_reproduces_the_comparison(client):
    first = table(client, "/compare?" + qs(IDS, "en"))
    url = first.canonical
    assert urlsplit(url).path == "/compare"
    assert [v for k, v in parse_qsl(urlsplit(url).query) if k == "ids"] == IDS
    again = table(client, urlsplit(url).path + "?" + urlsplit(url).query)
    assert (again.cols, again.rows, again.cells) == (first.cols, first.rows, first.cells)


def test_comma_separated_ids_and_repeats(client):
    t = table(client, f"/compare?ids={IDS[0]},{IDS[1]}&ids={IDS[0]}")
    assert t.cols == IDS[:2]


def test_remove_links_keep_the_other_cases(client):
    t = table(client, "/compare?" + qs(IDS))
    removes = [href for href, text in t.links if text.startswith("Remove")]
    assert len(removes) == 3
    for removed, href in zip(IDS, removes, strict=True):
        rest = [v for k, v in parse_qsl(urlsplit(href).query) if k == "ids"]
        assert rest == [i for i in IDS if i != removed]


def test_shared_values_are_highlighted(client):
    r = client.get("/compare?" + qs(IDS))
    html = r.get_data(as_text=True)
    assert html.count('class="tag shared">Youth violence prevention</span>') == 3
    data = client.get("/api/compare?" + qs(IDS)).get_json()
    assert [t["value"] for t in data["shared"]["themes"]] == ["youth-violence-prevention", "violence-prevention"]
    assert "countries" not in data["shared"]


def test_too_many_cases_is_a_400_naming_the_limit(client):
    ids = IDS + ["panama-vecinos-vigilantes", "colombia-quadrant-community-policing-plan"]
    r = client.get("/compare?" + qs(ids))
    assert r.status_code == 400
    assert "Choose from 2 to 4 cases to compare; this link names 5." in r.get_data(as_text=True)
    r = client.get("/api/compare?" + qs(ids))
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_request"


def test_unknown_ids_are_left_out_with_a_notice(client):
    t = table(client, "/compare?" + qs([IDS[0], "no-such-case", IDS[1]]))
    assert t.cols == IDS[:2]
    html = client.get("/compare?" + qs([IDS[0], "no-such-case", IDS[1]])).get_data(as_text=True)
    assert "left out: no-such-case" in html
    data = client.get("/api/compare?" + qs([IDS[0], "no-such-case"])).get_json()
    assert data["unknown"] == ["no-such-case"] and data["ids"] == [IDS[0]]


@pytest.mark.parametrize(
    "bad", ["%3Cscript%3Ealert(1)%3C/script%3E", "..%2f..%2fetc%2fpasswd", "%22onmouseover%3D%22x"]
)
def test_hostile_ids_are_escaped(client, bad):
    body = client.get(f"/compare?ids={bad}&ids={IDS[0]}").get_data(as_text=True)
    assert "<script>alert" not in body and '"onmouseover="' not in body and "root:" not in body


@pytest.mark.parametrize("url", ["/compare", f"/compare?ids={IDS[0]}", "/compare?lang=es"])
def test_fewer_than_two_show_the_picker(client, url):
    t = table(client, url)
    assert t.cols == []
    assert t.find == ""  # a search box, not a list of every case (a library may hold 100k)
    assert t.hidden_ids == ([IDS[0]] if "ids=" in url else [])


def test_picker_finds_cases_by_search_and_adds_them_to_the_url(client):
    t = table(client, f"/compare?ids={IDS[0]}&find=J%C3%B3venes+a+lo+Bien+youth+Colombia&lang=es")
    assert t.find == "Jóvenes a lo Bien youth Colombia"
    add_urls = [h for h, _ in t.links if urlsplit(h).path == "/compare" and h.count("ids=") == 2]
    assert add_urls, t.links
    assert all(parse_qsl(urlsplit(h).query)[0] == ("ids", IDS[0]) for h in add_urls)  # the choice so far is kept
    assert any(f"ids={IDS[1]}" in h for h in add_urls)
    assert all(dict(parse_qsl(urlsplit(h).query)).get("lang") == "es" for h in add_urls)
    assert not any(h.endswith(f"ids={IDS[0]}&ids={IDS[0]}&lang=es") for h in add_urls)  # never twice


def test_picker_keeps_the_current_choice(client):
    t = table(client, "/compare?" + qs(IDS))
    assert t.hidden_ids == IDS
    full = table(client, "/compare?" + qs([*IDS, "colombia-quadrant-community-policing-plan"]) + "&find=police")
    assert full.find is None  # four chosen: nothing more can be added


def test_api_matches_the_page_and_the_openapi_schema(client):
    doc = client.get("/api/openapi.json").get_json()
    from test_openapi import to_json_schema

    schema = to_json_schema(
        doc["paths"]["/api/compare"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
        doc["components"]["schemas"],
    )
    for lang in ("en", "es"):
        data = client.get("/api/compare?" + qs(IDS, lang)).get_json()
        jsonschema.Draft202012Validator(schema).validate(data)
        assert [c["id"] for c in data["cases"]] == IDS
        assert data["cases"][0]["evidence"]["stage"]["value"] == "evaluated"
        assert data["cases"][0]["problem"]
        assert urlsplit(data["url"]).path == "/compare"


def test_results_page_offers_compare_checkboxes_in_a_get_form(client):
    html = client.get("/search?q=youth+violence&lang=es").get_data(as_text=True)
    form = re.search(r'<form class="compare-pick" action="/compare" method="get">(.*?)</form>', html, re.S)
    assert form, "no compare form on the results page"
    boxes = re.findall(r'<input type="checkbox" name="ids" value="([a-z0-9-]+)">', form.group(1))
    hits = [h["id"] for h in client.get("/api/search?q=youth+violence").get_json()["results"]]
    assert boxes == hits
    assert '<input type="hidden" name="lang" value="es">' in form.group(1)
    # what the browser sends for two ticked boxes is a valid comparison
    t = table(client, "/compare?" + qs(boxes[:2], "es"))
    assert t.cols == boxes[:2]


def test_collection_pages_offer_compare(client):
    html = client.get("/collections/youth-violence-prevention").get_data(as_text=True)
    assert re.search(r'<form class="compare-pick" action="/compare" method="get">', html)
    assert html.count('type="checkbox" name="ids"') == 5
    # a collection of 2-4 cases links straight to its comparison
    short = client.get("/api/collections/crime-observatories-victimization-surveys").get_json()
    assert short["compare_url"] is None  # five cases: choose
    repo = client.get("/api/collections/outside-practice-repositories").get_json()
    assert repo["compare_url"] is None  # a single case
