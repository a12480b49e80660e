"""Writing an event into the outbox inside the caller's transaction.

The change and its event commit together or not at all, so no event is lost when the broker
is down; a relay publishes outbox rows afterwards.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from events.payloads import Payload

if TYPE_CHECKING:
    from functions.core.db import Connection


async def record(conn: Connection, payload: Payload) -> uuid.UUID:
    event_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO outbox (event_id, type, source, subject, data) VALUES ($1, $2, $3, $4, $5)",
        event_id,
        payload.type.value,
        payload.source,
        payload.subject(),
        payload.model_dump_json(),
    )
    return event_id
