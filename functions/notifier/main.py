"""notifier: a CloudEvent function that turns events into notifications.

Delivery is at least once: the dedup key is the event's (source, id), so a redelivered event
never doubles a notification.
"""

from __future__ import annotations

import logging

import functions_framework.aio
from cloudevents.http.event import CloudEvent

from functions.core import db
from functions.core.cloudevents import event_data, malformed_is_final
from functions.notifications import store
from functions.notifier.rules import notifications_for

log = logging.getLogger(__name__)


@functions_framework.aio.cloud_event
async def notifier(event: CloudEvent) -> None:
    """The Knative Service entry point (FUNCTION_TARGET=notifier)."""
    with malformed_is_final(event):
        wanted = notifications_for(event["type"], event_data(event))
    if wanted:
        await store.add(await db.pool(), f"{event['source']}#{event['id']}", wanted)
