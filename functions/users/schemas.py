"""Request and response bodies of the users Service, validated at the edge."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from functions.core.models import Id, IdIn
from functions.core.text import clean_text

USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


class Body(BaseModel):
    """Unknown fields are refused so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


def _username(value: str) -> str:
    if not USERNAME.match(value):
        raise ValueError("username must be 1-15 characters of letters, digits and underscore")
    return value


def _display_name(value: str | None) -> str | None:
    return None if value is None else clean_text(value, max_len=50, field="display_name", min_len=1)


class Registration(Body):
    username: str
    email: str = Field(max_length=254)
    password: str = Field(min_length=8, max_length=1024)
    display_name: str | None = None

    _check_username = field_validator("username")(_username)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip()
        if not EMAIL.match(value):
            raise ValueError("email must look like name@example.com")
        return value

    _check_display_name = field_validator("display_name")(_display_name)


class ProfileUpdate(Body):
    display_name: str | None = None
    bio: str | None = None
    # An image the user uploaded (POST /media/upload); the avatar is served from the media store.
    avatar_media_id: IdIn | None = None

    _check_display_name = field_validator("display_name")(_display_name)

    @field_validator("bio")
    @classmethod
    def _bio(cls, value: str | None) -> str | None:
        return (
            None if value is None else clean_text(value, max_len=160, field="bio", multiline=True)
        )


class Credentials(Body):
    username: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class RefreshRequest(Body):
    refresh_token: str = Field(min_length=1, max_length=512)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - a token type, not a secret
    expires_in: int


class Relationship(BaseModel):
    """The caller's relation to another user, returned by follow and unfollow."""

    id: Id
    following: bool
    followed_by: bool
