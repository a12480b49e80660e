"""notifier: a CloudEvent function that turns events into notifications.

Delivery is at least once: the dedup key is the event's (source, id), so a redelivered event
never doubles a notification.
"""

from __future__ import annotations

import json
import logging

import functions_framework.aio
from cloudevents.http.event import CloudEvent
from starlette.exceptions import HTTPException

from functions.core import db
from functions.notifications import store
from functions.notifier.rules import notifications_for

log = logging.getLogger(__name__)


@functions_framework.aio.cloud_event
async def notifier(event: CloudEvent) -> None:
    """The Knative Service entry point (FUNCTION_TARGET=notifier)."""
    try:
        data = event.get_data()
        if isinstance(data, bytes | str):
            data = json.loads(data)
        wanted = notifications_for(event["type"], data)
    except ValueError as exc:  # undecodable JSON, or a payload that fails its model
        # A malformed event will never succeed: 400 is final, so it goes to dead letters.
        raise HTTPException(400, f"malformed {event['type']} event: {exc}") from exc
    if wanted:
        await store.add(await db.pool(), f"{event['source']}#{event['id']}", wanted)
