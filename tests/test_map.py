"""The map of the Americas (/map, /api/map): numbers equal the search facets, links find what they count."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from webapp import atlas

FILTERS = [
    "",
    "pillars=prevention",
    "pillars=prevention&evidence_stage=evaluated",
    "themes=community-policing&year_from=2005",
    "year_from=2008&year_to=2011",
    "problems=gang-violence&target_population=youth-at-risk",
]


def map_json(client, query: str, lang: str = "en") -> dict:
    r = client.get(f"/api/map?{query}&lang={lang}")
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def search_json(client, query: str) -> dict:
    r = client.get(f"/api/search?{query}&per_page=1")
    assert r.status_code == 200
    return r.get_json()


@pytest.mark.parametrize("query", FILTERS)
def test_numbers_are_the_country_facet_counts_of_the_same_filters(client, query):
    d = map_json(client, query)
    facet = next((f for f in search_json(client, query)["facets"] if f["field"] == "countries"), {"values": []})
    expected = {v["value"]: v["count"] for v in facet["values"]}
    got = {c["code"]: c["count"] for c in d["countries"] if c["count"]}
    assert got == expected
    assert d["total"] == search_json(client, query)["total"]
    assert d["mentions"] == sum(expected.values())
    # the 35 states of the Americas are always listed, at zero too
    assert atlas.AMERICAS <= {c["code"] for c in d["countries"]}


def test_some_filter_really_changes_the_numbers(client):
    everything = {c["code"]: c["count"] for c in map_json(client, "")["countries"]}
    prevention = {c["code"]: c["count"] for c in map_json(client, "pillars=prevention")["countries"]}
    assert sum(prevention.values()) < sum(everything.values())
    assert all(prevention[k] <= everything[k] for k in everything)


@pytest.mark.parametrize("query", ["", "pillars=prevention", "themes=community-policing&year_from=2005"])
def test_every_country_link_finds_as_many_cases_as_it_counts(client, query):
    page = client.get(f"/map?{query}&lang=es").get_data(as_text=True)
    links = re.findall(r'<a href="(/search\?[^"]+)" aria-label="([^"]+)"', page)
    counts = {c["code"]: c["count"] for c in map_json(client, query, "es")["countries"]}
    assert len({h for h, _ in links}) == sum(1 for n in counts.values() if n)  # every counted country, once
    wanted = parse_qs(query)
    for href, name in links:
        href = html.unescape(href)
        args = parse_qs(urlsplit(href).query)
        (code,) = args["countries"]
        for key, values in wanted.items():  # the map's filters carry over into the link
            assert args[key] == values, href
        total = search_json(client, urlsplit(href).query)["total"]
        assert total == counts[code], (href, total, counts[code])
        assert re.search(rf"\b{total} prácticas? documentadas?$", html.unescape(name)), name


def test_country_names_are_cldr_names_in_the_page_language(client):
    names = {
        lang: {c["code"]: c["name"] for c in map_json(client, "", lang)["countries"]} for lang in ("en", "es", "pt")
    }
    assert names["en"]["BR"] == "Brazil" and names["es"]["BR"] == "Brasil" and names["pt"]["BR"] == "Brasil"
    assert names["es"]["SR"] == "Surinam" and names["pt"]["SR"] == "Suriname"
    assert names["es"]["US"] == "Estados Unidos"


def test_query_and_country_parameters_are_not_carried(client):
    assert map_json(client, "q=policing&countries=BR") == map_json(client, "")


def test_bad_parameters_are_a_clear_400(client):
    r = client.get("/map?year_to=3000&lang=es")
    assert r.status_code == 400
    assert "year_to" in r.get_data(as_text=True)


def test_small_island_states_are_reachable_by_keyboard_and_in_the_table(client):
    page = client.get("/map").get_data(as_text=True)
    svg = page[page.index("<svg") : page.index("</svg>")]
    table = page[page.index("<table") : page.index("</table>")]
    counts = {c["code"]: c for c in map_json(client, "")["countries"]}
    for code in ("AG", "BB", "DM", "GD", "KN", "LC", "VC"):
        c = counts[code]
        assert html.escape(c["name"]) in table
        if not c["count"]:
            continue
        focusable = re.findall(rf'<a href="{re.escape(html.escape(c["url"]))}" aria-label="[^"]+">', svg)
        hidden = re.findall(rf'<a href="{re.escape(html.escape(c["url"]))}"[^>]*tabindex="-1"', svg)
        assert len(focusable) == 1, code  # the inset's shape, reached by Tab
        assert len(hidden) == 1, code  # the main map's tiny shape: clickable, not a second tab stop


def test_shading_has_a_legend_and_every_class_is_used_by_its_range(client):
    d = map_json(client, "")
    steps = {s["step"] for s in d["scale"]}
    for c in d["countries"]:
        if c["count"]:
            low, high = next((s["low"], s["high"]) for s in d["scale"] if s["step"] == c["step"])
            assert low <= c["count"] <= high
        else:
            assert c["step"] == 0
    page = client.get("/map").get_data(as_text=True)
    for step in steps:
        assert f'<span class="sw q{step}">' in page


def test_breaks_are_geometric_and_cover_one_to_the_top():
    assert atlas.breaks(0) == []
    assert atlas.breaks(1) == [(1, 1)]
    assert atlas.breaks(30) == [(1, 2), (3, 4), (5, 8), (9, 16), (17, 30)]
    for top in (2, 3, 7, 18, 250, 9999):
        ranges = atlas.breaks(top)
        assert ranges[0][0] == 1 and ranges[-1][1] == top
        assert all(a[1] + 1 == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
        assert [atlas.shade(h, ranges) for _, h in ranges][-1] == atlas.CLASSES
    assert atlas.shade(0, atlas.breaks(5)) == 0


def test_shapes_file_covers_the_americas_and_is_plain_path_data():
    geo = atlas.shapes()
    codes = {s["code"] for s in geo["shapes"] if s["d"] or s["inset_d"]}
    assert atlas.AMERICAS <= codes
    assert "Natural Earth" in geo["source"] and geo["script"] == "scripts/make_map.py"
    for s in geo["shapes"]:
        assert atlas.PATH_DATA.fullmatch(s["d"]) and atlas.PATH_DATA.fullmatch(s["inset_d"])


def test_map_page_is_self_contained_within_the_csp(client):
    r = client.get("/map?pillars=prevention&lang=pt")
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "style=" not in body and "<script>" not in body and "http" not in body.split("<svg", 1)[1].split("</svg>")[0]
    assert "Natural Earth" in body
    about = client.get("/about").get_data(as_text=True)
    assert 'id="map-data"' in about and "Natural Earth" in about and "world-atlas" in about


def test_map_is_linked_from_the_navigation_and_home(client):
    home = client.get("/?lang=es").get_data(as_text=True)
    assert home.count('href="/map?lang=es"') >= 2  # the header's link and the country card's


def test_a_filtered_list_links_to_its_map_and_a_query_does_not(client):
    page = client.get("/search?pillars=prevention&evidence_stage=evaluated&lang=es").get_data(as_text=True)
    href = html.unescape(re.search(r'<a class="on-map" href="([^"]+)"', page).group(1))
    assert urlsplit(href).path == "/map"
    assert parse_qs(urlsplit(href).query) == {
        "pillars": ["prevention"],
        "evidence_stage": ["evaluated"],
        "lang": ["es"],
    }
    assert "En el mapa" in page
    assert 'class="on-map"' not in client.get("/search?q=policia&lang=es").get_data(
        as_text=True
    )  # the map has no query
