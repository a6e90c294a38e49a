"""/evidence: the evidence-gap matrix agrees with the facet counts, and every cell links to a search
whose total is the cell (issue 19)."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest

from indexer import vocab
from indexer.matrix import cell_filters, matrix, shade
from webapp.evidence import legend


@pytest.mark.parametrize("view", ["problems", "themes", "countries"])
def test_cells_are_the_facet_counts_of_the_same_filters(client, view):
    d = client.get(f"/api/evidence?view={view}").get_json()
    columns = [c for g in d["column_groups"] for c in g["columns"]]
    for j, col in enumerate(columns):
        facets = client.get("/api/facets", query_string={col["field"]: col["value"]}).get_json()["facets"]
        counts = {v["value"]: v["count"] for v in facets[d["rows_field"]]}
        assert [r["cells"][j]["count"] for r in d["rows"]] == [counts.get(r["value"], 0) for r in d["rows"]]
    whole = client.get("/api/facets").get_json()["facets"]
    row_counts = {v["value"]: v["count"] for v in whole[d["rows_field"]]}
    assert [r["total"] for r in d["rows"]] == [row_counts.get(r["value"], 0) for r in d["rows"]]
    # every value the library uses has its row: nothing is counted out of sight
    assert set(row_counts) <= {r["value"] for r in d["rows"]}
    assert d["gaps"] == sum(1 for r in d["rows"] for c in r["cells"] if c["count"] == 0) > 0


@pytest.mark.parametrize("view, filters", [("problems", {}), ("countries", {}), ("themes", {"pillars": "prevention"})])
def test_every_cell_links_to_a_search_whose_total_is_the_cell(client, view, filters):
    d = client.get("/api/evidence", query_string={"view": view, **filters}).get_json()
    checked = 0
    for r in d["rows"]:
        for c in r["cells"]:
            url = urlsplit(c["url"])
            assert url.path == "/search"
            query = parse_qsl(url.query)
            for k, v in filters.items():
                assert (k, v) in query  # the page's filters carry over into every cell
            total = client.get("/api/search", query_string=[*query, ("per_page", 1)]).get_json()["total"]
            assert total == c["count"], (r["value"], c["url"])
            checked += 1
    assert checked == len(d["rows"]) * sum(len(g["columns"]) for g in d["column_groups"])


def test_the_page_prints_every_number_and_marks_the_gaps(client):
    d = client.get("/api/evidence?lang=es").get_json()
    body = client.get("/evidence?lang=es").get_data(as_text=True)
    cells = re.findall(r'<td class="s(\d)( gap)?"><a href="([^"]+)">([\d.]+)</a></td>', body)
    expected = [c for r in d["rows"] for c in r["cells"]]
    assert len(cells) == len(expected)
    for (s, gap, href, text), c in zip(cells, expected, strict=True):
        assert int(text.replace(".", "")) == c["count"] and int(s) == c["shade"]
        assert bool(gap) == (c["count"] == 0) and unescape(href) == c["url"]
    assert "Homicidio" in body and "Evaluada de forma independiente" in body  # labels in Spanish
    assert 'class="legend"' in body and "un vacío" in body


def test_csv_has_the_same_numbers_through_the_safe_writer(client):
    d = client.get("/api/evidence?view=countries&lang=pt").get_json()
    r = client.get("/evidence.csv?view=countries&lang=pt")
    assert r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0][:2] == ["value", "Países"] and rows[0][-1] not in ("All", "")  # the header in Portuguese
    body = {row[0]: row for row in rows[1:-1]}
    for row in d["rows"]:
        assert [int(x) for x in body[row["value"]][2:]] == [c["count"] for c in row["cells"]] + [row["total"]]
    assert rows[-1][-1] == str(d["total"])


def test_a_formula_looking_label_is_neutralised(client, monkeypatch):
    monkeypatch.setattr(
        vocab, "label", lambda key, value, lang="en": '=HYPERLINK("x")' if key == "countries" else value
    )
    text = client.get("/evidence.csv?view=countries").get_data(as_text=True)
    assert "\r\nPA,\"'=HYPERLINK" in text and ',"=HYPERLINK' not in text and ",=HYPERLINK" not in text


def test_rows_list_the_whole_vocabulary_and_the_member_states(hash_searcher):
    m = matrix(hash_searcher.catalog, "problems")
    assert m.rows == vocab.enum_values("problems")
    assert [c for c, _ in m.columns] == ["evidence_stage"] * 5 + ["evidence_rating"] * 6
    c = matrix(hash_searcher.catalog, "countries", {"countries": ["PA"], "themes": ["community-policing"]})
    # the view's own field is not a filter
    assert len(c.rows) >= 35 and c.filters == {"themes": ["community-policing"]}
    assert cell_filters(c, 0, 1) == {"themes": ["community-policing"], "countries": ["CA"], "pillars": ["prevention"]}
    with pytest.raises(ValueError):
        matrix(hash_searcher.catalog, "colours")


def test_shades_and_legend():
    assert [shade(n, 10) for n in (0, 1, 2, 3, 5, 10)] == [0, 1, 1, 2, 3, 5]
    assert shade(0, 0) == 0 and shade(3, 3) == 5
    assert legend(10) == [{"shade": k, "from": 2 * k - 1, "to": 2 * k} for k in range(1, 6)]
    assert [x["shade"] for x in legend(2)] == [3, 5]  # shades no count can take are left out
    for top in range(1, 40):  # every count from 1 to the top falls in the legend range of its own shade
        ranges = {x["shade"]: (x["from"], x["to"]) for x in legend(top)}
        for n in range(1, top + 1):
            lo, hi = ranges[shade(n, top)]
            assert lo <= n <= hi


def test_bad_view_is_a_clear_400(client):
    r = client.get("/api/evidence?view=colours&lang=pt")
    assert r.status_code == 400 and "colours" in r.get_json()["error"]["message"]
