"""Who may do what: every protected route, every way a token can be wrong, and the owner's
things with another user's token. Each refusal is the right status and changes nothing.

The protected routes are read from the routers, so a new one without a case here fails.
"""

from __future__ import annotations

import base64
import json
import struct
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest

from functions.apidocs.main import http_functions
from functions.core import db
from functions.core.config import settings
from functions.core.openapi import public_routers
from functions.notifications.store import NewNotification, add
from tests.support import Account, MakeAccount, assert_problem

PNG = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 1, 1) + b"\0" * 9


def protected_routes() -> set[tuple[str, str]]:
    return {
        (route.method, route.template)
        for router in public_routers(http_functions())
        for route in router.routes
        if route.operation.auth == "required"
    }


# How to call each protected route against the owner's things: (path, json body, raw body).
Things = dict[str, str]
CALLS: dict[tuple[str, str], Callable[[Things], tuple[str, Any, bytes | None]]] = {
    ("GET", "/users/me"): lambda t: ("/users/me", None, None),
    ("PUT", "/users/{id}"): lambda t: (f"/users/{t['user']}", {"display_name": "Taken"}, None),
    ("POST", "/users/{id}/follow"): lambda t: (f"/users/{t['other']}/follow", None, None),
    ("DELETE", "/users/{id}/follow"): lambda t: (f"/users/{t['other']}/follow", None, None),
    ("POST", "/tweets"): lambda t: ("/tweets", {"text": "not mine"}, None),
    ("DELETE", "/tweets/{id}"): lambda t: (f"/tweets/{t['tweet']}", None, None),
    ("POST", "/tweets/{id}/like"): lambda t: (f"/tweets/{t['tweet']}/like", None, None),
    ("DELETE", "/tweets/{id}/like"): lambda t: (f"/tweets/{t['tweet']}/like", None, None),
    ("POST", "/tweets/{id}/retweet"): lambda t: (f"/tweets/{t['tweet']}/retweet", None, None),
    ("DELETE", "/tweets/{id}/retweet"): lambda t: (f"/tweets/{t['tweet']}/retweet", None, None),
    ("GET", "/timeline/home"): lambda t: ("/timeline/home", None, None),
    ("POST", "/media/upload"): lambda t: ("/media/upload", None, PNG),
    ("POST", "/media/presigned"): lambda t: (
        "/media/presigned",
        {"content_type": "image/png", "size": 10},
        None,
    ),
    ("DELETE", "/media/{id}"): lambda t: (f"/media/{t['media']}", None, None),
    ("GET", "/notifications"): lambda t: ("/notifications", None, None),
    ("GET", "/notifications/unread"): lambda t: ("/notifications/unread", None, None),
    ("PUT", "/notifications/{id}/read"): lambda t: (
        f"/notifications/{t['notification']}/read",
        None,
        None,
    ),
}
# The owner's things, touched with another user's valid token.
OWNER_ONLY = {
    ("PUT", "/users/{id}"): 403,
    ("DELETE", "/tweets/{id}"): 403,
    ("DELETE", "/media/{id}"): 403,
    ("PUT", "/notifications/{id}/read"): 404,  # someone else's notification is not there for you
}


def bad_tokens(owner: Account) -> dict[str, str | None]:
    cfg = settings()
    now = int(time.time())
    claims = {"sub": owner.id, "iss": cfg.jwt_issuer, "typ": "access", "jti": uuid.uuid4().hex}
    header, payload, signature = owner.access_token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged["sub"] = "1"
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    return {
        "no token": None,
        "expired": jwt.encode(claims | {"iat": now - 7200, "exp": now - 3600}, cfg.jwt_secret),
        "tampered": f"{header}.{forged_payload}.{signature}",
        "signed with another key": jwt.encode(claims | {"exp": now + 600}, "x" * 40),
        "refresh token": owner.refresh_token,
        "unsigned (alg none)": jwt.encode(claims | {"exp": now + 600}, "", algorithm="none"),
        "not a token": "Bearer",
    }


async def snapshot(client: httpx.AsyncClient, owner: Account, things: Things) -> Any:
    pool = await db.pool()
    return (
        (await client.get(f"/users/{owner.id}")).json(),
        (await client.get(f"/tweets/{things['tweet']}")).json(),
        (await client.get(f"/media/{things['media']}")).status_code,
        await pool.fetchval("SELECT count(*) FROM tweets WHERE author_id = $1", int(owner.id)),
        await pool.fetchval(
            "SELECT read_at IS NULL FROM notifications WHERE id = $1", int(things["notification"])
        ),
        await pool.fetchval("SELECT count(*) FROM media WHERE owner_id = $1", int(owner.id)),
    )


@pytest.fixture
async def owned(client: httpx.AsyncClient, make_account: MakeAccount) -> tuple[Account, Things]:
    owner, other = await make_account(), await make_account()
    tweet = (await client.post("/tweets", json={"text": "mine"}, headers=owner.headers)).json()
    media = (await client.post("/media/upload", content=PNG, headers=owner.headers)).json()
    pool = await db.pool()
    await add(pool, f"test#{uuid.uuid4()}", [NewNotification(int(owner.id), "follow",
                                                              int(other.id), None)])  # fmt: skip
    notification = await pool.fetchval(
        "SELECT id FROM notifications WHERE user_id = $1", int(owner.id)
    )
    return owner, {"user": owner.id, "other": other.id, "tweet": tweet["id"],
                   "media": media["id"], "notification": str(notification)}  # fmt: skip


def test_every_protected_route_has_a_case() -> None:
    assert protected_routes() == set(CALLS)


async def call(
    client: httpx.AsyncClient, route: tuple[str, str], things: Things, token: str | None
) -> httpx.Response:
    path, body, raw = CALLS[route](things)
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return await client.request(route[0], path, json=body, content=raw, headers=headers)


async def test_bad_tokens_are_401_everywhere_and_change_nothing(
    client: httpx.AsyncClient, owned: tuple[Account, Things]
) -> None:
    owner, things = owned
    before = await snapshot(client, owner, things)
    for name, token in bad_tokens(owner).items():
        for route in sorted(CALLS):
            r = await call(client, route, things, token)
            assert r.status_code == 401, f"{route} with {name}: {r.status_code} {r.text}"
            assert_problem(r, 401)
            assert r.headers["www-authenticate"].startswith("Bearer")
    assert await snapshot(client, owner, things) == before


async def test_another_users_token_cannot_touch_the_owners_things(
    client: httpx.AsyncClient, make_account: MakeAccount, owned: tuple[Account, Things]
) -> None:
    owner, things = owned
    intruder = await make_account()
    before = await snapshot(client, owner, things)
    for route, status in OWNER_ONLY.items():
        r = await call(client, route, things, intruder.access_token)
        assert_problem(r, status)
    assert await snapshot(client, owner, things) == before


async def test_no_response_ever_carries_a_password_or_its_hash(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    me = await make_account(password="a very secret passphrase")
    bodies = [
        (await client.get("/users/me", headers=me.headers)).text,
        (await client.get(f"/users/{me.id}")).text,
        (await client.get("/search/users", params={"q": me.username})).text,
        (
            await client.post(
                "/auth/login", json={"username": me.username, "password": me.password}
            )
        ).text,
    ]
    for body in bodies:
        assert "a very secret passphrase" not in body
        assert "argon2" not in body
        assert "password" not in body
