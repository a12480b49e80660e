"""The broker's shape on RabbitMQ, as Knative's RabbitMQ broker lays it out.

One durable `headers` exchange; CloudEvent attributes travel as AMQP headers, so a Trigger's
queue is bound with its filter attributes as exact-match header arguments (`x-match: all`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange


def exchange_name(namespace: str) -> str:
    return f"{namespace}.broker"


async def declare_exchange(channel: AbstractChannel, namespace: str) -> AbstractExchange:
    return await channel.declare_exchange(
        exchange_name(namespace), aio_pika.ExchangeType.HEADERS, durable=True
    )


def cloudevent_headers(
    *, event_id: str, type_: str, source: str, subject: str | None, time: datetime
) -> dict[str, Any]:
    headers: dict[str, Any] = {
        "specversion": "1.0",
        "id": event_id,
        "type": type_,
        "source": source,
        "time": time.isoformat().replace("+00:00", "Z"),
    }
    if subject is not None:
        headers["subject"] = subject
    return headers
