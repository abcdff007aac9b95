-- +goose Up

-- Privilege control (issue 14, item 5). Granting the admin role needs a
-- second admin's approval: the grant waits here until another admin
-- approves or rejects it, or it expires. At most one pending grant per
-- person.
CREATE TABLE admin_grants (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    requested_by bigint REFERENCES users ON DELETE SET NULL, -- NULL: the SSO provider's role mapping
    from_role    text NOT NULL,
    reason       text NOT NULL DEFAULT '',
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    expires_at   timestamptz NOT NULL,
    decided_by   bigint REFERENCES users ON DELETE SET NULL,
    decided_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX admin_grants_pending_idx ON admin_grants (user_id) WHERE status = 'pending';

-- Threat detection (item 6): the networks each API token was used from
-- (/24 for IPv4, /48 for IPv6), so a token suddenly used from a new one
-- stands out.
CREATE TABLE token_networks (
    token_id   bigint NOT NULL REFERENCES api_tokens ON DELETE CASCADE,
    network    text NOT NULL,
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (token_id, network)
);

-- "Was this you?" mails carry a one-click lock link: signed, single-use,
-- expiring. Only the SHA-256 of its random part is stored.
CREATE TABLE lock_links (
    id_hash    bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    event_id   bigint REFERENCES security_events ON DELETE SET NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lock_links_user_idx ON lock_links (user_id);

-- A high-risk detection can make the person set up a second factor at the
-- next sign-in, whatever their role's policy. (A table, not a users column:
-- the generated code reads users.* in many places.)
CREATE TABLE forced_second_factors (
    user_id    bigint PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    reason     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE forced_second_factors, lock_links, token_networks, admin_grants;
