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
