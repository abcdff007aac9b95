-- +goose Up
-- Admin console (issue 7).

-- One-time links to set a password: sent to invited users and to people whose
-- password an admin resets. Only the SHA-256 of the token is kept, so a
-- leaked table cannot be used to take over accounts; a link works once.
CREATE TABLE password_tokens (
    hash       bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_by bigint REFERENCES users ON DELETE SET NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_tokens_user_idx ON password_tokens (user_id);

-- The audit page filters by person and by object.
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, created_at DESC);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id, created_at DESC);

-- +goose Down
DROP INDEX audit_log_object_idx;
DROP INDEX audit_log_actor_idx;
DROP TABLE password_tokens;
