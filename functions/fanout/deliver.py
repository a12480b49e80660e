"""Smart fanout: who gets a new timeline entry pushed, by how many followers its actor has.

- fewer than `fanout_push_all_below` followers: push to every follower;
- up to `fanout_pull_above`: push only to followers who read their timeline within the
  activity window (the others' timelines are stale by then and rebuilt when they return);
- more: push to no one; readers merge that author's newest entries at read time.

Everything here is idempotent (sorted-set adds and removes), as at-least-once delivery needs.
Events of different types travel on different Triggers and may arrive in any order (a
follow after its own unfollow), so before adding anything the database is asked whether
it is still true; an event is a hint about what changed, PostgreSQL says what is.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum

import asyncpg

from functions.core.config import Settings
from functions.core.timeline_sources import user_entries
from functions.core.timeline_store import Entry, TimelineStore, active_key

BATCH = 5_000


class Tier(StrEnum):
    PUSH_ALL = "push-all"
    PUSH_ACTIVE = "push-active"
    PULL = "pull"


@dataclass(frozen=True, slots=True)
class Fanout:
    pool: asyncpg.Pool
    store: TimelineStore
    cfg: Settings

    def tier(self, followers: int) -> Tier:
        if followers < self.cfg.fanout_push_all_below:
            return Tier.PUSH_ALL
        if followers <= self.cfg.fanout_pull_above:
            return Tier.PUSH_ACTIVE
        return Tier.PULL

    async def posted(self, entry: Entry) -> int:
        """A tweet or retweet appeared: put it where it belongs; returns timelines reached."""
        if not await self._still_posted(entry):
            return 0
        actor = entry.actor_id
        reached = await self.store.push_own(entry)
        tier = self.tier(await self._followers_count(actor))
        if tier is Tier.PULL:
            return reached
        async for batch in self._followers(actor):
            if tier is Tier.PUSH_ACTIVE:
                batch = await self._active(batch)
            reached += await self.store.push("home", batch, [entry])
        return reached

    async def removed(self, entry: Entry) -> None:
        """A tweet was deleted or a retweet undone: take it out of every timeline it is in."""
        await self.store.remove_own(entry)
        async for batch in self._followers(entry.actor_id):
            await self.store.remove("home", batch, [entry])

    async def followed(self, follower: int, followee: int) -> None:
        """Backfill the followee's newest entries (or start pulling a celebrity's)."""
        if not await self._follows(follower, followee):
            return
        if self.tier(await self._followers_count(followee)) is Tier.PULL:
            await self.store.set_pulled(follower, followee, following=True)
            return
        if not await self._active([follower]):
            return  # their timeline is stale anyway: rebuilt in full when they return
        async with self.pool.acquire() as conn:
            recent = await user_entries(conn, followee, None, self.cfg.timeline_backfill)
        if recent:
            await self.store.push("home", [follower], recent)

    async def unfollowed(self, follower: int, followee: int) -> None:
        if await self._follows(follower, followee):
            return  # followed again since: that follow's event backfills
        await self.store.set_pulled(follower, followee, following=False)
        await self.store.remove_actor("home", follower, followee)

    async def _still_posted(self, entry: Entry) -> bool:
        if entry.is_retweet:
            query = "SELECT true FROM retweets WHERE id = $1"
        else:
            query = "SELECT true FROM tweets WHERE id = $1 AND deleted_at IS NULL"
        return bool(await self.pool.fetchval(query, entry.entry_id))

    async def _follows(self, follower: int, followee: int) -> bool:
        return bool(
            await self.pool.fetchval(
                "SELECT true FROM follows WHERE follower_id = $1 AND followee_id = $2",
                follower,
                followee,
            )
        )

    async def _followers_count(self, user_id: int) -> int:
        count = await self.pool.fetchval("SELECT followers_count FROM users WHERE id = $1", user_id)
        return int(count or 0)

    async def _followers(self, user_id: int) -> AsyncIterator[list[int]]:
        """Follower ids in batches, newest follow first (keyset over the followee index)."""
        before: int | None = None
        while True:
            rows = await self.pool.fetch(
                """SELECT id, follower_id FROM follows
                    WHERE followee_id = $1 AND ($2::bigint IS NULL OR id < $2)
                    ORDER BY id DESC LIMIT $3""",
                user_id,
                before,
                BATCH,
            )
            if rows:
                yield [r["follower_id"] for r in rows]
            if len(rows) < BATCH:
                return
            before = rows[-1]["id"]

    async def _active(self, user_ids: list[int]) -> list[int]:
        since = time.time() - self.cfg.active_window_s
        scores = await self.store.redis.zmscore(active_key(), user_ids)  # type: ignore[arg-type]
        return [u for u, s in zip(user_ids, scores, strict=True) if s is not None and s >= since]
