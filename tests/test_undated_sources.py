"""Undated sources: ``year: null`` is cited "n.d." ("s.f.", "s.d."), never as a made-up year, and
``accessed`` says when a page was consulted (validation, case page, bibliography downloads, exports)."""

from __future__ import annotations

import json
import re

import pytest
from pybtex.database import parse_string
from test_draft import complete, post
from test_validate import en_text, replace_once, run

from indexer.export import export_library
from indexer.messages import render
from webapp import draft

# a shipped case whose sources mix dated documents and pages that show no date (consulted November 2026)
CASE = "canada-prince-albert-hub-community-mobilization"
UNDATED_ID = "sasktoday-yorkton"  # SaskToday article, no date on the page


def with_source(lines: str) -> str:
    """The valid English fixture with its one source's ``year: 2012`` line replaced by ``lines``."""
    return replace_once(en_text(), "    year: 2012\n", lines)


# --- the format ------------------------------------------------------------------------------------


def test_null_year_with_an_accessed_month_or_day_is_valid():
    assert run(with_source("    year: null\n    accessed: 2026-11\n")) == []
    assert run(with_source("    year: null\n    accessed: 2026-11-20\n")) == []
    assert run(with_source("    year: null\n")) == []  # accessed stays optional
    assert run(with_source("    year: 2012\n    accessed: 2026-11-20\n")) == []


@pytest.mark.parametrize("value", ["November 2026", "2026", "20/11/2026", "2026-13", "2026-02-30"])
def test_an_accessed_that_is_not_a_date_names_file_line_field_and_fix(value):
    problems = run(with_source(f"    year: null\n    accessed: {value}\n"))
    assert [str(p)[: str(p).index(" sources")] for p in problems] == ["valid-english-case.md:25:"]
    p = problems[0]
    assert p.field == "sources[0].accessed" and p.severity == "error"
    assert f"'{value}' is not a date" in p.message and "YYYY-MM-DD or YYYY-MM" in p.message
    assert "accessed: 2026-11" in p.message  # the fix, as the documenter types it
    assert "no es una fecha" in render(p, "es") and "AAAA-MM-DD o AAAA-MM" in render(p, "es")


def test_a_written_out_undated_year_points_to_null():
    (p,) = run(with_source("    year: n.d.\n"))
    assert str(p).startswith("valid-english-case.md:24: sources[0].year: expected a whole number, got str")
    assert "year: null when the document shows no date" in p.message


def test_year_zero_is_not_a_way_to_say_undated():
    (p,) = run(with_source("    year: 0\n"))
    assert p.field == "sources[0].year" and "minimum of 1900" in p.message


def test_no_shipped_case_passes_off_the_year_consulted_as_a_publication_year(cases_dir):
    """Publisher fields no longer carry "2026 is the year it was consulted": that is year: null + accessed."""
    for path in cases_dir.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"publisher:.*year (it was )?consulted", text), path.name


def test_the_draft_form_reads_nd_sf_sd_as_an_undated_source():
    for typed in ("n.d.", "s.f.", "S.D."):
        meta = draft.build_meta(draft.read_form(complete(**{"sources[0].year": typed})))
        assert meta["sources"][0]["year"] is None, typed
    meta = draft.build_meta(draft.read_form(complete(**{"sources[0].year": "2012"})))
    assert meta["sources"][0]["year"] == 2012
    meta = draft.build_meta(draft.read_form(complete(**{"sources[0].year": "s.f.", "sources[0].accessed": "2026-11"})))
    assert meta["sources"][0] == {**meta["sources"][0], "year": None, "accessed": "2026-11"}


def test_the_draft_form_explains_a_bad_consultation_date_in_the_page_language(client):
    form = complete(**{"sources[0].accessed": "noviembre"})
    html = post(client, form, lang="es").get_data(as_text=True)
    assert 'id="f-sources[0].accessed"' in html
    assert "«noviembre» no es una fecha: escríbala como AAAA-MM-DD o AAAA-MM" in html


# --- the case page -----------------------------------------------------------------------------------


def _source_items(html: str) -> list[str]:
    block = html[html.index('<ol class="sources"') : html.index("</ol>", html.index('<ol class="sources"'))]
    return [re.sub(r"\s+", " ", li) for li in re.findall(r"<li>(.*?)</li>", block, re.S)]


@pytest.mark.parametrize(
    "lang, undated",
    [
        ("es", "SaskToday.ca (Yorkton) (s.f.; consultado en noviembre de 2026)."),
        ("pt", "SaskToday.ca (Yorkton) (s.d.; consultado em novembro de 2026)."),
        ("en", "SaskToday.ca (Yorkton) (n.d.; consulted in November 2026)."),
    ],
)
def test_case_page_cites_an_undated_source_as_nd_in_the_page_language(client, lang, undated):
    items = _source_items(client.get(f"/cases/{CASE}?lang={lang}").get_data(as_text=True))
    assert any(li.startswith(undated) for li in items), items
    assert not any("(2026" in li for li in items)  # no source of this case was published in 2026
    dated = [li for li in items if re.search(r"\((19|20)[0-9]{2}\)\.", li)]
    assert dated, "dated sources keep their year"


def test_case_json_keeps_null_and_adds_the_shown_date(client):
    body = client.get(f"/api/cases/{CASE}?lang=es").get_json()
    src = next(s for s in body["sources"] if s.get("id") == UNDATED_ID)
    assert src["year"] is None and src["accessed"] == "2026-11"
    assert src["date_text"] == "s.f.; consultado en noviembre de 2026"


# --- bibliography downloads ----------------------------------------------------------------------------


def test_sources_ris_omits_py_for_undated_and_gives_the_access_date(client):
    ris = client.get(f"/cases/{CASE}/sources.ris").get_data(as_text=True)
    records = [r for r in ris.split("ER  - \r\n") if r.strip()]
    assert all(r.startswith("TY  - ") for r in records) and ris.endswith("ER  - \r\n")
    undated = next(r for r in records if f"ID  - caselib-{CASE}-{UNDATED_ID}\r\n" in r)
    assert "PY  -" not in undated and "2026" not in undated.replace("Y2  - 2026/11//", "")
    assert "Y2  - 2026/11//\r\n" in undated
    assert sum("PY  - " in r for r in records) >= 1  # the dated ones keep PY
    assert all(not re.search(r"PY  - 2026", r) for r in records)


def test_sources_bibtex_has_no_year_for_undated_and_parses(client):
    bib = client.get(f"/cases/{CASE}/sources.bib?lang=es").get_data(as_text=True)
    entries = parse_string(bib, "bibtex").entries
    undated = entries[f"caselib-{CASE}-{UNDATED_ID}"]
    assert "year" not in undated.fields
    assert undated.fields["urldate"] == "2026-11" and "consultado en noviembre de 2026" in undated.fields["note"]
    assert any("year" in e.fields for e in entries.values())
    assert all(e.fields.get("year") != "2026" for e in entries.values())


def test_case_page_links_the_sources_downloads(client):
    html = client.get(f"/cases/{CASE}").get_data(as_text=True)
    assert f'href="/cases/{CASE}/sources.bib"' in html and f'href="/cases/{CASE}/sources.ris"' in html
    assert client.get("/cases/no-such-case/sources.ris").status_code == 404


# --- exports ---------------------------------------------------------------------------------------------


def test_json_export_writes_null_not_zero(tmp_path, cases_dir):
    export_library(cases_dir, tmp_path, formats=["jsonl"])
    for line in (tmp_path / "cases.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["id"] == CASE:
            src = next(s for s in rec["front_matter"]["sources"] if s.get("id") == UNDATED_ID)
            assert src["year"] is None and src["accessed"] == "2026-11"
            assert '"year": null' in line and '"year": 0' not in line
            return
    raise AssertionError(f"{CASE} not exported")


def test_sources_of_every_shipped_case_export_as_valid_bibtex_and_ris(app, cases_dir):
    from indexer.loader import load_library
    from webapp import render as page_render

    with app.test_request_context("/?lang=es"):
        for case in load_library(cases_dir).cases:
            sources = case.meta["sources"]
            entries = parse_string(page_render.sources_bibtex(case.meta), "bibtex").entries
            assert len(entries) == len(sources), case.id
            undated = [s for s in sources if s.get("year") is None]
            assert sum("year" not in e.fields for e in entries.values()) == len(undated), case.id
            ris = page_render.sources_ris(case.meta)
            assert ris.count("ER  - \r\n") == len(sources), case.id
            assert all(line[2:6] == "  - " for line in ris.split("\r\n") if line), case.id
            assert ris.count("PY  - ") == len(sources) - len(undated), case.id
