"""The map of the Americas (/map): countries shaded by the number of documented practices.

Shapes come from ``webapp/geo/americas.json`` (Natural Earth, public domain, simplified and projected
once by ``scripts/make_map.py``); nothing is fetched at run time. The numbers are the search page's
country facet counts for the same filters: a practice is counted once for every country it lists.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, render_template, request, url_for
from markupsafe import Markup

from indexer import vocab

from . import get_searcher, i18n
from .state import SearchState

bp = Blueprint("atlas", __name__)
GEO = Path(__file__).resolve().parent / "geo" / "americas.json"
# the 35 independent states of the Americas (OAS member states): listed in the table even at zero
AMERICAS = frozenset(
    "AG AR BS BB BZ BO BR CA CL CO CR CU DM DO EC SV GD GT GY HT HN JM MX NI PA PY PE KN LC VC SR TT US UY VE".split()
)
CLASSES = 5  # shading classes (ColorBrewer YlGnBu, colour-blind safe; the colours are in style.css)
WIDE = 10  # a practice listing this many countries or more is called regional or hemispheric
MAP_FILTERS = ("problems", "pillars", "themes", "target_population", "evidence_stage")  # the form's selects


PATH_DATA = re.compile(r"[MLZ0-9. -]*")


@lru_cache(maxsize=1)
def shapes() -> dict[str, Any]:
    """The shapes file, its path data checked to be only SVG commands and numbers (so the template
    writes it as it is, without escaping 100 KB on every request)."""
    geo = json.loads(GEO.read_text(encoding="utf-8"))
    for shape in geo["shapes"]:
        for key in ("d", "inset_d"):
            if not PATH_DATA.fullmatch(shape[key]):
                raise ValueError(f"{GEO}: {shape['code']}: {key} is not plain SVG path data")
            shape[key] = Markup(shape[key])
    return geo


def breaks(top: int, k: int = CLASSES) -> list[tuple[int, int]]:
    """Class ranges (low, high) from 1 to ``top``: geometric steps, so a few countries with many
    practices do not wash out the many with a few (1–2, 3–4, 5–8, 9–16, 17–30 for top = 30)."""
    if top <= 0:
        return []
    highs = sorted({max(1, math.ceil(top ** (i / k))) for i in range(1, k + 1)})
    out, low = [], 1
    for high in highs:
        if high >= low:
            out.append((low, high))
            low = high + 1
    return out


def shade(count: int, ranges: list[tuple[int, int]]) -> int:
    """The colour step (1..CLASSES) of a count; 0 for none. Fewer ranges spread over the whole scale."""
    if count <= 0:
        return 0
    for i, (_, high) in enumerate(ranges):
        if count <= high:
            return 1 + round(i * (CLASSES - 1) / max(1, len(ranges) - 1)) if len(ranges) > 1 else CLASSES
    return 0


def map_state(args) -> SearchState:
    """The filters the map carries over: every search filter and the years, but no query (the map
    counts the library, not a ranked result list) and no country (each country is one shape)."""
    state = SearchState.from_args(args)
    filters = {k: v for k, v in state.filters.items() if k != "countries"}
    return SearchState(filters=filters, year_from=state.year_from, year_to=state.year_to)


def map_data(state: SearchState, lang: str) -> dict[str, Any]:
    searcher = get_searcher()
    filters = {k: list(v) for k, v in state.filters.items()}
    years = (state.year_from, state.year_to)
    counts = searcher.facets(filters, years, names=("countries",)).get("countries", {})
    spread = searcher.spread("countries", filters, years)  # cases by how many countries they list
    ranges = breaks(max(counts.values(), default=0))
    texts: dict[int, tuple[str, str]] = {}  # each distinct count formatted once

    def text(n: int) -> tuple[str, str]:
        if n not in texts:
            practices = (
                i18n.ngettext("{n} documented practice", "{n} documented practices", n)
                if n
                else i18n.gettext("no documented practice")
            )
            texts[n] = (i18n.format_number(n), practices)
        return texts[n]

    countries = []
    for code in set(counts) | AMERICAS:
        n = counts.get(code, 0)
        name = vocab.country_name(code, lang)
        number, practices = text(n)
        countries.append(
            {
                "code": code,
                "name": name,
                "count": n,
                "count_text": number,
                "label": f"{name}: {practices}",
                "step": shade(n, ranges),
                "url": state.with_(filters={**state.filters, "countries": (code,)}).url(lang) if n else None,
            }
        )
    countries.sort(key=lambda c: vocab.fold(c["name"]))
    active = [
        {
            "field": f,
            "value": v,
            "label": vocab.label(vocab.FACET_VOCAB[f], v, lang),
            "remove_url": url_for("atlas.map_page", **state.toggled(f, v).params(lang)),
        }
        for f, vs in state.filters.items()
        for v in vs
    ]
    if state.year_from is not None or state.year_to is not None:
        active.append(
            {
                "field": "years",
                "value": f"{state.year_from or ''}–{state.year_to or ''}",
                "label": f"{state.year_from or '…'}–{state.year_to or '…'}",
                "remove_url": url_for("atlas.map_page", **state.with_(year_from=None, year_to=None).params(lang)),
            }
        )
    return {
        "filters": {k: list(v) for k, v in state.filters.items()},
        "year_from": state.year_from,
        "year_to": state.year_to,
        "total": sum(spread.values()),
        "single_country": spread.get(1, 0),
        "multi_country": sum(n for k, n in spread.items() if k > 1),
        "wide": sum(n for k, n in spread.items() if k >= WIDE),
        "wide_threshold": WIDE,
        "no_country": spread.get(0, 0),
        "mentions": sum(counts.values()),
        "countries": countries,
        "scale": [{"step": shade(high, ranges), "low": low, "high": high} for low, high in ranges],
        "active_filters": active,
        "search_url": state.url(lang),
        "url": url_for("atlas.map_page", **state.params(lang)),
        "api_url": url_for("api.map_json", **state.params()),
    }


@lru_cache(maxsize=16)
def _options(field: str, lang: str) -> tuple[tuple[str, str], ...]:
    key = vocab.FACET_VOCAB[field]
    return tuple(
        sorted(((v, vocab.label(key, v, lang)) for v in vocab.enum_values(key)), key=lambda x: vocab.fold(x[1]))
    )


def filter_choices(state: SearchState, lang: str) -> list[dict[str, Any]]:
    """The form's selects: each filter's values with their labels (alphabetical), the current one selected."""
    out = []
    for field in MAP_FILTERS:
        current = state.filters.get(field, ())
        values = [{"value": v, "label": label, "selected": v in current} for v, label in _options(field, lang)]
        out.append({"field": field, "values": values, "multiple": len(current) > 1})
    return out


_INT = {"type": "integer"}
_YEAR = {"type": "integer", "nullable": True}
OPENAPI_RESPONSE = {
    "description": "OK",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["filters", "total", "multi_country", "mentions", "countries", "scale", "search_url"],
                "properties": {
                    "filters": {"type": "object"},
                    "year_from": _YEAR,
                    "year_to": _YEAR,
                    "total": _INT,
                    "single_country": _INT,
                    "multi_country": _INT,
                    "wide": _INT,
                    "wide_threshold": _INT,
                    "no_country": _INT,
                    "mentions": _INT,
                    "countries": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["code", "name", "count", "count_text", "label", "step", "url"],
                            "properties": {
                                "code": {"type": "string"},
                                "name": {"type": "string"},
                                "count": _INT,
                                "count_text": {"type": "string"},
                                "label": {"type": "string"},
                                "step": _INT,
                                "url": {"type": "string", "nullable": True},
                            },
                        },
                    },
                    "scale": {"type": "array", "items": {"type": "object"}},
                    "active_filters": {"type": "array", "items": {"type": "object"}},
                    "search_url": {"type": "string"},
                    "url": {"type": "string"},
                    "api_url": {"type": "string"},
                },
            }
        }
    },
}


@bp.get("/map")
def map_page():
    lang = i18n.current()
    state = map_state(request.args)
    d = map_data(state, lang)
    by_code = {c["code"]: c for c in d["countries"]}
    geo = shapes()
    paths = [
        dict(shape, country=by_code.get(shape["code"]), member=shape["code"] in AMERICAS) for shape in geo["shapes"]
    ]
    return render_template("map.html", d=d, geo=geo, paths=paths, state=state, choices=filter_choices(state, lang))
