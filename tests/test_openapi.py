"""/api/openapi.json is a valid OpenAPI 3 document that covers every API route, and the API answers match it."""

from __future__ import annotations

import re

import jsonschema
import pytest

CASE = "panama-vecinos-vigilantes"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# a valid example for every path parameter the document may use
EXAMPLES = {"case_id": CASE, "collection_id": "youth-violence-prevention"}


@pytest.fixture(scope="module")
def doc(app) -> dict:
    r = app.test_client().get("/api/openapi.json")
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    return r.get_json()


def to_json_schema(schema, components: dict) -> dict:
    """OpenAPI 3.0 schema -> JSON Schema: inline $refs, turn ``nullable: true`` into a type list."""
    if isinstance(schema, list):
        return [to_json_schema(s, components) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/components/schemas/"), ref
        return to_json_schema(components[ref.rsplit("/", 1)[1]], components)
    out = {k: to_json_schema(v, components) for k, v in schema.items() if k != "nullable"}
    if schema.get("nullable"):
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
        elif isinstance(t, list) and "null" not in t:
            out["type"] = [*t, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def response_schema(doc: dict, path: str, status: str = "200") -> dict:
    content = doc["paths"][path]["get"]["responses"][status]["content"]["application/json"]
    return to_json_schema(content["schema"], doc["components"]["schemas"])


def validate(instance, schema):
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(instance)


def flask_rule_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def fill(path: str) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: EXAMPLES[m.group(1)], path)


# --- the document itself ----------------------------------------------------------------------------------------------


def test_document_structure(doc):
    assert re.fullmatch(r"3\.\d+\.\d+", doc["openapi"])
    assert doc["info"]["title"] and isinstance(doc["info"]["version"], str) and doc["info"]["version"]
    assert isinstance(doc["paths"], dict) and doc["paths"]
    operation_ids = []
    for path, item in doc["paths"].items():
        assert path.startswith("/api/")
        assert set(item) <= METHODS | {"parameters", "summary", "description", "servers"}, path
        templated = set(re.findall(r"\{([^}]+)\}", path))
        for method, op in item.items():
            if method not in METHODS:
                continue
            assert op["responses"], (path, method)
            for status, resp in op["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d|[1-5]XX|default", status)
                assert resp["description"]
            operation_ids.append(op.get("operationId"))
            declared = set()
            for p in op.get("parameters", []):
                assert p["in"] in ("query", "path", "header", "cookie")
                assert "schema" in p or "content" in p
                if p["in"] == "path":
                    assert p["required"] is True
                    declared.add(p["name"])
            assert declared == templated, (path, method)
    assert all(operation_ids) and len(operation_ids) == len(set(operation_ids))


def test_every_ref_resolves_and_every_schema_is_valid(doc):
    schemas = doc["components"]["schemas"]

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                assert node["$ref"].startswith("#/components/schemas/")
                assert node["$ref"].rsplit("/", 1)[1] in schemas, node["$ref"]
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(to_json_schema(schema, schemas))


def test_every_api_route_is_documented(app, doc):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint.startswith("api."):
            assert rule.rule.startswith("/api/")
            methods = frozenset(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
            routes.add((flask_rule_to_openapi(rule.rule), methods))
    assert routes
    for path, methods in routes:
        assert path in doc["paths"], f"{path} is served but not in openapi.json"
        assert methods <= set(doc["paths"][path]), (path, methods)
    assert set(doc["paths"]) == {p for p, _ in routes}, "openapi.json documents paths the app does not serve"


def test_every_documented_path_answers_with_a_valid_example(client, doc):
    for path, item in doc["paths"].items():
        if "get" not in item:  # POST /api/submissions: tests/test_submit.py
            continue
        url = fill(path)
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        assert r.mimetype == "application/json"
        ok = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        validate(r.get_json(), to_json_schema(ok, doc["components"]["schemas"]))


def test_documented_query_parameters_are_accepted(client, doc):
    """Every query parameter with an example value from its schema gets a 200 (not a 400)."""
    samples = {"string": "x", "integer": None, "array": None}
    for path, item in doc["paths"].items():
        for p in item.get("get", {}).get("parameters", []):
            if p["in"] != "query":
                continue
            s = p["schema"]
            if "enum" in s:
                values = s["enum"]
            elif s.get("type") == "integer":
                values = [s.get("default", s.get("minimum", 1)), s.get("maximum", s.get("minimum", 1))]
            elif s.get("type") == "array":
                values = ["PA"] if p["name"] == "countries" else ["x"]
            else:
                values = [samples["string"]]
            for v in values:
                r = client.get(fill(path), query_string={p["name"]: v})
                assert r.status_code == 200, (path, p["name"], v, r.get_data(as_text=True)[:300])


# --- answers match the schemas ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "qs",
    [
        "q=community+policing",
        "q=polica+comunitaria",
        "",
        "q=zyxwvq&mode=keyword",
        "q=police&mode=semantic&sort=date&page=2&per_page=3&lang=es",
        "countries=PA&themes=community-policing&year_from=1990",
    ],
)
def test_search_matches_schema(client, doc, qs):
    data = client.get("/api/search?" + qs).get_json()
    validate(data, response_schema(doc, "/api/search"))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_case_matches_schema(client, doc, hash_searcher, lang):
    schema = response_schema(doc, "/api/cases/{case_id}")
    for r in hash_searcher.records():
        validate(client.get(f"/api/cases/{r['id']}?lang={lang}").get_json(), schema)


def test_similar_matches_schema(client, doc, hash_searcher):
    schema = response_schema(doc, "/api/cases/{case_id}/similar")
    for r in hash_searcher.records()[:10]:
        validate(client.get(f"/api/cases/{r['id']}/similar").get_json(), schema)
    validate(client.get(f"/api/cases/{CASE}/similar?limit=50&lang=es").get_json(), schema)


@pytest.mark.parametrize("qs", ["", "countries=PA", "pillars=prevention&lang=es"])
def test_facets_match_schema(client, doc, qs):
    validate(client.get("/api/facets?" + qs).get_json(), response_schema(doc, "/api/facets"))


def test_case_list_matches_schema(client, doc):
    validate(client.get("/api/cases").get_json(), response_schema(doc, "/api/cases"))


@pytest.mark.parametrize(
    "url, status",
    [
        ("/api/search?mode=bad", "400"),
        (f"/api/cases/{CASE}/similar?limit=0", "400"),
        ("/api/cases/no-such-case", "404"),
        ("/api/cases/no-such-case/similar", "404"),
        ("/api/facets?page=x", "400"),
    ],
)
def test_documented_errors_match_the_error_schema(client, doc, url, status):
    r = client.get(url)
    assert str(r.status_code) == status
    path = next(
        p for p in doc["paths"] if re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(p)), url.split("?")[0])
    )
    assert status in doc["paths"][path]["get"]["responses"], f"{path} does not document {status}"
    validate(r.get_json(), response_schema(doc, path, status))


def test_nullable_conversion():
    schemas = {"A": {"type": "object", "properties": {"s": {"type": "string", "nullable": True}}}}
    converted = to_json_schema({"$ref": "#/components/schemas/A"}, schemas)
    assert converted["properties"]["s"] == {"type": ["string", "null"]}
    validate({"s": None}, converted)
    with pytest.raises(jsonschema.ValidationError):
        validate({"s": 1}, converted)
    assert schemas["A"]["properties"]["s"]["nullable"] is True  # the document is not modified


def test_submissions_are_documented_with_their_answers(doc):
    op = doc["paths"]["/api/submissions"]["post"]
    assert set(op["responses"]) >= {"201", "413", "422", "429", "503"}
    body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert doc["components"]["schemas"][body]["required"] == ["id", "body"]
    assert "problems" in doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]
