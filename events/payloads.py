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


class UserCreated(Payload):
    type = EventType.USER_CREATED
    source = "/chirp/users"
    user_id: str
    username: str
    display_name: str

    def subject(self) -> str:
        return self.user_id


class UserUpdated(Payload):
    type = EventType.USER_UPDATED
    source = "/chirp/users"
    user_id: str
    username: str
    display_name: str
    bio: str

    def subject(self) -> str:
        return self.user_id


class UserFollowed(Payload):
    type = EventType.USER_FOLLOWED
    source = "/chirp/users"
    follower_id: str
    followee_id: str

    def subject(self) -> str:
        return self.followee_id


class UserUnfollowed(Payload):
    type = EventType.USER_UNFOLLOWED
    source = "/chirp/users"
    follower_id: str
    followee_id: str

    def subject(self) -> str:
        return self.followee_id
