"""“Start from your problem” (/start): a short guided form, then comparable cases with the reasons
they are comparable, their evidence, and an honest statement of the gaps. All state is in the GET
query (a shareable link); /api/start returns the same data as JSON. The ranking and the gap counts
are the engine's (``indexer.comparable``); this module only validates, labels and links."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from indexer import (
    OAS_MEMBERS,
    PROFILE_FIELDS,
    SUBREGIONS,
    Answer,
    Gap,
    Profile,
    clean_query,
    rank_comparable,
    region_name,
    subregion,
    vocab,
)

from . import data, get_searcher, i18n
from .i18n import gettext as _
from .state import BadQuery, whole

bp = Blueprint("start", __name__)
PER_PAGE = 10
PARAMS = ("problems", "target_population", "setting", "countries", "q")


def _label(field: str, value: str, lang: str) -> str:
    return vocab.label("countries" if field == "countries" else vocab.FACET_VOCAB[field], value, lang)


def _lower(text: str) -> str:
    """A vocabulary label inside a sentence: 'Extortion' -> 'extortion' (country names keep their capital)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def profile_from(args: MultiDict) -> Profile:
    """The planner's profile from the query string; an unknown value is a 400 naming the field and a fix."""
    chosen: dict[str, str | None] = {}
    for field in PROFILE_FIELDS:
        value = (args.get(field) or "").strip()
        if value and value not in vocab.enum_values(field):
            raise BadQuery(
                _(
                    "{field} “{value}” is not a value of the registration format: choose one in the form.",
                    field=i18n.field_name(field),
                    value=value[:40],
                )
            )
        chosen[field] = value or None
    country = (args.get("countries") or "").strip().upper() or None
    if country and country not in OAS_MEMBERS:
        raise BadQuery(
            _(
                "“{value}” is not the code of an OAS member state (ISO 3166-1, two letters such as GT).",
                value=country[:40],
            )
        )
    q, _cut = clean_query(args.get("q"))
    return Profile(**chosen, country=country, description=q)


def _params(profile: Profile, lang: str | None = None, page: int = 1) -> dict[str, Any]:
    p: dict[str, Any] = dict(profile.values())
    if profile.country:
        p["countries"] = profile.country
    if profile.description:
        p["q"] = profile.description
    if page > 1:
        p["page"] = page
    if lang:
        p["lang"] = lang
    return p


def _what(filters: dict[str, list[str]], lang: str) -> str:
    """What a gap line is about, in words: 'extortion (target population: transport workers) in Central America'."""
    head = None
    quals = []
    place = ""
    for field, values in filters.items():
        names = ", ".join(_label(field, v, lang) for v in values)
        if field == "problems":
            head = _lower(names)
        elif field == "countries":
            region = subregion(values[0]) if len(values) > 1 else None
            place = _("in {region}", region=region_name(region, lang)) if region else _("in {country}", country=names)
        else:
            quals.append(f"{_lower(i18n.field_name(field))}: {_lower(names)}")
    if head is None:
        head, quals = "; ".join(quals), []
    text = f"{head} ({'; '.join(quals)})" if quals else head
    return f"{text} {place}" if place else text


def gap_text(g: Gap, lang: str) -> str:
    """One sentence of the gap statement, from the library's own counts."""
    what = _what(g.filters, lang)
    if g.total == 0:
        return _("The library has no practice for {what}.", what=what)
    if g.evaluated == 0:
        return i18n.ngettext(
            "The library has no evaluated practice for {what}: {n} practice addresses it, and it has not been evaluated.",  # noqa: E501
            "The library has no evaluated practice for {what}: {n} practices address it, none of them evaluated.",
            g.total,
            what=what,
        )
    text = i18n.ngettext("{n} practice addresses {what}", "{n} practices address {what}", g.total, what=what)
    text += "; " + i18n.ngettext("{n} of them has been evaluated", "{n} of them have been evaluated", g.evaluated)
    ratings = ", ".join(
        f"{_lower(vocab.label('evidence_rating', r, lang))} ({i18n.format_number(c)})" for r, c in g.ratings.items()
    )
    return text + (" (" + _("rating: {ratings}", ratings=ratings) + ")." if ratings else ".")


REASONS = {
    "problems": i18n.N_("Same problem: {value}"),
    "target_population": i18n.N_("Same target population: {value}"),
    "setting": i18n.N_("Same setting: {value}"),
}


def _reasons(c, lang: str, region: str | None) -> list[dict[str, str]]:  # noqa: ANN001
    out = []
    for field, value in c.shared.items():
        out.append({"kind": field, "text": _(REASONS[field], value=_label(field, value, lang))})
    if c.country == "same":
        out.append(
            {"kind": "country", "text": _("Same country: {country}", country=_label("countries", c.countries[0], lang))}
        )
    elif c.country == "subregion":
        names = ", ".join(_label("countries", x, lang) for x in c.countries)
        out.append(
            {
                "kind": "subregion",
                "text": _("Same sub-region ({region}): {countries}", region=region_name(region, lang), countries=names),
            }
        )
    if c.description == "close":
        out.append({"kind": "description", "text": _("Close to your description")})
    elif c.description == "related":
        out.append({"kind": "description", "text": _("Related to your description")})
    return out


def _card(c, lang: str, region: str | None) -> dict[str, Any]:  # noqa: ANN001
    rec = c.record
    version = (rec.get("versions") or {}).get(lang) or {}
    title, title_lang = (version["title"], lang) if version.get("title") else (rec["title"], "en")
    summary, summary_lang = data.summary_in(rec.get("summary"), lang)
    if version.get("summary"):
        summary, summary_lang = version["summary"], lang
    facets = rec.get("facets") or {}
    stage = (facets.get("evidence_stage") or ["not-evaluated"])[0]
    rating = (facets.get("evidence_rating") or ["not-rated"])[0]
    return {
        "id": c.id,
        "title": title,
        "title_lang": title_lang,
        "title_original": rec.get("title_original") if rec.get("title_original") not in (None, title) else None,
        "original_lang": data.original_language(rec),
        "summary": summary,
        "summary_lang": summary_lang,
        "countries": ", ".join(_label("countries", c, lang) for c in rec.get("countries") or []),
        "start_year": rec.get("start_year"),
        "institution": (rec.get("institution") or {}).get("name", ""),
        "score": c.score,
        "reasons": _reasons(c, lang, region),
        "evidence": {
            "stage": {"value": stage, "label": vocab.label("evidence_stage", stage, lang)},
            "rating": {"value": rating, "label": vocab.label("evidence_rating", rating, lang)},
            "evaluated": stage in ("evaluated", "independently-evaluated", "replicated"),
        },
        "url": url_for("pages.case", case_id=c.id, lang=lang),
        "api_url": url_for("api.case", case_id=c.id),
    }


def _options(field: str, lang: str) -> list[dict[str, str]]:
    values = [{"value": v, "label": _label(field, v, lang)} for v in vocab.enum_values(field)]
    return sorted(values, key=lambda o: vocab.fold(o["label"]))


def country_groups(lang: str) -> list[dict[str, Any]]:
    """The OAS member states for the country menu, by UN M49 sub-region, names as ``lang`` writes them."""
    return [
        {
            "code": region,
            "name": region_name(region, lang),
            "countries": sorted(
                ({"value": c, "label": _label("countries", c, lang)} for c in members),
                key=lambda o: vocab.fold(o["label"]),
            ),
        }
        for region, members in SUBREGIONS.items()
    ]


def start_data(args: MultiDict, lang: str) -> dict[str, Any]:
    """The data of the /start page (form state, comparable cases, gaps) — the page and /api/start alike."""
    profile = profile_from(args)
    page = whole(args.get("page"), "page", 1, 1000, 1) or 1
    chosen = [
        {"field": f, "value": v, "label": _label(f, v, lang), "name": i18n.field_name(f)}
        for f, v in [*profile.values().items(), *([("countries", profile.country)] if profile.country else [])]
    ]
    out: dict[str, Any] = {
        "profile": {
            "problems": profile.problems,
            "target_population": profile.target_population,
            "setting": profile.setting,
            "countries": profile.country,
            "q": profile.description,
        },
        "chosen": chosen,
        "asked": not profile.empty,
        "url": url_for("start.start", **_params(profile, lang, page)),
        "canonical_url": url_for("start.start", **_params(profile, lang, page), _external=True),
        "api_url": url_for("start.start_json", **_params(profile, None, page)),
        "total": 0,
        "page": page,
        "per_page": PER_PAGE,
        "pages": 1,
        "results": [],
        "gaps": [],
        "subregion": None,
    }
    if profile.empty:
        return out
    answer: Answer = rank_comparable(get_searcher(), profile, lang, page, PER_PAGE)
    region = answer.subregion
    pages = max(1, -(-answer.total // PER_PAGE))
    out.update(
        {
            "total": answer.total,
            "pages": pages,
            "subregion": {"code": region, "name": region_name(region, lang)} if region else None,
            "results": [_card(c, lang, region) for c in answer.cases],
            "gaps": [
                {
                    "filters": g.filters,
                    "total": g.total,
                    "evaluated": g.evaluated,
                    "stages": g.stages,
                    "ratings": g.ratings,
                    "text": gap_text(g, lang),
                    "search_url": url_for("pages.search", **g.filters, lang=lang) if g.total else None,
                }
                for g in answer.gaps
            ],
            "prev_url": url_for("start.start", **_params(profile, lang, page - 1)) if page > 1 else None,
            "next_url": url_for("start.start", **_params(profile, lang, page + 1)) if page < pages else None,
            "search_url": url_for("pages.search", q=profile.description, lang=lang) if profile.description else None,
        }
    )
    return out


@bp.get("/start")
def start():
    lang = i18n.current()
    d = start_data(request.args, lang)
    options = {f: _options(f, lang) for f in PROFILE_FIELDS}
    return render_template("start.html", d=d, options=options, countries=country_groups(lang))


@bp.get("/api/start")
def start_json():
    return jsonify(start_data(request.args, i18n.current()))


OPENAPI = {
    "/api/start": {
        "get": {
            "summary": "Start from your problem: comparable cases with the reasons, and the library's evidence gaps",
            "operationId": "startFromProblem",
            "parameters": [
                *(
                    {"name": f, "in": "query", "schema": {"type": "string", "enum": vocab.enum_values(f)}}
                    for f in PROFILE_FIELDS
                ),
                {
                    "name": "countries",
                    "in": "query",
                    "schema": {"type": "string", "enum": list(OAS_MEMBERS)},
                    "description": "The planner's country: an OAS member state (ISO 3166-1 alpha-2).",
                },
                {
                    "name": "q",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "The problem in the planner's words.",
                },
                {
                    "name": "page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1},
                },
                {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["en", "es", "pt"]}},
            ],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["profile", "total", "results", "gaps"],
                                "properties": {
                                    "profile": {"type": "object"},
                                    "total": {"type": "integer"},
                                    "results": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "title", "reasons", "evidence", "url"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "title": {"type": "string"},
                                                "score": {"type": "number"},
                                                "reasons": {"type": "array", "items": {"type": "object"}},
                                                "evidence": {"type": "object"},
                                                "url": {"type": "string"},
                                            },
                                        },
                                    },
                                    "gaps": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["filters", "total", "evaluated", "text"],
                                            "properties": {
                                                "filters": {"type": "object"},
                                                "total": {"type": "integer"},
                                                "evaluated": {"type": "integer"},
                                                "text": {"type": "string"},
                                            },
                                        },
                                    },
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
