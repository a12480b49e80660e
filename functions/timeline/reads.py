"""Reading timelines: Redis first, PostgreSQL when Redis lacks (or cannot give) the answer.

A page is read from an entry source (newest first, strictly older than a cursor), hydrated,
and cut at `limit`. Entries whose tweet was deleted drop out during hydration, and the loop
reads on until the page is full or the source is exhausted, so pages never come up short.
"""

from __future__ import annotations

import heapq
import json
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg
from redis.exceptions import RedisError

from functions.core.config import Settings
from functions.core.models import UserSummary
from functions.core.pagination import PageQuery, encode_cursor
from functions.core.problems import not_found
from functions.core.timeline_sources import home_entries, pulled_authors, user_entries
from functions.core.timeline_store import (
    Entry,
    Kind,
    TimelineStore,
    Window,
    active_key,
    meta_key,
    timeline_key,
)
from functions.core.tweet_cache import TweetCache
from functions.core.tweet_views import get_tweets

# Entries read beyond the page, so a few deleted tweets do not cost another round trip.
SLACK = 4
# How often a reader's activity (and the TTL of their timeline) is refreshed.
ACTIVITY_RESOLUTION_S = 60

Source = Callable[[int | None, int], Awaitable[list[Entry]]]
Read = tuple[int | None, int]  # (older than, how many): one call of a Source
Hydrate = Callable[[list[Entry]], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True, slots=True)
class Timelines:
    pool: asyncpg.Pool
    store: TimelineStore
    cache: TweetCache
    cfg: Settings

    async def home(self, viewer: int, page: PageQuery) -> bytes:
        try:
            source = await self._home_source(viewer, _first_read(page))
            return await _page(source, self._hydrate_cached(viewer), page)
        except (RedisError, OSError):
            return await _page(self._pg_home(viewer), self._hydrate_pg(viewer), page)

    async def user(self, user_id: int, viewer: int | None, page: PageQuery) -> bytes:
        try:
            source = await self._user_source(user_id, _first_read(page))
            return await _page(source, self._hydrate_cached(viewer), page)
        except (RedisError, OSError):
            await self._require_user(user_id)
            return await _page(self._pg_user(user_id), self._hydrate_pg(viewer), page)

    async def _require_user(self, user_id: int) -> None:
        """Asked only when a timeline is built (or Redis is down): a built one proves the user
        exists, so a cached read costs no database round trip."""
        if not await self.pool.fetchval("SELECT true FROM users WHERE id = $1", user_id):
            raise not_found(f"user {user_id} does not exist")

    # --- entry sources ------------------------------------------------------------------

    async def _home_source(self, viewer: int, first: Read) -> Source:
        window = await self.store.window("home", viewer, *first)
        now = time.time()
        last_active = window.last_active
        # A reader inactive for longer than the window missed mid-size authors' tweets.
        fresh = last_active is not None and last_active >= now - self.cfg.active_window_s
        prefetched: Window | None = window
        if not window.built or not fresh:
            await self.store.redis.zadd(active_key(), {str(viewer): now})
            pulled = await self._build_home(viewer)
            prefetched = None
        else:
            pulled = window.pulled
            if last_active is not None and last_active < now - ACTIVITY_RESOLUTION_S:
                await self._still_active(viewer, now)
        own = self._cached("home", viewer, self._pg_home(viewer), first, prefetched)
        others = [await self._user_source(a, first) for a in pulled]

        async def merged(before: int | None, n: int) -> list[Entry]:
            parts = [await s(before, n) for s in (own, *others)]
            return _newest(parts, n)

        return merged if others else own

    async def _still_active(self, viewer: int, now: float) -> None:
        ttl_ms = self.cfg.active_window_s * 1000
        async with self.store.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(active_key(), {str(viewer): now})
            pipe.pexpire(timeline_key("home", viewer), ttl_ms)
            pipe.pexpire(meta_key("home", viewer), ttl_ms)
            await pipe.execute()

    async def _user_source(self, user_id: int, first: Read) -> Source:
        window: Window | None = await self.store.window("user", user_id, *first)
        if window is None or not window.built:
            await self._build_user(user_id)
            window = None
        return self._cached("user", user_id, self._pg_user(user_id), first, window)

    def _cached(
        self, kind: Kind, user_id: int, fallback: Source, first: Read, prefetched: Window | None
    ) -> Source:
        """Entries from a Redis timeline, and from PostgreSQL past its trimmed end.

        `prefetched` is the first read, already done while checking the timeline's state.
        """

        async def read(before: int | None, n: int) -> list[Entry]:
            nonlocal prefetched
            if prefetched is not None and (before, n) == first:
                window, prefetched = prefetched, None
            else:
                window = await self.store.window(kind, user_id, before, n)
            entries = window.entries
            if len(entries) < n and window.size >= self.store.cap:  # older ones trimmed away
                older = await fallback(entries[-1].entry_id if entries else before, n)
                entries = (entries + older)[:n]
            return entries

        return read

    def _pg_home(self, viewer: int) -> Source:
        async def read(before: int | None, n: int) -> list[Entry]:
            async with self.pool.acquire() as conn:
                return await home_entries(conn, viewer, before, n)

        return read

    def _pg_user(self, user_id: int) -> Source:
        async def read(before: int | None, n: int) -> list[Entry]:
            async with self.pool.acquire() as conn:
                return await user_entries(conn, user_id, before, n)

        return read

    async def _build_home(self, viewer: int) -> list[int]:
        token = await self.store.begin_build("home", viewer)
        async with self.pool.acquire() as conn:
            entries = await home_entries(
                conn, viewer, None, self.store.cap, self.cfg.fanout_pull_above
            )
            pulled = await pulled_authors(conn, viewer, self.cfg.fanout_pull_above)
        ttl_ms = self.cfg.active_window_s * 1000
        await self.store.finish_build("home", viewer, token, entries, pulled, ttl_ms)
        return pulled

    async def _build_user(self, user_id: int) -> None:
        await self._require_user(user_id)  # before any key is written for it
        token = await self.store.begin_build("user", user_id)
        async with self.pool.acquire() as conn:
            entries = await user_entries(conn, user_id, None, self.store.cap)
        ttl_ms = self.cfg.active_window_s * 1000
        await self.store.finish_build("user", user_id, token, entries, [], ttl_ms)

    # --- hydration ----------------------------------------------------------------------

    def _hydrate_cached(self, viewer: int | None) -> Hydrate:
        async def hydrate(entries: list[Entry]) -> list[dict[str, Any]]:
            users = {e.author_id for e in entries} | {e.actor_id for e in entries if e.is_retweet}
            tweets, summaries = await self.cache.hydrate(
                self.pool, viewer, [e.tweet_id for e in entries], users
            )
            people = {u: json.loads(s) for u, s in summaries.items()}
            return _items(entries, tweets, people)

        return hydrate

    def _hydrate_pg(self, viewer: int | None) -> Hydrate:
        async def hydrate(entries: list[Entry]) -> list[dict[str, Any]]:
            async with self.pool.acquire() as conn:
                found = await get_tweets(conn, [e.tweet_id for e in entries], viewer)
                rows = await conn.fetch(
                    "SELECT id, username, display_name, avatar_url FROM users WHERE id = ANY ($1)",
                    list({e.actor_id for e in entries}),
                )
            people = {
                r["id"]: UserSummary.model_validate(dict(r)).model_dump(mode="json") for r in rows
            }
            tweets = {}
            for t in found:
                tweet = t.model_dump(mode="json")
                tweet["author"] = t.author.id
                people.setdefault(t.author.id, t.author.model_dump(mode="json"))
                tweets[t.id] = tweet
            return _items(entries, tweets, people)

        return hydrate


def _items(
    entries: Iterable[Entry], tweets: dict[int, dict[str, Any]], people: dict[int, Any]
) -> list[dict[str, Any]]:
    """Timeline items in entry order: the tweet, its author, and who retweeted it (if so)."""
    items = []
    for e in entries:
        tweet = tweets.get(e.tweet_id)
        if tweet is None or tweet["author"] not in people:
            continue  # deleted since it was put in the timeline
        retweeter = people.get(e.actor_id) if e.is_retweet else None
        if e.is_retweet and retweeter is None:
            continue
        items.append({**tweet, "author": people[tweet["author"]], "retweeted_by": retweeter,
                      "_entry": e.entry_id})  # fmt: skip
    return items


def _newest(parts: list[list[Entry]], n: int) -> list[Entry]:
    """Merge newest-first lists into one, without repeating an entry."""
    out: list[Entry] = []
    seen: set[int] = set()
    for e in heapq.merge(*parts, key=lambda e: -e.entry_id):
        if e.entry_id not in seen:
            seen.add(e.entry_id)
            out.append(e)
            if len(out) == n:
                break
    return out


def _first_read(page: PageQuery) -> Read:
    return page.before, page.limit + 1 + SLACK


async def _page(source: Source, hydrate: Hydrate, page: PageQuery) -> bytes:
    want = page.limit + 1
    items: list[dict[str, Any]] = []
    before = page.before
    while len(items) < want:
        n = want - len(items) + SLACK
        batch = await source(before, n)
        items.extend(await hydrate(batch))
        if len(batch) < n:
            break
        before = batch[-1].entry_id
    more = len(items) > page.limit
    items = items[: page.limit]
    cursor = encode_cursor(items[-1]["_entry"]) if more else None
    for item in items:
        del item["_entry"]
    return json.dumps({"data": items, "next_cursor": cursor}, separators=(",", ":")).encode()
