"""One small interface for search engines: PostgreSQL (default) or Elasticsearch.

A backend finds ids (ranked); what is shown for them is read from PostgreSQL by the caller,
so every backend returns the same tweets and users, with current counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import asyncpg

from functions.core.config import settings
from functions.search.query import TweetQuery


@dataclass(frozen=True, slots=True)
class Trend:
    hashtag: str
    uses: int
    score: float  # uses weighted by recency: each use counts exp(-age / (window / 3))


class SearchBackend(Protocol):
    name: str

    async def tweets(self, query: TweetQuery, offset: int, limit: int) -> list[int]:
        """Ids of live tweets matching, by relevance then recency (recency alone without words)."""
        ...

    async def users(self, text: str, offset: int, limit: int) -> list[int]:
        """Ids of users by username or display name: exact, then prefix, then fuzzy."""
        ...

    async def trending(self, window_s: int, limit: int) -> list[Trend]: ...

    async def sync_tweet(self, tweet_id: int) -> None:
        """Make the index agree with PostgreSQL about this tweet (add, update or remove)."""
        ...

    async def sync_user(self, user_id: int) -> None: ...


def backend_for(pool: asyncpg.Pool) -> SearchBackend:
    """Elasticsearch when ELASTICSEARCH_URL is set, else PostgreSQL full-text search.

    Imported on demand, so a function that never searches Elasticsearch never loads its client.
    """
    url = settings().elasticsearch_url
    if url:
        from functions.search.elastic import ElasticSearch

        return ElasticSearch.shared(url, pool)
    from functions.search.postgres import PostgresSearch

    return PostgresSearch(pool)
