"""The one list of event types chirp emits; Triggers may filter only on these."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    USER_CREATED = "chirp.user.created"
    USER_UPDATED = "chirp.user.updated"
    USER_FOLLOWED = "chirp.user.followed"
    USER_UNFOLLOWED = "chirp.user.unfollowed"
    TWEET_CREATED = "chirp.tweet.created"
    TWEET_DELETED = "chirp.tweet.deleted"
    TWEET_LIKED = "chirp.tweet.liked"
    TWEET_UNLIKED = "chirp.tweet.unliked"
    TWEET_RETWEETED = "chirp.tweet.retweeted"
    TWEET_UNRETWEETED = "chirp.tweet.unretweeted"


EVENT_TYPES: frozenset[str] = frozenset(t.value for t in EventType)
