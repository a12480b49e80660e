"""Login, refresh-token rotation, and what protected routes do with bad tokens."""

from __future__ import annotations

import time

import httpx
import jwt

from tests.support import MakeAccount, assert_problem


async def test_login_returns_a_bearer_token_pair(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    acct = await make_account()
    r = await client.post(
        "/auth/login", json={"username": acct.username.upper(), "password": acct.password}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert isinstance(body["expires_in"], int)
    assert body["expires_in"] > 0
    assert body["access_token"]
    assert body["refresh_token"]
    assert r.headers["cache-control"] == "no-store"
    me = await client.get("/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["id"] == acct.id


async def test_login_by_email(client: httpx.AsyncClient, make_account: MakeAccount) -> None:
    acct = await make_account()
    r = await client.post(
        "/auth/login", json={"username": f"{acct.username}@EXAMPLE.com", "password": acct.password}
    )
    assert r.status_code == 200, r.text


async def test_wrong_password_and_unknown_user_get_the_same_401(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    acct = await make_account()
    wrong = assert_problem(
        await client.post("/auth/login", json={"username": acct.username, "password": "nope nope"}),
        401,
    )
    unknown = assert_problem(
        await client.post("/auth/login", json={"username": "nobody_here", "password": "nope nope"}),
        401,
    )
    assert wrong["detail"] == unknown["detail"]


async def test_refresh_rotates_and_a_reused_token_revokes_the_login(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    acct = await make_account()
    r = await client.post("/auth/refresh", json={"refresh_token": acct.refresh_token})
    assert r.status_code == 200, r.text
    rotated = r.json()
    assert rotated["refresh_token"] != acct.refresh_token
    assert (
        await client.get(
            "/users/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}
        )
    ).status_code == 200

    # The first token was spent: presenting it again is refused, and so is its successor.
    assert_problem(
        await client.post("/auth/refresh", json={"refresh_token": acct.refresh_token}), 401
    )
    assert_problem(
        await client.post("/auth/refresh", json={"refresh_token": rotated["refresh_token"]}), 401
    )


async def test_other_logins_survive_a_revoked_family(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    acct = await make_account()
    other = (
        await client.post(
            "/auth/login", json={"username": acct.username, "password": acct.password}
        )
    ).json()
    await client.post("/auth/refresh", json={"refresh_token": acct.refresh_token})
    await client.post("/auth/refresh", json={"refresh_token": acct.refresh_token})  # reuse
    r = await client.post("/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert r.status_code == 200, r.text


async def test_unknown_refresh_token_is_401(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post("/auth/refresh", json={"refresh_token": "made-up"}), 401)


async def test_refresh_needs_a_token_field(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post("/auth/refresh", json={}), 422)


OTHER_SECRET = "another-secret-that-is-long-enough-0123456789"


def _forge(secret: str, **claims: object) -> str:
    now = int(time.time())
    base: dict[str, object] = {
        "sub": "1",
        "iss": "chirp",
        "iat": now,
        "exp": now + 60,
        "typ": "access",
    }
    base.update(claims)
    return jwt.encode(base, secret, algorithm="HS256")


async def test_protected_route_rejects_bad_tokens(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    import os

    acct = await make_account()
    secret = os.environ["JWT_SECRET"]
    header_a, payload, _sig = acct.access_token.split(".")
    cases = {
        "missing": {},
        "not bearer": {"Authorization": f"Basic {acct.access_token}"},
        "empty bearer": {"Authorization": "Bearer "},
        "garbage": {"Authorization": "Bearer not.a.jwt"},
        "tampered": {"Authorization": f"Bearer {header_a}.{payload}.AAAA"},
        "wrong secret": {"Authorization": f"Bearer {_forge(OTHER_SECRET, sub=acct.id)}"},
        "expired": {
            "Authorization": f"Bearer {_forge(secret, sub=acct.id, exp=int(time.time()) - 5)}"
        },
        "not an access token": {
            "Authorization": f"Bearer {_forge(secret, sub=acct.id, typ='refresh')}"
        },
        "refresh token as access": {"Authorization": f"Bearer {acct.refresh_token}"},
        "alg none": {
            "Authorization": "Bearer " + jwt.encode({"sub": acct.id}, None, algorithm="none")  # type: ignore[arg-type]
        },
    }
    for name, headers in cases.items():
        r = await client.put(f"/users/{acct.id}", json={"bio": "hacked"}, headers=headers)
        body = assert_problem(r, 401)
        assert r.headers["www-authenticate"].startswith("Bearer"), name
        assert body["detail"], name
    assert (await client.get(f"/users/{acct.id}")).json()["bio"] == ""
