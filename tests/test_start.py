"""/start: comparable cases with the reasons they are comparable, and the gap statement (issue 19)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from indexer.comparable import EVALUATED, Profile, comparable, gap

ASK = {
    "problems": "extortion",
    "target_population": "transport-workers",
    "setting": "urban-high-crime",
    "countries": "GT",
    "q": "extorsión a conductores de autobuses por pandillas en barrios",
    "lang": "es",
}


@pytest.fixture(scope="module")
def answer(app):
    with app.test_client() as c:
        r = c.get("/api/start", query_string=ASK)
        assert r.status_code == 200
        return r.get_json()


def test_comparable_cases_come_with_true_reasons_and_evidence(answer, hash_searcher):
    assert answer["total"] >= len(answer["results"]) > 0
    for h in answer["results"]:
        facets = hash_searcher.record(h["id"])["facets"]
        kinds = {r["kind"] for r in h["reasons"]}
        assert kinds, h["id"]
        # listed only for a shared problem, population or setting, or a close match to the description
        assert kinds & {"problems", "target_population", "setting"} or "Cerca de tu descripción" in str(h["reasons"])
        for field in ("problems", "target_population", "setting"):
            assert (field in kinds) == (ASK[field] in facets[field]), (h["id"], field)
        if "country" in kinds:
            assert "GT" in facets["countries"]
        if "subregion" in kinds:
            assert set(facets["countries"]) & {"BZ", "CR", "HN", "MX", "NI", "PA", "SV"}
            assert "GT" not in facets["countries"]
        assert h["evidence"]["stage"]["value"] == facets["evidence_stage"][0]
        assert h["evidence"]["stage"]["label"]  # Spanish label shown as the badge
    scores = [h["score"] for h in answer["results"]]
    assert scores == sorted(scores, reverse=True)


def test_the_first_case_shares_the_problem(answer):
    assert answer["results"][0]["reasons"][0]["kind"] == "problems"
    assert answer["results"][0]["reasons"][0]["text"] == "Mismo problema: Extorsión"


def test_gap_statement_counts_are_the_facet_counts(answer, client):
    assert answer["gaps"], "a problem was chosen: there is a gap statement"
    for g in answer["gaps"]:
        facets = client.get("/api/facets", query_string={**g["filters"], "lang": "es"}).get_json()["facets"]
        stages = {v["value"]: v["count"] for v in facets["evidence_stage"]}
        assert g["total"] == sum(stages.values())
        assert g["evaluated"] == sum(stages.get(s, 0) for s in EVALUATED)
        if g["total"]:
            q = parse_qsl(urlsplit(g["search_url"]).query)
            assert client.get("/api/search", query_string=[*q, ("per_page", 1)]).get_json()["total"] == g["total"]
        assert g["text"] and "{" not in g["text"]


def test_gap_sentences_say_what_is_missing(hash_searcher):
    cat = hash_searcher.catalog
    none = gap(cat, {"problems": ["terrorism"], "setting": ["schools"]})
    assert none.total == 0 and none.evaluated == 0
    import flask

    from webapp import create_app
    from webapp.start import gap_text

    app = create_app({"SEARCHER": hash_searcher, "TESTING": True})
    with app.test_request_context("/?lang=en"):
        assert flask.request.args["lang"] == "en"
        assert gap_text(none, "en") == "The library has no practice for terrorism (setting: schools)."
        some = gap(cat, {"problems": ["extortion"]})
        text = gap_text(some, "en")
        assert text.startswith(f"{some.total} practices address extortion")
        unevaluated = next(
            g
            for p in ("fraud", "kidnapping", "cybercrime", "contraband", "money-laundering", "terrorism")
            if (g := gap(cat, {"problems": [p]})).total and not g.evaluated
        )
        assert gap_text(unevaluated, "en").startswith("The library has no evaluated practice for ")


def test_the_url_reproduces_the_page(client, answer):
    again = client.get(answer["url"].replace("/start", "/api/start", 1)).get_json()
    assert [h["id"] for h in again["results"]] == [h["id"] for h in answer["results"]]
    assert [g["text"] for g in again["gaps"]] == [g["text"] for g in answer["gaps"]]
    page = client.get(answer["url"])
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for h in answer["results"]:
        assert f'href="{h["url"]}"' in body.replace("&amp;", "&")
    assert "Lo que la biblioteca tiene y lo que le falta" in body
    for g in answer["gaps"]:
        assert g["text"] in body.replace("&#34;", '"').replace("&#39;", "'")


def test_the_form_alone_and_without_any_choice(client):
    r = client.get("/start?lang=pt")
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert 'name="problems"' in body and 'name="target_population"' in body and 'name="setting"' in body
    assert '<optgroup label="América Central">' in body  # countries by UN M49 sub-region, in Portuguese
    assert "comparable-practices" not in body and 'id="gaps"' not in body  # nothing asked: no results yet


@pytest.mark.parametrize(
    "qs, word",
    [("problems=nope", "nope"), ("setting=moon", "moon"), ("countries=XX", "XX"), ("page=0", "page")],
)
def test_bad_values_are_a_clear_400(client, qs, word):
    r = client.get(f"/api/start?{qs}&lang=es")
    assert r.status_code == 400
    assert word in r.get_json()["error"]["message"]
    assert client.get(f"/start?{qs}").status_code == 400


def test_ranking_weights_shared_values_and_the_description(hash_searcher):
    p = Profile(problems="homicide", target_population="youth-at-risk")
    a = comparable(hash_searcher, p, per_page=100)
    both = [c for c in a.cases if set(c.shared) == {"problems", "target_population"}]
    one = [c for c in a.cases if len(c.shared) == 1]
    assert both and one and min(c.score for c in both) > max(c.score for c in one)
    total = hash_searcher.catalog.mask({"problems": ["homicide"]}) | hash_searcher.catalog.mask(
        {"target_population": ["youth-at-risk"]}
    )
    assert a.total == int(total.sum())  # every case sharing either value, and no other
    assert comparable(hash_searcher, Profile()).total == 0
    assert comparable(hash_searcher, Profile(country="GT")).total == 0  # a country alone makes nothing comparable
