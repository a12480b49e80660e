"""fanout: a CloudEvent function that keeps Redis timelines current.

Consumes tweet created/deleted, retweeted/unretweeted and user followed/unfollowed events
(its Triggers are in knative/eventing/triggers.yaml). Redelivery is harmless: every change
is a sorted-set add or remove.
"""

from __future__ import annotations

from typing import Any

import functions_framework.aio
from cloudevents.http.event import CloudEvent

from events import (
    EventType,
    TweetCreated,
    TweetDeleted,
    TweetRetweeted,
    TweetUnretweeted,
    UserFollowed,
    UserUnfollowed,
)
from functions.core import db
from functions.core.cloudevents import event_data, malformed_is_final
from functions.core.config import settings
from functions.core.timeline_store import Entry, timeline_store
from functions.fanout.deliver import Fanout


async def apply(fanout: Fanout, event_type: str, data: Any) -> None:
    """Apply one event; raises ValueError for a payload that does not fit its type."""
    if event_type == EventType.TWEET_CREATED:
        t = TweetCreated.model_validate(data)
        tid, author = int(t.tweet_id), int(t.author_id)
        await fanout.posted(Entry(tid, tid, author, author))
    elif event_type == EventType.TWEET_DELETED:
        d = TweetDeleted.model_validate(data)
        tid, author = int(d.tweet_id), int(d.author_id)
        await fanout.removed(Entry(tid, tid, author, author))
    elif event_type in (EventType.TWEET_RETWEETED, EventType.TWEET_UNRETWEETED):
        model = TweetRetweeted if event_type == EventType.TWEET_RETWEETED else TweetUnretweeted
        r = model.model_validate(data)
        entry = Entry(int(r.retweet_id), int(r.tweet_id), int(r.tweet_author_id), int(r.user_id))
        await (fanout.posted if event_type == EventType.TWEET_RETWEETED else fanout.removed)(entry)
    elif event_type == EventType.USER_FOLLOWED:
        f = UserFollowed.model_validate(data)
        await fanout.followed(int(f.follower_id), int(f.followee_id))
    elif event_type == EventType.USER_UNFOLLOWED:
        u = UserUnfollowed.model_validate(data)
        await fanout.unfollowed(int(u.follower_id), int(u.followee_id))


@functions_framework.aio.cloud_event
async def fanout(event: CloudEvent) -> None:
    """The Knative Service entry point (FUNCTION_TARGET=fanout)."""
    fanout = Fanout(await db.pool(), timeline_store(), settings())
    with malformed_is_final(event):
        await apply(fanout, event["type"], event_data(event))
