"""Cursor pagination: opaque cursors over a time-sortable bigint key, newest first.

A cursor names the last key a client has seen, so pages stay stable while new rows arrive:
no duplicates and no gaps.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

T = TypeVar("T")
_PREFIX = "k1:"


def encode_cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("cursor is not one this API issued") from exc
    if not raw.startswith(_PREFIX) or not raw[len(_PREFIX) :].isdigit():
        raise ValueError("cursor is not one this API issued")
    key = int(raw[len(_PREFIX) :])
    if key > 2**63 - 1:
        raise ValueError("cursor is not one this API issued")
    return key


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None

    @field_validator("cursor")
    @classmethod
    def _valid_cursor(cls, value: str | None) -> str | None:
        if value is not None and value != "":
            decode_cursor(value)
        return value or None

    @property
    def before(self) -> int | None:
        """Only keys strictly below this one belong on the page (None: start at the newest)."""
        return decode_cursor(self.cursor) if self.cursor else None


class Page(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None


def page_of(items: Sequence[T], keys: Sequence[int], limit: int) -> Page[T]:
    """Build a page from up to limit+1 rows fetched newest first (the extra says 'more')."""
    if len(items) > limit:
        return Page[T](data=list(items[:limit]), next_cursor=encode_cursor(keys[limit - 1]))
    return Page[T](data=list(items), next_cursor=None)


_OFFSET_PREFIX = "o1:"
MAX_OFFSET = 10_000  # deeper than anyone pages a ranked list (and Elasticsearch's window)


def encode_offset(offset: int) -> str:
    """A cursor for ranked lists, where rank (not a key) decides the order: a position."""
    return base64.urlsafe_b64encode(f"{_OFFSET_PREFIX}{offset}".encode()).decode().rstrip("=")


def decode_offset(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("cursor is not one this API issued") from exc
    digits = raw[len(_OFFSET_PREFIX) :]
    if not raw.startswith(_OFFSET_PREFIX) or not digits.isdigit() or int(digits) > MAX_OFFSET:
        raise ValueError("cursor is not one this API issued")
    return int(digits)


class RankedPageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None

    @field_validator("cursor")
    @classmethod
    def _valid_cursor(cls, value: str | None) -> str | None:
        if value:
            decode_offset(value)
        return value or None

    @property
    def offset(self) -> int:
        return decode_offset(self.cursor) if self.cursor else 0


def ranked_page(items: Sequence[T], offset: int, limit: int) -> Page[T]:
    """Build a page from up to limit+1 ranked rows starting at `offset`."""
    more = len(items) > limit and offset + limit < MAX_OFFSET
    return Page[T](
        data=list(items[:limit]), next_cursor=encode_offset(offset + limit) if more else None
    )
