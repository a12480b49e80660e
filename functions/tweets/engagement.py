"""Likes and retweets: idempotent marks whose counters stay exact under concurrency.

The mark's row decides: a counter moves only when the INSERT or DELETE really changed a row,
and the counter update locks the tweet's row, so 100 concurrent likes make exactly 100.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import asyncpg

from events import TweetLiked, TweetRetweeted, TweetUnliked, TweetUnretweeted, record
from events.payloads import Engagement
from functions.core import cache
from functions.core.models import Tweet
from functions.core.problems import not_found
from functions.core.timeline_store import Entry, timeline_store
from functions.core.tweet_cache import Counter, tweet_cache
from functions.core.tweet_cache import Mark as CachedMark
from functions.core.tweet_views import get_tweet

Kind = Literal["like", "retweet"]


@dataclass(frozen=True, slots=True)
class Mark:
    table: str
    counter: str
    cached_counter: Counter
    cached_mark: CachedMark
    done: type[Engagement]
    undone: type[Engagement]


MARKS: dict[Kind, Mark] = {
    "like": Mark("likes", "like_count", "likes", "liked", TweetLiked, TweetUnliked),
    "retweet": Mark(
        "retweets", "retweet_count", "retweets", "rted", TweetRetweeted, TweetUnretweeted
    ),
}


async def set_mark(pool: asyncpg.Pool, kind: Kind, user: int, tweet_id: int, on: bool) -> Tweet:
    mark = MARKS[kind]
    async with pool.acquire() as conn, conn.transaction():
        author = await conn.fetchval(
            "SELECT author_id FROM tweets WHERE id = $1 AND deleted_at IS NULL", tweet_id
        )
        if author is None:
            raise not_found(f"tweet {tweet_id} does not exist")
        if on:
            changed = await conn.fetchrow(
                f"""INSERT INTO {mark.table} (tweet_id, user_id) VALUES ($1, $2)
                    ON CONFLICT DO NOTHING RETURNING *""",
                tweet_id,
                user,
            )
        else:
            changed = await conn.fetchrow(
                f"DELETE FROM {mark.table} WHERE tweet_id = $1 AND user_id = $2 RETURNING *",
                tweet_id,
                user,
            )
        if changed is not None:
            await conn.execute(
                f"UPDATE tweets SET {mark.counter} = {mark.counter} + $2 WHERE id = $1",
                tweet_id,
                1 if on else -1,
            )
            event = mark.done if on else mark.undone
            # A new retweet has its own id (its place in timelines); the event carries it.
            extra = {"retweet_id": str(changed["id"])} if "retweet_id" in event.model_fields else {}
            await record(
                conn,
                event(
                    tweet_id=str(tweet_id),
                    tweet_author_id=str(author),
                    user_id=str(user),
                    **extra,
                ),
            )
        tweet = await get_tweet(conn, tweet_id, user)
    assert tweet is not None
    if changed is not None:
        await _after_commit(mark, user, tweet_id, author, on, changed)
    return tweet


async def _after_commit(
    mark: Mark, user: int, tweet_id: int, author: int, on: bool, changed: asyncpg.Record
) -> None:
    """Move the cached counter and mark as the rows moved; a retweet goes to its own timelines."""
    async with cache.best_effort(f"{mark.table} of {tweet_id}"):
        cached = tweet_cache()
        await cached.count(tweet_id, mark.cached_counter, +1 if on else -1)
        await cached.mark(mark.cached_mark, user, tweet_id, on)
        if mark.table == "retweets":
            entry = Entry(changed["id"], tweet_id, author, user)
            store = timeline_store()
            await (store.push_own(entry) if on else store.remove_own(entry))
