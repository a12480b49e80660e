"""The API keeps its published contract: /openapi.json matches the code, and schemathesis,
generating requests from that document against the running stack, finds no 5xx and no
response that breaks the document. `task fuzz` runs the same with many more examples.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from functions.apidocs.main import openapi_json
from functions.core.routing import Router
from functions.local.manifests import REPO_ROOT
from tests.live_server import Server, tcp_session

COMMITTED = REPO_ROOT / "docs" / "openapi.json"
EXAMPLES = int(os.environ.get("CHIRP_FUZZ_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]  # fmt: skip


def test_the_document_is_valid_openapi_and_committed() -> None:
    generated = json.loads(openapi_json())
    validate(generated)
    assert generated["openapi"] == "3.1.0"
    assert json.loads(COMMITTED.read_text()) == generated, (
        "docs/openapi.json is out of date: run `scripts/task openapi`"
    )


def test_every_public_route_is_documented() -> None:
    from functions.apidocs.main import http_functions
    from functions.core.openapi import public_routers

    paths = json.loads(openapi_json())["paths"]
    routers: list[Router] = public_routers(http_functions())
    assert {r.name for r in routers} >= {"users", "tweets", "timeline", "search", "media"}
    for router in routers:
        for route in router.routes:
            if route.operation.public:
                assert route.method.lower() in paths[route.template], route.template


def test_the_stack_serves_the_document_and_the_docs_page(live_server: Server) -> None:
    with tcp_session() as s:
        r = s.get(f"{live_server.base_url}/openapi.json", verify=live_server.ca, timeout=10)
        assert r.status_code == 200
        assert r.json() == json.loads(openapi_json())
        page = s.get(f"{live_server.base_url}/docs", verify=live_server.ca, timeout=10)
        assert "swagger-ui" in (page.text or "")


@pytest.fixture(scope="module")
def account(live_server: Server) -> dict[str, str]:
    name = "fz" + uuid.uuid4().hex[:10]
    with tcp_session() as s:
        url, ca = live_server.base_url, live_server.ca
        body = {"username": name, "email": f"{name}@example.com", "password": "fuzzing pass"}
        assert s.post(f"{url}/users", json=body, verify=ca, timeout=10).status_code == 201
        r = s.post(f"{url}/auth/login", json={"username": name, "password": "fuzzing pass"},
                   verify=ca, timeout=10)  # fmt: skip
        token: str = r.json()["access_token"]
        return {"Authorization": f"Bearer {token}"}


SCHEMA = schemathesis.openapi.from_dict(json.loads(openapi_json()))
OPERATIONS = [(o.path, o.method) for o in (r.ok() for r in SCHEMA.get_all_operations())]  # type: ignore[union-attr]


@pytest.fixture(autouse=True)
def _urllib3_future(monkeypatch: pytest.MonkeyPatch) -> None:
    """niquests (our HTTP/3 client) installs urllib3-future, whose pool manager schemathesis'
    connection counter cannot walk; the counter only decides whether to resend a request on a
    dropped keep-alive connection, so without it a dropped connection is simply an error."""
    import schemathesis.transport.requests as transport

    monkeypatch.setattr(transport, "_count_opened_connections", lambda session: 0)


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_generated_requests_get_documented_answers(
    path: str, method: str, live_server: Server, account: dict[str, str]
) -> None:
    operation = SCHEMA[path][method]
    headers = account if operation.definition.raw.get("security") else {}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=os.environ.get("CHIRP_FUZZ_RANDOM") is None,
        database=None,
    )
    def exercise(case: Any) -> None:
        with requests.Session() as session:
            session.trust_env = False
            session.verify = live_server.ca
            case.call_and_validate(
                base_url=live_server.base_url, session=session, headers=headers, checks=CHECKS,
                timeout=30, verify=live_server.ca,
            )  # fmt: skip

    exercise()
