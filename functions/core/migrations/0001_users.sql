-- Users, follows, refresh tokens, and the event outbox.

-- 64-bit time-sortable ids: 41 bits of milliseconds since 2025-01-01, 22 bits of a global
-- sequence. Generated in PostgreSQL so that every process and replica shares one sequence
-- and no two ids ever collide, whatever INSTANCE_ID each function was given.
CREATE SEQUENCE chirp_id_seq;

CREATE FUNCTION chirp_next_id() RETURNS bigint
LANGUAGE sql VOLATILE AS $$
    SELECT ((floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint - 1735689600000) << 22)
           | (nextval('chirp_id_seq') % 4194304)
$$;

CREATE TABLE users (
    id              bigint PRIMARY KEY DEFAULT chirp_next_id(),
    username        text NOT NULL CHECK (username ~ '^[A-Za-z0-9_]{1,15}$'),
    email           text NOT NULL,
    password_hash   text NOT NULL,
    display_name    text NOT NULL,
    bio             text NOT NULL DEFAULT '',
    avatar_url      text,
    followers_count bigint NOT NULL DEFAULT 0 CHECK (followers_count >= 0),
    following_count bigint NOT NULL DEFAULT 0 CHECK (following_count >= 0),
    tweets_count    bigint NOT NULL DEFAULT 0 CHECK (tweets_count >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE follows (
    follower_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followee_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- time-sortable key for cursor pagination of both directions
    id          bigint NOT NULL DEFAULT chirp_next_id(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (follower_id, followee_id),
    CHECK (follower_id <> followee_id)
);
CREATE INDEX follows_by_followee ON follows (followee_id, id DESC);
CREATE INDEX follows_by_follower ON follows (follower_id, id DESC);

-- Opaque refresh tokens, stored only as SHA-256. A family is one login; presenting a token
-- that was already rotated revokes the whole family (reuse detection).
CREATE TABLE refresh_tokens (
    token_hash  bytea PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   uuid NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

-- Transactional outbox: an event is written in the same transaction as the change it
-- describes, and a relay publishes it to the broker afterwards.
CREATE TABLE outbox (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     uuid NOT NULL UNIQUE,
    type         text NOT NULL,
    source       text NOT NULL,
    subject      text,
    time         timestamptz NOT NULL DEFAULT now(),
    data         jsonb NOT NULL,
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;
