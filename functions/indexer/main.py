"""indexer: a CloudEvent function that keeps the search index current.

Each event only says which tweet or user changed; the document is read from PostgreSQL, so
redelivered or out-of-order events converge on what the database says (a tweet deleted by
the time its `created` event arrives is removed, not indexed). With the PostgreSQL backend
the tables are the index and there is nothing to do.
"""

from __future__ import annotations

import functions_framework.aio
from cloudevents.http.event import CloudEvent

from events import EventType, TweetCreated, TweetDeleted, UserCreated, UserUpdated
from functions.core import db
from functions.core.cloudevents import event_data, malformed_is_final
from functions.search.backend import SearchBackend, backend_for


async def apply(backend: SearchBackend, event_type: str, data: object) -> None:
    """Sync the tweet or user an event names; raises ValueError for a malformed payload."""
    if event_type == EventType.TWEET_CREATED:
        await backend.sync_tweet(int(TweetCreated.model_validate(data).tweet_id))
    elif event_type == EventType.TWEET_DELETED:
        await backend.sync_tweet(int(TweetDeleted.model_validate(data).tweet_id))
    elif event_type == EventType.USER_CREATED:
        await backend.sync_user(int(UserCreated.model_validate(data).user_id))
    elif event_type == EventType.USER_UPDATED:
        await backend.sync_user(int(UserUpdated.model_validate(data).user_id))


@functions_framework.aio.cloud_event
async def indexer(event: CloudEvent) -> None:
    """The Knative Service entry point (FUNCTION_TARGET=indexer)."""
    backend = backend_for(await db.pool())
    with malformed_is_final(event):
        await apply(backend, event["type"], event_data(event))
