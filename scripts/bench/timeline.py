"""`task bench:timeline`: home timeline reads, fanout throughput and delivery delay.

Every figure sits next to its limit, measured in the same run:
- home reads in-process (the timeline function's ASGI app called directly) vs the raw Redis
  read path done with redis-py (the limit) vs the naive SQL join (what we avoid);
- home reads over HTTP/1.1 (wrk) and HTTP/3 (niquests) vs the trivial function on the same
  server and transport, with server CPU time per request;
- fanout (timeline inserts/s) vs raw pipelined ZADD into as many keys;
- delay from POST /tweets to the tweet being in every follower's timeline, 1K and 10K
  followers, through outbox → relay → RabbitMQ → dispatcher → fanout.

The graph: power-law follows over --users users and --tweets tweets (reused between runs).
The most-followed user is given 1.5M followers on paper, so the default tiers treat them as
a celebrity (merged at read time); `fan1k` and `fan10k` are authors made for the delay test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import redis.asyncio as aioredis

from functions.core import cache, db
from functions.core.asgi import function_app
from functions.core.auth import issue_access_token
from functions.core.config import settings
from functions.core.migrations import create_database
from functions.core.timeline_store import (
    Entry,
    active_key,
    lex_below,
    meta_key,
    timeline_key,
    timeline_store,
)
from functions.core.tweet_cache import tweet_key, user_key
from functions.fanout.deliver import Fanout
from functions.local.events import EventPlane
from functions.local.gateway import build_gateway
from scripts.bench import common, dataset
from scripts.bench.benchenv import BENCH_ENV  # sets the env before settings() is read
from scripts.bench.common import Result, closed_loop, table

Row = dict[str, Any]
NAIVE_SQL = """SELECT t.* FROM tweets t JOIN follows f ON t.author_id = f.followee_id
                WHERE f.follower_id = $1 AND t.deleted_at IS NULL
                ORDER BY t.created_at DESC LIMIT 20"""


async def main() -> None:
    parser = argparse.ArgumentParser(description="chirp timeline benchmark")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--tweets", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    await create_database(settings().database_url)
    params = dataset.Params(users=args.users, tweets=args.tweets)
    await dataset.ensure(settings().database_url, params)
    pool, redis = await db.pool(), cache.client()
    await _flush_prefix(redis)
    fan = await _prepare_bench_authors(pool)
    readers = [
        r[0]
        for r in await pool.fetch(
            "SELECT id FROM users WHERE following_count > 0 AND username LIKE 'b%' "
            "ORDER BY random() LIMIT $1",
            args.readers,
        )
    ]
    tokens = [issue_access_token(u).token for u in readers]

    reads, r_ours, r_raw, r_naive = await _reads_in_process(pool, redis, readers, tokens, args)
    await db.close()
    await cache.close()
    http = _reads_over_http(tokens, args.seconds)
    pool, redis = await db.pool(), cache.client()
    fanout, fanout_ratio = await _fanout_throughput(pool, redis, fan["fan10k"])
    delivery = await _delivery_delays(pool, redis, fan)

    print()
    print(table(f"Home timeline reads, in-process, {args.concurrency} concurrent, "
                f"{params.key()}", reads))  # fmt: skip
    print()
    print(table("Home timeline reads over HTTP (one server process, TLS)", http))
    print()
    print(table("Fanout: timeline inserts", fanout))
    print()
    print(table("Delivery: POST /tweets → in every follower's Redis timeline", delivery))
    print()
    p99_10k = float(delivery[1]["p99 ms"])
    targets = [
        ("home reads ≥ 40% of the raw Redis path", r_ours.rate / r_raw.rate >= 0.4,
         f"{100 * r_ours.rate / r_raw.rate:.0f}%"),
        ("home reads ≥ 10x the naive SQL", r_ours.rate / r_naive.rate >= 10,
         f"{r_ours.rate / r_naive.rate:.1f}x"),
        ("fanout ≥ 50% of raw ZADD", fanout_ratio >= 0.5, f"{100 * fanout_ratio:.0f}%"),
        ("10K-follower delivery p99 < 1 s", p99_10k < 1000, f"{p99_10k} ms"),
    ]  # fmt: skip
    print(table("Targets", [{"target": t, "met": "yes" if ok else "NO", "measured": m}
                            for t, ok, m in targets]))  # fmt: skip
    path = common.write_json(
        "timeline",
        {"dataset": params.key(), "reads": reads, "http": http, "fanout": fanout,
         "delivery": delivery, "targets": targets},
    )  # fmt: skip
    print(f"\n(written to {path})")
    await db.close()
    await cache.close()


async def _reads_in_process(
    pool: asyncpg.Pool,
    redis: aioredis.Redis,
    readers: list[int],
    tokens: list[str],
    args: argparse.Namespace,
) -> tuple[list[Row], Result, Result, Result]:
    app = function_app("timeline")
    headers = [[(b"authorization", f"Bearer {t}".encode())] for t in tokens]
    path = "/timeline/home?limit=20"

    cold: list[float] = []
    for h in headers:  # every reader's first read builds their timeline from PostgreSQL
        t0 = time.perf_counter()
        await common.asgi_get(app, path, h)
        cold.append(time.perf_counter() - t0)

    async def ours(i: int) -> None:
        await common.asgi_get(app, path, headers[i % len(headers)])

    async def raw(i: int) -> None:
        """The limit: the Redis reads a page needs, with no HTTP, auth or JSON work."""
        members = await redis.zrange(
            timeline_key("home", readers[i % len(readers)]), lex_below(None), "-",
            desc=True, bylex=True, offset=0, num=21,
        )  # fmt: skip
        entries = [Entry.parse(str(m)) for m in members[:20]]
        async with redis.pipeline(transaction=False) as pipe:
            for e in entries:
                pipe.hmget(tweet_key(e.tweet_id), ["body", "author", "likes", "retweets"])
            pipe.mget([user_key(e.author_id) for e in entries] or ["-"])
            await pipe.execute()

    async def naive(i: int) -> None:
        await pool.fetch(NAIVE_SQL, readers[i % len(readers)])

    n, secs = args.concurrency, args.seconds
    r_raw = await closed_loop("raw Redis read path (ZRANGE, then HMGET x20 + MGET)", raw, n, secs)
    r_ours = await closed_loop("GET /timeline/home, ASGI app called directly", ours, n, secs)
    r_naive = await closed_loop(
        "naive SQL: tweets JOIN follows ORDER BY created_at", naive, n, secs
    )
    rows = [r.row(r_raw, "vs raw Redis") for r in (r_raw, r_ours, r_naive)]
    rows[1]["note"] = f"{r_ours.rate / max(r_naive.rate, 1e-9):.1f}x the naive SQL"
    first = Result("first read of a home timeline (rebuild)", len(cold), sum(cold), cold)
    rows.append(first.row(None))
    return rows, r_ours, r_raw, r_naive


def _reads_over_http(tokens: list[str], seconds: float) -> list[Row]:
    env = {**os.environ, **BENCH_ENV}
    secs = max(int(seconds), 1)
    home = "/timeline/home?limit=20"
    with common.Server(env) as server:
        lua = _wrk_script(tokens)
        h1_hello = common.wrk("HTTP/1.1 trivial function (/hello)", server,
                              f"{server.base}/hello", secs, 16, None)  # fmt: skip
        h1_home = common.wrk("HTTP/1.1 GET /timeline/home", server,
                             f"{server.base}{home}", secs, 16, lua)  # fmt: skip
        h3_hello = common.h3_load("HTTP/3 trivial function (/hello)", server,
                                  ["/hello"], [], secs, 2)  # fmt: skip
        h3_home = common.h3_load("HTTP/3 GET /timeline/home", server,
                                 [home], tokens, secs, 2)  # fmt: skip
    h3_home.note = "req/s is the Python HTTP/3 client's limit: compare CPU ms/op"
    rows = []
    for hello, page in ((h1_hello, h1_home), (h3_hello, h3_home)):
        rows += [hello.row(hello, "vs trivial"), page.row(hello, "vs trivial")]
    return rows


async def _flush_prefix(redis: aioredis.Redis) -> None:
    async for name in redis.scan_iter(match=f"{settings().redis_prefix}*", count=5000):
        await redis.delete(name)


async def _prepare_bench_authors(pool: asyncpg.Pool) -> dict[str, int]:
    """fan1k/fan10k, followed by 1K and 10K users; and one celebrity 'with 1.5M followers'."""
    out = {}
    for name, size in (("fan1k", 1_000), ("fan10k", 10_000)):
        uid = await pool.fetchval("SELECT id FROM users WHERE username = $1", name)
        if uid is None:
            uid = await pool.fetchval(
                """INSERT INTO users (username, email, password_hash, display_name)
                   VALUES ($1, $1 || '@bench.invalid', '!', $1) RETURNING id""",
                name,
            )
            await pool.execute(
                """INSERT INTO follows (follower_id, followee_id)
                   SELECT id, $1 FROM users WHERE username LIKE 'b%' ORDER BY id LIMIT $2""",
                uid,
                size,
            )
            await pool.execute(
                "UPDATE users SET followers_count = (SELECT count(*) FROM follows "
                "WHERE followee_id = $1) WHERE id = $1",
                uid,
            )
        out[name] = uid
    await pool.execute(
        """UPDATE users SET followers_count = 1500000
            WHERE id = (SELECT followee_id FROM follows WHERE followee_id IN
                         (SELECT id FROM users WHERE username LIKE 'b%')
                        GROUP BY followee_id ORDER BY count(*) DESC LIMIT 1)"""
    )
    return out


def _wrk_script(tokens: list[str]) -> Path:
    """A wrk Lua script that sends each request with the next reader's token."""
    common.OUT.mkdir(parents=True, exist_ok=True)
    path = common.OUT / "home.lua"
    quoted = ",".join(f'"{t}"' for t in tokens)
    path.write_text(
        f"local tokens = {{{quoted}}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n"
        '  return wrk.format("GET", nil, {["Authorization"] = "Bearer " .. '
        "tokens[(i % #tokens) + 1]})\nend\n"
    )
    return path


async def _followers(pool: asyncpg.Pool, author: int) -> list[int]:
    """Oldest follow first: fanout walks the newest first, so the first is reached last."""
    rows = await pool.fetch(
        "SELECT follower_id FROM follows WHERE followee_id = $1 ORDER BY id", author
    )
    return [r[0] for r in rows]


async def _warm(redis: aioredis.Redis, followers: list[int]) -> None:
    """Give every follower a built, active home timeline, as a day of reads would."""
    now = time.time()
    async with redis.pipeline(transaction=False) as pipe:
        for u in followers:
            pipe.hset(meta_key("home", u), mapping={"state": "ok", "pulled": ""})
            pipe.expire(meta_key("home", u), 3600)
        pipe.zadd(active_key(), {str(u): now for u in followers})
        await pipe.execute()


async def _fanout_throughput(
    pool: asyncpg.Pool, redis: aioredis.Redis, author: int
) -> tuple[list[Row], float]:
    followers = await _followers(pool, author)
    await _warm(redis, followers)
    fanout = Fanout(pool, timeline_store(), settings())
    rounds = 5
    t0, reached = time.perf_counter(), 0
    for _ in range(rounds):
        tid = await pool.fetchval(
            "INSERT INTO tweets (id, author_id, text, conversation_id) "
            "SELECT n, $1, 'fanout bench', n FROM chirp_next_id() n RETURNING id",
            author,
        )
        reached += await fanout.posted(Entry(tid, tid, author, author))
    ours = Result(f"Fanout.posted to {len(followers)} followers (push-active tier)",
                  reached, time.perf_counter() - t0)  # fmt: skip

    keys = [f"{settings().redis_prefix}raw:{u}" for u in followers]
    t0 = time.perf_counter()
    for i in range(rounds):
        for start in range(0, len(keys), 5000):
            async with redis.pipeline(transaction=False) as pipe:
                for k in keys[start : start + 5000]:
                    pipe.zadd(k, {f"{i:019d}:1:1:1": 0})
                await pipe.execute()
    raw = Result("raw pipelined ZADD into as many keys", rounds * len(keys),
                 time.perf_counter() - t0)  # fmt: skip
    await redis.delete(*keys)
    rows = [raw.row(raw, "vs raw ZADD"), ours.row(raw, "vs raw ZADD")]
    for row in rows:
        row["timeline inserts/s"] = row.pop("ops/s")
    return rows, ours.rate / raw.rate


async def _delivery_delays(
    pool: asyncpg.Pool, redis: aioredis.Redis, fan: dict[str, int]
) -> list[Row]:
    plane = EventPlane()
    await _purge([t.queue for t in plane.triggers])
    await plane.start()
    try:
        transport = httpx.ASGITransport(app=build_gateway())
        async with httpx.AsyncClient(transport=transport, base_url="https://bench") as client:
            return [await _delivery(client, pool, redis, fan[n], n) for n in ("fan1k", "fan10k")]
    finally:
        await plane.stop()


async def _purge(queues: list[str]) -> None:
    """Drop events earlier benchmarks left in the bench namespace's queues (bench:writes
    publishes without consuming), so delivery is measured from an empty broker."""
    import aio_pika

    connection = await aio_pika.connect(settings().rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        for name in queues:
            try:
                queue = await channel.declare_queue(name, durable=True, passive=True)
            except aio_pika.exceptions.ChannelClosed:
                channel = await connection.channel()  # not declared yet: nothing to drop
                continue
            await queue.purge()


async def _delivery(
    client: httpx.AsyncClient, pool: asyncpg.Pool, redis: aioredis.Redis, author: int, name: str
) -> Row:
    followers = await _followers(pool, author)
    await _warm(redis, followers)
    last = followers[0]
    headers = {"Authorization": f"Bearer {issue_access_token(author).token}"}
    delays = []
    for i in range(10):
        t0 = time.perf_counter()
        r = await client.post("/tweets", json={"text": f"delivery {i}"}, headers=headers)
        assert r.status_code == 201, r.text
        tid = int(r.json()["id"])
        member = Entry(tid, tid, author, author).member()
        while await redis.zscore(timeline_key("home", last), member) is None:  # noqa: ASYNC110
            await asyncio.sleep(0.002)
        delays.append(time.perf_counter() - t0)
        async with redis.pipeline(transaction=False) as pipe:
            for u in followers:
                pipe.zscore(timeline_key("home", u), member)
            missing = sum(s is None for s in await pipe.execute())
        assert missing == 0, f"{missing} followers without the tweet"
        await asyncio.sleep(random.uniform(0.05, 0.15))
    row = Result(f"{len(followers)} followers ({name})", len(delays), sum(delays), delays).row()
    del row["ops/s"]
    return row


if __name__ == "__main__":
    asyncio.run(main())
