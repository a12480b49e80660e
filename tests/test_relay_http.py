"""The outbox relay's cluster path: CloudEvents in binary mode to the broker's HTTP ingress."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from events import UserFollowed, record
from events.relay import HttpSink, publish_batch
from functions.core import db


class Ingress:
    """Plays the Knative broker ingress: 202 once it has the event, or a chosen failure."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.received: list[tuple[dict[str, str], bytes]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.received.append((headers, body))
        await send({"type": "http.response.start", "status": self.status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def _pending(marker: str) -> list[Any]:
    pool = await db.pool()
    return list(
        await pool.fetch(
            "SELECT event_id, published_at FROM outbox WHERE data->>'follower_id' = $1", marker
        )
    )


@pytest.mark.parametrize("status", [202, 503])
async def test_events_are_marked_published_only_when_the_ingress_took_them(
    database: str, status: int
) -> None:
    pool = await db.pool()
    marker = str(uuid.uuid4().int % 10**12)
    async with pool.acquire() as conn:
        await record(conn, UserFollowed(follower_id=marker, followee_id="42"))
    ingress = Ingress(status)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=ingress)) as client:
        sink = HttpSink(client, "http://broker-ingress/chirp/chirp")
        if status == 202:
            assert await publish_batch(pool, sink) >= 1
        else:
            with pytest.raises(httpx.HTTPStatusError):
                await publish_batch(pool, sink)
    [row] = await _pending(marker)
    assert (row["published_at"] is not None) == (status == 202)
    headers = next(h for h, b in ingress.received if marker.encode() in b)
    assert headers["ce-type"] == "chirp.user.followed"
    assert headers["ce-id"] == str(row["event_id"])
    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-subject"] == "42"
    assert headers["content-type"] == "application/json"
