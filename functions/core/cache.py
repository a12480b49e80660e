"""The process's Redis client, and how code that only keeps a cache survives Redis trouble.

Redis holds nothing that PostgreSQL does not: timelines and hydration objects are rebuilt
from the database whenever they are missing. So a write that has committed never fails
because a cache update failed; the cache heals through its TTLs and the next rebuild.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from functions.core.config import settings

log = logging.getLogger(__name__)

_client: redis.Redis | None = None


def client() -> redis.Redis:
    """One client per process; it opens connections on first use (cheap at cold start)."""
    global _client
    if _client is None:
        host, _, port = settings().redis_addr.rpartition(":")
        _client = redis.Redis(
            host=host or "127.0.0.1",
            port=int(port or 6379),
            decode_responses=True,
            socket_connect_timeout=1,
            socket_timeout=2,
            health_check_interval=30,
            # A cache must fail fast: one quick retry (a restart, a dropped connection), not
            # redis-py's default seconds of backoff on every call while Redis is away.
            retry=Retry(ExponentialBackoff(cap=0.05, base=0.01), 1),
        )
    return _client


def key(*parts: object) -> str:
    """A key in this stack's namespace: `<prefix><part>:<part>...`."""
    return settings().redis_prefix + ":".join(str(p) for p in parts)


async def close() -> None:
    global _client
    if _client is not None:
        client_, _client = _client, None
        await client_.aclose()


async def ping() -> None:
    await client().ping()


@asynccontextmanager
async def best_effort(what: str) -> AsyncIterator[None]:
    """Run a cache update after a commit: on Redis errors, log and carry on."""
    try:
        yield
    except (RedisError, OSError) as exc:
        log.warning("cache update skipped (%s): %s", what, exc)
