"""Home and user timelines through the gateway, with fanout running on the real broker.

conftest sets small fanout tiers: fewer than 3 followers → push to all; 3 to 5 → push to
active followers only; more than 5 → no push, merged at read time. Redis timelines hold 30.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from functions.core import cache, db
from functions.core.config import settings
from functions.core.timeline_store import Entry, active_key, timeline_key, timeline_store
from functions.fanout.deliver import Fanout
from functions.fanout.main import apply
from functions.local.events import EventPlane
from tests.support import Account, MakeAccount, assert_problem, eventually

pytestmark = pytest.mark.usefixtures("event_plane")
Json = dict[str, Any]


async def home(c: httpx.AsyncClient, who: Account, **params: Any) -> Json:
    r = await c.get("/timeline/home", params=params, headers=who.headers)
    assert r.status_code == 200, r.text
    page: Json = r.json()
    return page


async def ids(c: httpx.AsyncClient, who: Account) -> list[str]:
    return [t["id"] for t in (await home(c, who, limit=100))["data"]]


async def all_pages(c: httpx.AsyncClient, path: str, who: Account, limit: int) -> list[Json]:
    items: list[Json] = []
    cursor = None
    while True:
        params: Json = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        r = await c.get(path, params=params, headers=who.headers)
        assert r.status_code == 200, r.text
        items += r.json()["data"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


async def post(c: httpx.AsyncClient, who: Account, text: str = "hello") -> str:
    r = await c.post("/tweets", json={"text": text}, headers=who.headers)
    assert r.status_code == 201, r.text
    tweet_id: str = r.json()["id"]
    return tweet_id


async def follow(c: httpx.AsyncClient, who: Account, whom: Account) -> None:
    r = await c.post(f"/users/{whom.id}/follow", headers=who.headers)
    assert r.status_code == 200, r.text


async def cached(who: Account) -> list[int]:
    """Tweet ids in the user's Redis home timeline (what fanout pushed), newest first."""
    members = await cache.client().zrange(timeline_key("home", int(who.id)), 0, -1, desc=True)
    return [Entry.parse(str(m)).tweet_id for m in members]


async def test_own_tweets_appear_at_once_in_home_and_user_timelines(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    me = await make_account()
    assert (await home(client, me))["data"] == []
    first, second = await post(client, me, "one"), await post(client, me, "two")
    page = await home(client, me)
    assert [t["id"] for t in page["data"]] == [second, first]
    assert page["data"][0]["author"]["username"] == me.username
    assert page["data"][0]["retweeted_by"] is None
    r = await client.get(f"/timeline/user/{me.id}")  # anonymous reader
    assert [t["id"] for t in r.json()["data"]] == [second, first]


async def test_small_author_pushes_to_every_follower(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    author, reader = await make_account(), await make_account()
    await follow(client, reader, author)
    await home(client, reader)  # the reader's timeline now exists in Redis
    tweet = await post(client, author)
    await eventually(lambda: _contains(cached(reader), int(tweet)))
    assert await ids(client, reader) == [tweet]


async def _contains(values: Any, wanted: int) -> bool:
    return wanted in await values


async def test_mid_author_pushes_only_to_active_followers_and_inactive_ones_rebuild(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    author = await make_account()
    active1, active2, idle = [await make_account() for _ in range(3)]
    for f in (active1, active2, idle):
        await follow(client, f, author)
        await home(client, f)
    await asyncio.sleep(0.5)  # the follow events' backfill (nothing to add) is done
    # The idle follower last read their timeline before the activity window.
    long_ago = time.time() - settings().active_window_s - 60
    await cache.client().zadd(active_key(), {idle.id: long_ago})

    tweet = int(await post(client, author))
    await eventually(lambda: _contains(cached(active1), tweet))
    await eventually(lambda: _contains(cached(active2), tweet))
    await asyncio.sleep(0.3)
    assert tweet not in await cached(idle)  # not pushed: idle is not active
    assert await ids(client, idle) == [str(tweet)]  # stale → rebuilt from PostgreSQL
    assert tweet in await cached(idle)


async def test_celebrity_tweets_are_merged_at_read_time(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    celebrity, friend = await make_account(), await make_account()
    fans = [await make_account() for _ in range(6)]
    for fan in fans:
        await follow(client, fan, celebrity)
    await follow(client, fans[0], friend)
    for fan in fans:
        await home(client, fan)
    mine = await post(client, fans[0], "mine")
    friends = await post(client, friend, "friend")
    star = await post(client, celebrity, "star")
    await eventually(lambda: _contains(cached(fans[0]), int(friends)))
    await asyncio.sleep(0.3)
    for fan in fans:
        assert int(star) not in await cached(fan)  # no fanout for a celebrity
        assert star in await ids(client, fan)
    assert await ids(client, fans[0]) == [star, friends, mine]


async def test_pages_are_stable_while_new_tweets_arrive(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    author, reader = await make_account(), await make_account()
    await follow(client, reader, author)
    before = [await post(client, author, f"old {i}") for i in range(25)]

    async def keep_posting() -> None:
        for i in range(10):
            await post(client, author, f"new {i}")

    poster = asyncio.create_task(keep_posting())
    pages: list[Json] = []
    cursor = None
    while True:
        params: Json = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        page = await home(client, reader, **params)
        pages += page["data"]
        cursor = page["next_cursor"]
        await asyncio.sleep(0.01)
        if cursor is None:
            break
    await poster
    seen = [t["id"] for t in pages]
    assert len(seen) == len(set(seen))  # no duplicates
    assert [int(i) for i in seen] == sorted((int(i) for i in seen), reverse=True)
    assert [i for i in seen if i in before] == before[::-1]  # no gaps


async def test_pages_past_the_redis_timeline_come_from_postgresql(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    author, reader = await make_account(), await make_account()
    await follow(client, reader, author)
    posted = [await post(client, author, f"t{i}") for i in range(40)]
    items = await all_pages(client, "/timeline/home", reader, 15)
    assert [t["id"] for t in items] == posted[::-1]
    assert len(await cached(reader)) == settings().timeline_size  # trimmed at 30
    user_items = await all_pages(client, f"/timeline/user/{author.id}", reader, 100)
    assert [t["id"] for t in user_items] == posted[::-1]


async def test_deleted_tweets_vanish_at_once_and_from_redis_later(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    author, reader = await make_account(), await make_account()
    await follow(client, reader, author)
    await home(client, reader)
    keep, gone = await post(client, author, "keep"), await post(client, author, "gone")
    await eventually(lambda: _contains(cached(reader), int(gone)))
    r = await client.delete(f"/tweets/{gone}", headers=author.headers)
    assert r.status_code == 204
    assert await ids(client, reader) == [keep]
    assert [t["id"] for t in (await client.get(f"/timeline/user/{author.id}")).json()["data"]] == [
        keep
    ]

    async def removed() -> bool:
        return int(gone) not in await cached(reader)

    await eventually(removed)


async def test_unfollow_removes_their_tweets_and_follow_backfills(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    author, reader = await make_account(), await make_account()
    old = [await post(client, author, f"before {i}") for i in range(3)]
    await home(client, reader)
    await follow(client, reader, author)
    assert await ids(client, reader) == old[::-1]  # backfilled on follow
    r = await client.delete(f"/users/{author.id}/follow", headers=reader.headers)
    assert r.status_code == 200
    assert await ids(client, reader) == []

    async def cleaned() -> bool:
        return not await cached(reader)

    await eventually(cleaned)
    await post(client, author, "after")
    await asyncio.sleep(0.3)
    assert await ids(client, reader) == []


async def test_retweets_reach_followers_of_the_retweeter(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    author, retweeter, reader = [await make_account() for _ in range(3)]
    await follow(client, reader, retweeter)
    await home(client, reader)
    tweet = await post(client, author, "worth sharing")
    r = await client.post(f"/tweets/{tweet}/retweet", headers=retweeter.headers)
    assert r.status_code == 200
    assert await ids(client, retweeter) == [tweet]  # at once in the retweeter's own

    async def arrived() -> bool:
        return await ids(client, reader) == [tweet]

    await eventually(arrived)
    item = (await home(client, reader))["data"][0]
    assert item["author"]["id"] == author.id
    assert item["retweeted_by"]["id"] == retweeter.id
    assert item["retweet_count"] == 1

    await client.delete(f"/tweets/{tweet}/retweet", headers=retweeter.headers)
    assert await ids(client, retweeter) == []

    async def withdrawn() -> bool:
        return await ids(client, reader) == []

    await eventually(withdrawn)


async def test_counts_and_marks_follow_likes_at_once(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    author, reader, other = [await make_account() for _ in range(3)]
    await follow(client, reader, author)
    await follow(client, other, author)
    tweet = await post(client, author)
    for who in (reader, other):
        item = (await home(client, who))["data"][0]
        assert (item["like_count"], item["liked_by_me"]) == (0, False)
    await client.post(f"/tweets/{tweet}/like", headers=reader.headers)
    item = (await home(client, reader))["data"][0]
    assert (item["like_count"], item["liked_by_me"]) == (1, True)
    item = (await home(client, other))["data"][0]
    assert (item["like_count"], item["liked_by_me"]) == (1, False)
    reply = await client.post(
        "/tweets", json={"text": "re", "reply_to_id": tweet}, headers=other.headers
    )
    assert reply.status_code == 201
    await client.delete(f"/tweets/{tweet}/like", headers=reader.headers)
    item = next(t for t in (await home(client, reader))["data"] if t["id"] == tweet)
    assert (item["like_count"], item["liked_by_me"], item["reply_count"]) == (0, False, 1)
    r = await client.put(
        f"/users/{author.id}", json={"display_name": "Renamed"}, headers=author.headers
    )
    assert r.status_code == 200, r.text
    item = next(t for t in (await home(client, reader))["data"] if t["id"] == tweet)
    assert item["author"]["display_name"] == "Renamed"


async def test_redelivered_events_change_nothing(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    author, reader = await make_account(), await make_account()
    await follow(client, reader, author)
    tweet = await post(client, author)
    before = await home(client, reader)
    fanout = Fanout(await db.pool(), timeline_store(), settings())
    created: Json = {
        "tweet_id": tweet, "author_id": author.id, "text": "hello", "created_at": "x",
        "conversation_id": tweet, "reply_to_id": None, "reply_to_author_id": None,
        "hashtags": [], "mention_ids": [],
    }  # fmt: skip
    followed = {"follower_id": reader.id, "followee_id": author.id}
    for _ in range(3):
        await apply(fanout, "chirp.tweet.created", created)
        await apply(fanout, "chirp.user.followed", followed)
    assert await home(client, reader) == before
    assert await cached(reader) == [int(tweet)]


async def test_flushing_redis_changes_no_result(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    author, celebrity, reader = [await make_account() for _ in range(3)]
    await follow(client, reader, author)
    await follow(client, reader, celebrity)
    for _ in range(6):
        await follow(client, await make_account(), celebrity)
    for i in range(12):
        tweet = await post(client, author if i % 3 else celebrity, f"t{i}")
        if i % 4 == 0:
            await client.post(f"/tweets/{tweet}/like", headers=reader.headers)
        if i % 5 == 0:
            await client.post(f"/tweets/{tweet}/retweet", headers=author.headers)
    await asyncio.sleep(0.5)  # let fanout settle, so both reads see the same data
    home_before = await all_pages(client, "/timeline/home", reader, 5)
    user_before = await all_pages(client, f"/timeline/user/{author.id}", reader, 5)
    assert len(home_before) == 12 + 3  # and the three retweets by the author
    await cache.client().flushall()
    assert await all_pages(client, "/timeline/home", reader, 5) == home_before
    assert await all_pages(client, f"/timeline/user/{author.id}", reader, 5) == user_before


async def test_timeline_errors(client: httpx.AsyncClient, make_account: MakeAccount) -> None:
    me = await make_account()
    assert_problem(await client.get("/timeline/home"), 401)
    assert_problem(await client.get("/timeline/home?limit=0", headers=me.headers), 422)
    assert_problem(await client.get("/timeline/home?limit=101", headers=me.headers), 422)
    assert_problem(await client.get("/timeline/home?cursor=nope", headers=me.headers), 422)
    assert_problem(await client.get("/timeline/user/999999"), 404)
    assert_problem(await client.get("/timeline/user/abc"), 404)
    assert_problem(await client.post("/timeline/add", json={}, headers=me.headers), 404)


def test_the_event_plane_fixture_is_real(event_plane: EventPlane) -> None:
    assert {t.subscriber for t in event_plane.triggers} >= {"fanout", "notifier"}
