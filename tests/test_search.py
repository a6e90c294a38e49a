"""The Searcher on the shipped cases with the fast fake embedder: filters, facets, years, sorting,
pagination, robustness to odd input, title matches, suggestions, snippets and similar cases."""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest

from indexer.highlight import snippet
from indexer.search import FILTER_FIELDS, MAX_QUERY_CHARS, MODES, Searcher, SearchResult

ALL = 100  # per_page large enough to see every hit of the shipped cases on one page


def all_hits(s: Searcher, query: str = "", **kw) -> SearchResult:
    r = s.search(query, per_page=ALL, **kw)
    assert len(r.hits) == r.total, "the whole result set should fit on one page"
    return r


def facet_counts_of(s: Searcher, ids: list[str]) -> dict[str, dict[str, int]]:
    """Facet counts recomputed by hand from the catalog records of ``ids``."""
    out: dict[str, dict[str, int]] = {}
    for name in FILTER_FIELDS:
        c = Counter(v for cid in ids for v in s.record(cid)["facets"].get(name, []))
        out[name] = dict(c)
    return out


def assert_facets_match_hits(s: Searcher, r: SearchResult) -> None:
    expected = facet_counts_of(s, [h.id for h in r.hits])
    for name in FILTER_FIELDS:
        assert dict(r.facets.get(name, {})) == expected[name], name


# --- filters and facets --------------------------------------------------------------------------


def _rarest(values: dict[str, int]) -> str:
    return min(values, key=lambda v: (values[v], v))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("query", ["", "police"])
@pytest.mark.parametrize("field", FILTER_FIELDS)
def test_every_filter_field_narrows_and_facets_match(hash_searcher, field, query, mode):
    s = hash_searcher
    base = all_hits(s, query, mode=mode)
    assert base.total > 0
    assert_facets_match_hits(s, base)
    values = base.facets[field]
    assert values, f"no {field} values among the results"
    value = _rarest(values)
    r = all_hits(s, query, mode=mode, filters={field: [value]})
    assert r.total > 0
    assert r.filters == {field: [value]}
    ids = [h.id for h in r.hits]
    assert all(value in s.record(cid)["facets"][field] for cid in ids)
    assert r.facets[field][value] == r.total
    assert_facets_match_hits(s, r)
    if query == "" or mode == "keyword":
        # filtering keeps exactly the results that have the value: the count shown beside it
        # (semantic and hybrid queries: see test_semantic_filter_only_narrows, an xfail)
        assert r.total == values[value]
        assert set(ids) <= {h.id for h in base.hits}
        if len(values) > 1:
            assert r.total < base.total
    # a value no case has leaves nothing
    none = all_hits(s, query, mode=mode, filters={field: ["no-such-value"]})
    assert none.total == 0 and none.hits == []
    assert all(not counts for counts in none.facets.values())


SEMANTIC_FILTER_BUG = (
    "BUG: indexer/vectors.py VectorIndex.search applies the relative cut-off (SEMANTIC_RELATIVE x best cosine) "
    "after the filter mask, so the best score, and with it the cut-off, depends on the filters: a filter or year "
    "range can ADD cases that the unfiltered query did not return, and the facet count shown beside a value "
    "differs from the number of results after choosing it (e.g. real model, 'community policing', semantic: "
    "pillars=international-cooperation shows 9, choosing it gives 17). The cut-off should come from the "
    "unfiltered best score."
)


@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_semantic_filter_only_narrows(hash_searcher, mode):
    s = hash_searcher
    base = all_hits(s, "police", mode=mode)
    base_ids = {h.id for h in base.hits}
    wrong = []
    for field in FILTER_FIELDS:
        for value, count in base.facets[field].items():
            r = all_hits(s, "police", mode=mode, filters={field: [value]})
            if r.total != count or not {h.id for h in r.hits} <= base_ids:
                wrong.append((field, value, count, r.total))
    assert not wrong, wrong


@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_semantic_year_range_only_narrows(hash_searcher, mode):
    s = hash_searcher
    base_ids = {h.id for h in all_hits(s, "police", mode=mode).hits}
    years = {r["id"]: r["start_year"] for r in s.records()}
    for lo, hi in [(2009, 2010), (2010, None), (None, 2004), (2011, 2011)]:
        got = {h.id for h in all_hits(s, "police", mode=mode, years=(lo, hi)).hits}
        assert got == {c for c in base_ids if (lo is None or years[c] >= lo) and (hi is None or years[c] <= hi)}


def test_language_filter(hash_searcher):
    # the shipped cases are all written in English so far: the language facet may have a single value
    langs = all_hits(hash_searcher).facets["language"]
    assert sum(langs.values()) == len(hash_searcher.records())
    for lang, count in langs.items():
        assert hash_searcher.search("", filters={"language": [lang]}).total == count
    for absent in {"en", "es", "pt", "fr"} - set(langs):
        assert hash_searcher.search("", filters={"language": [absent]}).total == 0


def test_values_or_within_a_field_and_across_fields(hash_searcher):
    s = hash_searcher
    recs = s.records()
    co_or_cl = {r["id"] for r in recs if {"CO", "CL"} & set(r["facets"]["countries"])}
    r = all_hits(s, filters={"countries": ["CO", "CL"]})
    assert {h.id for h in r.hits} == co_or_cl
    both = {r["id"] for r in recs if "CO" in r["facets"]["countries"] and "community-policing" in r["facets"]["themes"]}
    r = all_hits(s, filters={"countries": ["CO"], "themes": ["community-policing"]})
    assert {h.id for h in r.hits} == both == {"colombia-quadrant-community-policing-plan"}
    assert_facets_match_hits(s, r)
    # an empty list is no filter
    assert s.search("", filters={"countries": []}).total == len(recs)


def test_facets_method_matches_an_empty_search(hash_searcher):
    s = hash_searcher
    flt = {"pillars": ["prevention"]}
    assert s.facets(flt) == s.search("", filters=flt).facets


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("query", ["", "police"])
def test_year_range(hash_searcher, mode, query):
    s = hash_searcher
    years = {r["id"]: r["start_year"] for r in s.records()}
    unfiltered = {h.id for h in all_hits(s, query, mode=mode).hits}
    for lo, hi in [(2009, 2010), (2010, None), (None, 2004), (2011, 2011)]:
        r = all_hits(s, query, mode=mode, years=(lo, hi))
        got = {h.id for h in r.hits}
        assert all((lo is None or years[c] >= lo) and (hi is None or years[c] <= hi) for c in got)
        assert all((lo is None or h.start_year >= lo) and (hi is None or h.start_year <= hi) for h in r.hits)
        assert r.years == (lo, hi)
        assert_facets_match_hits(s, r)
        if query == "" or mode == "keyword":
            assert got, (lo, hi)
            # exactly the unfiltered results in the range (every case for an empty query);
            # semantic and hybrid queries: see test_semantic_year_range_only_narrows, an xfail
            assert got == {c for c in unfiltered if (lo is None or years[c] >= lo) and (hi is None or years[c] <= hi)}
    assert s.search("", years=(2012, 2009)).total == 0


def test_year_range_and_filters_together(hash_searcher):
    s = hash_searcher
    r = all_hits(s, "", filters={"themes": ["community-policing"]}, years=(2005, None))
    expected = {
        rec["id"]
        for rec in s.records()
        if "community-policing" in rec["facets"]["themes"] and rec["start_year"] >= 2005
    }
    assert {h.id for h in r.hits} == expected
    assert "chile-quadrant-preventive-security-plan" not in expected  # starts in 2000


# --- sorting and pagination ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_sort_by_date(hash_searcher, mode):
    s = hash_searcher
    rel = all_hits(s, "police", mode=mode)
    by_date = all_hits(s, "police", mode=mode, sort="date")
    years = [h.start_year for h in by_date.hits]
    assert years == sorted(years, reverse=True)
    assert {h.id for h in by_date.hits} == {h.id for h in rel.hits}
    assert by_date.total == rel.total and by_date.sort == "date"


def test_sort_by_date_on_empty_query(hash_searcher):
    r = all_hits(hash_searcher, "", sort="date")
    assert r.hits[0].start_year == max(rec["start_year"] for rec in hash_searcher.records())
    assert r.hits[-1].start_year == min(rec["start_year"] for rec in hash_searcher.records())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("query", ["", "police training"])
def test_pagination(hash_searcher, mode, query):
    s = hash_searcher
    full = all_hits(s, query, mode=mode)
    size = 3
    assert full.total > 2 * size
    p1 = s.search(query, mode=mode, page=1, per_page=size)
    p2 = s.search(query, mode=mode, page=2, per_page=size)
    assert p1.total == p2.total == full.total
    assert p1.pages == -(-full.total // size)
    assert [h.id for h in p1.hits] != [h.id for h in p2.hits]
    assert not {h.id for h in p1.hits} & {h.id for h in p2.hits}
    assert [h.id for h in p1.hits + p2.hits] == [h.id for h in full.hits[: 2 * size]]
    assert p1.facets == p2.facets == full.facets  # facets cover the whole result set, not the page
    pages = [s.search(query, mode=mode, page=i, per_page=size) for i in range(1, p1.pages + 1)]
    assert [h.id for p in pages for h in p.hits] == [h.id for h in full.hits]
    beyond = s.search(query, mode=mode, page=p1.pages + 1, per_page=size)
    assert beyond.hits == [] and beyond.total == full.total


def test_page_and_per_page_are_clamped(hash_searcher):
    r = hash_searcher.search("", page=0, per_page=1000)
    assert r.page == 1 and r.per_page == 100
    r = hash_searcher.search("", page=-3, per_page=0)
    assert r.page == 1 and r.per_page == 1 and len(r.hits) == 1


# --- empty and no-result queries -----------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_query_lists_everything(hash_searcher, mode, query):
    s = hash_searcher
    r = all_hits(s, query, mode=mode)
    assert r.total == len(s.records()) >= 37
    assert r.query == ""
    assert r.suggestion is None
    titles = [h.title for h in r.hits]
    assert titles == sorted(titles, key=lambda t: _fold(t))
    assert_facets_match_hits(s, r)


def _fold(text: str) -> str:
    from indexer.vocab import fold

    return fold(text)


def test_no_results_query(hash_searcher):
    r = hash_searcher.search("zzzxxqqq", mode="keyword")
    assert r.total == 0 and r.hits == [] and r.pages == 1
    assert all(not counts for counts in r.facets.values())


# --- robustness ----------------------------------------------------------------------------------

ODD_QUERIES = [
    '"police',
    'police "community',
    "AND OR NOT",
    "NOT",
    "police AND",
    "OR police",
    "*",
    "pol*",
    ":",
    "title:foo",
    "countries:CO",
    "a:b:c",
    "x" * 10_240,
    "police " * 1500,
    "\x00\x01police\x07\x1b[31mtraining\x7f",
    "\u200bpolice\u202e",
    "\ud800 lone surrogate",
    "🚓👮 policía 🚨",
    "🚓",
    "",
    "?!.,;:()[]{}<>",
    "(((",
    "\\",
    "- +",
    "+police -prison",
    "police^3 training~2",
    "[a TO b]",
    "<script>alert(1)</script>",
    "l'été, it's",
    "ñ",
    "2010",
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("query", ODD_QUERIES, ids=lambda q: repr(q[:20]))
def test_odd_queries_never_raise(hash_searcher, query, mode):
    r = hash_searcher.search(query, mode=mode)
    assert isinstance(r, SearchResult)
    assert len(r.query) <= MAX_QUERY_CHARS
    assert r.total >= len(r.hits)
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in r.query)
    for h in r.hits:
        assert "<script>" not in h.snippet
    # with filters, date sort and a later page too
    hash_searcher.search(query, mode=mode, filters={"countries": ["CO"]}, years=(2000, 2020), sort="date", page=2)


@pytest.mark.parametrize("mode", MODES)
def test_long_query_is_capped_with_a_message(hash_searcher, mode):
    r = hash_searcher.search("community policing " + "x" * 10_240, mode=mode)
    assert r.message and str(MAX_QUERY_CHARS) in r.message
    assert len(r.query) <= MAX_QUERY_CHARS
    short = hash_searcher.search("community policing", mode=mode)
    assert short.message is None


def test_control_characters_are_removed(hash_searcher):
    r = hash_searcher.search("community\x00policing\x1f", mode="keyword")
    assert r.query == "community policing"
    assert r.total == hash_searcher.search("community policing", mode="keyword").total


def test_unknown_mode_filter_or_sort_raise_value_error(hash_searcher):
    with pytest.raises(ValueError, match="mode"):
        hash_searcher.search("police", mode="fuzzy")
    with pytest.raises(ValueError, match="colour"):
        hash_searcher.search("police", filters={"colour": ["red"]})
    with pytest.raises(ValueError, match="sort"):
        hash_searcher.search("police", sort="popularity")


# --- ranking details -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "case_id"),
    [
        ("Vecinos Vigilantes", "panama-vecinos-vigilantes"),
        ("vecinos vigilantes", "panama-vecinos-vigilantes"),
        ("PICAP", "picap-inter-american-police-training-program"),
        ("Armando Paz", "forging-peace-youth-violence-prevention"),
        ("Fica Vivo!", "brazil-fica-vivo-homicide-control"),
        ("Plan Cuadrante de Seguridad Preventiva", "chile-quadrant-preventive-security-plan"),
    ],
)
def test_exact_title_match_is_first_in_hybrid(hash_searcher, query, case_id):
    r = hash_searcher.search(query, mode="hybrid")
    assert r.hits[0].id == case_id
    assert r.hits[0].score == max(h.score for h in r.hits)


def test_exact_title_match_respects_filters(hash_searcher):
    r = hash_searcher.search("Vecinos Vigilantes", filters={"countries": ["CO"]})
    assert "panama-vecinos-vigilantes" not in [h.id for h in r.hits]


# "polica" (the first misspelling used here) is now a known word: a source URL in
# ameripol-oas-framework-agreement (diariolibre.com ...-polica-continental-...) is indexed
def test_did_you_mean(hash_searcher):
    r = hash_searcher.search("polcia comunitaria")
    assert r.suggestion and "policía" in r.suggestion
    assert hash_searcher.search("homocide prevention").suggestion == "homicide prevention"
    assert hash_searcher.search("community policing").suggestion is None
    assert hash_searcher.search("policía comunitaria").suggestion is None


def test_keyword_snippets_mark_matches_and_are_escaped(hash_searcher):
    r = hash_searcher.search("homicide", mode="keyword")
    assert r.hits
    for h in r.hits:
        assert "<mark>" in h.snippet
        for word in re.findall(r"<mark>(.*?)</mark>", h.snippet):
            assert word.lower().startswith("homicid")
        _assert_escaped(h.snippet)


def test_snippets_escape_quotes_and_markup(hash_searcher):
    # the summary starts with a quoted name: quotes come back escaped around the marks
    r = hash_searcher.search("Jóvenes a lo Bien", mode="keyword")
    top = r.hits[0]
    assert top.id == "colombia-jovenes-a-lo-bien"
    assert "&#x27;<mark>Jóvenes</mark>" in top.snippet
    for h in r.hits:
        _assert_escaped(h.snippet)
    for mode in MODES:
        for h in hash_searcher.search('<b>police</b> & "training"', mode=mode).hits:
            _assert_escaped(h.snippet)


def test_snippet_function_escapes_text():
    out = snippet('Police & <script>x</script> "training" for police', "police")
    assert out.count("<mark>") == 2
    assert "<script>" not in out and "&lt;script&gt;" in out and "&amp;" in out and "&quot;" in out


def _assert_escaped(text: str) -> None:
    bare = re.sub(r"</?mark>", "", text)
    assert "<" not in bare and ">" not in bare and '"' not in bare
    assert html.escape(html.unescape(bare)) == bare


def test_hits_carry_the_case_fields(hash_searcher):
    h = hash_searcher.search("Vecinos Vigilantes").hits[0]
    assert h.title_original == "Vecinos Vigilantes"
    assert h.countries == ["PA"] and h.start_year == 1996
    assert h.institution == "National Police of Panama"
    assert set(h.ranks) == {"keyword", "semantic"}


# --- similar cases -------------------------------------------------------------------------------


def test_similar_excludes_itself_and_reports_shared_facets(hash_searcher):
    s = hash_searcher
    cid = "colombia-quadrant-community-policing-plan"
    me = s.record(cid)["facets"]
    sims = s.similar(cid, k=5)
    assert len(sims) == 5
    assert cid not in [x.id for x in sims]
    assert len({x.id for x in sims}) == 5
    scores = [x.score for x in sims]
    assert scores == sorted(scores, reverse=True)
    for x in sims:
        other = s.record(x.id)["facets"]
        for name, values in x.shared.items():
            assert values, "empty shared lists are left out"
            assert set(values) <= set(me[name]) & set(other[name])
    assert any("community-policing" in x.shared.get("themes", []) for x in sims)


def test_similar_k_larger_than_the_library_and_unknown_id(hash_searcher):
    s = hash_searcher
    sims = s.similar("panama-vecinos-vigilantes", k=100)
    assert len(sims) == len(s.records()) - 1
    assert "panama-vecinos-vigilantes" not in [x.id for x in sims]
    with pytest.raises(KeyError):
        s.similar("no-such-case")
