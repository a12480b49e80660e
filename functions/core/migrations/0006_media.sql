-- Uploaded media (images and video). The bytes live in the media store (a local directory or
-- S3/MinIO) under `media/<id>`; this row says what they are, once checked. A presigned upload
-- is `pending` (with what the client declared) until its bytes are checked; only `ready`
-- media can be attached to a tweet or used as an avatar.
CREATE TABLE media (
    id            bigint PRIMARY KEY DEFAULT chirp_next_id(),
    owner_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state         text NOT NULL CHECK (state IN ('pending', 'ready')),
    content_type  text NOT NULL,
    size          bigint NOT NULL CHECK (size > 0),
    width         integer,
    height        integer,
    etag          text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    deleted_at    timestamptz
);
CREATE INDEX media_by_owner ON media (owner_id, id DESC) WHERE deleted_at IS NULL;
