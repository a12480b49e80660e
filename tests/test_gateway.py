"""The local gateway follows the HTTPRoutes in gateway/ with Gateway API matching rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from functions.local.gateway import Gateway, load_routes
from functions.local.manifests import manifest_dir, of_kind


def route_doc(*rules: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "kind": "HTTPRoute",
        "metadata": {"name": "t"},
        "spec": {
            "rules": [
                {
                    "matches": [{"path": {"type": kind, "value": value}}],
                    "backendRefs": [{"name": backend}],
                }
                for kind, value, backend in rules
            ]
        },
    }


def test_prefixes_match_whole_segments_and_the_longest_wins() -> None:
    routes = load_routes(
        [
            route_doc(
                ("PathPrefix", "/users", "users"),
                ("PathPrefix", "/users/special", "special"),
                ("Exact", "/users/special/x", "exact"),
            )
        ]
    )
    gw = Gateway(routes, {})
    assert gw.backend_for("/users") == "users"
    assert gw.backend_for("/users/") == "users"
    assert gw.backend_for("/users/42/follow") == "users"
    assert gw.backend_for("/usersx") is None
    assert gw.backend_for("/users/special/y") == "special"
    assert gw.backend_for("/users/special/x") == "exact"
    assert gw.backend_for("/") is None


def test_rules_with_several_backends_are_refused() -> None:
    doc = route_doc(("PathPrefix", "/a", "a"))
    doc["spec"]["rules"][0]["backendRefs"].append({"name": "b"})
    with pytest.raises(ValueError, match="one backend"):
        load_routes([doc])


def test_regular_expressions_match_the_whole_path_before_prefixes() -> None:
    routes = load_routes(
        [
            route_doc(
                ("PathPrefix", "/users", "users"),
                ("RegularExpression", "/users/[0-9]+/tweets", "tweets"),
            )
        ]
    )
    gw = Gateway(routes, {})
    assert gw.backend_for("/users/42/tweets") == "tweets"
    assert gw.backend_for("/users/42/tweets/x") == "users"
    assert gw.backend_for("/users/abc/tweets") == "users"


def test_the_repository_routes_reach_each_function() -> None:
    gw = Gateway(load_routes(of_kind(manifest_dir("gateway"), "HTTPRoute")), {})
    assert gw.backend_for("/users/1") == "users"
    assert gw.backend_for("/auth/login") == "users"
    assert gw.backend_for("/users/1/tweets") == "tweets"
    assert gw.backend_for("/tweets/1/like") == "tweets"


async def test_health_of_gateway_and_function(client: httpx.AsyncClient) -> None:
    r = await client.get("/health")
    assert r.status_code == 200
    assert "users" in r.json()["functions"]


async def test_function_readiness_checks_postgres(client: httpx.AsyncClient) -> None:
    # Through the gateway, /users/... reaches the users function; the function's own
    # probes live at its root, as Knative calls them, so call the function app directly.
    from functions.core.asgi import function_app

    transport = httpx.ASGITransport(app=function_app("users"))
    async with httpx.AsyncClient(transport=transport, base_url="http://users") as fn:
        assert (await fn.get("/health")).json() == {"status": "ok", "function": "users"}
        ready = await fn.get("/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "ready"


async def test_cors_follows_the_security_policy(client: httpx.AsyncClient) -> None:
    allowed = "https://app.chirp.example"  # listed in gateway/policies.yaml
    r = await client.options(
        "/tweets",
        headers={"Origin": allowed, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"},
    )  # fmt: skip
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == allowed
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "authorization" in r.headers["access-control-allow-headers"]
    assert int(r.headers["access-control-max-age"]) == 600
    r = await client.get("/trending", headers={"Origin": allowed})
    assert r.headers["access-control-allow-origin"] == allowed
    assert "retry-after" in r.headers["access-control-expose-headers"]

    evil = "https://evil.example"
    r = await client.options(
        "/tweets", headers={"Origin": evil, "Access-Control-Request-Method": "POST"}
    )
    assert r.status_code == 403
    assert "access-control-allow-origin" not in r.headers
    r = await client.get("/trending", headers={"Origin": evil})
    assert r.status_code == 200  # served, but without CORS headers a browser hides it
    assert "access-control-allow-origin" not in r.headers
    r = await client.get("/trending")  # no Origin: not a browser, nothing added
    assert "access-control-allow-origin" not in r.headers
