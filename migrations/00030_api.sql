-- +goose Up
-- Idempotency keys of REST API POSTs, per user: a retried request with the
-- same key and the same bytes gets the first answer replayed instead of
-- creating a second ticket. The row is written in the same transaction as
-- the ticket or message it answers, so a crash cannot leave one without the
-- other. Keys live 24 hours.
CREATE TABLE api_idempotency_keys (
    user_id      bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash bytea NOT NULL, -- SHA-256 of method, path and body
    status       integer NOT NULL,
    location     text NOT NULL DEFAULT '',
    body         bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX api_idempotency_keys_created_idx ON api_idempotency_keys (created_at);

-- The API's default ticket order (most recently updated first), keyset
-- paginated on (updated_at, id) for staff who see everything.
CREATE INDEX tickets_updated_idx ON tickets (updated_at DESC, id DESC);

-- +goose Down
DROP INDEX tickets_updated_idx;
DROP TABLE api_idempotency_keys;
