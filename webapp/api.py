"""JSON API beside every page, described by /api/openapi.json."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request, url_for

from indexer import ERROR, FILTER_FIELDS, MODES, SORTS, Problem, __version__, messages

from . import atlas, community, data, get_searcher, i18n, review
from .state import SearchState, _int, whole

bp = Blueprint("api", __name__)
CACHE_SECONDS = 60  # a new build is visible to caches within a minute


def _lang() -> str:
    return i18n.current()


@bp.get("/search")
def search():
    state = SearchState.from_args(request.args)
    return jsonify(data.search_data(state, _lang()))


@bp.get("/cases/<case_id>")
def case(case_id: str):
    lang = _lang()
    return jsonify(data.case_data(case_id, lang, version_lang=data.version_language(lang)))


@bp.get("/cases/<case_id>/similar")
def similar(case_id: str):
    return jsonify({"id": case_id, "similar": data.similar_data(case_id, _lang(), k=_limit())})


MAX_PER_PAGE = 100


def _paginated(key: str, items: Sequence[Any], to_json: Callable[[Any], dict], default: int = 50):
    """One page of a list endpoint: ``page``/``per_page`` (at most 100), totals, and RFC 8288 ``Link``s."""
    per_page = _int(request.args, "per_page", default, 1, MAX_PER_PAGE) or default
    pages = max(1, -(-len(items) // per_page))
    page = _int(request.args, "page", 1, 1, 1_000_000) or 1
    start = (page - 1) * per_page
    body = {
        "total": len(items),
        "page": page,
        "per_page": per_page,
        "pages": pages,
        key: [to_json(items[i]) for i in range(start, min(start + per_page, len(items)))],
    }
    response = jsonify(body)
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("page", "per_page")]

    def link(n: int, rel: str) -> str:
        return f'<{request.path}?{urlencode([*kept, ("page", n), ("per_page", per_page)])}>; rel="{rel}"'

    rels = [link(1, "first"), link(pages, "last")]
    if page > 1:
        rels.append(link(min(page - 1, pages), "prev"))
    if page < pages:
        rels.append(link(page + 1, "next"))
    response.headers["Link"] = ", ".join(rels)
    return response


def _case_brief(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "title": r["title"],
        "title_original": r.get("title_original"),
        "countries": r["countries"],
        "start_year": r["start_year"],
        "last_reviewed": (r.get("documentation") or {}).get("last_reviewed"),
        "api_url": f"/api/cases/{r['id']}",
    }


@bp.get("/cases")
def cases():
    """Every case, in id order (stable across pages of one build), a page at a time."""
    return _paginated("cases", get_searcher().records(), _case_brief)


@bp.after_request
def cacheable(response: Response) -> Response:
    """ETag (a hash of the body) and a short public cache life for every successful GET, 304 when unchanged."""
    if request.method == "GET" and response.status_code == 200 and response.mimetype == "application/json":
        response.add_etag()
        response.cache_control.public = True
        response.cache_control.max_age = CACHE_SECONDS
        response.make_conditional(request)
    return response


@bp.get("/facets")
def facets():
    state = SearchState.from_args(request.args)
    return jsonify(
        {"filters": {k: list(v) for k, v in state.filters.items()}, "facets": data.facets_data(state, _lang())}
    )


@bp.get("/collections")
def collection_list():
    lang = _lang()
    return _paginated("collections", community.collections_data(lang)["collections"], dict)


@bp.get("/collections/<collection_id>")
def collection_one(collection_id: str):
    return jsonify(community.collection_data(collection_id, _lang()))


@bp.get("/compare")
def compare():
    return jsonify(community.compare_data(community.parse_ids(request.args), _lang()))


@bp.post("/submissions")
def submission_create():
    """A case (and optional translations) from an institution's own system: checked like `caselib check`,
    stored waiting for review; 201 with its id and the private tracking URL, 422 with every problem."""
    from .errors import error_body
    from .portal import files, get_store
    from .submit import slow_down

    payload = request.get_json(silent=True, force=True) if request.data else None
    try:
        case_id, texts = files.files_from_json(payload)
    except files.JSONProblem as exc:
        message = i18n.gettext(JSON_PROBLEMS[str(exc) if str(exc) in JSON_PROBLEMS else "not_an_object"])
        body = error_body(422, "invalid_submission", message)
        body["error"]["problems"] = [{"file": None, "line": None, "field": "", "severity": "error", "message": message}]
        return jsonify(body), 422
    known = set(get_searcher().case_ids())
    edit_of = payload.get("edit_of") if isinstance(payload.get("edit_of"), str) else None
    found = files.check_files(texts)
    related = payload.get("related") if isinstance(payload.get("related"), list) else []
    dangling = [r for r in related if isinstance(r, str) and r not in known]
    problems = [(name, p) for name, ps in found.items() for p in ps]
    if dangling:
        problems.append(
            (
                f"{case_id}.md",
                messages.problem(f"cases/{case_id}.md", 1, "related", "unknown_related", ids=", ".join(dangling)),
            )
        )
    if edit_of is None and case_id in known:
        message = i18n.gettext(
            'A case with the id “{id}” is already in the library: choose another id, or send "edit_of": "{id}" '
            "to suggest an edit of it.",
            id=case_id,
        )
        problems.append((f"{case_id}.md", Problem(f"cases/{case_id}.md", 1, "id", message)))
    if edit_of is not None and edit_of not in known:
        message = i18n.gettext("There is no case with the id “{id}”.", id=edit_of[:80])
        problems.append((f"{case_id}.md", Problem(f"cases/{case_id}.md", 1, "edit_of", message)))
    errors = [(n, p) for n, p in problems if p.severity == ERROR]
    listed = [
        {
            "file": name,
            "line": p.line,
            "field": p.field,
            "severity": p.severity,
            "code": p.code or None,
            "message": messages.render(p, _lang()) if p.code else p.message,
        }
        for name, p in problems
    ]
    if errors:
        body = error_body(
            422,
            "invalid_submission",
            i18n.ngettext(
                "The submission has {n} problem: see problems.",
                "The submission has {n} problems: see problems.",
                len(errors),
            ),
        )
        body["error"]["problems"] = listed
        return jsonify(body), 422
    slow_down()
    submitter = payload.get("submitter") if isinstance(payload.get("submitter"), dict) else {}
    title = payload.get("title") if isinstance(payload.get("title"), str) else ""
    sub, token = get_store().create(
        texts,
        case_id=case_id,
        title=title,
        kind="edit" if edit_of else "new",
        target_id=edit_of,
        name=_text(submitter.get("name")),
        institution=_text(submitter.get("institution")),
        email=_text(submitter.get("email")),
        lang=_lang(),
        channel="api",
        note=_text(payload.get("note"))[:5000],
    )
    tracking = url_for("submit.track", token=token, _external=True)
    review.notify(sub, "submitted", tracking)  # e-mail only when CASELIB_SMTP_URL is set
    answer = {
        "id": sub.id,
        "case_id": case_id,
        "status": sub.status,
        "tracking_url": tracking,
        "warnings": [x for x in listed if x["severity"] != "error"],
    }
    return jsonify(answer), 201, {"Location": tracking, "Cache-Control": "no-store"}


def _text(value) -> str:
    return " ".join(value.split())[:300] if isinstance(value, str) else ""


JSON_PROBLEMS = {
    "not_an_object": i18n.N_("Send one JSON object: the registration format's fields, plus body (the Markdown text)."),
    "bad_id": i18n.N_("The field id is missing or not a slug (lowercase letters, digits and hyphens)."),
    "no_body": i18n.N_("The field body is missing: send the case's Markdown text (its six sections) as a string."),
    "bad_translations": i18n.N_(
        'translations must be an object like {"es": {"title": ..., "summary": ..., "body": ...}}, '
        "with language codes es, pt, en or fr."
    ),
}


@bp.get("/map")
def map_json():
    """The numbers of the /map page: documented practices per country under the same filters."""
    return jsonify(atlas.map_data(atlas.map_state(request.args), _lang()))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


def _limit() -> int:
    return whole(request.args.get("limit", "5"), "limit", 1, 50)


def openapi_document() -> dict:
    err = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    lang = {
        "name": "lang",
        "in": "query",
        "schema": {"type": "string", "enum": list(i18n.LANGUAGES)},
        "description": "Language of labels and summaries (else Accept-Language).",
    }
    case_id = {
        "name": "case_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": f"^{data.ID_PATTERN}$", "maxLength": 80},
    }
    filters = [
        {
            "name": f,
            "in": "query",
            "style": "form",
            "explode": True,
            "schema": {"type": "array", "items": {"type": "string", "maxLength": 100}},
            "description": f"Filter on {f} (repeat for OR).",
        }
        for f in FILTER_FIELDS
    ]
    search_params = [
        {
            "name": "q",
            "in": "query",
            "schema": {"type": "string"},
            "description": "Query text (capped at 500 characters).",
        },
        {"name": "mode", "in": "query", "schema": {"type": "string", "enum": list(MODES), "default": "hybrid"}},
        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(SORTS), "default": "relevance"}},
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
        {"name": "year_from", "in": "query", "schema": {"type": "integer", "minimum": 1900, "maximum": 2100}},
        {"name": "year_to", "in": "query", "schema": {"type": "integer", "minimum": 1900, "maximum": 2100}},
        *filters,
        lang,
    ]
    obj = {"type": "object"}
    paging = [
        {
            "name": "page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1},
        },
        {
            "name": "per_page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 50},
        },
    ]
    page_props = {k: {"type": "integer"} for k in ("total", "page", "per_page", "pages")}
    not_modified = {"description": "Not modified since the ETag given in If-None-Match"}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "caselib API",
            "version": __version__,
            "description": "Search and read documented police-management and public-security practices.",
        },
        "paths": {
            "/api/search": {
                "get": {
                    "summary": "Search cases",
                    "operationId": "search",
                    "parameters": search_params,
                    "responses": {"200": _ok("#/components/schemas/SearchResult"), "400": err},
                }
            },
            "/api/cases": {
                "get": {
                    "summary": "Every case in id order, a page at a time (Link headers: first, prev, next, last)",
                    "operationId": "listCases",
                    "parameters": paging,
                    "responses": {"200": _ok("#/components/schemas/CaseList"), "304": not_modified, "400": err},
                }
            },
            "/api/cases/{case_id}": {
                "get": {
                    "summary": "One case",
                    "operationId": "getCase",
                    "parameters": [case_id, lang],
                    "responses": {"200": _ok("#/components/schemas/Case"), "404": err},
                }
            },
            "/api/cases/{case_id}/similar": {
                "get": {
                    "summary": "Cases similar to one case",
                    "operationId": "similarCases",
                    "parameters": [
                        case_id,
                        lang,
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 5},
                        },
                    ],
                    "responses": {"200": _ok("#/components/schemas/Similar"), "400": err, "404": err},
                }
            },
            "/api/facets": {
                "get": {
                    "summary": "Facet counts over the filtered library",
                    "operationId": "facets",
                    "parameters": [*filters, lang],
                    "responses": {"200": _ok("#/components/schemas/Facets"), "400": err},
                }
            },
            "/api/map": {
                "get": {
                    "summary": (
                        "Documented practices per country under the filters (the /map page's numbers; a practice "
                        "counts once for each country it lists; `countries` and `q` are ignored)"
                    ),
                    "operationId": "countryMap",
                    "parameters": [
                        *[p for p in search_params if p["name"] in ("year_from", "year_to")],
                        *filters,
                        lang,
                    ],
                    "responses": {"200": atlas.OPENAPI_RESPONSE, "400": err},
                }
            },
            "/api/collections": {
                "get": {
                    "summary": "Curated collections of cases",
                    "operationId": "listCollections",
                    "parameters": [*paging, lang],
                    "responses": {"200": _ok("#/components/schemas/CollectionList"), "304": not_modified, "400": err},
                }
            },
            "/api/collections/{collection_id}": {
                "get": {
                    "summary": (
                        "One collection: its cases in order with the curator's notes (each in `lang` when the "
                        "collection has it, else in `note_lang`), and outside links"
                    ),
                    "operationId": "getCollection",
                    "parameters": [
                        {
                            "name": "collection_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": f"^{data.ID_PATTERN}$", "maxLength": 80},
                        },
                        lang,
                    ],
                    "responses": {"200": _ok("#/components/schemas/Collection"), "404": err},
                }
            },
            "/api/compare": {
                "get": {
                    "summary": "Two to four cases side by side",
                    "operationId": "compareCases",
                    "parameters": [
                        {
                            "name": "ids",
                            "in": "query",
                            "style": "form",
                            "explode": True,
                            "schema": {"type": "array", "maxItems": 4, "items": {"type": "string", "maxLength": 80}},
                            "description": "Case ids, in column order (repeat the parameter; 2 to 4). "
                            "Unknown ids are listed in `unknown`.",
                        },
                        lang,
                    ],
                    "responses": {"200": _ok("#/components/schemas/Compare"), "400": err},
                }
            },
            "/api/submissions": {
                "post": {
                    "summary": "Submit a case (or an edit of one) for review",
                    "operationId": "submissionCreate",
                    "description": "A JSON object with the registration format's fields (docs/registration-format.md, "
                    "schema/case.schema.json) plus `body`, the Markdown text with its six sections; `translations` "
                    "optional, keyed by language. It is checked by the same validator as `caselib check`; a valid one "
                    "is stored waiting for review (nothing is published until an editor approves it) and the answer "
                    "gives its private tracking URL. Anonymous; rate-limited per address (429 with Retry-After).",
                    "parameters": [lang],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SubmissionIn"}}},
                    },
                    "responses": {
                        "201": _ok("#/components/schemas/SubmissionCreated")
                        | {"description": "Stored, waiting for review"},
                        "400": err,
                        "413": err,
                        "422": {
                            "description": "Not valid: every problem the validator found",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                        },
                        "429": err,
                        "503": err,
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {
                        "200": {"description": "OpenAPI document", "content": {"application/json": {"schema": obj}}}
                    },
                }
            },
            **_page_paths(),
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["status", "code", "message"],
                            "properties": {
                                "status": {"type": "integer"},
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "problems": {
                                    "type": "array",
                                    "description": "422 from /api/submissions: each problem, as `caselib check` "
                                    "reports it, in the request's language",
                                    "items": {"$ref": "#/components/schemas/Problem"},
                                },
                            },
                        }
                    },
                },
                "Problem": {
                    "type": "object",
                    "required": ["file", "line", "field", "severity", "message"],
                    "properties": {
                        "file": {"type": "string", "nullable": True},
                        "line": {"type": "integer", "nullable": True},
                        "field": {"type": "string"},
                        "severity": {"type": "string", "enum": ["error", "warning"]},
                        "code": {"type": "string", "nullable": True},
                        "message": {"type": "string"},
                    },
                },
                "SubmissionIn": {
                    "type": "object",
                    "required": ["id", "body"],
                    "additionalProperties": True,
                    "description": "The registration format's fields (see schema/case.schema.json), plus:",
                    "properties": {
                        "id": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 120},
                        "body": {"type": "string", "description": "The Markdown body: the six ## sections."},
                        "translations": {
                            "type": "object",
                            "description": "Optional, by language code (es, pt, en, fr): the translation format's "
                            "fields (title, summary, status, translated_by, translated_on, ...) plus body.",
                            "additionalProperties": {
                                "type": "object",
                                "required": ["body"],
                                "properties": {"body": {"type": "string"}},
                            },
                        },
                        "edit_of": {"type": "string", "description": "The id of the published case this edits."},
                        "submitter": {
                            "type": "object",
                            "description": "Optional; seen by reviewers, never published.",
                            "properties": {
                                "name": {"type": "string"},
                                "institution": {"type": "string"},
                                "email": {"type": "string"},
                            },
                        },
                        "note": {"type": "string", "description": "A note to the reviewers."},
                    },
                },
                "SubmissionCreated": {
                    "type": "object",
                    "required": ["id", "case_id", "status", "tracking_url"],
                    "properties": {
                        "id": {"type": "integer"},
                        "case_id": {"type": "string"},
                        "status": {"type": "string", "enum": ["waiting"]},
                        "tracking_url": {
                            "type": "string",
                            "description": "Private: status, reviewers' comments, revising. Keep it secret.",
                        },
                        "warnings": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
                    },
                },
                "Hit": {
                    "type": "object",
                    "required": ["id", "title", "score", "match", "snippet", "url"],
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "title_original": {"type": "string", "nullable": True},
                        "title_lang": {"type": "string", "description": "language of title"},
                        "score": {"type": "number"},
                        "snippet_lang": {"type": "string", "nullable": True},
                        "match": {
                            "type": "string",
                            "enum": ["close", "related"],
                            "description": "close: a close match; related: covers related ground only.",
                        },
                        "snippet": {"type": "string"},
                        "url": {"type": "string"},
                    },
                },
                "SearchResult": {
                    "type": "object",
                    "required": ["query", "mode", "total", "results", "related", "facets"],
                    "properties": {
                        "query": {"type": "string"},
                        "mode": {"type": "string"},
                        "sort": {"type": "string"},
                        "page": {"type": "integer"},
                        "pages": {"type": "integer"},
                        "suggestion": {"type": "string", "nullable": True},
                        "total": {"type": "integer", "description": "Number of close matches."},
                        "results": {
                            "type": "array",
                            "description": "Close matches only (docs/search.md).",
                            "items": {"$ref": "#/components/schemas/Hit"},
                        },
                        "related": {
                            "type": "array",
                            "description": "When no case is a close match: the nearest cases, which cover related "
                            "ground. Empty when there are close matches, or when nothing is near at all.",
                            "items": {"$ref": "#/components/schemas/Hit"},
                        },
                        "facets": {"type": "array", "items": obj},
                    },
                },
                "CaseList": {
                    "type": "object",
                    "required": ["total", "page", "per_page", "pages", "cases"],
                    "properties": {**page_props, "cases": {"type": "array", "items": obj}},
                },
                "Case": {
                    "type": "object",
                    "required": ["id", "title", "summary", "sections", "sources"],
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "title_lang": {"type": "string", "description": "language the title is in"},
                        "summary": {"type": "string"},
                        "summary_lang": {"type": "string"},
                        "body_lang": {"type": "string", "description": "language of the sections"},
                        "version": {
                            "type": "object",
                            "description": "version shown (original, complete, partial or missing translation), "
                            "the original language and the other versions (also_in)",
                        },
                        "sections": {"type": "array", "items": obj},
                        "sources": {"type": "array", "items": obj},
                        "similar": {"type": "array", "items": obj},
                    },
                },
                "Similar": {
                    "type": "object",
                    "required": ["id", "similar"],
                    "properties": {"id": {"type": "string"}, "similar": {"type": "array", "items": obj}},
                },
                "Facets": {"type": "object", "required": ["facets"], "properties": {"filters": obj, "facets": obj}},
                "CollectionList": {
                    "type": "object",
                    "required": ["total", "page", "per_page", "pages", "collections"],
                    "properties": {
                        **page_props,
                        "collections": {"type": "array", "items": {"$ref": "#/components/schemas/CollectionBrief"}},
                    },
                },
                "CollectionBrief": {
                    "type": "object",
                    "required": ["id", "title", "description", "curator", "language", "updated", "case_count", "url"],
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "description": {"type": "string"},
                        "curator": {
                            "type": "object",
                            "required": ["name", "type"],
                            "properties": {
                                "name": {"type": "string"},
                                "type": {"type": "string", "enum": ["community", "institution"]},
                                "url": {"type": "string", "nullable": True},
                            },
                        },
                        "language": obj,
                        "updated": {"type": "string"},
                        "case_count": {"type": "integer"},
                        "link_count": {"type": "integer"},
                        "url": {"type": "string"},
                        "api_url": {"type": "string"},
                    },
                },
                "Collection": {
                    "allOf": [
                        {"$ref": "#/components/schemas/CollectionBrief"},
                        {
                            "type": "object",
                            "required": ["cases", "links"],
                            "properties": {
                                "titles": obj,
                                "descriptions": obj,
                                "cases": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["position", "id", "title", "note", "note_lang", "url"],
                                        "properties": {
                                            "position": {"type": "integer"},
                                            "id": {"type": "string"},
                                            "title": {"type": "string"},
                                            "note": {"type": "string"},
                                            "note_lang": {"type": "string"},
                                            "url": {"type": "string"},
                                        },
                                    },
                                },
                                "links": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["title", "url"],
                                        "properties": {
                                            "title": {"type": "string"},
                                            "url": {"type": "string"},
                                            "note": {"type": "string", "nullable": True},
                                        },
                                    },
                                },
                                "search": {"type": "object", "nullable": True},
                                "search_url": {"type": "string", "nullable": True},
                                "compare_url": {"type": "string", "nullable": True},
                            },
                        },
                    ]
                },
                "Compare": {
                    "type": "object",
                    "required": ["ids", "unknown", "cases", "shared"],
                    "properties": {
                        "ids": {"type": "array", "items": {"type": "string"}},
                        "unknown": {"type": "array", "items": {"type": "string"}},
                        "cases": {
                            "type": "array",
                            "maxItems": 4,
                            "items": {
                                "type": "object",
                                "required": ["id", "title", "problem", "institution", "scale", "period", "evidence"],
                                "properties": {
                                    "id": {"type": "string"},
                                    "title": {"type": "string"},
                                    "problem": {"type": "string"},
                                    "institution": obj,
                                    "scale": obj,
                                    "period": obj,
                                    "pillars": {"type": "array", "items": obj},
                                    "themes": {"type": "array", "items": obj},
                                    "evidence": obj,
                                },
                            },
                        },
                        "shared": obj,
                    },
                },
            }
        },
    }


def _page_paths() -> dict:
    """The JSON of pages that live in their own blueprints (/start, /evidence)."""
    from . import evidence, start

    return {**start.OPENAPI, **evidence.OPENAPI}


def _ok(ref: str) -> dict:
    return {"description": "OK", "content": {"application/json": {"schema": {"$ref": ref}}}}
