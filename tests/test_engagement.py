"""Likes and retweets: idempotent, exact under concurrency, and visible to their author."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.support import MakeAccount, assert_problem


@pytest.mark.parametrize(
    ("kind", "counter", "mine"),
    [("like", "like_count", "liked_by_me"), ("retweet", "retweet_count", "retweeted_by_me")],
)
async def test_marks_are_idempotent(
    client: httpx.AsyncClient, make_account: MakeAccount, kind: str, counter: str, mine: str
) -> None:
    alice, bob = await make_account(), await make_account()
    tweet = (await client.post("/tweets", json={"text": "like me"}, headers=alice.headers)).json()
    for _ in range(2):
        r = await client.post(f"/tweets/{tweet['id']}/{kind}", headers=bob.headers)
        assert r.status_code == 200, r.text
        assert (r.json()[counter], r.json()[mine]) == (1, True)
    seen_by_bob = (await client.get(f"/tweets/{tweet['id']}", headers=bob.headers)).json()
    seen_by_alice = (await client.get(f"/tweets/{tweet['id']}", headers=alice.headers)).json()
    assert (seen_by_bob[mine], seen_by_alice[mine], seen_by_alice[counter]) == (True, False, 1)
    for _ in range(2):
        r = await client.delete(f"/tweets/{tweet['id']}/{kind}", headers=bob.headers)
        assert r.status_code == 200
        assert (r.json()[counter], r.json()[mine]) == (0, False)


@pytest.mark.parametrize("kind", ["like", "retweet"])
async def test_marks_on_missing_tweets_and_without_token(
    client: httpx.AsyncClient, make_account: MakeAccount, kind: str
) -> None:
    alice = await make_account()
    assert_problem(await client.post(f"/tweets/424242/{kind}", headers=alice.headers), 404)
    tweet = (await client.post("/tweets", json={"text": "t"}, headers=alice.headers)).json()
    assert_problem(await client.post(f"/tweets/{tweet['id']}/{kind}"), 401)
    await client.delete(f"/tweets/{tweet['id']}", headers=alice.headers)
    assert_problem(await client.post(f"/tweets/{tweet['id']}/{kind}", headers=alice.headers), 404)


async def test_100_concurrent_likes_count_exactly_100(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    author = await make_account()
    tweet = (await client.post("/tweets", json={"text": "popular"}, headers=author.headers)).json()
    fans = await asyncio.gather(*(make_account() for _ in range(100)))
    # every fan likes twice at once, and retweets once
    results = await asyncio.gather(
        *(
            client.post(f"/tweets/{tweet['id']}/like", headers=f.headers)
            for f in fans
            for _ in range(2)
        ),
        *(client.post(f"/tweets/{tweet['id']}/retweet", headers=f.headers) for f in fans),
    )
    assert all(r.status_code == 200 for r in results)
    final = (await client.get(f"/tweets/{tweet['id']}")).json()
    assert (final["like_count"], final["retweet_count"]) == (100, 100)
    await asyncio.gather(
        *(client.delete(f"/tweets/{tweet['id']}/like", headers=f.headers) for f in fans[:40])
    )
    assert (await client.get(f"/tweets/{tweet['id']}")).json()["like_count"] == 60
