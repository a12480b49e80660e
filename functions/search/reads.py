"""Search results as clients see them: ids from the backend, objects from PostgreSQL."""

from __future__ import annotations

import asyncpg
from pydantic import BaseModel, Field, field_validator

from functions.core.models import USER_COLUMNS, Tweet, User
from functions.core.pagination import Page, RankedPageQuery, ranked_page
from functions.core.tweet_views import get_tweets
from functions.search.backend import SearchBackend, Trend
from functions.search.query import parse

WINDOWS = {"1h": 3600, "24h": 86_400}


class SearchQuery(RankedPageQuery):
    q: str = Field(min_length=1, max_length=500)

    @field_validator("q")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        if "\x00" in value:
            raise ValueError("must not contain NUL")
        return value.strip()


class TrendingQuery(BaseModel):
    window: str = Field(default="24h", pattern="^(1h|24h)$")
    limit: int = Field(default=10, ge=1, le=50)


class TrendOut(BaseModel):
    hashtag: str
    uses: int
    score: float


class Trending(BaseModel):
    window: str
    data: list[TrendOut]


async def tweets(
    backend: SearchBackend, pool: asyncpg.Pool, query: SearchQuery, viewer: int | None
) -> Page[Tweet]:
    parsed = parse(query.q)
    ids = await backend.tweets(parsed, query.offset, query.limit + 1)
    async with pool.acquire() as conn:
        found = await get_tweets(conn, ids, viewer)
    return ranked_page(found, query.offset, query.limit)


async def users(backend: SearchBackend, pool: asyncpg.Pool, query: SearchQuery) -> Page[User]:
    ids = await backend.users(query.q, query.offset, query.limit + 1)
    rows = await pool.fetch(
        f"SELECT {USER_COLUMNS} FROM users WHERE id = ANY ($1::bigint[])"
        " ORDER BY array_position($1::bigint[], id)",
        ids,
    )
    return ranked_page([User.from_row(r) for r in rows], query.offset, query.limit)


async def trending(backend: SearchBackend, query: TrendingQuery) -> Trending:
    found: list[Trend] = await backend.trending(WINDOWS[query.window], query.limit)
    return Trending(
        window=query.window,
        data=[TrendOut(hashtag=t.hashtag, uses=t.uses, score=round(t.score, 4)) for t in found],
    )
