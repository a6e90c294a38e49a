"""The evidence-gap matrix (/evidence): problems or themes × evaluation stage and rating, and
countries × pillars; each cell a count that links to its search, empty cells shown as gaps. JSON
at /api/evidence and CSV at /evidence.csv (through ``indexer.export.write_csv``). Counting is the
engine's (``indexer.matrix``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, jsonify, render_template, request, url_for

from indexer import FILTER_FIELDS, SUBREGIONS, Matrix, count_matrix, region_name, shade, vocab, write_csv
from indexer import MATRIX_VIEWS as VIEWS

from . import get_searcher, i18n, render
from .i18n import N_
from .i18n import gettext as _
from .state import URL_SAFE, BadQuery, SearchState

bp = Blueprint("evidence", __name__)
STEPS = 5  # shades of a non-empty cell
VIEW_NAMES = {
    "problems": N_("Problems × evidence"),
    "themes": N_("Themes × evidence"),
    "countries": N_("Countries × pillars"),
}
REGION_OF = {c: r for r, members in SUBREGIONS.items() for c in members}


def _label(field: str, value: str, lang: str) -> str:
    return vocab.label("countries" if field == "countries" else vocab.FACET_VOCAB[field], value, lang)


def _view(args) -> str:  # noqa: ANN001
    view = args.get("view") or "problems"
    if view not in VIEWS:
        raise BadQuery(_("view “{value}” is not one of {allowed}", value=view[:40], allowed=", ".join(VIEWS)))
    return view


class Links:
    """Search URLs of the matrix's cells, rows and columns: ~400 a page, so each one is a concatenation
    of query-string pieces encoded once (the page's filters, the row's value, the column's value)."""

    def __init__(self, filters: dict[str, list[str]], lang: str):
        self.base = url_for("pages.search") + "?"
        kept = [(k, v) for k in FILTER_FIELDS for v in filters.get(k, [])]
        self.head = [urlencode(kept, safe=URL_SAFE)] if kept else []
        self.tail = [urlencode([("lang", lang)])]

    @staticmethod
    def part(field: str, value: str) -> str:
        return urlencode([(field, value)], safe=URL_SAFE)

    def __call__(self, *parts: str) -> str:
        return self.base + "&".join([*self.head, *parts, *self.tail])


def legend(top: int, steps: int = STEPS) -> list[dict[str, int]]:
    """The count range of each shade (shades no count can reach when the largest cell is small are left out)."""
    out = []
    for k in range(1, steps + 1):
        lo, hi = (k - 1) * top // steps + 1, k * top // steps
        if lo <= hi:
            out.append({"shade": k, "from": lo, "to": hi})
    return out


def evidence_data(args, lang: str) -> dict[str, Any]:  # noqa: ANN001
    """The matrix of the view asked for, labelled and linked — the page, /api/evidence and the CSV alike."""
    view = _view(args)
    state = SearchState.from_args(args)
    filters = {k: list(v) for k, v in state.filters.items()}
    m: Matrix = count_matrix(get_searcher().catalog, view, filters)
    top = m.max
    keep = {k: v for k, v in m.filters.items()}
    link = Links(keep, lang)
    row_parts = [link.part(m.rows_field, r) for r in m.rows]
    col_parts = [link.part(f, v) for f, v in m.columns]
    texts: dict[int, str] = {}

    def num(n: int) -> str:  # each distinct count formatted once (Babel's formatting is the page's main cost)
        if n not in texts:
            texts[n] = i18n.format_number(n)
        return texts[n]

    groups = []
    for f, v in m.columns:
        if not groups or groups[-1]["field"] != f:
            groups.append({"field": f, "name": i18n.field_name(f), "columns": []})
        groups[-1]["columns"].append({"field": f, "value": v, "label": _label(f, v, lang)})
    for j, col in enumerate(c for g in groups for c in g["columns"]):
        col["total"] = m.column_totals[j]
        col["text"] = num(col["total"])
        col["search_url"] = link(col_parts[j])
    rows = []
    for i, value in enumerate(m.rows):
        group = None
        if m.rows_field == "countries":
            region = REGION_OF.get(value)
            group = region_name(region, lang) if region else _("Other countries")
        cells = []
        for j, count in enumerate(m.cells[i]):
            cells.append(
                {
                    "count": count,
                    "text": num(count),
                    "shade": shade(count, top, STEPS),
                    "gap": count == 0,
                    "url": link(row_parts[i], col_parts[j]),
                }
            )
        rows.append(
            {
                "value": value,
                "label": _label(m.rows_field, value, lang),
                "group": group,
                "total": m.row_totals[i],
                "text": num(m.row_totals[i]),
                "search_url": link(row_parts[i]),
                "cells": cells,
            }
        )
    params = {"view": view, **keep}
    gaps = sum(1 for r in rows for c in r["cells"] if c["gap"])
    return {
        "view": view,
        "views": [
            {"name": v, "label": _(VIEW_NAMES[v]), "url": url_for("evidence.evidence", view=v, **keep, lang=lang)}
            for v in VIEWS
        ],
        "rows_field": m.rows_field,
        "rows_name": i18n.field_name(m.rows_field),
        "column_groups": groups,
        "rows": rows,
        "total": m.total,
        "max": top,
        "cells": len(rows) * len(m.columns),
        "gaps": gaps,
        "legend": legend(top),
        "filters": keep,
        "active_filters": [
            {
                "field": f,
                "value": v,
                "label": _label(f, v, lang),
                "remove_url": url_for(
                    "evidence.evidence", view=view, **{**keep, f: [x for x in vs if x != v]}, lang=lang
                ),
            }
            for f, vs in keep.items()
            for v in vs
        ],
        "url": url_for("evidence.evidence", **params, lang=lang),
        "canonical_url": url_for("evidence.evidence", **params, lang=lang, _external=True),
        "api_url": url_for("evidence.evidence_json", **params),
        "csv_url": url_for("evidence.evidence_csv", **params, lang=lang),
    }


def evidence_csv_text(d: dict[str, Any]) -> str:
    columns = [c for g in d["column_groups"] for c in g["columns"]]
    header = ["value", d["rows_name"]]
    header += [f"{g['name']}: {c['label']}" for g in d["column_groups"] for c in g["columns"]]
    header.append(_("All"))
    rows = [header]
    for r in d["rows"]:
        rows.append([r["value"], r["label"], *(c["count"] for c in r["cells"]), r["total"]])
    rows.append(["", _("All"), *(c["total"] for c in columns), d["total"]])
    return write_csv(rows)


@bp.get("/evidence")
def evidence():
    return render_template("evidence.html", d=evidence_data(request.args, i18n.current()))


@bp.get("/evidence.csv")
def evidence_csv():
    d = evidence_data(request.args, i18n.current())
    return render.attachment(evidence_csv_text(d), "text/csv", f"caselib-evidence-{d['view']}.csv")


@bp.get("/api/evidence")
def evidence_json():
    return jsonify(evidence_data(request.args, i18n.current()))


def _openapi() -> dict[str, Any]:
    filters = [
        {
            "name": f,
            "in": "query",
            "style": "form",
            "explode": True,
            "schema": {"type": "array", "items": {"type": "string", "maxLength": 100}},
            "description": f"Count only cases with this {f} (repeat for OR); the view's own fields are ignored.",
        }
        for f in FILTER_FIELDS
    ]
    return {
        "/api/evidence": {
            "get": {
                "summary": "The evidence-gap matrix: cases counted by problem or theme × evaluation stage and rating, "
                "or by country × pillar; every cell with the link to its search",
                "operationId": "evidenceMatrix",
                "parameters": [
                    {
                        "name": "view",
                        "in": "query",
                        "schema": {"type": "string", "enum": list(VIEWS), "default": "problems"},
                    },
                    *filters,
                    {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["en", "es", "pt"]}},
                ],
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["view", "rows_field", "column_groups", "rows", "total"],
                                    "properties": {
                                        "view": {"type": "string", "enum": list(VIEWS)},
                                        "rows_field": {"type": "string"},
                                        "column_groups": {"type": "array", "items": {"type": "object"}},
                                        "rows": {
                                            "type": "array",
                                            "items": {
                                                "type": "object",
                                                "required": ["value", "label", "total", "cells"],
                                                "properties": {
                                                    "value": {"type": "string"},
                                                    "label": {"type": "string"},
                                                    "total": {"type": "integer"},
                                                    "cells": {
                                                        "type": "array",
                                                        "items": {
                                                            "type": "object",
                                                            "required": ["count", "gap", "url"],
                                                            "properties": {
                                                                "count": {"type": "integer"},
                                                                "shade": {"type": "integer"},
                                                                "gap": {"type": "boolean"},
                                                                "url": {"type": "string"},
                                                            },
                                                        },
                                                    },
                                                },
                                            },
                                        },
                                        "total": {"type": "integer"},
                                    },
                                }
                            }
                        },
                    },
                    "400": {
                        "description": "Error",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                },
            }
        }
    }


OPENAPI = _openapi()
