"""The columnar catalog: filters and facet counts agree with a plain count over the records."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import originals

from indexer.build import current_build
from indexer.catalog import Catalog

FILTERS = [
    {},
    {"countries": ["JM"]},
    {"countries": ["PA", "CO"], "pillars": ["prevention"]},
    {"themes": ["knowledge-sharing", "violence-prevention"], "status": ["active", "unknown"]},
    {"countries": ["no-such-country"]},
]


@pytest.fixture(scope="module")
def catalog(hash_index) -> Catalog:
    return Catalog(current_build(hash_index))


@pytest.mark.parametrize("filters", FILTERS)
def test_mask_and_counts_match_the_records(catalog, filters):
    years = (2000, 2025)
    mask = catalog.mask(filters, years)
    expected_rows = [
        i
        for i, rec in enumerate(catalog.records)
        if all(set(rec["facets"].get(f, [])) & set(v) for f, v in filters.items())
        and years[0] <= rec["start_year"] <= years[1]
    ]
    assert np.flatnonzero(mask).tolist() == expected_rows
    if filters in (FILTERS[0], FILTERS[2], FILTERS[3]):
        assert expected_rows, "this filter should match shipped cases"
    counts = catalog.facet_counts(mask)
    for name, got in counts.items():
        want: dict[str, int] = {}
        for i in expected_rows:
            for v in catalog.records[i]["facets"].get(name, []):
                want[v] = want.get(v, 0) + 1
        assert got == dict(sorted(want.items(), key=lambda kv: (-kv[1], kv[0]))), name


def test_golden_filter_is_not_empty(catalog):
    assert catalog.mask({"countries": ["JM"]}).sum() >= 1  # Jamaica's observatory is in the library


def test_records_are_parsed_on_demand_and_match_the_columns(catalog):
    assert len(catalog.records) == len(catalog.ids) > 0
    for row in (0, len(catalog) - 1, -1):
        rec = catalog.records[row]
        assert rec["id"] == catalog.ids[row] and rec["title"] == catalog.titles[row]
    with pytest.raises(IndexError):
        catalog.records[len(catalog)]
    assert [r["id"] for r in catalog.records] == catalog.ids
    assert catalog.full(catalog.ids[0])["id"] == catalog.ids[0]
    recent = catalog.recent(3)
    dates = [(r.get("documentation") or {}).get("last_reviewed") or "" for r in recent]
    assert dates == sorted(dates, reverse=True)


def test_incremental_catalog_equals_a_full_build(tmp_path, library, build):
    """Reused cases' columns are copied from the previous build; the result must equal a fresh build."""
    inc, full = tmp_path / "inc", tmp_path / "full"
    build(library, inc)
    files = originals(library)
    edited = files[3]
    linked = next(f for f in files if f != edited and any(f"- {f.stem}\n" in g.read_text() for g in files if g != f))
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("countries: [", "countries: [JM, ", 1), encoding="utf-8")
    removed_text = linked.read_text(encoding="utf-8")
    linked.unlink()  # another case links to it: that link is dropped, in the unchanged case's records too
    report = build(library, inc)
    assert not report.full and report.indexed == 1 and report.removed == 1 and report.unchanged > 30
    build(library, full)
    a, b = Catalog(current_build(inc)), Catalog(current_build(full))
    assert a.ids == b.ids and a.titles == b.titles and a.titles_original == b.titles_original
    assert a.start_year.tolist() == b.start_year.tolist() and a.last_reviewed == b.last_reviewed
    assert list(a.records) == list(b.records)
    everything = np.ones(len(a), dtype=bool)
    assert a.facet_counts(everything) == b.facet_counts(everything)
    for filters in FILTERS:
        assert a.mask(filters).tolist() == b.mask(filters).tolist()
    assert a.mask({"countries": ["JM"]})[a.row[edited.stem]]  # the edit is in the facets
    linking = [r["id"] for r in b.records if linked.stem in ((b.full(r["id"])["meta"].get("related")) or [])]
    assert not linking
    linked.write_text(removed_text, encoding="utf-8")  # back again: the link comes back
    build(library, inc)
    full2 = tmp_path / "full2"
    build(library, full2)
    a, b = Catalog(current_build(inc)), Catalog(current_build(full2))
    assert list(a.records) == list(b.records)
    assert [a.full(i) for i in a.ids] == [b.full(i) for i in b.ids]
    assert any(linked.stem in (r.get("related") or []) for r in a.records)
