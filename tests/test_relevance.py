"""Honest relevance (issue 13): results are close matches only; related ground is listed apart."""

from __future__ import annotations

import pytest

from indexer import ranking as search_mod


def test_results_are_close_matches_and_related_only_when_none_is(hash_searcher):
    for q in ("police", "violencia doméstica", "homicide prevention in Brazil", "capacitación policial"):
        r = hash_searcher.search(q, per_page=100)
        assert all(h.match == "close" for h in r.hits)
        assert all(h.match == "related" for h in r.related)
        assert not (r.hits and r.related), q
        assert r.total == len(r.hits)
        full = hash_searcher.search(q, per_page=100, cut=False)
        close_ids = [h.id for h in full.hits if h.match == "close"]
        assert [h.id for h in r.hits] == close_ids  # the cut keeps the ranking's order
        assert len(full.hits) >= len(r.hits)


def test_keyword_mode_close_means_most_words_present(hash_searcher):
    r = hash_searcher.search("domestic violence complaints", mode="keyword", per_page=100, cut=False)
    assert r.hits
    st = hash_searcher._state
    cover = st.keyword.coverage("domestic violence complaints")
    for h in r.hits:
        c = cover[st.catalog.row[h.id]]
        assert (h.match == "close") == (c >= search_mod.CLOSE_COVERAGE), (h.id, c)


def test_coverage_counts_query_words_in_any_language_field(hash_searcher):
    st = hash_searcher._state
    cov = st.keyword.coverage("xqzzv blorft")
    assert cov.max() == 0.0
    cov = st.keyword.coverage("Vecinos Vigilantes")
    assert cov[st.catalog.row["panama-vecinos-vigilantes"]] == 1.0
    assert st.keyword.coverage("de la").max() == 0.0  # stop words only: no content word


@pytest.fixture()
def nothing_close(monkeypatch):
    """The decision made unreachable, to see what a user gets when no case is close."""
    monkeypatch.setattr(search_mod, "CLOSE_MARGIN", 99.0)
    monkeypatch.setattr(search_mod, "CLOSE_COVERAGE", 99.0)


def test_no_close_match_lists_related_ground(hash_searcher, nothing_close):
    r = hash_searcher.search("policía comunitaria en cuadrantes barriales", per_page=10)
    assert r.hits == [] and r.total == 0
    assert 0 < len(r.related) <= search_mod.RELATED_MAX
    assert all(h.match == "related" for h in r.related)
    # nonsense is near nothing: no related list either
    r = hash_searcher.search("xqzzv blorft qwxjq", per_page=10)
    assert r.hits == [] and r.related == []


def test_results_page_and_api_show_related_ground_apart(client, nothing_close):
    api = client.get("/api/search?q=patrullaje+por+cuadrantes+nada+cerca").get_json()
    assert api["results"] == [] and api["total"] == 0
    assert api["related"] and all(h["match"] == "related" for h in api["related"])
    html = client.get("/search?q=patrullaje+por+cuadrantes+nada+cerca&lang=en").get_data(as_text=True)
    assert "No practice in the library closely matches" in html
    assert "these cover related ground:" in html
    assert html.count('class="closeness related"') == len(api["related"])
    assert 'class="closeness close"' not in html


def test_close_hits_are_labelled_on_cards_and_in_the_api(client):
    api = client.get("/api/search?q=Vecinos+Vigilantes").get_json()
    assert api["results"][0]["id"] == "panama-vecinos-vigilantes"
    assert all(h["match"] == "close" for h in api["results"]) and api["related"] == []
    html = client.get("/search?q=Vecinos+Vigilantes&lang=en").get_data(as_text=True)
    assert 'class="closeness close"' in html and "Close match" in html


def test_cli_json_and_api_give_the_same_hit_fields(hash_index, client):
    """One serialisation (``Hit.to_dict``): ``caselib search --json`` prints what the API sends,
    the API adding only its labels and links."""
    import json

    from click.testing import CliRunner

    from caselib.cli import main

    q = "policía comunitaria en cuadrantes"
    out = CliRunner().invoke(main, ["search", q, "--index", str(hash_index), "--model", "hash-test", "--json"])
    assert out.exit_code == 0, out.output
    cli = json.loads(out.output)
    api = client.get("/api/search", query_string={"q": q, "lang": "en"}).get_json()
    assert [h["id"] for h in cli["results"]] == [h["id"] for h in api["results"]]
    assert cli["total"] == api["total"] and cli["related"] == [] == api["related"]
    web_only = {"language", "original_lang", "section_label", "api_url"}
    for c, a in zip(cli["results"], api["results"], strict=True):
        assert set(a) - set(c) == web_only
        same = set(c) - {"countries", "pillars", "themes", "url"}  # labelled and localised links on the web
        assert {k: c[k] for k in same} == {k: a[k] for k in same}
        assert c["match"] == "close" and c["url"] == f"/cases/{c['id']}"
