"""The outbox relay: publish committed events to the broker, with publisher confirms.

A row is marked published only after RabbitMQ confirmed it, in the same transaction that
locked it (SKIP LOCKED lets several relays share the work). If the broker is down the rows
stay put and the relay retries with backoff, so an event is delivered at least once and
never lost; consumers are idempotent.
"""

from __future__ import annotations

import asyncio
import logging

import aio_pika
import asyncpg
from aio_pika.abc import AbstractExchange, AbstractRobustConnection

from events.broker import cloudevent_headers, declare_exchange

log = logging.getLogger(__name__)

BATCH = 200


async def publish_batch(pool: asyncpg.Pool, exchange: AbstractExchange) -> int:
    """Publish up to BATCH pending events; the number published (0 when none wait).

    `exchange` must sit on a channel with publisher confirms, so each publish resolves only
    once the broker has the message.
    """
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            """SELECT seq, event_id, type, source, subject, time, data::text AS data
                 FROM outbox WHERE published_at IS NULL
             ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED""",
            BATCH,
        )
        if not rows:
            return 0
        confirms = [
            exchange.publish(
                aio_pika.Message(
                    body=row["data"].encode(),
                    content_type="application/json",
                    message_id=str(row["event_id"]),
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    headers=cloudevent_headers(
                        event_id=str(row["event_id"]),
                        type_=row["type"],
                        source=row["source"],
                        subject=row["subject"],
                        time=row["time"],
                    ),
                ),
                routing_key="",
            )
            for row in rows
        ]
        await asyncio.gather(*confirms)
        await conn.execute(
            "UPDATE outbox SET published_at = now() WHERE seq = ANY ($1::bigint[])",
            [r["seq"] for r in rows],
        )
        return len(rows)


async def run(
    pool: asyncpg.Pool, rabbitmq_url: str, namespace: str, idle_sleep: float = 0.05
) -> None:
    """Relay forever (until cancelled), surviving broker and database outages."""
    backoff = 0.2
    connection: AbstractRobustConnection | None = None
    while True:
        try:
            if connection is None or connection.is_closed:
                connection = await aio_pika.connect_robust(rabbitmq_url, timeout=5)
                # One confirming channel per connection, not per poll: idle polls touch
                # only PostgreSQL.
                channel = await connection.channel(publisher_confirms=True)
                exchange = await declare_exchange(channel, namespace)
            published = await publish_batch(pool, exchange)
            backoff = 0.2
            if published == 0:
                await asyncio.sleep(idle_sleep)
        except asyncio.CancelledError:
            if connection is not None:
                await connection.close()
            raise
        except Exception as exc:
            log.warning("outbox relay: %s; retrying in %.1f s", exc, backoff)
            if connection is not None:
                await connection.close()
                connection = None
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)
