-- +goose Up

-- Threat detection (issue 14): each detection is an event with its
-- evidence; high-risk ones open a ticket for the Security team, one per
-- dedupe key (account or source address) while that ticket is open.
CREATE TABLE security_events (
    id         bigserial PRIMARY KEY,
    user_id    bigint REFERENCES users ON DELETE CASCADE,
    kind       text NOT NULL, -- new_device, new_address, odd_hours, spraying
    risk       text NOT NULL CHECK (risk IN ('low', 'medium', 'high')),
    ip         text NOT NULL DEFAULT '',
    evidence   jsonb NOT NULL DEFAULT '{}',
    ticket_id  bigint REFERENCES tickets ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX security_events_user_idx ON security_events (user_id, created_at);

CREATE TABLE security_alerts (
    key        text PRIMARY KEY, -- user:N or ip:A
    ticket_id  bigint REFERENCES tickets ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE security_alerts, security_events;
