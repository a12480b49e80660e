"""Which notifications an event makes, decided from the event alone (no I/O)."""

from __future__ import annotations

from typing import Any

from events import EventType, TweetCreated, TweetLiked, TweetRetweeted, UserFollowed
from functions.notifications.store import NewNotification


def notifications_for(event_type: str, data: Any) -> list[NewNotification]:
    """The notifications one event means; an empty list for events that notify nobody."""
    if event_type == EventType.TWEET_LIKED:
        liked = TweetLiked.model_validate(data)
        return [_on_tweet(liked.tweet_author_id, "like", liked.user_id, liked.tweet_id)]
    if event_type == EventType.TWEET_RETWEETED:
        rt = TweetRetweeted.model_validate(data)
        return [_on_tweet(rt.tweet_author_id, "retweet", rt.user_id, rt.tweet_id)]
    if event_type == EventType.USER_FOLLOWED:
        f = UserFollowed.model_validate(data)
        return [NewNotification(int(f.followee_id), "follow", int(f.follower_id), None)]
    if event_type == EventType.TWEET_CREATED:
        t = TweetCreated.model_validate(data)
        out = []
        if t.reply_to_author_id is not None:
            out.append(_on_tweet(t.reply_to_author_id, "reply", t.author_id, t.tweet_id))
        # A reply already tells its parent's author; a mention of them would say it twice.
        out += [
            _on_tweet(m, "mention", t.author_id, t.tweet_id)
            for m in t.mention_ids
            if m != t.reply_to_author_id
        ]
        return out
    return []


def _on_tweet(user: str, kind: Any, actor: str, tweet: str) -> NewNotification:
    return NewNotification(int(user), kind, int(actor), int(tweet))
