"""chirp's CloudEvents: every type, its payload model, and the outbox that carries it."""

from events.catalog import EVENT_TYPES, EventType
from events.outbox import record
from events.payloads import (
    Payload,
    TweetCreated,
    TweetDeleted,
    TweetLiked,
    TweetRetweeted,
    TweetUnliked,
    TweetUnretweeted,
    UserCreated,
    UserFollowed,
    UserUnfollowed,
    UserUpdated,
)

__all__ = [
    "EVENT_TYPES",
    "EventType",
    "Payload",
    "TweetCreated",
    "TweetDeleted",
    "TweetLiked",
    "TweetRetweeted",
    "TweetUnliked",
    "TweetUnretweeted",
    "UserCreated",
    "UserFollowed",
    "UserUnfollowed",
    "UserUpdated",
    "record",
]
