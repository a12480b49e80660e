"""Accounts: registering, reading and editing profiles."""

from __future__ import annotations

import asyncpg

from events import UserCreated, UserUpdated, record
from functions.core import cache
from functions.core.media_refs import require_attachable
from functions.core.models import USER_COLUMNS, User
from functions.core.passwords import hash_password
from functions.core.problems import conflict, not_found
from functions.core.tweet_cache import tweet_cache
from functions.users.schemas import ProfileUpdate, Registration


async def register(pool: asyncpg.Pool, reg: Registration) -> User:
    """Create an account; 409 when the username or email is taken (case-insensitively)."""
    password_hash = await hash_password(reg.password)
    async with pool.acquire() as conn, conn.transaction():
        try:
            row = await conn.fetchrow(
                f"""INSERT INTO users (username, email, password_hash, display_name)
                    VALUES ($1, $2, $3, $4) RETURNING {USER_COLUMNS}""",
                reg.username,
                reg.email,
                password_hash,
                reg.display_name or reg.username,
            )
        except asyncpg.UniqueViolationError as exc:
            taken = "email" if "email" in (exc.constraint_name or "") else "username"
            raise conflict(f"that {taken} is already taken") from exc
        user = User.from_row(row)
        await record(
            conn,
            UserCreated(
                user_id=str(user.id), username=user.username, display_name=user.display_name
            ),
        )
    return user


async def get_by_id(pool: asyncpg.Pool, user_id: int) -> User:
    row = await pool.fetchrow(f"SELECT {USER_COLUMNS} FROM users WHERE id = $1", user_id)
    if row is None:
        raise not_found(f"user {user_id} does not exist")
    return User.from_row(row)


async def get_by_username(pool: asyncpg.Pool, username: str) -> User:
    row = await pool.fetchrow(
        f"SELECT {USER_COLUMNS} FROM users WHERE lower(username) = lower($1)", username
    )
    if row is None:
        raise not_found(f"user @{username} does not exist")
    return User.from_row(row)


async def update_profile(
    pool: asyncpg.Pool, user_id: int, change: ProfileUpdate, media_base_url: str = ""
) -> User:
    """Change only the fields the client sent; an empty change returns the profile as is."""
    fields = change.model_dump(exclude_unset=True, exclude_none=True)
    if not fields:
        return await get_by_id(pool, user_id)
    avatar_url = None
    if change.avatar_media_id is not None:
        await require_attachable(
            pool, user_id, [change.avatar_media_id], "avatar_media_id", images_only=True
        )
        avatar_url = f"{media_base_url}/media/{change.avatar_media_id}/content"
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            f"""UPDATE users
                   SET display_name = coalesce($2, display_name),
                       bio = coalesce($3, bio),
                       avatar_url = coalesce($4, avatar_url),
                       updated_at = now()
                 WHERE id = $1
             RETURNING {USER_COLUMNS}""",
            user_id,
            fields.get("display_name"),
            fields.get("bio"),
            avatar_url,
        )
        if row is None:
            raise not_found(f"user {user_id} does not exist")
        user = User.from_row(row)
        await record(
            conn,
            UserUpdated(
                user_id=str(user.id),
                username=user.username,
                display_name=user.display_name,
                bio=user.bio,
            ),
        )
    async with cache.best_effort("profile summary"):
        await tweet_cache().forget_user(user_id)
    return user
