"""media: uploads (direct or presigned), media info, the bytes (with ranges), and delete.

Serves `/media/...`. Bytes go to the local media directory, or to S3/MinIO when
MINIO_ENDPOINT is set (functions/media/store.py).
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator

import functions_framework.aio
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import Response

from functions.core import db
from functions.core.auth import optional_user, require_user
from functions.core.problems import Problem, bad_request
from functions.core.requests import json_body, path_id, read_body
from functions.core.responses import json_response
from functions.core.routing import Params, Router
from functions.media import library
from functions.media.store import media_store

router = Router("media", ready_checks=[db.ping])
MULTIPART_OVERHEAD = 64 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _base_url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


async def _uploaded_bytes(request: Request) -> bytes:
    """The file: the raw body, or the one file part of a multipart/form-data body."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        return await read_body(request, library.MAX_BYTES)
    raw = await read_body(request, library.MAX_BYTES + MULTIPART_OVERHEAD)

    async def replay() -> AsyncGenerator[bytes, None]:
        yield raw

    try:
        form = await MultiPartParser(request.headers, replay(), max_files=1, max_fields=10).parse()
    except MultiPartException as exc:
        raise bad_request(f"malformed multipart body: {exc.message}") from exc
    files = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
    if len(files) != 1:
        raise bad_request("a multipart upload must carry exactly one file")
    data = await files[0].read()
    await form.close()
    return data


@router.route("POST", "/media/upload", "Upload an image or video", auth="required",
              body_kind="upload", response=library.Media, status=201)  # fmt: skip
async def upload(request: Request, params: Params) -> Response:
    owner = require_user(request)
    data = await _uploaded_bytes(request)
    row = await library.upload(await db.pool(), media_store(), owner, data)
    return json_response(
        library.to_model(row, _base_url(request)), 201, headers={"Location": f"/media/{row['id']}"}
    )


@router.route("POST", "/media/presigned", "Get a URL to upload to directly", auth="required",
              body=library.PresignRequest, response=library.Presigned, status=201)  # fmt: skip
async def presigned(request: Request, params: Params) -> Response:
    owner = require_user(request)
    want = await json_body(request, library.PresignRequest)
    made = await library.presign(await db.pool(), media_store(), owner, want, _base_url(request))
    return json_response(made, 201)


@router.route("PUT", "/media/{id}/upload", "Upload to a presigned URL (local store)",
              query=library.UploadSignature, body_kind="upload",
              response=library.Media)  # fmt: skip
async def receive(request: Request, params: Params) -> Response:
    """The local store's presigned URL: the signature in the query is the authorisation."""
    media_id = path_id(params["id"], "media")
    expires, signature = (
        request.query_params.get("expires", ""),
        request.query_params.get("signature", ""),
    )
    if not expires.isascii() or not expires.isdigit() or not _HEX64.fullmatch(signature):
        raise Problem(403, "this upload URL is not valid (or has expired)")
    data = await _uploaded_bytes(request)
    pool = await db.pool()
    row = await library.receive(pool, media_store(), media_id, int(expires), signature, data)
    return json_response(library.to_model(row, _base_url(request)))


@router.route("GET", "/media/{id}", "Media info", auth="optional", response=library.Media)
async def info(request: Request, params: Params) -> Response:
    viewer = optional_user(request)
    pool = await db.pool()
    row = await library.visible(pool, path_id(params["id"], "media"), viewer)
    row = await library.settle(pool, media_store(), row)
    return json_response(library.to_model(row, _base_url(request)))


@router.route("GET", "/media/{id}/content", "The media's bytes (ranges supported)",
              response_kind="bytes")  # fmt: skip
async def content(request: Request, params: Params) -> Response:
    row = await library.visible(await db.pool(), path_id(params["id"], "media"), None)
    headers = library.media_headers(row)
    if (etag := headers.get("ETag")) and etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    wanted = library.byte_range(request.headers.get("range"), row["size"])
    store = media_store()
    if wanted is None:
        body = await store.read(library.key(row["id"]))
        return Response(body, media_type=row["content_type"], headers=headers)
    start, end = wanted
    body = await store.read(library.key(row["id"]), start, end - start + 1)
    headers["Content-Range"] = f"bytes {start}-{end}/{row['size']}"
    return Response(body, 206, media_type=row["content_type"], headers=headers)


@router.route("DELETE", "/media/{id}", "Delete your media", auth="required", status=204,
              response_kind="empty")  # fmt: skip
async def delete(request: Request, params: Params) -> Response:
    caller = require_user(request)
    await library.delete(await db.pool(), media_store(), path_id(params["id"], "media"), caller)
    return Response(status_code=204)


@functions_framework.aio.http
async def media(request: Request) -> Response:
    """The Knative Service entry point (FUNCTION_TARGET=media)."""
    return await router(request)
