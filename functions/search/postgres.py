"""Search on PostgreSQL: tsvector + GIN for tweets, pg_trgm for users, SQL for trending.

The tables are the index (expression indexes in migration 0005), so there is nothing to
sync: a tweet is found the moment it commits and never after it is deleted. Every value
travels as a query parameter; only fixed SQL fragments are chosen in Python.
"""

from __future__ import annotations

import asyncpg

from functions.search.backend import Trend
from functions.search.query import TweetQuery

_TSV = "to_tsvector('english', t.text)"
_EPOCH_MS = 1_735_689_600_000  # chirp_next_id()'s epoch: ids sort by time
RANKED = 1000  # matches ranked by relevance: the newest this many


class PostgresSearch:
    name = "postgres"

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def tweets(self, query: TweetQuery, offset: int, limit: int) -> list[int]:
        where = ["t.deleted_at IS NULL"]
        args: list[object] = []

        def arg(value: object) -> str:
            args.append(value)
            return f"${len(args)}"

        if query.hashtags:
            where.append(f"t.hashtags @> {arg(query.hashtags)}::text[]")
        if query.authors:
            authors = arg(query.authors)
            where.append(
                f"t.author_id IN (SELECT id FROM users WHERE lower(username) = ANY ({authors}))"
            )
        if not query.text:  # no words to rank by: newest first
            sql = (
                f"SELECT t.id FROM tweets t WHERE {' AND '.join(where)} "
                f"ORDER BY t.id DESC OFFSET {arg(offset)} LIMIT {arg(limit)}"
            )
            return [r[0] for r in await self.pool.fetch(sql, *args)]
        # Relevance among the newest RANKED matches: a word in a million tweets would
        # otherwise rank all of them for every page (a second per query at 1M tweets).
        q = arg(query.text)
        where.append(f"{_TSV} @@ websearch_to_tsquery('english', {q})")
        window = arg(max(RANKED, offset + limit))
        sql = (
            f"WITH hits AS (SELECT t.id, t.text FROM tweets t WHERE {' AND '.join(where)} "
            f"ORDER BY t.id DESC LIMIT {window}) "
            f"SELECT id FROM hits t ORDER BY ts_rank_cd({_TSV}, "
            f"websearch_to_tsquery('english', {q})) DESC, id DESC "
            f"OFFSET {arg(offset)} LIMIT {arg(limit)}"
        )
        return [r[0] for r in await self.pool.fetch(sql, *args)]

    async def users(self, text: str, offset: int, limit: int) -> list[int]:
        q = text.strip().lower()
        prefix = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = await self.pool.fetch(
            """SELECT id FROM users
                WHERE lower(username) LIKE $1 OR lower(display_name) LIKE $1
                   OR lower(display_name) LIKE '% ' || $1
                   OR lower(username) % $2 OR lower(display_name) % $2
                ORDER BY lower(username) = $2 DESC,
                         lower(username) LIKE $1 DESC,
                         greatest(similarity(lower(username), $2),
                                  similarity(lower(display_name), $2)) DESC,
                         id
               OFFSET $3 LIMIT $4""",
            prefix,
            q,
            offset,
            limit,
        )
        return [r[0] for r in rows]

    async def trending(self, window_s: int, limit: int) -> list[Trend]:
        rows = await self.pool.fetch(
            """SELECT tag, count(*) AS uses,
                      sum(exp(-extract(epoch FROM now() - t.created_at) / ($1 / 3.0))) AS score
                 FROM tweets t, unnest(t.hashtags) AS tag
                WHERE t.deleted_at IS NULL
                  AND t.id >= ((floor(extract(epoch FROM now()) * 1000)::bigint
                                - $1::bigint * 1000 - $3::bigint) << 22)
                  AND t.created_at > now() - make_interval(secs => $1)
                GROUP BY tag
                ORDER BY score DESC, tag
                LIMIT $2""",
            window_s,
            limit,
            _EPOCH_MS,
        )
        return [Trend(r["tag"], r["uses"], float(r["score"])) for r in rows]

    async def sync_tweet(self, tweet_id: int) -> None:
        """Nothing to do: the tweets table is the index."""

    async def sync_user(self, user_id: int) -> None:
        """Nothing to do: the users table is the index."""
