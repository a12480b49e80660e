"""The local event dispatcher: what Knative's RabbitMQ broker does for each Trigger.

Per Trigger (from knative/): a durable queue bound to the broker exchange by the Trigger's
filter attributes, and a consumer that POSTs each event to the subscriber function in
CloudEvents HTTP binary mode. Retries follow the Trigger's delivery spec (exponential or
linear backoff); 2xx acknowledges, 4xx other than 404/409/429 is final, anything else is
retried. An event that keeps failing goes to the Trigger's dead-letter sink with Knative's
error extensions; should the sink fail too, it is parked in the Trigger's dead-letter queue,
so nothing is ever dropped. Each event is delivered in its own task, so a poisoned one never
blocks those behind it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import aio_pika
import httpx
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from events.broker import declare_exchange
from functions.core.asgi import ASGIApp
from functions.local.triggers import Trigger

log = logging.getLogger(__name__)

_RETRIABLE_4XX = {404, 409, 429}
PREFETCH = 32


def binary_mode_headers(message: AbstractIncomingMessage) -> dict[str, str]:
    """CloudEvent attributes from AMQP headers → `ce-*` HTTP headers (values percent-encoded)."""
    headers = {"content-type": message.content_type or "application/json"}
    for key, value in (message.headers or {}).items():
        if key.startswith("x-"):
            continue  # RabbitMQ's own bookkeeping, not an attribute
        text = value.decode() if isinstance(value, bytes) else str(value)
        headers[f"ce-{key}"] = quote(text, safe=" !#$&'()*+,/:;=?@[]^_`{|}~-.")
    return headers


def should_retry(status: int) -> bool:
    return status >= 500 or status in _RETRIABLE_4XX


async def declare_trigger_queue(channel: AbstractChannel, trigger: Trigger) -> AbstractQueue:
    """The Trigger's durable queue, bound to the broker exchange by its filter (idempotent)."""
    exchange = await declare_exchange(channel, trigger.namespace)
    queue = await channel.declare_queue(trigger.queue, durable=True)
    await queue.bind(exchange, arguments={"x-match": "all", **trigger.filters})
    await channel.declare_queue(trigger.dead_letter_queue, durable=True)
    return queue


class TriggerConsumer:
    def __init__(self, trigger: Trigger, clients: Mapping[str, httpx.AsyncClient]) -> None:
        self.trigger = trigger
        self.client = clients[trigger.subscriber]
        sink = trigger.delivery.dead_letter_sink
        self.sink = None if sink is None else clients[sink]
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, channel: AbstractChannel) -> None:
        queue = await declare_trigger_queue(channel, self.trigger)
        await queue.consume(self._on_message)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.create_task(self.deliver(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def deliver(self, message: AbstractIncomingMessage) -> None:
        headers = binary_mode_headers(message)
        delivery = self.trigger.delivery
        attempt, reason, code = 0, "", ""
        while True:
            try:
                response = await self.client.post(
                    f"http://{self.trigger.subscriber}/", content=message.body, headers=headers
                )
                if 200 <= response.status_code < 300:
                    await message.ack()
                    return
                code, reason = str(response.status_code), response.text[:1000]
                retry = should_retry(response.status_code)
            except Exception as exc:  # the subscriber is down or crashed: retry
                code, reason, retry = "", repr(exc), True
            if not retry or attempt >= delivery.retry:
                break
            attempt += 1
            await asyncio.sleep(delivery.delay(attempt))
        log.warning(
            "trigger %s: event %s dead-lettered after %d attempts (%s)",
            self.trigger.name,
            headers.get("ce-id"),
            attempt + 1,
            reason,
        )
        if not await self._to_sink(message, headers, code, reason):
            await self._park(message, reason)

    async def _to_sink(
        self, message: AbstractIncomingMessage, headers: dict[str, str], code: str, reason: str
    ) -> bool:
        """Send to the dead-letter sink as Knative does: the event plus why it failed."""
        if self.sink is None:
            return False
        extensions = {
            "ce-knativeerrordest": f"http://{self.trigger.subscriber}/",
            "ce-knativeerrordata": base64.b64encode(reason.encode()).decode(),
        } | ({"ce-knativeerrorcode": code} if code else {})
        try:
            response = await self.sink.post("http://sink/", content=message.body,
                                            headers=headers | extensions)  # fmt: skip
        except Exception:
            log.exception("trigger %s: dead-letter sink failed", self.trigger.name)
            return False
        if not 200 <= response.status_code < 300:
            log.warning("trigger %s: dead-letter sink answered %d", self.trigger.name,
                        response.status_code)  # fmt: skip
            return False
        await message.ack()
        return True

    async def _park(self, message: AbstractIncomingMessage, reason: str) -> None:
        dead = aio_pika.Message(
            body=message.body,
            content_type=message.content_type,
            message_id=message.message_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers={**(message.headers or {}), "x-chirp-failure": reason[:500]},
        )
        await _publish_direct(message, self.trigger.dead_letter_queue, dead)
        await message.ack()


async def _publish_direct(
    message: AbstractIncomingMessage, queue: str, dead: aio_pika.Message
) -> None:
    """Publish to a queue by name through the default exchange, on the message's channel."""
    underlying: Any = message.channel  # aiormq channel
    await underlying.basic_publish(
        dead.body, routing_key=queue, properties=dead.properties, exchange=""
    )


class Dispatcher:
    """Consumers for every Trigger, delivering to in-process function apps by name."""

    def __init__(self, triggers: list[Trigger], subscribers: Mapping[str, ASGIApp]) -> None:
        self.triggers = triggers
        missing = set().union(*(t.functions for t in triggers)) - set(subscribers)
        if missing:
            raise ValueError(f"no function for Trigger subscribers: {sorted(missing)}")
        self.subscribers = subscribers
        self._clients = {
            name: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=30)
            for name, app in subscribers.items()
        }
        self._supervisor: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    async def declare_topology(self, channel: AbstractChannel) -> None:
        """Every Trigger's queue and binding: so the relay never publishes before they exist."""
        for trigger in self.triggers:
            await declare_trigger_queue(channel, trigger)

    async def start(self, rabbitmq_url: str, wait_s: float = 10) -> None:
        """Consume every Trigger's queue, reconnecting for as long as the dispatcher runs.

        Waits up to `wait_s` for the first connection (so queues exist before events flow);
        if RabbitMQ is down at start, the dispatcher keeps trying in the background.
        """
        self._supervisor = asyncio.create_task(self._run(rabbitmq_url), name="dispatcher")
        try:
            await asyncio.wait_for(self._connected.wait(), wait_s)
        except TimeoutError:
            log.warning("dispatcher: RabbitMQ not reachable yet; consuming once it is")

    async def _run(self, rabbitmq_url: str) -> None:
        """One connection at a time; when it drops, a new one with every consumer again.

        Deliveries in flight on a dropped connection were never acknowledged, so RabbitMQ
        hands them out again: at least once, as subscribers expect.
        """
        backoff = 0.2
        while True:
            try:
                connection = await aio_pika.connect(rabbitmq_url, timeout=10)
                async with connection:
                    closed = asyncio.Event()
                    connection.close_callbacks.add(lambda *_, done=closed: done.set())
                    for trigger in self.triggers:
                        channel = await connection.channel()
                        await channel.set_qos(prefetch_count=PREFETCH)
                        await TriggerConsumer(trigger, self._clients).start(channel)
                    log.info("dispatcher: consuming %d triggers", len(self.triggers))
                    self._connected.set()
                    backoff = 0.2
                    await closed.wait()
                log.warning("dispatcher: connection to RabbitMQ lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("dispatcher: %s; retrying in %.1f s", exc, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    async def close(self) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        for client in self._clients.values():
            await client.aclose()
