"""Following: idempotent follow/unfollow, exact counters, and paged follower lists."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.support import Account, MakeAccount, assert_problem


async def counts(client: httpx.AsyncClient, acct: Account) -> tuple[int, int]:
    user = (await client.get(f"/users/{acct.id}")).json()
    return user["followers_count"], user["following_count"]


async def test_follow_and_unfollow_are_idempotent(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    alice, bob = await make_account(), await make_account()
    for _ in range(2):
        r = await client.post(f"/users/{bob.id}/follow", headers=alice.headers)
        assert r.status_code == 200, r.text
        assert r.json() == {"id": bob.id, "following": True, "followed_by": False}
    assert await counts(client, bob) == (1, 0)
    assert await counts(client, alice) == (0, 1)

    for _ in range(2):
        r = await client.delete(f"/users/{bob.id}/follow", headers=alice.headers)
        assert r.status_code == 200, r.text
        assert r.json()["following"] is False
    assert await counts(client, bob) == (0, 0)
    assert await counts(client, alice) == (0, 0)


async def test_followed_by_reports_the_other_direction(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    alice, bob = await make_account(), await make_account()
    await client.post(f"/users/{alice.id}/follow", headers=bob.headers)
    r = await client.post(f"/users/{bob.id}/follow", headers=alice.headers)
    assert r.json() == {"id": bob.id, "following": True, "followed_by": True}


async def test_following_yourself_is_400(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    alice = await make_account()
    assert_problem(await client.post(f"/users/{alice.id}/follow", headers=alice.headers), 400)
    assert_problem(await client.delete(f"/users/{alice.id}/follow", headers=alice.headers), 400)
    assert await counts(client, alice) == (0, 0)


async def test_following_unknown_user_is_404(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    alice = await make_account()
    assert_problem(await client.post("/users/424242/follow", headers=alice.headers), 404)
    assert_problem(await client.delete("/users/424242/follow", headers=alice.headers), 404)


async def test_follow_needs_a_token(client: httpx.AsyncClient, make_account: MakeAccount) -> None:
    bob = await make_account()
    assert_problem(await client.post(f"/users/{bob.id}/follow"), 401)
    assert_problem(await client.delete(f"/users/{bob.id}/follow"), 401)


async def test_followers_and_following_pages_cover_everyone_once(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    star = await make_account()
    fans = [await make_account() for _ in range(7)]
    for fan in fans:
        await client.post(f"/users/{star.id}/follow", headers=fan.headers)

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        r = await client.get(f"/users/{star.id}/followers", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"data", "next_cursor"}
        assert len(body["data"]) <= 3
        seen += [u["id"] for u in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [f.id for f in reversed(fans)]  # newest follower first

    following = (await client.get(f"/users/{fans[0].id}/following")).json()
    assert [u["id"] for u in following["data"]] == [star.id]
    assert following["next_cursor"] is None
    assert following["data"][0]["followers_count"] == 7


async def test_cursor_is_stable_while_new_followers_arrive(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    star = await make_account()
    fans = [await make_account() for _ in range(4)]
    for fan in fans:
        await client.post(f"/users/{star.id}/follow", headers=fan.headers)
    first = (await client.get(f"/users/{star.id}/followers", params={"limit": 2})).json()
    late = await make_account()
    await client.post(f"/users/{star.id}/follow", headers=late.headers)
    second = (
        await client.get(
            f"/users/{star.id}/followers", params={"limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()
    ids = [u["id"] for u in first["data"] + second["data"]]
    assert ids == [f.id for f in reversed(fans)]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"cursor": "bm90LWEtY3Vyc29y"},
        {"cursor": "!!!"},
    ],
)
async def test_bad_page_parameters_are_422(
    client: httpx.AsyncClient, make_account: MakeAccount, params: dict[str, str | int]
) -> None:
    acct = await make_account()
    assert_problem(await client.get(f"/users/{acct.id}/followers", params=params), 422)


async def test_lists_of_unknown_user_are_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/users/777/followers"), 404)
    assert_problem(await client.get("/users/777/following"), 404)


async def test_concurrent_follows_keep_counts_exact(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    star = await make_account()
    fans = await asyncio.gather(*(make_account() for _ in range(20)))
    # each fan follows twice at once, and star follows each fan back at the same time
    results = await asyncio.gather(
        *(
            client.post(f"/users/{star.id}/follow", headers=f.headers)
            for f in fans
            for _ in range(2)
        ),
        *(client.post(f"/users/{f.id}/follow", headers=star.headers) for f in fans),
    )
    assert all(r.status_code == 200 for r in results), [
        r.text for r in results if r.status_code != 200
    ]
    assert await counts(client, star) == (20, 20)
