"""What every CloudEvent function does first: read the event's JSON data, and treat an event
that cannot be read as final.

Knative retries 5xx and some 4xx but not 400, so a malformed event answered with 400 goes to
the dead-letter sink at once instead of being retried in vain.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cloudevents.http.event import CloudEvent
from starlette.exceptions import HTTPException


def event_data(event: CloudEvent) -> Any:
    data = event.get_data()
    return json.loads(data) if isinstance(data, bytes | str) else data


@contextmanager
def malformed_is_final(event: CloudEvent) -> Iterator[None]:
    """ValueError inside (undecodable JSON, a payload that fails its model) → 400."""
    try:
        yield
    except ValueError as exc:
        raise HTTPException(400, f"malformed {event['type']} event: {exc}") from exc
