"""The outbox relay: publish committed events to the broker, with publisher confirms.

A row is marked published only after the broker confirmed it, in the same transaction that
locked it (SKIP LOCKED lets several relays share the work). Locally the relay publishes into
the RabbitMQ exchange itself; in a cluster it posts to the Knative broker's ingress (K_SINK).
If the broker is down the rows stay put and the relay retries with backoff, so an event is
delivered at least once and never lost; consumers are idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol
from urllib.parse import quote

import aio_pika
import asyncpg
import httpx
from aio_pika.abc import AbstractChannel, AbstractExchange

from events.broker import cloudevent_headers, declare_exchange
from functions.core import db
from functions.core.config import settings

log = logging.getLogger(__name__)

BATCH = 200


class Sink(Protocol):
    """Where events go; `send` returns only once the broker has every one of them."""

    async def send(self, rows: list[asyncpg.Record]) -> None: ...


class ExchangeSink:
    """Straight into the broker's RabbitMQ exchange, on a channel with publisher confirms."""

    def __init__(self, exchange: AbstractExchange) -> None:
        self.exchange = exchange

    async def send(self, rows: list[asyncpg.Record]) -> None:
        await asyncio.gather(
            *(self.exchange.publish(_message(row), routing_key="") for row in rows)
        )


class HttpSink:
    """To a broker's HTTP ingress (Knative's `K_SINK`) in CloudEvents binary mode.

    The RabbitMQ broker's ingress answers 2xx only after RabbitMQ confirmed the message.
    """

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self.client, self.url = client, url

    async def send(self, rows: list[asyncpg.Record]) -> None:
        async def post(row: asyncpg.Record) -> None:
            headers = {"content-type": "application/json"} | {
                f"ce-{k}": quote(str(v), safe="") for k, v in _attributes(row).items()
            }
            response = await self.client.post(self.url, content=row["data"], headers=headers)
            response.raise_for_status()

        await asyncio.gather(*(post(row) for row in rows))


def _attributes(row: asyncpg.Record) -> dict[str, Any]:
    return cloudevent_headers(
        event_id=str(row["event_id"]),
        type_=row["type"],
        source=row["source"],
        subject=row["subject"],
        time=row["time"],
    )


def _message(row: asyncpg.Record) -> aio_pika.Message:
    return aio_pika.Message(
        body=row["data"].encode(),
        content_type="application/json",
        message_id=str(row["event_id"]),
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers=_attributes(row),
    )


async def publish_batch(pool: asyncpg.Pool, sink: Sink) -> int:
    """Publish up to BATCH pending events; the number published (0 when none wait)."""
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            """SELECT seq, event_id, type, source, subject, time, data::text AS data
                 FROM outbox WHERE published_at IS NULL
             ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED""",
            BATCH,
        )
        if not rows:
            return 0
        await sink.send(rows)
        await conn.execute(
            "UPDATE outbox SET published_at = now() WHERE seq = ANY ($1::bigint[])",
            [r["seq"] for r in rows],
        )
        return len(rows)


@asynccontextmanager
async def exchange_sink(
    rabbitmq_url: str,
    namespace: str,
    prepare: Callable[[AbstractChannel], Awaitable[None]] | None = None,
) -> AsyncIterator[Sink]:
    """Publish straight into RabbitMQ; `prepare` runs on every (re)connection first (the
    local stack declares the Trigger queues there, so nothing is published unrouted)."""
    connection = await aio_pika.connect(rabbitmq_url, timeout=5)
    async with connection:
        # One confirming channel per connection, not per poll: idle polls touch only
        # PostgreSQL.
        channel = await connection.channel(publisher_confirms=True)
        if prepare is not None:
            await prepare(channel)
        yield ExchangeSink(await declare_exchange(channel, namespace))


@asynccontextmanager
async def http_sink(url: str) -> AsyncIterator[Sink]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield HttpSink(client, url)


async def run(
    get_pool: Callable[[], Awaitable[asyncpg.Pool]],
    connect: Callable[[], AbstractAsyncContextManager[Sink]],
    idle_sleep: float = 0.05,
) -> None:
    """Relay forever (until cancelled), surviving broker and database outages, including
    their being down when the relay starts."""
    backoff = 0.2
    while True:
        try:
            pool = await get_pool()
            async with connect() as sink:
                while True:
                    published = await publish_batch(pool, sink)
                    backoff = 0.2
                    if published == 0:
                        await asyncio.sleep(idle_sleep)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("outbox relay: %s; retrying in %.1f s", exc, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)


async def main() -> None:
    """The relay as its own process (a Deployment in the cluster): to K_SINK when it is set,
    else straight into RabbitMQ."""
    cfg = settings()
    if cfg.broker_ingress_url:
        await run(db.pool, lambda: http_sink(cfg.broker_ingress_url or ""))
    else:
        await run(db.pool, lambda: exchange_sink(cfg.rabbitmq_url, cfg.broker_namespace))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(main())
