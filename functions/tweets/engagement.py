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
from functions.core.models import Tweet
from functions.core.problems import not_found
from functions.core.tweet_views import get_tweet

Kind = Literal["like", "retweet"]


@dataclass(frozen=True, slots=True)
class Mark:
    table: str
    counter: str
    done: type[Engagement]
    undone: type[Engagement]


MARKS: dict[Kind, Mark] = {
    "like": Mark("likes", "like_count", TweetLiked, TweetUnliked),
    "retweet": Mark("retweets", "retweet_count", TweetRetweeted, TweetUnretweeted),
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
    return tweet
