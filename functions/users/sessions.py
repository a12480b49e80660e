"""Login and rotating refresh tokens.

A refresh token is random, shown once, and stored only as its SHA-256. Each refresh spends
the token and issues a new one in the same family; presenting a spent token means it leaked,
so the whole family (that login) is revoked.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import asyncpg

from functions.core.auth import issue_access_token
from functions.core.config import settings
from functions.core.passwords import verify_password
from functions.core.problems import unauthorized
from functions.users.schemas import Credentials, TokenPair

if TYPE_CHECKING:
    from functions.core.db import Connection


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def _issue(conn: Connection, user_id: int, family_id: uuid.UUID) -> TokenPair:
    refresh = secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + timedelta(seconds=settings().refresh_token_ttl_s)
    await conn.execute(
        """INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at)
           VALUES ($1, $2, $3, $4)""",
        _digest(refresh),
        user_id,
        family_id,
        expires_at,
    )
    access = issue_access_token(user_id)
    return TokenPair(access_token=access.token, refresh_token=refresh, expires_in=access.expires_in)


async def login(pool: asyncpg.Pool, creds: Credentials) -> TokenPair:
    """Tokens for a username (or email) and password; one vague 401 for every failure."""
    column = "email" if "@" in creds.username else "username"
    row = await pool.fetchrow(
        f"SELECT id, password_hash FROM users WHERE lower({column}) = lower($1)",
        creds.username,
    )
    if not await verify_password(row["password_hash"] if row else None, creds.password):
        raise unauthorized("username or password is incorrect")
    assert row is not None
    async with pool.acquire() as conn:
        return await _issue(conn, row["id"], uuid.uuid4())


async def refresh(pool: asyncpg.Pool, token: str) -> TokenPair:
    digest = _digest(token)
    async with pool.acquire() as conn:
        async with conn.transaction():
            spent = await conn.fetchrow(
                """UPDATE refresh_tokens SET used_at = now()
                    WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL
                      AND expires_at > now()
                RETURNING user_id, family_id""",
                digest,
            )
            if spent is not None:
                return await _issue(conn, spent["user_id"], spent["family_id"])
        # Not spendable. If it was spent before, it leaked: revoke its family (committed
        # on its own, so refusing this request does not roll the revocation back).
        reused = await conn.execute(
            """UPDATE refresh_tokens SET revoked_at = now()
                WHERE revoked_at IS NULL
                  AND family_id = (SELECT family_id FROM refresh_tokens
                                    WHERE token_hash = $1 AND used_at IS NOT NULL)""",
            digest,
        )
    if reused != "UPDATE 0":
        raise unauthorized("refresh token was already used; that login has been revoked")
    raise unauthorized("refresh token is invalid, expired or revoked")
