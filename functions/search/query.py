"""Search syntax: words and "quoted phrases" (with -exclusions and OR), #hashtags, from:user.

Parsed into parts that every backend passes to its engine as data (a parameter, a JSON
value), never spliced into a query string, so no input can break or escape a search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r'"[^"]*"?|\S+')
_FROM = re.compile(r"^from:@?([A-Za-z0-9_]{1,15})$", re.IGNORECASE)
_TAG = re.compile(r"^#(\w{1,100})$")


@dataclass(frozen=True, slots=True)
class TweetQuery:
    text: str = ""  # for the engine's own web-search syntax: words, "phrases", -not, OR
    hashtags: list[str] = field(default_factory=list)  # lower-case, without '#'
    authors: list[str] = field(default_factory=list)  # lower-case usernames

    @property
    def empty(self) -> bool:
        return not (self.text or self.hashtags or self.authors)


def parse(q: str) -> TweetQuery:
    words: list[str] = []
    tags: list[str] = []
    authors: list[str] = []
    for token in _TOKEN.findall(q):
        if m := _FROM.match(token):
            authors.append(m.group(1).lower())
        elif (m := _TAG.match(token)) and not m.group(1).isdigit():
            tags.append(m.group(1).lower())
        else:
            words.append(token)
    return TweetQuery(" ".join(words), list(dict.fromkeys(tags)), list(dict.fromkeys(authors)))
