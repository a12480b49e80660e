"""Attaching media to something (a tweet, an avatar): only the owner's checked, ready media.

A presigned upload that is still `pending` is checked here first (its bytes read back from
the store), so a client may attach media right after uploading to the presigned URL.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from functions.core.problems import unprocessable


async def require_attachable(
    pool: asyncpg.Pool, owner: int, ids: Sequence[int], field: str, images_only: bool = False
) -> None:
    rows = {
        r["id"]: r
        for r in await pool.fetch(
            "SELECT * FROM media WHERE id = ANY ($1::bigint[]) AND owner_id = $2"
            " AND deleted_at IS NULL",
            list(ids),
            owner,
        )
    }
    if any(r["state"] == "pending" for r in rows.values()):
        from functions.media.library import settle  # loads the store's client only when needed
        from functions.media.store import media_store

        for media_id, pending in list(rows.items()):
            rows[media_id] = await settle(pool, media_store(), pending)
    for media_id in ids:
        row = rows.get(media_id)
        problem = (
            "is not media of yours" if row is None
            else "has not been uploaded yet" if row["state"] != "ready"
            else "is not an image" if images_only and not row["content_type"].startswith("image/")
            else None
        )  # fmt: skip
        if problem:
            raise unprocessable(
                f"{field}: media {media_id} {problem}",
                [{"field": field, "message": f"media {media_id} {problem}"}],
            )
