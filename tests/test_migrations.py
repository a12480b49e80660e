"""Migrations apply once, and every change writes its event in the same transaction."""

from __future__ import annotations

import json

import asyncpg
import httpx

from functions.core.migrations import apply, migration_files
from tests.support import MakeAccount


async def test_migrations_are_recorded_and_idempotent(database: str) -> None:
    conn = await asyncpg.connect(database)
    try:
        assert await apply(conn) == []
        versions = [
            r["version"]
            for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY 1")
        ]
        assert versions == [v for v, _ in migration_files()]
    finally:
        await conn.close()


async def _events(database: str, subject: str) -> list[tuple[str, dict[str, str]]]:
    conn = await asyncpg.connect(database)
    try:
        rows = await conn.fetch(
            "SELECT type, data FROM outbox WHERE subject = $1 ORDER BY seq", subject
        )
    finally:
        await conn.close()
    return [(r["type"], json.loads(r["data"])) for r in rows]


async def test_changes_write_their_events_to_the_outbox(
    client: httpx.AsyncClient, make_account: MakeAccount, database: str
) -> None:
    alice, bob = await make_account(), await make_account()
    await client.post(f"/users/{bob.id}/follow", headers=alice.headers)
    await client.post(f"/users/{bob.id}/follow", headers=alice.headers)  # no change, no event
    await client.delete(f"/users/{bob.id}/follow", headers=alice.headers)
    await client.put(f"/users/{bob.id}", json={"bio": "hi"}, headers=bob.headers)

    events = await _events(database, bob.id)
    assert [t for t, _ in events] == [
        "chirp.user.created",
        "chirp.user.followed",
        "chirp.user.unfollowed",
        "chirp.user.updated",
    ]
    assert events[1][1] == {"follower_id": alice.id, "followee_id": bob.id}
    assert events[3][1]["bio"] == "hi"
