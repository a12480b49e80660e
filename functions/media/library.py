"""Media as chirp keeps it: checked bytes in the store, a row that says what they are.

Nothing is stored before it is checked: a direct upload is refused (413, 415) before any
byte reaches the store, and a presigned upload stays `pending` (usable by no tweet) until
its bytes have been read back and found to be what was declared.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from pydantic import BaseModel, Field

from functions.core.config import settings
from functions.core.models import Id, Timestamp
from functions.core.problems import Problem, forbidden, not_found, unprocessable
from functions.media.sniff import ALLOWED_TYPES, HEAD_BYTES, Kind, sniff
from functions.media.store import MediaStore

MAX_BYTES = 10 * 1024 * 1024  # 10 MiB, images and video alike
PRESIGNED_TTL = timedelta(minutes=15)


class Media(BaseModel):
    id: Id
    url: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    state: str
    created_at: Timestamp


class PresignRequest(BaseModel):
    content_type: str
    size: int = Field(ge=1, le=MAX_BYTES)


class UploadSignature(BaseModel):
    """The query of a local presigned upload URL: when it expires, and chirp's signature."""

    expires: int = Field(ge=0)
    signature: str = Field(min_length=64, max_length=64)


class Presigned(BaseModel):
    id: Id
    upload_url: str
    method: str
    headers: dict[str, str]
    expires_at: Timestamp


def key(media_id: int) -> str:
    return f"media/{media_id}"


def too_large(size: int | None = None) -> Problem:
    shown = f" ({size} bytes)" if size is not None else ""
    return Problem(413, f"media may be at most {MAX_BYTES} bytes{shown}")


def not_allowed() -> Problem:
    return Problem(
        415,
        "only JPEG, PNG, GIF and WebP images and MP4 and WebM video are accepted "
        "(decided by the file's content, not its name or declared type)",
    )


def to_model(row: asyncpg.Record, base_url: str) -> Media:
    return Media(
        id=row["id"], url=f"{base_url}/media/{row['id']}/content",
        content_type=row["content_type"], size=row["size"], width=row["width"],
        height=row["height"], state=row["state"], created_at=row["created_at"],
    )  # fmt: skip


async def upload(pool: asyncpg.Pool, store: MediaStore, owner: int, data: bytes) -> asyncpg.Record:
    if len(data) > MAX_BYTES:
        raise too_large(len(data))
    if not data:
        raise unprocessable("the upload is empty", [{"field": "body", "message": "empty"}])
    kind = sniff(data[:HEAD_BYTES])
    if kind is None:
        raise not_allowed()
    media_id = await pool.fetchval("SELECT chirp_next_id()")
    await store.put(key(media_id), data, kind.content_type)
    row = await pool.fetchrow(
        """INSERT INTO media (id, owner_id, state, content_type, size, width, height, etag)
           VALUES ($1, $2, 'ready', $3, $4, $5, $6, $7) RETURNING *""",
        media_id, owner, kind.content_type, len(data), kind.width, kind.height,
        hashlib.sha256(data).hexdigest()[:32],
    )  # fmt: skip
    assert row is not None
    return row


def _signature(media_id: int, expires: int) -> str:
    secret = settings().jwt_secret.encode()
    return hmac.new(secret, f"media-upload:{media_id}:{expires}".encode(), "sha256").hexdigest()


async def presign(
    pool: asyncpg.Pool, store: MediaStore, owner: int, want: PresignRequest, base_url: str
) -> Presigned:
    if want.content_type not in ALLOWED_TYPES:
        raise not_allowed()
    expires_at = datetime.now(UTC) + PRESIGNED_TTL
    media_id = await pool.fetchval(
        """INSERT INTO media (owner_id, state, content_type, size, expires_at)
           VALUES ($1, 'pending', $2, $3, $4) RETURNING id""",
        owner, want.content_type, want.size, expires_at,
    )  # fmt: skip
    url = store.presigned_put(key(media_id), PRESIGNED_TTL)
    if url is None:  # the local store: the bytes come back through chirp, signed
        expires = int(expires_at.timestamp())
        signature = _signature(media_id, expires)
        url = f"{base_url}/media/{media_id}/upload?expires={expires}&signature={signature}"
    return Presigned(
        id=media_id,
        upload_url=url,
        method="PUT",
        headers={"Content-Type": want.content_type},
        expires_at=expires_at,
    )


async def receive(
    pool: asyncpg.Pool, store: MediaStore, media_id: int, expires: int, signature: str,
    data: bytes,
) -> asyncpg.Record:  # fmt: skip
    """A PUT to a local presigned URL: checked like any upload, against what was declared."""
    good = hmac.compare_digest(signature, _signature(media_id, expires))
    if not good or expires < time.time():
        raise Problem(403, "this upload URL is not valid (or has expired)")
    row = await pool.fetchrow("SELECT * FROM media WHERE id = $1 AND deleted_at IS NULL", media_id)
    if row is None or row["state"] != "pending":
        raise Problem(409, f"media {media_id} is not waiting for an upload")
    kind = _check(row, len(data), data[:HEAD_BYTES])
    await store.put(key(media_id), data, kind.content_type)
    return await _mark_ready(pool, row, kind, hashlib.sha256(data).hexdigest()[:32])


def _check(row: asyncpg.Record, size: int, head: bytes) -> Kind:
    if size > MAX_BYTES:
        raise too_large(size)
    if size != row["size"]:
        raise unprocessable(
            f"the upload has {size} bytes, not the {row['size']} declared",
            [{"field": "size", "message": "does not match the upload"}],
        )
    kind = sniff(head)
    if kind is None:
        raise not_allowed()
    if kind.content_type != row["content_type"]:
        raise unprocessable(
            f"the upload is {kind.content_type}, not the {row['content_type']} declared",
            [{"field": "content_type", "message": "does not match the upload"}],
        )
    return kind


async def _mark_ready(
    pool: asyncpg.Pool, row: asyncpg.Record, kind: Kind, etag: str | None
) -> asyncpg.Record:
    ready = await pool.fetchrow(
        """UPDATE media SET state = 'ready', width = $2, height = $3, etag = $4, expires_at = NULL
            WHERE id = $1 AND state = 'pending' RETURNING *""",
        row["id"], kind.width, kind.height, etag,
    )  # fmt: skip
    return ready if ready is not None else row


async def settle(pool: asyncpg.Pool, store: MediaStore, row: asyncpg.Record) -> asyncpg.Record:
    """A pending S3 upload: check the bytes the client put there; ready, or refused and removed."""
    if row["state"] != "pending":
        return row
    stat = await store.stat(key(row["id"]))
    if stat is None:
        return row  # not uploaded (yet)
    try:
        kind = _check(row, stat.size, await store.read(key(row["id"]), 0, HEAD_BYTES))
    except Problem:
        await store.delete(key(row["id"]))  # refused bytes are not kept
        raise
    return await _mark_ready(pool, row, kind, (stat.etag or "").strip('"') or None)


async def visible(pool: asyncpg.Pool, media_id: int, viewer: int | None) -> asyncpg.Record:
    """Ready media are public; a pending upload is its owner's business only."""
    row = await pool.fetchrow("SELECT * FROM media WHERE id = $1 AND deleted_at IS NULL", media_id)
    if row is None or (row["state"] != "ready" and row["owner_id"] != viewer):
        raise not_found(f"media {media_id} does not exist")
    return row


async def delete(pool: asyncpg.Pool, store: MediaStore, media_id: int, caller: int) -> None:
    row = await visible(pool, media_id, caller)
    if row["owner_id"] != caller:
        raise forbidden("you can only delete your own media")
    await pool.execute("UPDATE media SET deleted_at = now() WHERE id = $1", media_id)
    await store.delete(key(media_id))


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one range asked for (inclusive bounds), None for the whole file.

    Raises Problem 416 when the range cannot be satisfied; a header this does not
    understand (or several ranges) means the whole file, as RFC 9110 allows.
    """
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header[6:].strip().partition("-")
    try:
        if first == "":
            start, end = max(size - int(last), 0), size - 1
        else:
            start, end = int(first), (int(last) if last else size - 1)
    except ValueError:
        return None
    if start > end or start >= size or size == 0:
        raise Problem(416, f"range {header} is outside the {size} bytes",
                      headers={"Content-Range": f"bytes */{size}"})  # fmt: skip
    return start, min(end, size - 1)


def media_headers(row: asyncpg.Record) -> dict[str, Any]:
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "public, max-age=31536000, immutable"}
    if row["etag"]:
        headers["ETag"] = f'"{row["etag"]}"'
    return headers
