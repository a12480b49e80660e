"""Timeline entries read from PostgreSQL, the truth that Redis timelines are rebuilt from.

One query shape serves every case: for each author in a set, their newest tweets and
retweets (an index range scan each, LIMIT-ed), merged newest first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg

from functions.core.timeline_store import Entry

if TYPE_CHECKING:
    from functions.core.db import Connection

# $1 user, $2 entries older than this (NULL: from the newest), $3 limit; {authors} is a
# query over $1 (and $4) that yields the author ids whose entries belong in the timeline.
_ENTRIES = """
WITH authors AS ({authors})
SELECT e.entry_id, e.tweet_id, e.author_id, e.actor_id
  FROM authors a CROSS JOIN LATERAL (
        (SELECT t.id AS entry_id, t.id AS tweet_id, t.author_id, t.author_id AS actor_id
           FROM tweets t
          WHERE t.author_id = a.id AND t.deleted_at IS NULL
            AND ($2::bigint IS NULL OR t.id < $2)
          ORDER BY t.id DESC LIMIT $3)
        UNION ALL
        (SELECT r.id, r.tweet_id, t.author_id, r.user_id
           FROM retweets r JOIN tweets t ON t.id = r.tweet_id AND t.deleted_at IS NULL
          WHERE r.user_id = a.id AND ($2::bigint IS NULL OR r.id < $2)
          ORDER BY r.id DESC LIMIT $3)
       ) e
 ORDER BY e.entry_id DESC
 LIMIT $3
"""

# The caller and the people they follow; with $4 set, only those at most $4 followers big.
_HOME_AUTHORS = """
SELECT $1::bigint AS id
UNION ALL
SELECT f.followee_id FROM follows f JOIN users u ON u.id = f.followee_id
 WHERE f.follower_id = $1 AND ($4::bigint IS NULL OR u.followers_count <= $4)
"""

_HOME = _ENTRIES.format(authors=_HOME_AUTHORS)
_USER = _ENTRIES.format(authors="SELECT $1::bigint AS id")


def _entries(rows: list[asyncpg.Record]) -> list[Entry]:
    return [Entry(r[0], r[1], r[2], r[3]) for r in rows]


async def home_entries(
    conn: Connection,
    user_id: int,
    before: int | None,
    limit: int,
    max_followers: int | None = None,
) -> list[Entry]:
    """Home entries; with `max_followers`, authors above it (pulled at read time) left out."""
    return _entries(await conn.fetch(_HOME, user_id, before, limit, max_followers))


async def user_entries(
    conn: Connection, user_id: int, before: int | None, limit: int
) -> list[Entry]:
    return _entries(await conn.fetch(_USER, user_id, before, limit))


async def pulled_authors(conn: Connection, user_id: int, above: int) -> list[int]:
    """The people `user_id` follows whose tweets are merged at read time (over `above`)."""
    rows = await conn.fetch(
        """SELECT f.followee_id FROM follows f JOIN users u ON u.id = f.followee_id
            WHERE f.follower_id = $1 AND u.followers_count > $2""",
        user_id,
        above,
    )
    return [r[0] for r in rows]
