"""Search on Elasticsearch (used when ELASTICSEARCH_URL is set), with the official async client.

Index mappings and analyzers live here, in code; `ensure_indices` creates them. Documents are
synced from PostgreSQL by the indexer function (one event at a time) and by `reindex`
(bulk). Queries are JSON values built from the parsed query, never query strings glued
together, so user input cannot change a query's shape.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import asyncpg
from elasticsearch import AsyncElasticsearch, NotFoundError
from elasticsearch.helpers import async_bulk

from functions.core.config import settings
from functions.search.backend import Trend
from functions.search.query import TweetQuery

TWEETS_MAPPING: dict[str, Any] = {
    "settings": {
        "analysis": {"normalizer": {"lower": {"type": "custom", "filter": ["lowercase"]}}},
    },
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "text": {"type": "text", "analyzer": "english"},
            "hashtags": {"type": "keyword", "normalizer": "lower"},
            "author_id": {"type": "long"},
            "author_username": {"type": "keyword", "normalizer": "lower"},
            "created_at": {"type": "date"},
        },
    },
}
USERS_MAPPING: dict[str, Any] = {
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "username": {"type": "search_as_you_type"},
            "display_name": {"type": "search_as_you_type"},
            "username_exact": {"type": "keyword"},
        },
    },
}
_SIMPLE_FLAGS = "AND|OR|NOT|PHRASE|PRECEDENCE|WHITESPACE|ESCAPE"


def _indices() -> tuple[str, str]:
    prefix = settings().redis_prefix.rstrip(":").replace(":", "-").lower() or "chirp"
    return f"{prefix}-tweets", f"{prefix}-users"


class ElasticSearch:
    name = "elasticsearch"
    _clients: ClassVar[dict[str, AsyncElasticsearch]] = {}

    def __init__(self, client: AsyncElasticsearch, pool: asyncpg.Pool) -> None:
        self.es, self.pool = client, pool
        self.tweets_index, self.users_index = _indices()

    @classmethod
    def shared(cls, url: str, pool: asyncpg.Pool) -> ElasticSearch:
        """One client (connection pool) per process and URL."""
        if url not in cls._clients:
            cls._clients[url] = AsyncElasticsearch(url, request_timeout=5, retry_on_timeout=True)
        return cls(cls._clients[url], pool)

    async def ensure_indices(self) -> None:
        for index, body in ((self.tweets_index, TWEETS_MAPPING), (self.users_index, USERS_MAPPING)):
            if not await self.es.indices.exists(index=index):
                await self.es.indices.create(index=index, **body)

    # --- queries ------------------------------------------------------------------------

    async def tweets(self, query: TweetQuery, offset: int, limit: int) -> list[int]:
        must: list[dict[str, Any]] = []
        if query.text:
            must.append(
                {"simple_query_string": {"query": query.text, "fields": ["text"],
                                         "default_operator": "and", "flags": _SIMPLE_FLAGS}}
            )  # fmt: skip
        filters: list[dict[str, Any]] = [{"term": {"hashtags": t}} for t in query.hashtags]
        if query.authors:
            filters.append({"terms": {"author_username": query.authors}})
        body: dict[str, Any] = {
            "query": {"bool": {"must": must or [{"match_all": {}}], "filter": filters}},
            "sort": (["_score"] if query.text else []) + [{"created_at": "desc"}],
            "from": offset,
            "size": limit,
            "_source": False,
        }
        found = await self.es.search(index=self.tweets_index, **body)
        return [int(hit["_id"]) for hit in found["hits"]["hits"]]

    async def users(self, text: str, offset: int, limit: int) -> list[int]:
        q = text.strip().lower()
        fields = ["username", "username._2gram", "username._3gram",
                  "display_name", "display_name._2gram", "display_name._3gram"]  # fmt: skip
        body: dict[str, Any] = {
            "query": {"bool": {"should": [
                {"term": {"username_exact": {"value": q, "boost": 10}}},
                {"multi_match": {"query": q, "type": "bool_prefix", "fields": fields, "boost": 3}},
                {"multi_match": {"query": q, "fields": ["username", "display_name"],
                                 "fuzziness": "AUTO"}},
            ], "minimum_should_match": 1}},
            "from": offset,
            "size": limit,
            "_source": False,
        }  # fmt: skip
        found = await self.es.search(index=self.users_index, **body)
        return [int(hit["_id"]) for hit in found["hits"]["hits"]]

    async def trending(self, window_s: int, limit: int) -> list[Trend]:
        """Uses per hashtag in time buckets, each bucket weighted by its age."""
        bucket_s = max(window_s // 24, 60)
        body: dict[str, Any] = {
            "size": 0,
            "query": {"range": {"created_at": {"gte": f"now-{window_s}s"}}},
            "aggs": {"tags": {
                "terms": {"field": "hashtags", "size": max(limit * 5, 50)},
                "aggs": {"over_time": {"date_histogram": {
                    "field": "created_at", "fixed_interval": f"{bucket_s}s"}}},
            }},
        }  # fmt: skip
        found = await self.es.search(index=self.tweets_index, **body)
        now_ms, tau = time.time() * 1000, window_s * 1000 / 3
        trends = []
        for tag in found["aggregations"]["tags"]["buckets"]:
            score = sum(
                b["doc_count"] * math.exp(-(now_ms - b["key"] - bucket_s * 500) / tau)
                for b in tag["over_time"]["buckets"]
            )
            trends.append(Trend(tag["key"], tag["doc_count"], score))
        trends.sort(key=lambda t: (-t.score, t.hashtag))
        return trends[:limit]

    # --- keeping the index current ------------------------------------------------------

    async def sync_tweet(self, tweet_id: int) -> None:
        row = await self.pool.fetchrow(_TWEET_DOC + " WHERE t.id = $1", tweet_id)
        if row is None:
            with contextlib.suppress(NotFoundError):  # never indexed, or removed already
                await self.es.delete(index=self.tweets_index, id=str(tweet_id), refresh=True)
            return
        await self.es.index(
            index=self.tweets_index, id=str(tweet_id), document=_tweet_doc(row), refresh=True
        )

    async def sync_user(self, user_id: int) -> None:
        row = await self.pool.fetchrow(_USER_DOC + " WHERE id = $1", user_id)
        if row is None:
            return
        await self.es.index(
            index=self.users_index, id=str(user_id), document=_user_doc(row), refresh=True
        )

    async def reindex(self) -> int:
        """Bulk-load every live tweet and every user from PostgreSQL; returns documents sent."""
        await self.ensure_indices()
        sent = 0
        for index, sql, to_doc in (
            (self.tweets_index, _TWEET_DOC, _tweet_doc),
            (self.users_index, _USER_DOC, _user_doc),
        ):

            async def actions(sql: str = sql, index: str = index, to_doc: Any = to_doc
                              ) -> AsyncIterator[dict[str, Any]]:  # fmt: skip
                async with self.pool.acquire() as conn, conn.transaction():
                    async for row in conn.cursor(sql):
                        yield {"_index": index, "_id": str(row["id"]), "_source": to_doc(row)}

            ok, _ = await async_bulk(self.es, actions(), chunk_size=2000, refresh=True)
            sent += ok
        return sent


_TWEET_DOC = """SELECT t.id, t.text, t.hashtags, t.author_id, u.username, t.created_at
                  FROM tweets t JOIN users u ON u.id = t.author_id AND t.deleted_at IS NULL"""
_USER_DOC = "SELECT id, username, display_name FROM users"


def _tweet_doc(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "text": row["text"],
        "hashtags": list(row["hashtags"]),
        "author_id": row["author_id"],
        "author_username": row["username"],
        "created_at": row["created_at"].isoformat(),
    }


def _user_doc(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "username": row["username"],
        "display_name": row["display_name"],
        "username_exact": row["username"].lower(),
    }
