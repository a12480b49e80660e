"""Writing tweets: compose (with replies, hashtags and mentions) and delete.

Each write changes the tweet, the counters it affects and the outbox in one transaction.
"""

from __future__ import annotations

import asyncpg

from events import TweetCreated, TweetDeleted, record
from functions.core import cache
from functions.core.media_refs import require_attachable
from functions.core.models import Tweet
from functions.core.problems import Problem, forbidden, not_found
from functions.core.timeline_store import Entry, timeline_store
from functions.core.tweet_cache import tweet_cache
from functions.core.tweet_views import get_tweet
from functions.tweets.schemas import NewTweet
from functions.tweets.text import hashtags, mentioned_usernames


async def create(pool: asyncpg.Pool, author: int, new: NewTweet) -> Tweet:
    if new.media_ids:
        await require_attachable(pool, author, new.media_ids, "media_ids")
    tags = hashtags(new.text)
    async with pool.acquire() as conn, conn.transaction():
        parent = None
        if new.reply_to_id is not None:
            parent = await conn.fetchrow(
                "SELECT id, author_id, conversation_id FROM tweets "
                "WHERE id = $1 AND deleted_at IS NULL FOR NO KEY UPDATE",
                new.reply_to_id,
            )
            if parent is None:
                raise not_found(f"tweet {new.reply_to_id} (reply_to_id) does not exist")
        names = mentioned_usernames(new.text)
        mention_ids: list[int] = []
        if names:
            rows = await conn.fetch(
                "SELECT id, lower(username) AS name FROM users WHERE lower(username) = ANY ($1)",
                names,
            )
            by_name = {r["name"]: r["id"] for r in rows}
            mention_ids = [by_name[n] for n in names if n in by_name]
        tweet_id = await conn.fetchval("SELECT chirp_next_id()")
        conversation_id = parent["conversation_id"] if parent else tweet_id
        created_at = await conn.fetchval(
            """INSERT INTO tweets (id, author_id, text, reply_to_id, conversation_id,
                                   hashtags, mention_ids, media_ids)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING created_at""",
            tweet_id,
            author,
            new.text,
            new.reply_to_id,
            conversation_id,
            tags,
            mention_ids,
            list(dict.fromkeys(new.media_ids)),
        )
        await conn.execute("UPDATE users SET tweets_count = tweets_count + 1 WHERE id = $1", author)
        if parent is not None:
            await conn.execute(
                "UPDATE tweets SET reply_count = reply_count + 1 WHERE id = $1", parent["id"]
            )
        await record(
            conn,
            TweetCreated(
                tweet_id=str(tweet_id),
                author_id=str(author),
                text=new.text,
                created_at=created_at.isoformat(),
                conversation_id=str(conversation_id),
                reply_to_id=str(parent["id"]) if parent else None,
                reply_to_author_id=str(parent["author_id"]) if parent else None,
                hashtags=tags,
                mention_ids=[str(m) for m in mention_ids],
            ),
        )
        tweet = await get_tweet(conn, tweet_id, author)
    if tweet is None:  # pragma: no cover - we just wrote it in this transaction
        raise Problem(500, "tweet vanished while being created")
    # The author reads their own tweet back at once; fanout reaches everyone else.
    async with cache.best_effort("new tweet"):
        await timeline_store().push_own(Entry(tweet_id, tweet_id, author, author))
        if parent is not None:
            await tweet_cache().count(parent["id"], "replies", +1)
    return tweet


async def delete(pool: asyncpg.Pool, caller: int, tweet_id: int) -> None:
    """Soft-delete: the tweet leaves every read, and the counts it added are taken back."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            "SELECT author_id, reply_to_id FROM tweets "
            "WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
            tweet_id,
        )
        if row is None:
            raise not_found(f"tweet {tweet_id} does not exist")
        if row["author_id"] != caller:
            raise forbidden("you can only delete your own tweets")
        await conn.execute("UPDATE tweets SET deleted_at = now() WHERE id = $1", tweet_id)
        await conn.execute("UPDATE users SET tweets_count = tweets_count - 1 WHERE id = $1", caller)
        if row["reply_to_id"] is not None:
            await conn.execute(
                "UPDATE tweets SET reply_count = reply_count - 1 WHERE id = $1 AND reply_count > 0",
                row["reply_to_id"],
            )
        await record(conn, TweetDeleted(tweet_id=str(tweet_id), author_id=str(caller)))
    # Hydration drops a tweet it cannot find, so every timeline hides it from now on.
    async with cache.best_effort("deleted tweet"):
        await tweet_cache().forget_tweet(tweet_id)
        if row["reply_to_id"] is not None:
            await tweet_cache().count(row["reply_to_id"], "replies", -1)
