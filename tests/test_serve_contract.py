"""The running console conforms to its own ``/openapi.json``: schemathesis generates requests for every GET,
``/model/parse`` and ``/api/ask`` (a few examples each) against a real server; no answer is a 5xx, and every
status, content type and body is one the schema documents (errors included: ``{"error": ...}``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

from serve_server import Server, running, token_of


TOKEN = {"Authorization": f"Bearer {token_of('board')}"}  # generated tokens would all be 401


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("contract"), tokens={"board": (None, "viewer")},
                 serve="max_waiting = 100") as s:
        yield s


def test_the_schema_documents_the_one_error_shape(server: Server) -> None:
    import httpx

    document = httpx.get(server.url + "/openapi.json", timeout=60).json()
    ask = document["paths"]["/api/ask"]["post"]["responses"]
    assert "422" not in ask and ask["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert set(document["paths"]) >= {"/api/health", "/api/ask", "/api/confirm", "/model/parse", "/api/understand",
                                      "/api/alarms/{alarm_id}/acknowledge", "/api/report/handover"}


def test_the_api_conforms_to_its_schema(server: Server) -> None:
    api = schemathesis.openapi.from_url(server.url + "/openapi.json").include(
        lambda ctx: ctx.operation.method.upper() == "GET" or ctx.operation.path in ("/model/parse", "/api/ask"))
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) == 14  # 12 GET, /api/ask, /model/parse
    calls: list[int] = []
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case: schemathesis.Case) -> None:
            response = case.call_and_validate(base_url=server.url, headers=TOKEN, checks=[
                not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance])
            calls.append(response.status_code)
        conforms()
    assert len(calls) >= 2 * len(operations) and calls.count(200) > len(operations) and 400 in calls, calls
