-- +goose Up
-- Inbound webhooks: one endpoint per integration (a monitoring tool, an
-- asset system) that creates or updates tickets from the tool's own JSON
-- through a mapping. The token is stored only as a hash; a rotation
-- replaces it at once.
CREATE TABLE inbound_hooks (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL CHECK (name <> ''),
    token_hash   text NOT NULL,
    mapping      jsonb NOT NULL,
    team_id      bigint REFERENCES teams ON DELETE SET NULL, -- new tickets go to this team
    active       boolean NOT NULL DEFAULT true,
    created_by   bigint NOT NULL REFERENCES users,          -- files the tickets for unknown requesters
    created_at   timestamptz NOT NULL DEFAULT now(),
    rotated_at   timestamptz,
    last_used_at timestamptz
);

-- The ticket each external id created, so the tool's later calls about the
-- same thing update it instead of opening another.
CREATE TABLE inbound_tickets (
    hook_id     bigint NOT NULL REFERENCES inbound_hooks ON DELETE CASCADE,
    external_id text NOT NULL,
    ticket_id   bigint NOT NULL REFERENCES tickets ON DELETE CASCADE,
    PRIMARY KEY (hook_id, external_id)
);

-- Calls already handled, by the sender's Idempotency-Key: a retried call
-- gets the first answer and changes nothing.
CREATE TABLE inbound_receipts (
    hook_id       bigint NOT NULL REFERENCES inbound_hooks ON DELETE CASCADE,
    idem_key      text NOT NULL,
    ticket_number bigint NOT NULL,
    created       boolean NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hook_id, idem_key)
);
CREATE INDEX inbound_receipts_at_idx ON inbound_receipts (received_at);

-- +goose Down
DROP TABLE inbound_receipts, inbound_tickets, inbound_hooks;
