"""Reading and editing profiles: GET /users/{id}, /users/username/{name}, PUT /users/{id}."""

from __future__ import annotations

import httpx
import pytest

from tests.support import MakeAccount, assert_problem


async def test_get_by_id_and_by_username(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    acct = await make_account()
    by_id = await client.get(f"/users/{acct.id}")
    assert by_id.status_code == 200
    by_name = await client.get(f"/users/username/{acct.username.upper()}")
    assert by_name.status_code == 200
    assert by_id.json() == by_name.json()
    assert by_id.json()["username"] == acct.username


@pytest.mark.parametrize(
    "path",
    [
        "/users/1",
        "/users/abc",
        "/users/-5",
        "/users/99999999999999999999",
        "/users/username/nobody_at_all",
    ],
)
async def test_unknown_users_are_404(client: httpx.AsyncClient, path: str) -> None:
    assert_problem(await client.get(path), 404)


async def test_update_own_profile(client: httpx.AsyncClient, make_account: MakeAccount) -> None:
    acct = await make_account()
    r = await client.put(
        f"/users/{acct.id}",
        json={"display_name": "Ada L.", "bio": "line one\nline two"},
        headers=acct.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["display_name"] == "Ada L."
    assert r.json()["bio"] == "line one\nline two"
    # A partial update changes only what it names.
    r = await client.put(f"/users/{acct.id}", json={"bio": ""}, headers=acct.headers)
    assert r.json()["display_name"] == "Ada L."
    assert r.json()["bio"] == ""
    assert (await client.get(f"/users/{acct.id}")).json()["bio"] == ""


async def test_profile_text_is_nfc_normalised_and_counted_in_code_points(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    acct = await make_account()
    decomposed = "e\u0301" * 50  # 100 code points, 50 after NFC
    r = await client.put(
        f"/users/{acct.id}", json={"display_name": decomposed}, headers=acct.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["display_name"] == "\u00e9" * 50
    assert (
        await client.put(f"/users/{acct.id}", json={"bio": "🐦" * 160}, headers=acct.headers)
    ).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"display_name": "x" * 51},
        {"bio": "x" * 161},
        {"bio": "tab\there"},
        {"username": "new"},
        {"display_name": None, "bio": 5},
    ],
)
async def test_invalid_updates_are_422_and_change_nothing(
    client: httpx.AsyncClient, make_account: MakeAccount, body: dict[str, object]
) -> None:
    acct = await make_account()
    before = (await client.get(f"/users/{acct.id}")).json()
    assert_problem(await client.put(f"/users/{acct.id}", json=body, headers=acct.headers), 422)
    assert (await client.get(f"/users/{acct.id}")).json() == before


async def test_editing_someone_else_is_403(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    alice, bob = await make_account(), await make_account()
    assert_problem(
        await client.put(f"/users/{bob.id}", json={"bio": "pwned"}, headers=alice.headers), 403
    )
    assert (await client.get(f"/users/{bob.id}")).json()["bio"] == ""


async def test_editing_unknown_user_is_404(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    alice = await make_account()
    assert_problem(await client.put("/users/12345", json={"bio": "x"}, headers=alice.headers), 404)


async def test_editing_without_token_is_401(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    acct = await make_account()
    assert_problem(await client.put(f"/users/{acct.id}", json={"bio": "x"}), 401)


async def test_me_needs_a_token(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/users/me"), 401)


async def test_unknown_paths_and_methods(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/nowhere"), 404)
    assert_problem(await client.get("/users/1/nothing"), 404)
    r = await client.patch("/users/1")
    assert_problem(r, 405)
    assert "PUT" in r.headers["allow"]
