"""The local event plane: the outbox relay and the Trigger dispatcher, run beside the gateway."""

from __future__ import annotations

import asyncio
import contextlib

from events import relay
from functions.core import db
from functions.core.asgi import function_app
from functions.core.config import settings
from functions.local.dispatcher import Dispatcher
from functions.local.triggers import load_triggers


class EventPlane:
    def __init__(self) -> None:
        cfg = settings()
        self.triggers = load_triggers(cfg.broker_namespace)
        functions = set().union(*(t.functions for t in self.triggers))
        self.dispatcher = Dispatcher(self.triggers, {f: function_app(f) for f in functions})
        self._relay: asyncio.Task[None] | None = None

    async def start(self) -> None:
        cfg = settings()
        # Queues first, so the relay never publishes an event no queue is bound for yet.
        await self.dispatcher.start(cfg.rabbitmq_url)
        self._relay = asyncio.create_task(
            relay.run(
                db.pool,
                lambda: relay.exchange_sink(
                    cfg.rabbitmq_url, cfg.broker_namespace, self.dispatcher.declare_topology
                ),
            ),
            name="outbox-relay",
        )

    async def stop(self) -> None:
        if self._relay is not None:
            self._relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay
        await self.dispatcher.close()
