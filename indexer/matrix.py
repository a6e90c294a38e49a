"""The evidence-gap matrix (the /evidence page): cases counted by two facets at once.

Views: rows = problems (or themes), columns = evaluation stage then evidence rating; and rows =
countries, columns = pillars. Every cell is the number of cases having the row's value and the
column's value among the cases passing ``filters`` — the catalog's facet count for the filters plus
the column, read at the row's value, so each cell equals the total of the search with those three
filters (``tests/test_matrix.py`` checks both). Rows and columns list every value of the vocabulary,
so empty cells — the gaps — are shown, not left out. Pure engine: one ``Catalog``, no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import vocab
from .regions import OAS_MEMBERS, SUBREGIONS

EVIDENCE = ("evidence_stage", "evidence_rating")
VIEWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "problems": ("problems", EVIDENCE),
    "themes": ("themes", EVIDENCE),
    "countries": ("countries", ("pillars",)),
}
MATRIX_VIEWS = VIEWS  # the name the web app imports (indexer.PUBLIC)


@dataclass(frozen=True)
class Matrix:
    view: str
    rows_field: str
    rows: list[str]
    columns: list[tuple[str, str]]  # (facet field, value), in display order
    cells: list[list[int]]  # [row][column]
    row_totals: list[int]  # cases with the row's value (any column)
    column_totals: list[int]  # cases with the column's value (any row)
    total: int  # cases passing the filters
    filters: dict[str, list[str]]  # the filters applied (the view's own fields left out)

    @property
    def max(self) -> int:
        return max((c for row in self.cells for c in row), default=0)


def row_values(cat, field: str) -> list[str]:  # noqa: ANN001
    """A view's rows: the vocabulary in its published order; countries as the OAS member states by
    UN M49 sub-region, then any other country the library holds."""
    if field != "countries":
        return vocab.enum_values(field)
    members = [c for codes in SUBREGIONS.values() for c in codes]
    return members + sorted(set(cat.facet_values.get("countries", [])) - set(OAS_MEMBERS))


def matrix(cat, view: str, filters: dict[str, list[str]] | None = None) -> Matrix:  # noqa: ANN001
    if view not in VIEWS:
        raise ValueError(f"unknown view '{view}': use one of {', '.join(VIEWS)}")
    rows_field, column_fields = VIEWS[view]
    own = {rows_field, *column_fields}
    base = {k: list(v) for k, v in (filters or {}).items() if v and k not in own}
    rows = row_values(cat, rows_field)
    columns = [(f, v) for f in column_fields for v in vocab.enum_values(f)]
    all_counts = cat.facet_counts(cat.mask(base))
    cells_by_col = []
    for f, v in columns:
        counts = cat.facet_counts(cat.mask({**base, f: [v]})).get(rows_field, {})
        cells_by_col.append([counts.get(r, 0) for r in rows])
    cells = [[col[i] for col in cells_by_col] for i in range(len(rows))]
    row_counts = all_counts.get(rows_field, {})
    return Matrix(
        view=view,
        rows_field=rows_field,
        rows=rows,
        columns=columns,
        cells=cells,
        row_totals=[row_counts.get(r, 0) for r in rows],
        column_totals=[all_counts.get(f, {}).get(v, 0) for f, v in columns],
        total=int(cat.mask(base).sum()),
        filters=base,
    )


def cell_filters(m: Matrix, row: int, column: int) -> dict[str, list[str]]:
    """The search filters whose result is cell ``[row][column]``."""
    f, v = m.columns[column]
    return {**m.filters, m.rows_field: [m.rows[row]], f: [v]}


def shade(count: int, top: int, steps: int = 5) -> int:
    """The shade of a cell: 0 for an empty cell (a gap), else 1..``steps`` by its share of the largest cell."""
    if count <= 0 or top <= 0:
        return 0
    return max(1, min(steps, -(-count * steps // top)))


count_matrix = matrix  # the name the web app imports (indexer.PUBLIC)
