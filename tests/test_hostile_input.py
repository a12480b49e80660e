"""Hostile and malformed input: always a clear 4xx problem, never a 5xx, nothing changed."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.support import MakeAccount, assert_problem


async def test_malformed_bodies(client: httpx.AsyncClient, make_account: MakeAccount) -> None:
    me = await make_account()
    h = me.headers | {"content-type": "application/json"}
    cases = [
        (b"[" * 40 + b"]" * 40, 400),  # nested deeper than 32 levels
        (b"[" * 100_000 + b"]" * 100_000, 413),  # and far too large anyway
        (b'{"text": "\xff\xfe"}', 400),  # not UTF-8
        (b'{"text": "a\\u0000b"}', 422),  # NUL
        (b'{"text": "\\ud800"}', 422),  # an unpaired surrogate
        (b'{"text": "ok", "reply_to_id": 1e400}', 422),
        (b'{"text": "ok", "reply_to_id": 123456789012345678901234567890}', 422),
        (b'{"text": "ok", "reply_to_id": -1}', 422),
        (b'{"text": ["not", "text"]}', 422),
        (b"null", 422),
        (b"", 400),
    ]
    for body, status in cases:
        r = await client.post("/tweets", content=body, headers=h)
        assert_problem(r, status)
    r = await client.post("/tweets", content=b"text=hi", headers=me.headers |
                          {"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert_problem(r, 415)
    assert (await client.get(f"/users/{me.id}")).json()["tweets_count"] == 0


@pytest.mark.parametrize(
    "path",
    ["/tweets?limit=-1", "/users/1/tweets?limit=99999999999999999999999",
     "/users/1/followers?cursor=" + base64.urlsafe_b64encode(b"k1:-5").decode(),
     "/users/1/followers?cursor=" + base64.urlsafe_b64encode(b"k1:" + b"9" * 30).decode(),
     "/search/tweets?q=x&cursor=" + base64.urlsafe_b64encode(b"o1:-1").decode(),
     "/timeline/user/1?limit=1.5", "/trending?limit=NaN"],
)  # fmt: skip
async def test_bad_numbers_and_cursors_are_refused(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path)
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "path",
    ["/users/username/' OR '1'='1", "/users/1;DROP TABLE users", "/tweets/1%20OR%201=1",
     "/users/username/%0Aadmin", "/tweets/%00", "/media/../../etc/passwd"],
)  # fmt: skip
async def test_injection_in_paths_finds_nothing(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path)
    assert r.status_code == 404, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_unknown_methods_are_problems(client: httpx.AsyncClient) -> None:
    assert_problem(await client.request("TRACE", "/tweets"), 405)
    assert_problem(await client.request("PATCH", "/tweets/1"), 405)


async def test_oversized_headers_are_431(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/trending", headers={"x-big": "x" * 20_000}), 431)
