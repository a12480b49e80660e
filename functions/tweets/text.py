"""What a tweet's text says beyond itself: its hashtags and the usernames it mentions."""

from __future__ import annotations

import re

# A tag or mention starts at the beginning or after a character that cannot be part of a word,
# so "a#b" and "mail@example.com" are neither.
_HASHTAG = re.compile(r"(?<![\w#&])#(\w{1,100})")
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_])")


def hashtags(text: str) -> list[str]:
    """Lower-cased hashtags in order of first appearance; all-digit tags (#1) do not count."""
    seen: dict[str, None] = {}
    for tag in _HASHTAG.findall(text):
        if not tag.isdigit():
            seen.setdefault(tag.lower(), None)
    return list(seen)


def mentioned_usernames(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for name in _MENTION.findall(text):
        seen.setdefault(name.lower(), None)
    return list(seen)
