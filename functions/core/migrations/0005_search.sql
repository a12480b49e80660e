-- PostgreSQL full-text search, the default search backend: the tables are the index, so a
-- tweet is searchable the moment it is committed and gone the moment it is deleted.
-- pg_trgm is a trusted extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX tweets_fts ON tweets USING gin (to_tsvector('english', text))
    WHERE deleted_at IS NULL;
CREATE INDEX tweets_hashtags ON tweets USING gin (hashtags) WHERE deleted_at IS NULL;

CREATE INDEX users_username_trgm ON users USING gin (lower(username) gin_trgm_ops);
CREATE INDEX users_display_name_trgm ON users USING gin (lower(display_name) gin_trgm_ops);
