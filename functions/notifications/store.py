"""Notifications in PostgreSQL: written once per (event, recipient), read newest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import asyncpg
from pydantic import BaseModel

from functions.core.models import Id, Timestamp, UserSummary
from functions.core.pagination import Page, PageQuery, page_of
from functions.core.problems import not_found

Kind = Literal["like", "retweet", "follow", "mention", "reply"]


@dataclass(frozen=True, slots=True)
class NewNotification:
    user_id: int
    kind: Kind
    actor_id: int
    tweet_id: int | None


class TweetSummary(BaseModel):
    id: Id
    text: str


class Notification(BaseModel):
    id: Id
    type: Kind
    actor: UserSummary
    tweet: TweetSummary | None
    created_at: Timestamp
    read: bool


async def add(pool: asyncpg.Pool, event_key: str, items: list[NewNotification]) -> int:
    """Insert what is new; an event seen before adds nothing. Returns how many were added."""
    wanted = [n for n in items if n.user_id != n.actor_id]  # never for acting on your own
    if not wanted:
        return 0
    added = await pool.fetch(
        """INSERT INTO notifications (user_id, type, actor_id, tweet_id, event_key)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[])
           ON CONFLICT (event_key, user_id) DO NOTHING RETURNING id""",
        [n.user_id for n in wanted],
        [n.kind for n in wanted],
        [n.actor_id for n in wanted],
        [n.tweet_id for n in wanted],
        [event_key] * len(wanted),
    )
    return len(added)


_SELECT = """
SELECT n.id, n.type, n.created_at, n.read_at IS NOT NULL AS read,
       a.id AS actor_id, a.username AS actor_username,
       a.display_name AS actor_display_name, a.avatar_url AS actor_avatar_url,
       t.id AS tweet_id, t.text AS tweet_text
  FROM notifications n
  JOIN users a ON a.id = n.actor_id
  LEFT JOIN tweets t ON t.id = n.tweet_id
 WHERE n.user_id = $1 AND (n.tweet_id IS NULL OR t.deleted_at IS NULL)
"""


async def page(pool: asyncpg.Pool, user_id: int, query: PageQuery) -> Page[Notification]:
    rows = await pool.fetch(
        _SELECT + " AND ($2::bigint IS NULL OR n.id < $2) ORDER BY n.id DESC LIMIT $3",
        user_id,
        query.before,
        query.limit + 1,
    )
    items = [
        Notification(
            id=r["id"],
            type=r["type"],
            actor=UserSummary.from_prefixed(r, "actor_"),
            tweet=TweetSummary(id=r["tweet_id"], text=r["tweet_text"]) if r["tweet_id"] else None,
            created_at=r["created_at"],
            read=r["read"],
        )
        for r in rows
    ]
    return page_of(items, [r["id"] for r in rows], query.limit)


async def unread_count(pool: asyncpg.Pool, user_id: int) -> int:
    count: int = await pool.fetchval(
        """SELECT count(*) FROM notifications n LEFT JOIN tweets t ON t.id = n.tweet_id
            WHERE n.user_id = $1 AND n.read_at IS NULL
              AND (n.tweet_id IS NULL OR t.deleted_at IS NULL)""",
        user_id,
    )
    return count


async def mark_read(pool: asyncpg.Pool, user_id: int, notification_id: int) -> None:
    """Mark one read; someone else's notification is indistinguishable from a missing one."""
    found = await pool.fetchval(
        """UPDATE notifications SET read_at = coalesce(read_at, now())
            WHERE id = $1 AND user_id = $2 RETURNING true""",
        notification_id,
        user_id,
    )
    if not found:
        raise not_found(f"notification {notification_id} does not exist")
