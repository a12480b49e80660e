"""Hydration from Redis: tweets, authors and a viewer's likes and retweets, filled from SQL.

- `tw:<id>` hash: the tweet's unchanging JSON (`body`), its author, and its three counters.
  Writers adjust the counters after they commit, and only in a hash that exists, so a cached
  count moves exactly as the database row did. Deleting a tweet deletes its hash.
- `us:<id>`: a user summary as JSON; a profile change deletes it.
- `liked:<viewer>` / `rted:<viewer>`: sets of tweet ids, with a `-` member so that a viewer
  with none still has a set (Redis keeps no empty sets); writers add and remove only in sets
  that exist.

Every key has a TTL, so an update lost to a Redis outage heals by itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

import asyncpg
import redis.asyncio as redis

from functions.core import cache
from functions.core.cache import key
from functions.core.config import settings
from functions.core.models import Tweet, UserSummary
from functions.core.tweet_views import get_tweets

TTL_S = 3600
_COMPLETE = "-"
_VIEWER_FIELDS = {"author", "like_count", "retweet_count", "reply_count", "liked_by_me",
                  "retweeted_by_me"}  # fmt: skip
Counter = Literal["likes", "retweets", "replies"]
Mark = Literal["liked", "rted"]

# ARGV: key prefix, viewer ('' if anonymous), n, n tweet ids, then user ids. Everything one
# page needs, in one round trip: a pipeline of ~25 commands costs far more in redis-py's
# per-command work than Redis spends on them. (Keys are built in the script, so this
# assumes one Redis or a Sentinel pair, not Redis Cluster.)
_READ = """
local p, viewer, n = ARGV[1], ARGV[2], tonumber(ARGV[3])
local tweets, users, marks = {}, {}, {}
for i = 4, 3 + n do
  tweets[#tweets + 1] = redis.call('HMGET', p .. 'tw:' .. ARGV[i],
                                   'body', 'author', 'likes', 'retweets', 'replies')
end
for i = 4 + n, #ARGV do users[#users + 1] = redis.call('GET', p .. 'us:' .. ARGV[i]) end
if viewer ~= '' then
  for _, mark in ipairs({'liked', 'rted'}) do
    local k, flags = p .. mark .. ':' .. viewer, {}
    if redis.call('EXISTS', k) == 1 then
      for i = 4, 3 + n do flags[#flags + 1] = redis.call('SISMEMBER', k, ARGV[i]) end
      marks[#marks + 1] = flags
    else
      marks[#marks + 1] = 'missing'
    end
  end
end
return {tweets, users, marks}
"""

# KEYS: the hash or set. ARGV: command, field/member, (delta). Only where the key exists.
_IF_EXISTS = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == 'HINCRBY' then return redis.call('HINCRBY', KEYS[1], ARGV[2], ARGV[3]) end
return redis.call(ARGV[1], KEYS[1], ARGV[2])
"""


def tweet_key(tweet_id: int) -> str:
    return key("tw", tweet_id)


def user_key(user_id: int) -> str:
    return key("us", user_id)


def mark_key(mark: Mark, viewer: int) -> str:
    return key(mark, viewer)


class TweetCache:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client
        self._if_exists = client.register_script(_IF_EXISTS)
        self._read = client.register_script(_READ)

    # --- writers (after their transaction commits) -------------------------------------

    async def count(self, tweet_id: int, counter: Counter, delta: int) -> None:
        await self._if_exists(keys=[tweet_key(tweet_id)], args=["HINCRBY", counter, delta])

    async def mark(self, mark: Mark, viewer: int, tweet_id: int, on: bool) -> None:
        command = "SADD" if on else "SREM"
        await self._if_exists(keys=[mark_key(mark, viewer)], args=[command, tweet_id])

    async def forget_tweet(self, tweet_id: int) -> None:
        await self.redis.delete(tweet_key(tweet_id))

    async def forget_user(self, user_id: int) -> None:
        await self.redis.delete(user_key(user_id))

    # --- readers ----------------------------------------------------------------------

    async def hydrate(
        self, pool: asyncpg.Pool, viewer: int | None, tweet_ids: Sequence[int], user_ids: set[int]
    ) -> tuple[dict[int, dict[str, Any]], dict[int, str]]:
        """Tweets (as JSON-ready dicts with the viewer's marks) and users (as JSON text).

        Tweets that no longer exist are simply absent from the result.
        """
        ids = list(dict.fromkeys(tweet_ids))
        users = list(user_ids)
        rows, cached, marks = await self._read(
            keys=[], args=[settings().redis_prefix, viewer or "", len(ids), *ids, *users]
        )
        cached_users: dict[int, str | None] = dict(zip(users, cached, strict=True))

        missing = [tid for tid, row in zip(ids, rows, strict=True) if row[0] is None]
        fetched = await self._fill(pool, missing) if missing else {}
        tweets: dict[int, dict[str, Any]] = {}
        for tid, row in zip(ids, rows, strict=True):
            if row[0] is not None:
                body, author, likes, retweets, replies_ = row
                tweet = json.loads(body)
                tweet["author"] = int(author)
                tweet["like_count"] = int(likes or 0)
                tweet["retweet_count"] = int(retweets or 0)
                tweet["reply_count"] = int(replies_ or 0)
            elif tid in fetched:
                tweet, summary = fetched[tid]
                cached_users.setdefault(tweet["author"], summary)
            else:
                continue
            tweets[tid] = tweet

        missing_users = {u for u, v in cached_users.items() if v is None}
        missing_users |= {t["author"] for t in tweets.values()} - cached_users.keys()
        if missing_users:
            cached_users.update(await self._fill_users(pool, missing_users))

        if viewer is not None:
            liked, rted = await self._marks(pool, viewer, ids, marks)
            for tid, tweet in tweets.items():
                tweet["liked_by_me"] = tid in liked
                tweet["retweeted_by_me"] = tid in rted
        else:
            for tweet in tweets.values():
                tweet["liked_by_me"] = tweet["retweeted_by_me"] = False
        return tweets, {u: v for u, v in cached_users.items() if v is not None}

    async def _fill(
        self, pool: asyncpg.Pool, ids: list[int]
    ) -> dict[int, tuple[dict[str, Any], str]]:
        async with pool.acquire() as conn:
            found: list[Tweet] = await get_tweets(conn, ids, None)
        out: dict[int, tuple[dict[str, Any], str]] = {}
        async with self.redis.pipeline(transaction=False) as pipe:
            for t in found:
                body = t.model_dump_json(exclude=_VIEWER_FIELDS)
                summary = t.author.model_dump_json()
                pipe.hset(
                    tweet_key(t.id),
                    mapping={
                        "body": body,
                        "author": t.author.id,
                        "likes": t.like_count,
                        "retweets": t.retweet_count,
                        "replies": t.reply_count,
                    },
                )
                pipe.expire(tweet_key(t.id), TTL_S)
                pipe.set(user_key(t.author.id), summary, ex=TTL_S, nx=True)
                tweet = json.loads(body)
                tweet.update(
                    author=t.author.id,
                    like_count=t.like_count,
                    retweet_count=t.retweet_count,
                    reply_count=t.reply_count,
                )
                out[t.id] = (tweet, summary)
            await pipe.execute()
        return out

    async def _fill_users(self, pool: asyncpg.Pool, ids: set[int]) -> dict[int, str | None]:
        rows = await pool.fetch(
            "SELECT id, username, display_name, avatar_url FROM users WHERE id = ANY ($1)",
            list(ids),
        )
        out: dict[int, str | None] = {}
        async with self.redis.pipeline(transaction=False) as pipe:
            for r in rows:
                summary = UserSummary.model_validate(dict(r)).model_dump_json()
                out[r["id"]] = summary
                pipe.set(user_key(r["id"]), summary, ex=TTL_S)
            await pipe.execute()
        return out

    async def _marks(
        self, pool: asyncpg.Pool, viewer: int, ids: list[int], found: list[list[int] | str]
    ) -> tuple[set[int], set[int]]:
        result: list[set[int]] = []
        for mark, flags in zip(("liked", "rted"), found, strict=True):
            if not isinstance(flags, str):
                result.append({tid for tid, f in zip(ids, flags, strict=True) if f})
                continue
            table = "likes" if mark == "liked" else "retweets"
            rows = await pool.fetch(f"SELECT tweet_id FROM {table} WHERE user_id = $1", viewer)
            all_ids = {r[0] for r in rows}
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.delete(mark_key(mark, viewer))  # type: ignore[arg-type]
                pipe.sadd(mark_key(mark, viewer), _COMPLETE, *all_ids)  # type: ignore[arg-type]
                pipe.expire(mark_key(mark, viewer), TTL_S)  # type: ignore[arg-type]
                await pipe.execute()
            result.append(all_ids & set(ids))
        return result[0], result[1]


def tweet_cache() -> TweetCache:
    return TweetCache(cache.client())
