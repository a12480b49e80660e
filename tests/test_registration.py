"""POST /users: who can register, and what a bad registration gets back."""

from __future__ import annotations

import httpx
import pytest

from tests.support import assert_problem, unique_name


async def register(client: httpx.AsyncClient, **fields: object) -> httpx.Response:
    name = unique_name()
    body = {"username": name, "email": f"{name}@example.com", "password": "long enough", **fields}
    return await client.post("/users", json=body)


async def test_register_returns_the_public_user(client: httpx.AsyncClient) -> None:
    name = unique_name("Reg_")
    r = await client.post(
        "/users",
        json={
            "username": name,
            "email": f"{name}@Example.com",
            "password": "s3cret pass",
            "display_name": "Régis Ünicode",
        },
    )
    assert r.status_code == 201, r.text
    user = r.json()
    assert set(user) == {
        "id",
        "username",
        "display_name",
        "bio",
        "avatar_url",
        "created_at",
        "followers_count",
        "following_count",
        "tweets_count",
    }
    assert isinstance(user["id"], str)
    assert int(user["id"]) > 0
    assert user["username"] == name
    assert user["display_name"] == "Régis Ünicode"
    assert (user["followers_count"], user["following_count"], user["tweets_count"]) == (0, 0, 0)
    assert user["created_at"].endswith("Z")
    assert r.headers["location"] == f"/users/{user['id']}"
    assert "password" not in r.text
    assert "s3cret" not in r.text


async def test_display_name_defaults_to_username(client: httpx.AsyncClient) -> None:
    r = await register(client)
    assert r.json()["display_name"] == r.json()["username"]


async def test_ids_are_time_sortable(client: httpx.AsyncClient) -> None:
    first = (await register(client)).json()
    second = (await register(client)).json()
    assert int(second["id"]) > int(first["id"])


@pytest.mark.parametrize(
    "username",
    ["", "a" * 16, "has space", "dash-ed", "dót", "semi;colon", "quote'"],
)
async def test_bad_usernames_are_422(client: httpx.AsyncClient, username: str) -> None:
    body = assert_problem(await register(client, username=username), 422)
    assert "username" in str(body["detail"])


async def test_longest_and_shortest_usernames_are_fine(client: httpx.AsyncClient) -> None:
    long_name = unique_name("x")[:11] + "_abc"
    assert len(long_name) == 15
    assert (await register(client, username=long_name)).status_code == 201
    one = unique_name()[-1]
    r = await register(client, username=one)
    assert r.status_code in (201, 409)  # a one-letter name may be taken by an earlier run


async def test_username_is_unique_case_insensitively(client: httpx.AsyncClient) -> None:
    name = unique_name("Case")
    assert (await register(client, username=name)).status_code == 201
    body = assert_problem(await register(client, username=name.upper()), 409)
    assert "username" in str(body["detail"])


async def test_email_is_unique_case_insensitively(client: httpx.AsyncClient) -> None:
    email = f"{unique_name()}@example.com"
    assert (await register(client, email=email)).status_code == 201
    body = assert_problem(await register(client, email=email.upper()), 409)
    assert "email" in str(body["detail"])


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"password": "short"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"display_name": "x" * 51}, "display_name"),
        ({"display_name": "   "}, "display_name"),
        ({"display_name": "bell\u0007"}, "display_name"),
        ({"is_admin": True}, "is_admin"),
        ({"username": 12345}, "username"),
    ],
)
async def test_invalid_fields_are_422_naming_the_field(
    client: httpx.AsyncClient, fields: dict[str, object], field: str
) -> None:
    body = assert_problem(await register(client, **fields), 422)
    assert any(e["field"] == field for e in body["errors"])  # type: ignore[attr-defined]


async def test_missing_fields_are_422(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post("/users", json={"username": unique_name()}), 422)
    fields = {e["field"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert fields == {"email", "password"}


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/users", content=b'{"username": ', headers={"content-type": "application/json"}
    )
    assert_problem(r, 400)


async def test_non_object_json_is_422(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post("/users", json=["a", "b"]), 422)


async def test_wrong_content_type_is_415(client: httpx.AsyncClient) -> None:
    r = await client.post("/users", content=b"username=a", headers={"content-type": "text/plain"})
    assert_problem(r, 415)


async def test_oversized_body_is_413(client: httpx.AsyncClient) -> None:
    r = await register(client, display_name="x" * 70_000)
    assert_problem(r, 413)


async def test_failed_registration_creates_nothing(client: httpx.AsyncClient) -> None:
    name = unique_name()
    assert_problem(await register(client, username=name, password="short"), 422)
    assert_problem(await client.get(f"/users/username/{name}"), 404)
