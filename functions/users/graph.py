"""The follow graph: follow, unfollow, and paged lists of followers and followees.

Counters change in the same transaction as the edge, and only when the edge really appeared
or vanished, so repeated or concurrent requests never skew them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import asyncpg

from events import UserFollowed, UserUnfollowed, record
from functions.core import cache
from functions.core.models import USER_COLUMNS, User
from functions.core.pagination import Page, PageQuery, page_of
from functions.core.problems import bad_request, not_found
from functions.core.timeline_store import timeline_store
from functions.users.schemas import Relationship

if TYPE_CHECKING:
    from functions.core.db import Connection


async def _require_user(conn: Connection, user_id: int) -> None:
    if not await conn.fetchval("SELECT true FROM users WHERE id = $1", user_id):
        raise not_found(f"user {user_id} does not exist")


async def _relationship(conn: Connection, me: int, other: int) -> Relationship:
    row = await conn.fetchrow(
        """SELECT EXISTS (SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2),
                  EXISTS (SELECT 1 FROM follows WHERE follower_id = $2 AND followee_id = $1)""",
        me,
        other,
    )
    assert row is not None
    return Relationship(id=other, following=row[0], followed_by=row[1])


async def follow(pool: asyncpg.Pool, follower: int, followee: int) -> Relationship:
    if follower == followee:
        raise bad_request("you cannot follow yourself")
    async with pool.acquire() as conn, conn.transaction():
        await _require_user(conn, followee)
        created = await conn.fetchval(
            """INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)
               ON CONFLICT DO NOTHING RETURNING true""",
            follower,
            followee,
        )
        if created:
            await _adjust_counts(conn, follower, followee, +1)
            await record(conn, UserFollowed(follower_id=str(follower), followee_id=str(followee)))
        relationship = await _relationship(conn, follower, followee)
    if created:
        await _forget_home(follower)
    return relationship


async def unfollow(pool: asyncpg.Pool, follower: int, followee: int) -> Relationship:
    if follower == followee:
        raise bad_request("you cannot unfollow yourself")
    async with pool.acquire() as conn, conn.transaction():
        await _require_user(conn, followee)
        removed = await conn.fetchval(
            "DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2 RETURNING true",
            follower,
            followee,
        )
        if removed:
            await _adjust_counts(conn, follower, followee, -1)
            await record(conn, UserUnfollowed(follower_id=str(follower), followee_id=str(followee)))
        relationship = await _relationship(conn, follower, followee)
    if removed:
        await _forget_home(follower)
    return relationship


async def _forget_home(follower: int) -> None:
    """The follower's next read rebuilds their timeline with (or without) the followee.

    The fanout function makes the same change in place when the event arrives; this makes
    it visible to the follower at once.
    """
    async with cache.best_effort("home timeline after a follow change"):
        await timeline_store().forget("home", follower)


async def _adjust_counts(conn: Connection, follower: int, followee: int, delta: int) -> None:
    # Rows locked in id order (NO KEY UPDATE does not conflict with the KEY SHARE locks the
    # follows foreign keys hold), so crossing follows cannot deadlock.
    await conn.execute(
        """UPDATE users
              SET following_count = following_count + CASE WHEN id = $1 THEN $3 ELSE 0 END,
                  followers_count = followers_count + CASE WHEN id = $2 THEN $3 ELSE 0 END
            WHERE id IN (SELECT id FROM users WHERE id IN ($1, $2)
                          ORDER BY id FOR NO KEY UPDATE)""",
        follower,
        followee,
        delta,
    )


_LIST_SQL = {
    # (the user whose list it is) -> (the users on it), newest edge first
    "followers": ("followee_id", "follower_id"),
    "following": ("follower_id", "followee_id"),
}


async def list_edges(
    pool: asyncpg.Pool, user_id: int, which: Literal["followers", "following"], page: PageQuery
) -> Page[User]:
    owner, other = _LIST_SQL[which]
    user_columns = ", ".join(f"u.{c.strip()}" for c in USER_COLUMNS.split(","))
    async with pool.acquire() as conn:
        await _require_user(conn, user_id)
        rows = await conn.fetch(
            f"""SELECT f.id AS edge_id, {user_columns}
                  FROM follows f JOIN users u ON u.id = f.{other}
                 WHERE f.{owner} = $1 AND ($2::bigint IS NULL OR f.id < $2)
              ORDER BY f.id DESC
                 LIMIT $3""",
            user_id,
            page.before,
            page.limit + 1,
        )
    users = [User.model_validate({k: v for k, v in r.items() if k != "edge_id"}) for r in rows]
    return page_of(users, [r["edge_id"] for r in rows], page.limit)
