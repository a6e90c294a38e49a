"""Issue #9 (3): schemathesis drives every operation of /api/openapi.json against the Flask app.

The schema is loaded from the app itself (``schemathesis.openapi.from_wsgi``). For each operation,
valid (positive) and invalid (negative) requests are generated; every answer must not be a 5xx, must
use a documented status code and content type, and must conform to the documented response schema.
The schemathesis pytest plugin does not run under pytest 9, so the cases are drawn with each
operation's Hypothesis strategy (``APIOperation.as_strategy``) inside an ordinary test.
"""

from __future__ import annotations

import pytest
import schemathesis
from fuzzing import examples  # noqa: E402
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from webapp import create_app

pytestmark = pytest.mark.fuzz

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 80, GenerationMode.NEGATIVE: 30}
OPERATIONS = [
    "GET /api/search",
    "GET /api/cases",
    "GET /api/cases/{case_id}",
    "GET /api/cases/{case_id}/similar",
    "GET /api/facets",
    "GET /api/collections",
    "GET /api/collections/{collection_id}",
    "GET /api/compare",
    "GET /api/map",
    "GET /api/start",
    "GET /api/evidence",
    # random JSON objects: nearly all answer 422 with the validator's problems, never 5xx
    "POST /api/submissions",
]
NO_PARAMETERS = {"GET /api/cases"}  # nothing to make invalid: no negative cases
# schemathesis leaves out the operation that serves the schema itself; test_openapi.py covers it


@pytest.fixture(scope="module")
def api_schema(hash_searcher, tmp_path_factory):
    db = tmp_path_factory.mktemp("portal") / "portal.sqlite3"
    config = {"SEARCHER": hash_searcher, "TESTING": True, "PORTAL_DATABASE_URL": f"sqlite:///{db}"}
    app = create_app(config | {"PORTAL_SUBMIT_LIMIT": "100000/hour"})
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@pytest.fixture(scope="module")
def operations(api_schema) -> dict:
    ops = [r.ok() for r in api_schema.get_all_operations()]
    return {op.label: op for op in ops}


def test_every_documented_operation_is_exercised(api_schema, operations):
    paths = api_schema.raw_schema["paths"]
    documented = {f"{method.upper()} {path}" for path, ops in paths.items() for method in ops}
    documented -= {"GET /api/openapi.json"}
    assert sorted(operations) == sorted(OPERATIONS) == sorted(documented)


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=str)
@pytest.mark.parametrize("label", OPERATIONS)
def test_operation_conforms_to_the_document(operations, label, mode):
    if mode == GenerationMode.NEGATIVE and label in NO_PARAMETERS:
        pytest.skip("no parameters to make invalid")
    op = operations[label]

    budget = examples(EXAMPLES[mode])

    @settings(max_examples=budget, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case):
        case.call_and_validate(checks=CHECKS)

    run()
