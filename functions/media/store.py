"""Where media bytes live: a local directory (default) or S3/MinIO (when MINIO_ENDPOINT is set).

Both keep objects under a key and serve byte ranges; only S3 can hand out presigned upload
URLs (the local store's uploads come back through chirp's own signed upload URL).
"""

from __future__ import annotations

import asyncio
import io
import os
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from functions.core.config import settings


@dataclass(frozen=True, slots=True)
class Stat:
    size: int
    etag: str | None


class MediaStore(Protocol):
    name: str

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def read(self, key: str, start: int = 0, length: int | None = None) -> bytes:
        """Bytes from `start`, `length` of them (all the rest when None)."""
        ...

    async def stat(self, key: str) -> Stat | None: ...

    async def delete(self, key: str) -> None: ...

    def presigned_put(self, key: str, expires: timedelta) -> str | None:
        """A URL a client can PUT the bytes to directly, or None when the store has none."""
        ...


class LocalDirectory:
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if ".." in key.split("/"):
            raise ValueError(f"bad media key {key!r}")
        return self.root / key

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
            tmp.write_bytes(data)
            os.replace(tmp, path)  # readers see the whole file or none of it

        await asyncio.to_thread(write)

    async def read(self, key: str, start: int = 0, length: int | None = None) -> bytes:
        def read() -> bytes:
            with self._path(key).open("rb") as f:
                f.seek(start)
                return f.read() if length is None else f.read(length)

        return await asyncio.to_thread(read)

    async def stat(self, key: str) -> Stat | None:
        try:
            return Stat(self._path(key).stat().st_size, None)
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def presigned_put(self, key: str, expires: timedelta) -> str | None:
        return None


class S3Store:
    """The `minio` client (synchronous) run in threads; one client per process."""

    name = "s3"

    def __init__(self, client: Any, bucket: str) -> None:
        self.client, self.bucket = client, bucket

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(
            self.client.put_object, self.bucket, key, io.BytesIO(data), len(data),
            content_type=content_type,
        )  # fmt: skip

    async def read(self, key: str, start: int = 0, length: int | None = None) -> bytes:
        def read() -> bytes:
            response = self.client.get_object(self.bucket, key, offset=start, length=length or 0)
            try:
                data: bytes = response.read()
                return data
            finally:
                response.close()
                response.release_conn()

        return await asyncio.to_thread(read)

    async def stat(self, key: str) -> Stat | None:
        from minio.error import S3Error

        try:
            found = await asyncio.to_thread(self.client.stat_object, self.bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
                return None
            raise
        return Stat(int(found.size), found.etag)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.remove_object, self.bucket, key)

    def presigned_put(self, key: str, expires: timedelta) -> str | None:
        url: str = self.client.presigned_put_object(self.bucket, key, expires=expires)
        return url


_stores: dict[tuple[str, ...], MediaStore] = {}


def media_store() -> MediaStore:
    """S3/MinIO when MINIO_ENDPOINT is set, else the local directory MEDIA_DIR."""
    cfg = settings()
    if not cfg.minio_endpoint:
        return LocalDirectory(Path(cfg.media_dir))
    key = (cfg.minio_endpoint, cfg.minio_bucket)
    if key not in _stores:
        from minio import Minio  # only functions that store media load the client

        client = Minio(cfg.minio_endpoint, access_key=cfg.minio_access_key,
                       secret_key=cfg.minio_secret_key, secure=cfg.minio_secure)  # fmt: skip
        _stores[key] = S3Store(client, cfg.minio_bucket)
    return _stores[key]
