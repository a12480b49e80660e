"""Response shapes shared by every function that shows a user."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, PlainSerializer


def _iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


Timestamp = Annotated[datetime, PlainSerializer(_iso_utc, return_type=str)]
# Ids are 64-bit: sent as strings so JavaScript clients do not round them.
Id = Annotated[int, PlainSerializer(str, return_type=str)]


class UserSummary(BaseModel):
    id: Id
    username: str
    display_name: str
    avatar_url: str | None


class User(UserSummary):
    bio: str
    created_at: Timestamp
    followers_count: int
    following_count: int
    tweets_count: int

    @classmethod
    def from_row(cls, row: Any) -> User:
        return cls.model_validate(dict(row))


USER_COLUMNS = (
    "id, username, display_name, avatar_url, bio, created_at, "
    "followers_count, following_count, tweets_count"
)
