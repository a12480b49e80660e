"""Search: one contract for every backend (PostgreSQL always; Elasticsearch when reachable),
plus the HTTP surface (validation, paging, trending) through the gateway.

Each test writes its own corpus with a unique marker word, so tests sharing the database
cannot see each other's tweets.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from functions.core import db
from functions.search.backend import SearchBackend
from functions.search.postgres import PostgresSearch
from functions.search.query import TweetQuery, parse
from tests.support import Account, MakeAccount, assert_problem

EPOCH_MS = 1_735_689_600_000


def elasticsearch_url() -> str | None:
    return os.environ.get("CHIRP_TEST_ELASTICSEARCH_URL") or os.environ.get("ELASTICSEARCH_URL")


@pytest.fixture(params=["postgres", "elasticsearch"])
async def backend(request: pytest.FixtureRequest, database: str) -> AsyncIterator[SearchBackend]:
    pool = await db.pool()
    if request.param == "postgres":
        yield PostgresSearch(pool)
        return
    url = elasticsearch_url()
    if not url:
        pytest.skip("ELASTICSEARCH_URL is not set: the Elasticsearch backend was NOT tested")
    from elasticsearch import AsyncElasticsearch

    probe = AsyncElasticsearch(url, request_timeout=2)
    try:
        if not await probe.ping():
            pytest.skip(f"no Elasticsearch at {url}: the Elasticsearch backend was NOT tested")
    finally:
        await probe.close()
    from functions.search.elastic import ElasticSearch

    es = ElasticSearch.shared(url, pool)
    await es.ensure_indices()
    yield es


def marker() -> str:
    return "mk" + uuid.uuid4().hex[:10]


async def post(c: httpx.AsyncClient, who: Account, text: str, backend: SearchBackend) -> str:
    r = await c.post("/tweets", json={"text": text}, headers=who.headers)
    assert r.status_code == 201, r.text
    tweet_id: str = r.json()["id"]
    await backend.sync_tweet(int(tweet_id))  # what the indexer does on chirp.tweet.created
    return tweet_id


async def found(backend: SearchBackend, q: str) -> list[str]:
    return [str(i) for i in await backend.tweets(parse(q), 0, 50)]


def test_query_syntax_is_split_into_parts() -> None:
    q = parse('from:@Alice #Python "async io" -java #python #1 from:bob')
    assert q == TweetQuery('"async io" -java #1', ["python"], ["alice", "bob"])
    assert parse("   ").empty


async def test_words_phrases_and_exclusions(
    client: httpx.AsyncClient, make_account: MakeAccount, backend: SearchBackend
) -> None:
    me, m = await make_account(), marker()
    tips = await post(client, me, f"python asyncio tips {m}", backend)
    plain = await post(client, me, f"python is fun {m}", backend)
    await post(client, me, f"cooking pasta {m}", backend)
    assert set(await found(backend, f"python {m}")) == {tips, plain}
    assert await found(backend, f"asyncio {m}") == [tips]
    assert await found(backend, f'"asyncio tips" {m}') == [tips]
    assert await found(backend, f'"tips asyncio" {m}') == []
    assert await found(backend, f"python -asyncio {m}") == [plain]


async def test_relevance_first_then_recency(
    client: httpx.AsyncClient, make_account: MakeAccount, backend: SearchBackend
) -> None:
    me, m = await make_account(), marker()
    strong = await post(client, me, f"rust rust rust, all about rust {m}", backend)
    weak_old = await post(client, me, f"a note on rust and other things entirely {m}", backend)
    weak_new = await post(client, me, f"a note on rust and other things entirely {m}", backend)
    assert await found(backend, f"rust {m}") == [strong, weak_new, weak_old]


async def test_hashtags_and_authors(
    client: httpx.AsyncClient, make_account: MakeAccount, backend: SearchBackend
) -> None:
    alice, bob, m = await make_account(), await make_account(), marker()
    a1 = await post(client, alice, f"first #{m}", backend)
    b1 = await post(client, bob, f"second #{m} and #other{m}", backend)
    await post(client, bob, f"no tag, but the word {m}", backend)
    assert await found(backend, f"#{m}") == [b1, a1]  # no words: newest first
    assert await found(backend, f"#{m.upper()} #other{m}") == [b1]
    assert await found(backend, f"#{m} from:{alice.username}") == [a1]
    assert await found(backend, f"from:{bob.username.upper()} second") == [b1]


async def test_deleted_tweets_are_gone(
    client: httpx.AsyncClient, make_account: MakeAccount, backend: SearchBackend
) -> None:
    me, m = await make_account(), marker()
    keep = await post(client, me, f"keep {m}", backend)
    gone = await post(client, me, f"gone {m}", backend)
    assert (await client.delete(f"/tweets/{gone}", headers=me.headers)).status_code == 204
    await backend.sync_tweet(int(gone))  # the indexer, on chirp.tweet.deleted
    assert await found(backend, m) == [keep]


@pytest.mark.parametrize(
    "hostile",
    ["'; DROP TABLE tweets; --", '"unbalanced', "a & | ! ( ) :* <->", "from:", "#", "\\", "%_%",
     "OR OR -", "*:*", "text:x AND _id:1", '{"match_all": {}}'],
)  # fmt: skip
async def test_query_text_never_breaks_or_escapes_the_search(
    client: httpx.AsyncClient, make_account: MakeAccount, backend: SearchBackend, hostile: str
) -> None:
    me, m = await make_account(), marker()
    harmless = await post(client, me, f"harmless {m}", backend)
    pool = await db.pool()
    before = await pool.fetchval("SELECT count(*) FROM tweets")
    hits = await found(backend, f"{m} {hostile}")  # runs, as search syntax or as words
    live = await pool.fetch(
        "SELECT id::text FROM tweets WHERE id = ANY ($1::bigint[]) AND deleted_at IS NULL",
        [int(h) for h in hits],
    )
    assert len(live) == len(hits)  # only real, live tweets come back
    assert set(hits) <= {harmless} or hostile.startswith("OR")  # "- x" is "not x"
    assert isinstance(await backend.users(hostile, 0, 10), list)
    assert await pool.fetchval("SELECT count(*) FROM tweets") == before


async def test_users_by_exact_prefix_and_fuzzy_name(
    make_account: MakeAccount, backend: SearchBackend
) -> None:
    m = marker()[:8]
    exact = await make_account(f"{m}ada")
    longer = await make_account(f"{m}adalove")
    pool = await db.pool()
    await pool.execute("UPDATE users SET display_name = 'Grace Hopper' WHERE id = $1",
                       int(longer.id))  # fmt: skip
    for user in (exact, longer):
        await backend.sync_user(int(user.id))

    async def users(q: str) -> list[str]:
        return [str(i) for i in await backend.users(q, 0, 10)]

    assert (await users(f"{m}ada"))[:2] == [exact.id, longer.id]  # exact first, then prefix
    assert (await users(f"{m}adal"))[0] == longer.id
    assert longer.id in await users(f"{m}adalvoe")  # a typo still finds it
    assert longer.id in await users(f"hopper {m}") or longer.id in await users("Grace Hopper")


async def _tweet_at(author: int, age: timedelta, tags: list[str], deleted: bool = False) -> int:
    """A tweet written `age` ago (its id carries that time, as chirp_next_id's would)."""
    when = datetime.now(UTC) - age
    tweet_id = ((int(when.timestamp() * 1000) - EPOCH_MS) << 22) | random.getrandbits(22)
    await (await db.pool()).execute(
        """INSERT INTO tweets (id, author_id, text, conversation_id, hashtags, created_at,
                               deleted_at)
           VALUES ($1, $2, $3, $1, $4, $5, CASE WHEN $6 THEN now() END)""",
        tweet_id, author, " ".join(f"#{t}" for t in tags), tags, when, deleted,
    )  # fmt: skip
    return tweet_id


async def test_trending_weights_recent_use_and_skips_deleted_and_old(
    make_account: MakeAccount, backend: SearchBackend
) -> None:
    me, m = await make_account(), marker()
    steady, fresh, stale, deleted = (f"{m}steady", f"{m}fresh", f"{m}stale", f"{m}deleted")
    ids = [await _tweet_at(int(me.id), timedelta(minutes=50), [steady]) for _ in range(3)]
    ids += [await _tweet_at(int(me.id), timedelta(minutes=1), [fresh]) for _ in range(2)]
    ids += [await _tweet_at(int(me.id), timedelta(hours=30), [stale]) for _ in range(5)]
    ids += [await _tweet_at(int(me.id), timedelta(minutes=1), [deleted], deleted=True)]
    for tweet_id in ids:
        await backend.sync_tweet(tweet_id)

    async def ours(window_s: int) -> list[tuple[str, int]]:
        trends = await backend.trending(window_s, 50)
        return [(t.hashtag, t.uses) for t in trends if t.hashtag.startswith(m)]

    # Decay is relative to the window: 50 minutes is old within an hour, not within a day.
    assert await ours(3600) == [(fresh, 2), (steady, 3)]  # fewer uses, but recent
    assert await ours(86_400) == [(steady, 3), (fresh, 2)]
    assert (stale, 5) not in await ours(86_400)
    assert all(tag != deleted for tag, _ in await ours(86_400))


# --- over HTTP, default backend ------------------------------------------------------------


async def test_search_over_http_pages_and_hydrates(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    me, m = await make_account(), marker()
    posted = [(await client.post("/tweets", json={"text": f"#{m} n{i}"},
                                 headers=me.headers)).json()["id"] for i in range(5)]  # fmt: skip
    await client.post(f"/tweets/{posted[0]}/like", headers=me.headers)
    seen, cursor = [], None
    while True:
        params: dict[str, str | int] = {"q": f"#{m}", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        r = await client.get("/search/tweets", params=params, headers=me.headers)
        assert r.status_code == 200, r.text
        seen += r.json()["data"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert [t["id"] for t in seen] == posted[::-1]
    assert seen[-1]["liked_by_me"] is True
    assert seen[-1]["author"]["username"] == me.username
    r = await client.get("/search/users", params={"q": me.username})
    assert r.json()["data"][0]["id"] == me.id
    r = await client.get("/trending", params={"window": "1h", "limit": 50})
    assert r.status_code == 200
    assert {"hashtag": m, "uses": 5} in [
        {"hashtag": t["hashtag"], "uses": t["uses"]} for t in r.json()["data"]
    ]
    assert r.json()["window"] == "1h"


@pytest.mark.parametrize(
    "path",
    ["/search/tweets", "/search/tweets?q=", "/search/tweets?q=%20%20", "/search/tweets?q=x&limit=0",
     "/search/tweets?q=x&limit=101", "/search/tweets?q=x&cursor=nope", "/search/users",
     f"/search/users?q={'x' * 501}", "/trending?window=7d", "/trending?limit=0"],
)  # fmt: skip
async def test_bad_search_requests_are_422(client: httpx.AsyncClient, path: str) -> None:
    assert_problem(await client.get(path), 422)


async def test_text_that_cannot_be_stored_is_422(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/search/tweets", params={"q": "a\x00b"}), 422)
