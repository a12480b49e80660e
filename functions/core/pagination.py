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
_KEY = "k1:"  # keyset cursors: the last key seen
_OFFSET = "o1:"  # ranked lists: a position
MAX_OFFSET = 10_000  # deeper than anyone pages a ranked list (and Elasticsearch's window)


def _encode(prefix: str, number: int) -> str:
    return base64.urlsafe_b64encode(f"{prefix}{number}".encode()).decode().rstrip("=")


def _decode(prefix: str, cursor: str, highest: int) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("cursor is not one this API issued") from exc
    digits = raw[len(prefix) :]
    if not raw.startswith(prefix) or not digits.isdigit() or int(digits) > highest:
        raise ValueError("cursor is not one this API issued")
    return int(digits)


def encode_cursor(key: int) -> str:
    return _encode(_KEY, key)


def decode_cursor(cursor: str) -> int:
    return _decode(_KEY, cursor, 2**63 - 1)


def encode_offset(offset: int) -> str:
    """A cursor for ranked lists, where rank (not a key) decides the order."""
    return _encode(_OFFSET, offset)


def decode_offset(cursor: str) -> int:
    return _decode(_OFFSET, cursor, MAX_OFFSET)


class _Paged(BaseModel):
    """`limit` and `cursor` query parameters; a subclass says how its cursors decode."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None

    @field_validator("cursor")
    @classmethod
    def _valid_cursor(cls, value: str | None) -> str | None:
        if value:
            cls.decode(value)
        return value or None

    @classmethod
    def decode(cls, cursor: str) -> int:
        raise NotImplementedError


class PageQuery(_Paged):
    @classmethod
    def decode(cls, cursor: str) -> int:
        return decode_cursor(cursor)

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


class RankedPageQuery(_Paged):
    @classmethod
    def decode(cls, cursor: str) -> int:
        return decode_offset(cursor)

    @property
    def offset(self) -> int:
        return decode_offset(self.cursor) if self.cursor else 0


def ranked_page(items: Sequence[T], offset: int, limit: int) -> Page[T]:
    """Build a page from up to limit+1 ranked rows starting at `offset`."""
    more = len(items) > limit and offset + limit < MAX_OFFSET
    return Page[T](
        data=list(items[:limit]), next_cursor=encode_offset(offset + limit) if more else None
    )
