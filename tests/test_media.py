"""Media over HTTP, as one contract run against both stores: a local directory and S3
(MinIO's protocol, served on loopback by moto's S3 server).
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from functions.core import db
from functions.media import library
from functions.media import store as store_module
from functions.media.sniff import sniff
from functions.media.store import LocalDirectory, MediaStore, S3Store
from tests.support import Account, MakeAccount, assert_problem

MAX = library.MAX_BYTES


def jpeg(width: int = 640, height: int = 480, pad: int = 100) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\x00" * pad + b"\xff\xd9"


def png(width: int = 32, height: int = 16, pad: int = 50) -> bytes:
    ihdr = struct.pack(">II", width, height) + b"\x08\x06\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\0" * (4 + pad)


def mp4(size: int = 200_000) -> bytes:
    head = struct.pack(">I", 24) + b"ftypisom" + b"\0\0\2\0" + b"isomiso2"
    return head + bytes(i % 251 for i in range(size - len(head)))


def test_types_are_decided_by_content() -> None:
    gif = b"GIF89a" + struct.pack("<HH", 3, 2) + b"\0" * 20
    webp_vp8x = (
        b"RIFF\0\0\0\0WEBPVP8X"
        + b"\0" * 8
        + (99).to_bytes(3, "little")
        + (49).to_bytes(3, "little")
    )
    webm = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\0" * 20
    found = {k.content_type: (k.width, k.height) for k in map(sniff, [jpeg(), png(), gif,
             webp_vp8x, mp4(100), webm]) if k}  # fmt: skip
    assert found == {
        "image/jpeg": (640, 480), "image/png": (32, 16), "image/gif": (3, 2),
        "image/webp": (100, 50), "video/mp4": (None, None), "video/webm": (None, None),
    }  # fmt: skip
    heic = struct.pack(">I", 24) + b"ftypheic" + b"\0" * 16
    for spoof in (b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"<html>", b"%PDF-1.7", heic,
                  b"\x1a\x45\xdf\xa3 matroska", b"", b"\xff\xd8"):  # fmt: skip
        assert sniff(spoof) is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def s3_store() -> Iterator[S3Store]:
    from minio import Minio
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    client = Minio(f"127.0.0.1:{port}", access_key="test", secret_key="test", secure=False,
                   region="us-east-1")  # fmt: skip
    client.make_bucket("media")
    yield S3Store(client, "media")
    server.stop()


@pytest.fixture(params=["local", "s3"])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> MediaStore:
    chosen: MediaStore = (
        LocalDirectory(tmp_path / "media") if request.param == "local"
        else request.getfixturevalue("s3_store")
    )  # fmt: skip
    # Both the media function and the attach check take their store from this factory.
    monkeypatch.setattr(store_module, "media_store", lambda: chosen)
    monkeypatch.setattr("functions.media.main.media_store", lambda: chosen)
    return chosen


async def upload(c: httpx.AsyncClient, who: Account, data: bytes, **headers: str) -> httpx.Response:
    return await c.post("/media/upload", content=data, headers=who.headers | headers)


async def media_count(who: Account) -> int:
    count: int = await (await db.pool()).fetchval(
        "SELECT count(*) FROM media WHERE owner_id = $1", int(who.id)
    )
    return count


async def test_upload_then_read_back(
    client: httpx.AsyncClient, make_account: MakeAccount, store: MediaStore
) -> None:
    me, data = await make_account(), jpeg(800, 600)
    r = await upload(client, me, data, **{"content-type": "application/octet-stream"})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made | {"id": "x", "url": "x", "created_at": "x"} == {
        "id": "x", "url": "x", "created_at": "x", "content_type": "image/jpeg",
        "size": len(data), "width": 800, "height": 600, "state": "ready",
    }  # fmt: skip
    assert made["url"].endswith(f"/media/{made['id']}/content")
    assert (await client.get(f"/media/{made['id']}")).json() == made
    r = await client.get(f"/media/{made['id']}/content")
    assert r.status_code == 200
    assert r.content == data
    assert r.headers["content-type"] == "image/jpeg"
    etag = r.headers["etag"]
    r = await client.get(f"/media/{made['id']}/content", headers={"if-none-match": etag})
    assert r.status_code == 304


async def test_multipart_upload_ignores_the_name_and_declared_type(
    client: httpx.AsyncClient, make_account: MakeAccount, store: MediaStore
) -> None:
    me = await make_account()
    files = {"file": ("cat.gif", png(), "image/gif")}
    r = await client.post("/media/upload", files=files, headers=me.headers)
    assert r.status_code == 201, r.text
    assert (r.json()["content_type"], r.json()["width"]) == ("image/png", 32)


@pytest.mark.parametrize(
    "spoof", [b"<svg onload='alert(1)'/>", b"<html><script>x</script>", b"MZ\x90\x00 exe",
              b"just text pretending to be a png"],
)  # fmt: skip
async def test_spoofed_types_are_refused_and_not_stored(
    client: httpx.AsyncClient, make_account: MakeAccount, store: MediaStore, spoof: bytes
) -> None:
    me = await make_account()
    r = await upload(client, me, spoof, **{"content-type": "image/png"})
    assert_problem(r, 415)
    files = {"file": ("photo.jpg", spoof, "image/jpeg")}
    assert_problem(await client.post("/media/upload", files=files, headers=me.headers), 415)
    assert await media_count(me) == 0


async def test_ten_megabytes_is_the_limit(
    client: httpx.AsyncClient, make_account: MakeAccount, store: MediaStore
) -> None:
    me = await make_account()
    exactly = mp4(MAX)
    assert (await upload(client, me, exactly)).status_code == 201
    assert_problem(await upload(client, me, mp4(MAX + 1)), 413)
    files = {"file": ("big.mp4", mp4(MAX + 1), "video/mp4")}
    assert_problem(await client.post("/media/upload", files=files, headers=me.headers), 413)
    assert await media_count(me) == 1  # only the one that fit


async def test_video_byte_ranges(
    client: httpx.AsyncClient, make_account: MakeAccount, store: MediaStore
) -> None:
    me, data = await make_account(), mp4(300_000)
    media_id = (await upload(client, me, data)).json()["id"]
    path = f"/media/{media_id}/content"
    r = await client.get(path, headers={"range": "bytes=100-199"})
    assert (r.status_code, r.content) == (206, data[100:200])
    assert r.headers["content-range"] == f"bytes 100-199/{len(data)}"
    assert r.headers["content-type"] == "video/mp4"
    r = await client.get(path, headers={"range": "bytes=-10"})
    assert (r.status_code, r.content) == (206, data[-10:])
    r = await client.get(path, headers={"range": f"bytes={len(data) - 5}-"})
    assert r.content == data[-5:]
    r = await client.get(path, headers={"range": f"bytes={len(data)}-"})
    assert r.status_code == 416
    assert r.headers["content-range"] == f"bytes */{len(data)}"
    r = await client.get(path, headers={"range": "bytes=0-1,5-6"})  # several: the whole file
    assert (r.status_code, len(r.content)) == (200, len(data))
    assert r.headers["accept-ranges"] == "bytes"


async def presigned_upload(
    c: httpx.AsyncClient, who: Account, declared: dict[str, Any], data: bytes
) -> tuple[dict[str, Any], httpx.Response]:
    r = await c.post("/media/presigned", json=declared, headers=who.headers)
    assert r.status_code == 201, r.text
    offer: dict[str, Any] = r.json()
    assert offer["method"] == "PUT"
    if offer["upload_url"].startswith("https://chirp.test"):  # the local store: through chirp
        put = await c.put(offer["upload_url"], content=data, headers=offer["headers"])
    else:  # straight to S3, as a client would
        async with httpx.AsyncClient() as plain:
            put = await plain.put(offer["upload_url"], content=data, headers=offer["headers"])
    return offer, put


async def test_presigned_upload_is_checked_before_use(
    client: httpx.AsyncClient, make_account: MakeAccount, store: MediaStore
) -> None:
    me, data = await make_account(), png(64, 64)
    offer, put = await presigned_upload(
        client, me, {"content_type": "image/png", "size": len(data)}, data
    )
    assert put.status_code in (200, 201, 204), put.text
    r = await client.post(
        "/tweets", json={"text": "pic", "media_ids": [offer["id"]]}, headers=me.headers
    )
    assert r.status_code == 201, r.text
    assert r.json()["media"] == [offer["id"]]
    info = (await client.get(f"/media/{offer['id']}")).json()
    assert (info["state"], info["width"], info["content_type"]) == ("ready", 64, "image/png")

    # Declared a PNG, sent a JPEG: refused, never usable.
    liar, put = await presigned_upload(
        client, me, {"content_type": "image/png", "size": len(jpeg())}, jpeg()
    )
    r = await client.post(
        "/tweets", json={"text": "x", "media_ids": [liar["id"]]}, headers=me.headers
    )
    assert r.status_code == 422 or put.status_code == 422
    assert (await client.get(f"/media/{liar['id']}", headers=me.headers)).json()["state"] != "ready"


async def test_presigned_requests_are_validated(
    client: httpx.AsyncClient, make_account: MakeAccount, store: MediaStore
) -> None:
    me = await make_account()
    for body, status in (
        ({"content_type": "image/svg+xml", "size": 10}, 415),
        ({"content_type": "image/png", "size": MAX + 1}, 422),
        ({"content_type": "image/png", "size": 0}, 422),
        ({"content_type": "image/png"}, 422),
    ):
        assert_problem(await client.post("/media/presigned", json=body, headers=me.headers), status)
    pending = (await client.post("/media/presigned", json={"content_type": "video/mp4",
               "size": 1000}, headers=me.headers)).json()  # fmt: skip
    r = await client.post(
        "/tweets", json={"text": "x", "media_ids": [pending["id"]]}, headers=me.headers
    )
    assert_problem(r, 422)  # nothing uploaded yet
    assert_problem(await client.get(f"/media/{pending['id']}"), 404)  # not public while pending


async def test_delete_is_for_the_owner_and_removes_the_bytes(
    client: httpx.AsyncClient, make_account: MakeAccount, store: MediaStore
) -> None:
    me, other = await make_account(), await make_account()
    media_id = (await upload(client, me, png())).json()["id"]
    assert_problem(await client.delete(f"/media/{media_id}", headers=other.headers), 403)
    assert_problem(await client.delete(f"/media/{media_id}"), 401)
    assert (await client.delete(f"/media/{media_id}", headers=me.headers)).status_code == 204
    assert_problem(await client.get(f"/media/{media_id}"), 404)
    assert_problem(await client.get(f"/media/{media_id}/content"), 404)
    assert await store.stat(library.key(int(media_id))) is None


async def test_tweets_carry_up_to_four_of_your_own_media(
    client: httpx.AsyncClient, make_account: MakeAccount, store: MediaStore
) -> None:
    me, other = await make_account(), await make_account()
    mine = [(await upload(client, me, png())).json()["id"] for _ in range(5)]
    theirs = (await upload(client, other, png())).json()["id"]
    r = await client.post("/tweets", json={"text": "4", "media_ids": mine[:4]}, headers=me.headers)
    assert r.status_code == 201
    assert r.json()["media"] == mine[:4]
    for media_ids in (mine, [theirs], ["999999"]):
        r = await client.post("/tweets", json={"text": "x", "media_ids": media_ids},
                              headers=me.headers)  # fmt: skip
        assert_problem(r, 422)


async def test_avatars_come_from_the_media_store(
    client: httpx.AsyncClient, make_account: MakeAccount, store: MediaStore
) -> None:
    me = await make_account()
    image = (await upload(client, me, jpeg(128, 128))).json()
    video = (await upload(client, me, mp4(5000))).json()
    r = await client.put(f"/users/{me.id}", json={"avatar_media_id": image["id"]},
                         headers=me.headers)  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["avatar_url"] == image["url"]
    r = await client.put(f"/users/{me.id}", json={"avatar_media_id": video["id"]},
                         headers=me.headers)  # fmt: skip
    assert_problem(r, 422)


async def test_media_needs_a_login_to_upload(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post("/media/upload", content=png()), 401)
    assert_problem(await client.post("/media/presigned", json={}), 401)
    assert_problem(await client.get("/media/abc"), 404)
