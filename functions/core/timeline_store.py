"""Timelines in Redis: bounded sorted sets of entries, newest first, rebuilt from PostgreSQL.

An entry is a tweet or a retweet placed in a timeline. Its key (`entry_id`) is the tweet's id
or the retweet's own id; both come from `chirp_next_id()`, so they sort by time. Those ids need
63 bits, more than a sorted-set score (a double) holds exactly, so every member has score 0
and sorts by its text: a fixed-width 19-digit entry id first, then what hydration needs.

A timeline counts as present only while its meta hash says it was built (`state` = `ok`):
fanout pushes only into timelines that exist, and a read that finds none (or a stale one)
rebuilds it. A build first empties the set and marks it `building`, so anything pushed while
the database is read lands in the set and is merged with what the read found.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import redis.asyncio as redis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

from functions.core import cache
from functions.core.cache import key
from functions.core.config import settings

Kind = Literal["home", "user"]
BUILDING_TTL_MS = 60_000


@dataclass(frozen=True, slots=True, order=True)
class Entry:
    entry_id: int
    tweet_id: int
    author_id: int
    actor_id: int  # who put it there: the author, or the user who retweeted it

    @property
    def is_retweet(self) -> bool:
        return self.entry_id != self.tweet_id

    def member(self) -> str:
        return f"{self.entry_id:019d}:{self.tweet_id}:{self.author_id}:{self.actor_id}"

    @classmethod
    def parse(cls, member: str) -> Entry:
        entry_id, tweet_id, author_id, actor_id = member.split(":")
        return cls(int(entry_id), int(tweet_id), int(author_id), int(actor_id))


def timeline_key(kind: Kind, user_id: int) -> str:
    return key(kind, user_id)


def meta_key(kind: Kind, user_id: int) -> str:
    return key(kind, "meta", user_id)


def active_key() -> str:
    return key("active")


def lex_below(before: int | None) -> str:
    """The BYLEX bound for 'entries strictly older than `before`'."""
    return "+" if before is None else f"({before:019d}"


# Adds ARGV[first..] to a timeline (score 0) and trims it to the newest `cap`, in chunks
# small enough for Lua's unpack.
_ADD_AND_TRIM = """
local function add_and_trim(key, first, cap)
  for i = first, #ARGV, 5000 do
    local chunk = {}
    for j = i, math.min(i + 4999, #ARGV) do
      chunk[#chunk + 1] = 0
      chunk[#chunk + 1] = ARGV[j]
    end
    redis.call('ZADD', key, unpack(chunk))
  end
  redis.call('ZREMRANGEBYRANK', key, 0, -(tonumber(cap) + 1))
end
"""

# KEYS: timeline, meta. ARGV: cap, member...
# Only into a timeline that exists (built or being built).
_PUSH = (
    _ADD_AND_TRIM
    + """
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
add_and_trim(KEYS[1], 2, ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], math.max(redis.call('PTTL', KEYS[2]), 1))
end
return 1
"""
)

# KEYS: timeline. ARGV: actor id. Removes every entry that actor put there (unfollow).
_REMOVE_ACTOR = """
local gone = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if string.match(m, ':(%d+)$') == ARGV[1] then gone[#gone + 1] = m end
end
for i = 1, #gone, 5000 do
  redis.call('ZREM', KEYS[1], unpack(gone, i, math.min(i + 4999, #gone)))
end
return #gone
"""

# KEYS: timeline, meta. ARGV: token, ttl ms, cap, pulled ids (comma list), member...
# Finishes a build only if no one invalidated or rebuilt the timeline meanwhile.
_FINISH_BUILD = (
    _ADD_AND_TRIM
    + """
if redis.call('HGET', KEYS[2], 'state') ~= ARGV[1] then return 0 end
add_and_trim(KEYS[1], 5, ARGV[3])
redis.call('HSET', KEYS[2], 'state', 'ok', 'pulled', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
"""
)

# KEYS: timeline, meta, active. ARGV: lex bound, n, user id. A page of a timeline and its
# state, in one round trip.
_WINDOW = """
local meta = redis.call('HMGET', KEYS[2], 'state', 'pulled')
return {meta[1], meta[2], redis.call('ZSCORE', KEYS[3], ARGV[3]),
        redis.call('ZRANGE', KEYS[1], ARGV[1], '-', 'BYLEX', 'REV', 'LIMIT', 0, ARGV[2]),
        redis.call('ZCARD', KEYS[1])}
"""

# KEYS: meta. ARGV: user id, 1 to add or 0 to remove. Edits the list of pulled authors.
_SET_PULLED = """
if redis.call('HGET', KEYS[1], 'state') == false then return 0 end
local ids, out = redis.call('HGET', KEYS[1], 'pulled') or '', {}
for id in string.gmatch(ids, '%d+') do
  if id ~= ARGV[1] then out[#out + 1] = id end
end
if ARGV[2] == '1' then out[#out + 1] = ARGV[1] end
redis.call('HSET', KEYS[1], 'pulled', table.concat(out, ','))
return 1
"""


@dataclass(frozen=True, slots=True)
class Window:
    """Up to n entries older than a bound, with the timeline's state when they were read."""

    built: bool
    pulled: list[int]  # authors merged at read time (home timelines)
    last_active: float | None  # when the owner last read their home timeline
    entries: list[Entry]
    size: int  # entries held; at the cap, older ones were trimmed away


class TimelineStore:
    """The Redis side of timelines; PostgreSQL queries live in `timeline_sources`."""

    def __init__(self, client: redis.Redis, cap: int) -> None:
        self.redis = client
        self.cap = cap
        self._push = client.register_script(_PUSH)
        self._remove_actor = client.register_script(_REMOVE_ACTOR)
        self._finish = client.register_script(_FINISH_BUILD)
        self._set_pulled = client.register_script(_SET_PULLED)
        self._window = client.register_script(_WINDOW)

    async def window(self, kind: Kind, user_id: int, before: int | None, n: int) -> Window:
        state, pulled, score, members, size = await self._window(
            keys=[timeline_key(kind, user_id), meta_key(kind, user_id), active_key()],
            args=[lex_below(before), n, user_id],
        )
        return Window(
            built=state == "ok",
            pulled=[int(p) for p in (pulled or "").split(",") if p],
            last_active=None if score is None else float(score),
            entries=[Entry.parse(m) for m in members],
            size=int(size),
        )

    async def push(self, kind: Kind, user_ids: Iterable[int], entries: Sequence[Entry]) -> int:
        """Add entries to each user's timeline that exists; returns how many took them."""
        return await self._push_to([(kind, uid) for uid in user_ids], entries)

    async def push_own(self, entry: Entry) -> int:
        """Into the actor's own user and home timelines: what a writer reads back at once."""
        return await self._push_to([("user", entry.actor_id), ("home", entry.actor_id)], [entry])

    async def _push_to(self, timelines: list[tuple[Kind, int]], entries: Sequence[Entry]) -> int:
        members = [e.member() for e in entries]
        calls = [
            ([timeline_key(kind, uid), meta_key(kind, uid)], [self.cap, *members])
            for kind, uid in timelines
        ]
        return sum(int(took) for took in await self._evalsha_pipeline(self._push, calls))

    async def _evalsha_pipeline(
        self, script: AsyncScript, calls: list[tuple[list[str], list[Any]]]
    ) -> list[Any]:
        """Many calls of one script in one round trip.

        redis-py checks (SCRIPT EXISTS) every script of a pipeline on each execute, an extra
        round trip per write; this sends EVALSHA alone and loads the script only when Redis
        says it has none (after a restart or SCRIPT FLUSH).
        """
        for attempt in range(2):
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for keys, args in calls:
                        pipe.evalsha(script.sha, len(keys), *keys, *args)
                    return list(await pipe.execute())
            except NoScriptError:
                if attempt:
                    raise
                await self.redis.script_load(script.script)
        raise AssertionError("unreachable")

    async def remove_own(self, entry: Entry) -> None:
        await self.remove("user", [entry.actor_id], [entry])
        await self.remove("home", [entry.actor_id], [entry])

    async def remove(self, kind: Kind, user_ids: Iterable[int], entries: Sequence[Entry]) -> None:
        members = [e.member() for e in entries]
        async with self.redis.pipeline(transaction=False) as pipe:
            for uid in user_ids:
                pipe.zrem(timeline_key(kind, uid), *members)
            await pipe.execute()

    async def remove_actor(self, kind: Kind, user_id: int, actor_id: int) -> int:
        gone = await self._remove_actor(keys=[timeline_key(kind, user_id)], args=[actor_id])
        return int(gone)

    async def set_pulled(self, user_id: int, author_id: int, following: bool) -> None:
        """Add or drop an author read at read time (a celebrity) in a built home timeline."""
        await self._set_pulled(keys=[meta_key("home", user_id)], args=[author_id, int(following)])

    async def forget(self, kind: Kind, user_id: int) -> None:
        """Drop a timeline so the next read rebuilds it from PostgreSQL."""
        await self.redis.delete(timeline_key(kind, user_id), meta_key(kind, user_id))

    async def begin_build(self, kind: Kind, user_id: int) -> str:
        token = "b:" + secrets.token_hex(8)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(timeline_key(kind, user_id))
            pipe.hset(meta_key(kind, user_id), mapping={"state": token, "pulled": ""})
            pipe.pexpire(meta_key(kind, user_id), BUILDING_TTL_MS)
            await pipe.execute()
        return token

    async def finish_build(
        self,
        kind: Kind,
        user_id: int,
        token: str,
        entries: Sequence[Entry],
        pulled: Sequence[int],
        ttl_ms: int,
    ) -> bool:
        done = await self._finish(
            keys=[timeline_key(kind, user_id), meta_key(kind, user_id)],
            args=[
                token,
                ttl_ms,
                self.cap,
                ",".join(map(str, pulled)),
                *(e.member() for e in entries),
            ],
        )
        return bool(done)


def timeline_store() -> TimelineStore:
    """The store on this process's Redis client, with the configured timeline size."""
    return TimelineStore(cache.client(), settings().timeline_size)
