"""List endpoints page through everything with stable order, totals, Link headers and ETags."""

from __future__ import annotations

import re

import pytest


def _links(response) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("Link", ""))}


def test_cases_page_through_all_with_the_facet_total(client):
    facets = client.get("/api/search?per_page=1").get_json()  # an empty query matches every case
    url, seen, pages = "/api/cases?per_page=7", [], 0
    while url:
        r = client.get(url)
        assert r.status_code == 200
        body = r.get_json()
        seen += [c["id"] for c in body["cases"]]
        assert len(body["cases"]) <= 7
        pages += 1
        url = _links(r).get("next")
    assert pages == body["pages"] == -(-body["total"] // 7)
    assert len(seen) == len(set(seen)) == body["total"] == facets["total"]
    assert seen == sorted(seen)  # stable order: by id


def test_link_header_names_first_last_prev_next(client):
    r = client.get("/api/cases?per_page=10&page=2&lang=es")
    links = _links(r)
    assert set(links) == {"first", "last", "prev", "next"}
    assert "page=1" in links["first"] and "page=3" in links["next"] and "lang=es" in links["next"]
    last = client.get("/api/cases?per_page=10&page=1")
    assert "prev" not in _links(last)


def test_page_past_the_end_is_empty_not_an_error(client):
    body = client.get("/api/cases?page=999").get_json()
    assert body["cases"] == [] and body["total"] > 0


@pytest.mark.parametrize("query", ["per_page=0", "per_page=101", "page=0", "page=abc", "per_page=-1"])
def test_bad_paging_is_a_400_in_the_error_shape(client, query):
    r = client.get(f"/api/cases?{query}")
    assert r.status_code == 400
    assert set(r.get_json()["error"]) == {"status", "code", "message"}


@pytest.mark.parametrize("url", ["/api/cases?per_page=5", "/api/collections", "/api/search?q=police", "/api/facets"])
def test_etag_and_cache_control_make_responses_cacheable(client, url):
    r = client.get(url)
    assert r.status_code == 200
    etag = r.headers["ETag"]
    assert "public" in r.headers["Cache-Control"] and "max-age=" in r.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get(url + ("&" if "?" in url else "?") + "lang=es", headers={"If-None-Match": etag})
    assert other.status_code in (200, 304)
    if url.startswith("/api/cases"):
        assert other.status_code == 304  # the list of ids and titles is the same in every language


def test_collections_are_paginated_too(client):
    body = client.get("/api/collections?per_page=2").get_json()
    assert body["per_page"] == 2 and len(body["collections"]) == 2 and body["total"] >= 4
