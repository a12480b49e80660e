"""Tweets: compose, read, delete, replies and threads."""

from __future__ import annotations

import httpx
import pytest

from tests.support import Account, MakeAccount, assert_problem


async def post(
    client: httpx.AsyncClient, who: Account, text: str, **extra: object
) -> httpx.Response:
    return await client.post("/tweets", json={"text": text, **extra}, headers=who.headers)


async def test_compose_returns_the_hydrated_tweet(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    alice = await make_account()
    r = await post(client, alice, "hello #World and #python, #world again")
    assert r.status_code == 201, r.text
    t = r.json()
    assert set(t) == {
        "id",
        "author",
        "text",
        "created_at",
        "reply_to_id",
        "conversation_id",
        "like_count",
        "retweet_count",
        "reply_count",
        "liked_by_me",
        "retweeted_by_me",
        "hashtags",
        "mentions",
        "media",
    }
    assert t["author"] == {
        "id": alice.id,
        "username": alice.username,
        "display_name": alice.username,
        "avatar_url": None,
    }
    assert t["conversation_id"] == t["id"]
    assert t["reply_to_id"] is None
    assert t["hashtags"] == ["world", "python"]
    assert (t["like_count"], t["retweet_count"], t["reply_count"]) == (0, 0, 0)
    assert r.headers["location"] == f"/tweets/{t['id']}"
    assert (await client.get(f"/tweets/{t['id']}")).json() == {
        **t,
        "liked_by_me": False,
        "retweeted_by_me": False,
    }
    assert (await client.get(f"/users/{alice.id}")).json()["tweets_count"] == 1


async def test_mentions_resolve_to_existing_users_only(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    alice, bob = await make_account(), await make_account()
    r = await post(client, alice, f"hi @{bob.username.upper()} and @nobody_xyz_123, mail a@b.com")
    assert r.json()["mentions"] == [{"id": bob.id, "username": bob.username}]


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("x" * 280, True),
        ("x" * 281, False),
        ("🐦" * 280, True),  # code points, not UTF-16 units or bytes
        ("e\u0301" * 280, True),  # 560 code points, 280 after NFC
        ("line one\nline two", True),
        ("", False),
        ("   \n ", False),
        ("tab\there", False),
        ("nul\u0000", False),
    ],
)
async def test_text_rules(
    client: httpx.AsyncClient, make_account: MakeAccount, text: str, ok: bool
) -> None:
    alice = await make_account()
    r = await post(client, alice, text)
    if ok:
        assert r.status_code == 201, r.text
    else:
        assert_problem(r, 422)
        assert (await client.get(f"/users/{alice.id}")).json()["tweets_count"] == 0


async def test_text_is_stored_nfc(client: httpx.AsyncClient, make_account: MakeAccount) -> None:
    alice = await make_account()
    assert (await post(client, alice, "cafe\u0301")).json()["text"] == "caf\u00e9"


async def test_compose_needs_a_token_and_a_valid_body(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    alice = await make_account()
    assert_problem(await client.post("/tweets", json={"text": "hi"}), 401)
    assert_problem(
        await client.post("/tweets", json={"text": "hi", "extra": 1}, headers=alice.headers), 422
    )
    assert_problem(
        await client.post(
            "/tweets", json={"text": "hi", "reply_to_id": "abc"}, headers=alice.headers
        ),
        422,
    )
    assert_problem(
        await client.post(
            "/tweets", json={"text": "hi", "media_ids": ["1"] * 5}, headers=alice.headers
        ),
        422,
    )


async def test_replies_join_the_conversation(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    alice, bob = await make_account(), await make_account()
    root = (await post(client, alice, "root")).json()
    reply = (await post(client, bob, "reply", reply_to_id=root["id"])).json()
    nested = (await post(client, alice, "nested", reply_to_id=int(reply["id"]))).json()
    assert reply["reply_to_id"] == root["id"]
    assert reply["conversation_id"] == nested["conversation_id"] == root["id"]
    assert (await client.get(f"/tweets/{root['id']}")).json()["reply_count"] == 1

    thread = (await client.get(f"/tweets/{reply['id']}/thread")).json()
    assert [t["id"] for t in thread["ancestors"]] == [root["id"]]
    assert thread["tweet"]["id"] == reply["id"]
    assert [t["id"] for t in thread["replies"]] == [nested["id"]]

    full = (await client.get(f"/tweets/{root['id']}/thread")).json()
    assert full["ancestors"] == []
    assert [t["id"] for t in full["replies"]] == [reply["id"], nested["id"]]


async def test_replying_to_missing_or_deleted_tweet_is_404(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    alice = await make_account()
    assert_problem(await post(client, alice, "to nowhere", reply_to_id="123456"), 404)
    gone = (await post(client, alice, "soon gone")).json()
    assert (await client.delete(f"/tweets/{gone['id']}", headers=alice.headers)).status_code == 204
    assert_problem(await post(client, alice, "late", reply_to_id=gone["id"]), 404)


async def test_delete_is_author_only_and_takes_back_counts(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    alice, bob = await make_account(), await make_account()
    root = (await post(client, alice, "root")).json()
    reply = (await post(client, bob, "reply", reply_to_id=root["id"])).json()
    assert_problem(await client.delete(f"/tweets/{reply['id']}", headers=alice.headers), 403)
    assert_problem(await client.delete(f"/tweets/{reply['id']}"), 401)
    r = await client.delete(f"/tweets/{reply['id']}", headers=bob.headers)
    assert r.status_code == 204
    assert_problem(await client.get(f"/tweets/{reply['id']}"), 404)
    assert_problem(await client.delete(f"/tweets/{reply['id']}", headers=bob.headers), 404)
    assert (await client.get(f"/tweets/{root['id']}")).json()["reply_count"] == 0
    assert (await client.get(f"/users/{bob.id}")).json()["tweets_count"] == 0
    assert (await client.get(f"/tweets/{root['id']}/thread")).json()["replies"] == []
    assert (await client.get(f"/users/{bob.id}/tweets")).json()["data"] == []


async def test_user_tweets_page_newest_first(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    alice = await make_account()
    ids = [(await post(client, alice, f"tweet {i}")).json()["id"] for i in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = (await client.get(f"/users/{alice.id}/tweets", params=params)).json()
        seen += [t["id"] for t in body["data"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))
    assert_problem(await client.get("/users/999/tweets"), 404)
    assert_problem(await client.get(f"/users/{alice.id}/tweets", params={"limit": 0}), 422)


async def test_unknown_tweets_are_404(client: httpx.AsyncClient) -> None:
    for path in ("/tweets/1", "/tweets/x", "/tweets/1/thread"):
        assert_problem(await client.get(path), 404)
