-- Tweets, likes and retweets. Tweets are deleted softly (deleted_at) so that replies keep
-- their place in a conversation; a deleted tweet is gone from every read.

CREATE TABLE tweets (
    id              bigint PRIMARY KEY,
    author_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    text            text NOT NULL,
    reply_to_id     bigint REFERENCES tweets (id),
    conversation_id bigint NOT NULL,
    hashtags        text[] NOT NULL DEFAULT '{}',
    mention_ids     bigint[] NOT NULL DEFAULT '{}',
    media_ids       bigint[] NOT NULL DEFAULT '{}',
    like_count      bigint NOT NULL DEFAULT 0 CHECK (like_count >= 0),
    retweet_count   bigint NOT NULL DEFAULT 0 CHECK (retweet_count >= 0),
    reply_count     bigint NOT NULL DEFAULT 0 CHECK (reply_count >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz
);
CREATE INDEX tweets_by_author ON tweets (author_id, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX tweets_by_conversation ON tweets (conversation_id, id) WHERE deleted_at IS NULL;
CREATE INDEX tweets_by_parent ON tweets (reply_to_id) WHERE reply_to_id IS NOT NULL;

CREATE TABLE likes (
    tweet_id   bigint NOT NULL REFERENCES tweets (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tweet_id, user_id)
);
CREATE INDEX likes_by_user ON likes (user_id, created_at DESC);

CREATE TABLE retweets (
    tweet_id   bigint NOT NULL REFERENCES tweets (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- time-sortable: where the retweet sits in the retweeter's timeline
    id         bigint NOT NULL UNIQUE DEFAULT chirp_next_id(),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tweet_id, user_id)
);
CREATE INDEX retweets_by_user ON retweets (user_id, id DESC);
