"""Reading tweets as clients see them: author embedded, counts, and the viewer's own marks.

Reads go straight to SQL (no domain objects), and every function that shows tweets uses this
one query so a tweet looks the same wherever it appears.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from functions.core.models import Mention, Tweet, UserSummary

if TYPE_CHECKING:
    from functions.core.db import Connection

# $1 is the viewer (NULL when anonymous); callers add WHERE/ORDER BY with $2 onwards.
TWEET_SELECT = """
SELECT t.id, t.text, t.created_at, t.reply_to_id, t.conversation_id,
       t.like_count, t.retweet_count, t.reply_count, t.hashtags, t.media_ids,
       u.id AS author_id, u.username AS author_username,
       u.display_name AS author_display_name, u.avatar_url AS author_avatar_url,
       ($1::bigint IS NOT NULL AND EXISTS (
            SELECT 1 FROM likes l WHERE l.tweet_id = t.id AND l.user_id = $1)) AS liked_by_me,
       ($1::bigint IS NOT NULL AND EXISTS (
            SELECT 1 FROM retweets r WHERE r.tweet_id = t.id AND r.user_id = $1))
            AS retweeted_by_me,
       (SELECT coalesce(json_agg(json_build_object('id', m.id::text, 'username', m.username)
                                 ORDER BY array_position(t.mention_ids, m.id)), '[]')
          FROM users m WHERE m.id = ANY (t.mention_ids))::text AS mentions
  FROM tweets t JOIN users u ON u.id = t.author_id
"""


def tweet_from_row(row: Any) -> Tweet:
    return Tweet(
        id=row["id"],
        author=UserSummary.from_prefixed(row, "author_"),
        text=row["text"],
        created_at=row["created_at"],
        reply_to_id=row["reply_to_id"],
        conversation_id=row["conversation_id"],
        like_count=row["like_count"],
        retweet_count=row["retweet_count"],
        reply_count=row["reply_count"],
        liked_by_me=row["liked_by_me"],
        retweeted_by_me=row["retweeted_by_me"],
        hashtags=list(row["hashtags"]),
        mentions=[Mention.model_validate(m) for m in json.loads(row["mentions"])],
        media=list(row["media_ids"]),
    )


async def get_tweet(conn: Connection, tweet_id: int, viewer: int | None) -> Tweet | None:
    row = await conn.fetchrow(
        TWEET_SELECT + " WHERE t.id = $2 AND t.deleted_at IS NULL", viewer, tweet_id
    )
    return None if row is None else tweet_from_row(row)


async def get_tweets(conn: Connection, ids: Sequence[int], viewer: int | None) -> list[Tweet]:
    """Live tweets among `ids`, in the order given (deleted ones are left out)."""
    rows = await conn.fetch(
        TWEET_SELECT + " WHERE t.id = ANY ($2::bigint[]) AND t.deleted_at IS NULL",
        viewer,
        list(ids),
    )
    by_id = {r["id"]: tweet_from_row(r) for r in rows}
    return [by_id[i] for i in ids if i in by_id]
