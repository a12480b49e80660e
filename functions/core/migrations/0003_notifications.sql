-- Notifications, one per (event, recipient): a redelivered event never doubles one.
CREATE TABLE notifications (
    id         bigint PRIMARY KEY DEFAULT chirp_next_id(),
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type       text NOT NULL CHECK (type IN ('like', 'retweet', 'follow', 'mention', 'reply')),
    actor_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tweet_id   bigint REFERENCES tweets (id) ON DELETE CASCADE,
    event_key  text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz,
    UNIQUE (event_key, user_id)
);
CREATE INDEX notifications_by_user ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
