"""Plain ordered SQL migrations, applied once each and recorded in schema_migrations.

Files are `NNNN_name.sql` beside this module; each runs in its own transaction under an advisory
lock, so two processes starting together never apply one twice.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
from importlib import resources
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from functions.core.config import load_settings

log = logging.getLogger(__name__)
_LOCK_KEY = 0x636869727000  # "chirp" + 0: one advisory lock for all migrators
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migration_files() -> list[tuple[str, str]]:
    """(version, sql) for every migration, in order."""
    folder = resources.files("functions.core") / "migrations"
    found = sorted(p.name for p in folder.iterdir() if _NAME.match(p.name))
    return [(name.removesuffix(".sql"), (folder / name).read_text("utf-8")) for name in found]


async def apply(conn: asyncpg.Connection) -> list[str]:
    """Apply the migrations this database lacks; return the versions applied."""
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version text PRIMARY KEY,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        for version, sql in migration_files():
            if version in done:
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
            applied_now.append(version)
            log.info("applied migration %s", version)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return applied_now


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


def _database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise ValueError(f"unsupported database name {name!r}")
    return name


async def create_database(url: str) -> bool:
    """Create the database named in `url` if it does not exist; True when it was created."""
    name = _database_name(url)
    admin = await asyncpg.connect(_with_database(url, "postgres"))
    try:
        if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        await admin.execute(f'CREATE DATABASE "{name}"')
        return True
    finally:
        await admin.close()


async def drop_database(url: str) -> None:
    admin = await asyncpg.connect(_with_database(url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{_database_name(url)}" WITH (FORCE)')
    finally:
        await admin.close()


async def migrate(url: str, *, create: bool = True) -> list[str]:
    if create and await create_database(url):
        log.info("created database %s", urlsplit(url).path.lstrip("/"))
    conn = await asyncpg.connect(url)
    try:
        return await apply(conn)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Create chirp's database and apply migrations.")
    parser.add_argument("--database-url", default=None, help="defaults to DATABASE_URL")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    url = args.database_url or load_settings().database_url
    applied = asyncio.run(migrate(url))
    print(f"migrations: {len(applied)} applied" + (f" ({', '.join(applied)})" if applied else ""))


if __name__ == "__main__":
    main()
