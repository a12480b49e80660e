"""End to end: the real server process, spoken to over HTTP/3 (QUIC) by an HTTP/3 client."""

from __future__ import annotations

import time
import uuid

import niquests

from tests.live_server import Server, h3_session, tcp_session


def test_tcp_responses_advertise_http3(live_server: Server) -> None:
    with tcp_session() as s:
        r = s.get(f"{live_server.base_url}/health", verify=live_server.ca, timeout=5)
    assert r.status_code == 200
    assert r.http_version in (11, 20)
    port = live_server.base_url.rsplit(":", 1)[1]
    assert f'h3=":{port}"' in r.headers["alt-svc"]


def test_register_login_follow_over_http3(live_server: Server) -> None:
    with h3_session() as s:
        _register_login_follow(s, live_server)


def _register_login_follow(s: niquests.Session, server: Server) -> None:
    url = server.base_url

    def call(method: str, path: str, **kw: object) -> niquests.Response:
        r = s.request(method, url + path, verify=server.ca, timeout=10, **kw)  # type: ignore[arg-type]
        assert r.http_version == 30, f"{method} {path} came over HTTP/{r.http_version}"
        return r

    names = [f"h3_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    ids = []
    for name in names:
        r = call(
            "POST",
            "/users",
            json={"username": name, "email": f"{name}@example.com", "password": "password1"},
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    r = call("POST", "/auth/login", json={"username": names[0], "password": "password1"})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]

    r = call("POST", f"/users/{ids[1]}/follow", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    assert r.json()["following"] is True

    r = call("GET", f"/users/{ids[1]}/followers")
    assert [u["username"] for u in r.json()["data"]] == [names[0]]

    # A like over HTTP/3 reaches the author as a notification, through outbox, relay,
    # RabbitMQ and the dispatcher that the server runs.
    auth0 = {"Authorization": f"Bearer {token}"}
    r = call("POST", "/auth/login", json={"username": names[1], "password": "password1"})
    auth1 = {"Authorization": f"Bearer {r.json()['access_token']}"}
    tweet = call("POST", "/tweets", json={"text": "over QUIC"}, headers=auth0).json()
    assert call("POST", f"/tweets/{tweet['id']}/like", headers=auth1).status_code == 200
    deadline = time.monotonic() + 20
    while True:
        got = call("GET", "/notifications", headers=auth0).json()["data"]
        if any(n["type"] == "like" and n["tweet"]["id"] == tweet["id"] for n in got):
            break
        assert time.monotonic() < deadline, f"no like notification: {got}"
        time.sleep(0.2)

    r = call("GET", "/users/not-a-number")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


def test_a_refused_upload_leaves_the_http3_connection_usable(live_server: Server) -> None:
    """A 401 or 413 sent before the body is read must not stall the next request."""
    too_big = b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024)
    with h3_session() as s:
        r = s.post(
            f"{live_server.base_url}/media/upload", data=too_big, verify=live_server.ca, timeout=20
        )
        assert (r.status_code, r.http_version) == (401, 30)
        r = s.get(f"{live_server.base_url}/health", verify=live_server.ca, timeout=10)
        assert (r.status_code, r.http_version) == (200, 30)


def test_oversized_headers_are_refused_before_any_function(live_server: Server) -> None:
    with tcp_session() as s:
        try:
            r = s.get(f"{live_server.base_url}/trending", headers={"X-Big": "x" * 20_000},
                      verify=live_server.ca, timeout=10)  # fmt: skip
        except niquests.exceptions.ConnectionError:
            return  # closed on us: also a refusal
        assert r.status_code in (400, 431)
        r = s.get(f"{live_server.base_url}/trending", verify=live_server.ca, timeout=10)
        assert r.status_code == 200
