"""The columnar catalog: filters and facet counts agree with a plain count over the records."""

from __future__ import annotations

import numpy as np
import pytest

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
