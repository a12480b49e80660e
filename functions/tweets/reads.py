"""Reading tweets: one tweet, a user's tweets page by page, and a conversation thread."""

from __future__ import annotations

import asyncpg
from pydantic import BaseModel

from functions.core.models import Tweet
from functions.core.pagination import Page, PageQuery, page_of
from functions.core.problems import not_found
from functions.core.tweet_views import TWEET_SELECT, get_tweet, tweet_from_row


class Thread(BaseModel):
    """A conversation around one tweet: the chain above it, it, and every reply below it."""

    ancestors: list[Tweet]
    tweet: Tweet
    replies: list[Tweet]


async def one(pool: asyncpg.Pool, tweet_id: int, viewer: int | None) -> Tweet:
    async with pool.acquire() as conn:
        tweet = await get_tweet(conn, tweet_id, viewer)
    if tweet is None:
        raise not_found(f"tweet {tweet_id} does not exist")
    return tweet


async def by_author(
    pool: asyncpg.Pool, author: int, viewer: int | None, page: PageQuery
) -> Page[Tweet]:
    async with pool.acquire() as conn:
        if not await conn.fetchval("SELECT true FROM users WHERE id = $1", author):
            raise not_found(f"user {author} does not exist")
        rows = await conn.fetch(
            TWEET_SELECT
            + """ WHERE t.author_id = $2 AND t.deleted_at IS NULL
                    AND ($3::bigint IS NULL OR t.id < $3)
                  ORDER BY t.id DESC LIMIT $4""",
            viewer,
            author,
            page.before,
            page.limit + 1,
        )
    return page_of([tweet_from_row(r) for r in rows], [r["id"] for r in rows], page.limit)


async def thread(pool: asyncpg.Pool, tweet_id: int, viewer: int | None) -> Thread:
    async with pool.acquire() as conn:
        tweet = await get_tweet(conn, tweet_id, viewer)
        if tweet is None:
            raise not_found(f"tweet {tweet_id} does not exist")
        ancestors = await conn.fetch(
            f"""WITH RECURSIVE up(id, depth) AS (
                    SELECT reply_to_id, 1 FROM tweets WHERE id = $2
                    UNION ALL
                    SELECT t.reply_to_id, up.depth + 1 FROM tweets t JOIN up ON t.id = up.id
                     WHERE up.depth < 1000)
                {TWEET_SELECT} JOIN up ON up.id = t.id
                 WHERE t.deleted_at IS NULL ORDER BY up.depth DESC""",
            viewer,
            tweet_id,
        )
        replies = await conn.fetch(
            f"""WITH RECURSIVE down(id) AS (
                    SELECT id FROM tweets WHERE reply_to_id = $2
                    UNION
                    SELECT t.id FROM tweets t JOIN down ON t.reply_to_id = down.id)
                {TWEET_SELECT} JOIN down ON down.id = t.id
                 WHERE t.deleted_at IS NULL ORDER BY t.id""",
            viewer,
            tweet_id,
        )
    return Thread(
        ancestors=[tweet_from_row(r) for r in ancestors],
        tweet=tweet,
        replies=[tweet_from_row(r) for r in replies],
    )
