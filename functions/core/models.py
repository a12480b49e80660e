"""Response shapes shared by every function that shows a user."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer


def _iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


Timestamp = Annotated[datetime, PlainSerializer(_iso_utc, return_type=str)]
# Ids are 64-bit: sent as strings so JavaScript clients do not round them.
Id = Annotated[int, PlainSerializer(str, return_type=str)]


def _id_from_client(value: object) -> object:
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit()):
            raise ValueError("must be an id (a string of digits)")
        return int(value)
    if isinstance(value, bool):
        raise ValueError("must be an id (a string of digits)")
    return value


# An id a client sends: a decimal string (as we send them) or a JSON integer.
IdIn = Annotated[int, BeforeValidator(_id_from_client), Field(ge=1, le=2**63 - 1)]


class UserSummary(BaseModel):
    id: Id
    username: str
    display_name: str
    avatar_url: str | None

    @classmethod
    def from_prefixed(cls, row: Any, prefix: str) -> UserSummary:
        """From a joined row whose user columns are aliased `<prefix>id`, `<prefix>username`..."""
        return cls(
            id=row[f"{prefix}id"],
            username=row[f"{prefix}username"],
            display_name=row[f"{prefix}display_name"],
            avatar_url=row[f"{prefix}avatar_url"],
        )


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


class Mention(BaseModel):
    id: Id
    username: str


class Tweet(BaseModel):
    id: Id
    author: UserSummary
    text: str
    created_at: Timestamp
    reply_to_id: Id | None
    conversation_id: Id
    like_count: int
    retweet_count: int
    reply_count: int
    liked_by_me: bool
    retweeted_by_me: bool
    hashtags: list[str]
    mentions: list[Mention]
    media: list[Id]


class TimelineItem(Tweet):
    """A tweet in a timeline; `retweeted_by` is who put it there when it came as a retweet."""

    retweeted_by: UserSummary | None
