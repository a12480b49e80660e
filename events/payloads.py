"""Payload (CloudEvent `data`) of each event type. Ids are strings, as in the public API."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel

from events.catalog import EventType


class Payload(BaseModel):
    type: ClassVar[EventType]
    source: ClassVar[str]

    def subject(self) -> str | None:
        return None


class UserChange(Payload):
    """A user's public profile as it is after the change; the subject is that user."""

    source = "/chirp/users"
    user_id: str
    username: str
    display_name: str

    def subject(self) -> str:
        return self.user_id


class UserCreated(UserChange):
    type = EventType.USER_CREATED


class UserUpdated(UserChange):
    type = EventType.USER_UPDATED
    bio: str


class FollowEdge(Payload):
    """A follow edge appearing or vanishing; the subject is the user being followed."""

    source = "/chirp/users"
    follower_id: str
    followee_id: str

    def subject(self) -> str:
        return self.followee_id


class UserFollowed(FollowEdge):
    type = EventType.USER_FOLLOWED


class UserUnfollowed(FollowEdge):
    type = EventType.USER_UNFOLLOWED


class TweetCreated(Payload):
    type = EventType.TWEET_CREATED
    source = "/chirp/tweets"
    tweet_id: str
    author_id: str
    text: str
    created_at: str
    conversation_id: str
    reply_to_id: str | None
    reply_to_author_id: str | None
    hashtags: list[str]
    mention_ids: list[str]

    def subject(self) -> str:
        return self.tweet_id


class TweetDeleted(Payload):
    type = EventType.TWEET_DELETED
    source = "/chirp/tweets"
    tweet_id: str
    author_id: str

    def subject(self) -> str:
        return self.tweet_id


class Engagement(Payload):
    """A user acting on a tweet (like, retweet, or undoing one); the subject is the tweet."""

    source = "/chirp/tweets"
    tweet_id: str
    tweet_author_id: str
    user_id: str

    def subject(self) -> str:
        return self.tweet_id


class TweetLiked(Engagement):
    type = EventType.TWEET_LIKED


class TweetUnliked(Engagement):
    type = EventType.TWEET_UNLIKED


class RetweetChange(Engagement):
    """A retweet appearing or vanishing; `retweet_id` is its own place in timelines."""

    retweet_id: str


class TweetRetweeted(RetweetChange):
    type = EventType.TWEET_RETWEETED


class TweetUnretweeted(RetweetChange):
    type = EventType.TWEET_UNRETWEETED
