-- Events no subscriber could take after every retry (the Triggers' dead-letter sink).
-- Kept whole, with why they failed, so an operator can look and replay: nothing is dropped.
CREATE TABLE dead_letters (
    id           bigint PRIMARY KEY DEFAULT chirp_next_id(),
    event_id     text NOT NULL,
    source       text NOT NULL,
    type         text NOT NULL,
    subject      text,
    destination  text NOT NULL DEFAULT '',
    error_code   text,
    error_data   text,
    content_type text,
    data         text,
    received_at  timestamptz NOT NULL DEFAULT now(),
    replayed_at  timestamptz,
    UNIQUE (source, event_id, destination)
);
