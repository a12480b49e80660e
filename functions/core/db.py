"""The process's PostgreSQL pool, opened on first use.

Opening lazily keeps a cold start cheap (a Service scaled from zero answers its first request
without waiting on a pool it might not need) and lets tests point DATABASE_URL elsewhere first.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, TypeAlias

import asyncpg

from functions.core.config import settings

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    # What domain code takes: a plain connection or one borrowed from the pool.
    Connection: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]

_pool: asyncpg.Pool | None = None
_lock = asyncio.Lock()


async def pool() -> asyncpg.Pool:
    global _pool
    if _pool is None:
        async with _lock:
            if _pool is None:
                cfg = settings()
                _pool = await asyncpg.create_pool(
                    cfg.database_url,
                    min_size=cfg.db_pool_min,
                    max_size=cfg.db_pool_max,
                    timeout=5,
                    command_timeout=30,
                )
    return _pool


async def close() -> None:
    global _pool
    if _pool is not None:
        pool_, _pool = _pool, None
        await pool_.close()


async def ping() -> None:
    """Raise if PostgreSQL cannot answer a trivial query within two seconds."""
    p = await asyncio.wait_for(pool(), timeout=5)
    await p.fetchval("SELECT 1", timeout=2)
