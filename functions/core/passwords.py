"""Argon2id password hashing, run off the event loop because each hash costs tens of ms."""

from __future__ import annotations

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from functions.core.config import settings


@cache
def _hasher() -> PasswordHasher:
    cfg = settings()
    return PasswordHasher(
        time_cost=cfg.argon2_time_cost,
        memory_cost=cfg.argon2_memory_kib,
        parallelism=cfg.argon2_parallelism,
    )


@cache
def _dummy_hash() -> str:
    return _hasher().hash("chirp-timing-equaliser")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher().hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown user) spend the same time and say no."""

    def check() -> bool:
        target = password_hash if password_hash is not None else _dummy_hash()
        try:
            return _hasher().verify(target, password)
        except (VerificationError, InvalidHashError):
            return False

    ok = await asyncio.to_thread(check)
    return ok and password_hash is not None
