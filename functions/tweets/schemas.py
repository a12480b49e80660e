"""Request bodies of the tweets Service."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from functions.core.models import IdIn
from functions.core.text import clean_text

MAX_TWEET_LENGTH = 280
MAX_MEDIA = 4


class NewTweet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    reply_to_id: IdIn | None = None
    media_ids: list[IdIn] = Field(default_factory=list, max_length=MAX_MEDIA)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return clean_text(value, max_len=MAX_TWEET_LENGTH, field="text", multiline=True, min_len=1)
