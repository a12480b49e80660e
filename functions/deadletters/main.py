"""deadletters: keeps every event that a subscriber refused or failed on after all retries.

It is the `deadLetterSink` of every Trigger. Knative adds why the delivery failed as the
extensions `knativeerrorcode`, `knativeerrordest` and `knativeerrordata` (base64); they are
stored beside the event. A redelivered dead letter is stored once.
"""

from __future__ import annotations

import base64
import binascii
import json

import functions_framework.aio
from cloudevents.http.event import CloudEvent

from functions.core import db


def _error_data(event: CloudEvent) -> str | None:
    raw = event.get("knativeerrordata")
    if raw is None:
        return None
    try:
        return base64.b64decode(raw, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return str(raw)


def _data_text(event: CloudEvent) -> str | None:
    data = event.get_data()
    if data is None:
        return None
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data if isinstance(data, str) else json.dumps(data)


@functions_framework.aio.cloud_event
async def deadletters(event: CloudEvent) -> None:
    """The Knative Service entry point (FUNCTION_TARGET=deadletters)."""
    pool = await db.pool()
    await pool.execute(
        """INSERT INTO dead_letters (event_id, source, type, subject, destination,
                                     error_code, error_data, content_type, data)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (source, event_id, destination) DO NOTHING""",
        event["id"],
        event["source"],
        event["type"],
        event.get("subject"),
        str(event.get("knativeerrordest") or ""),
        None if event.get("knativeerrorcode") is None else str(event.get("knativeerrorcode")),
        _error_data(event),
        event.get("datacontenttype"),
        _data_text(event),
    )
