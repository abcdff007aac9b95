-- +goose Up
-- Second factors and single sign-on (issue 14).

-- An authenticator app's shared secret, sealed under the server key. A row
-- without confirmed_at is an enrolment in progress; last_step is the last
-- accepted 30-second step, so a code that was seen once cannot be replayed.
CREATE TABLE user_totp (
    user_id      bigint PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    secret_enc   bytea NOT NULL,
    confirmed_at timestamptz,
    last_step    bigint NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- One-time recovery codes: only a keyed hash is kept; used_at spends one.
CREATE TABLE recovery_codes (
    user_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    hash    bytea NOT NULL,
    used_at timestamptz,
    PRIMARY KEY (user_id, hash)
);

-- Passkeys (WebAuthn credentials); credential is the library's JSON form
-- (public key, sign count, flags), which only it interprets.
CREATE TABLE webauthn_credentials (
    id           bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    name         text NOT NULL,
    credential   jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);
CREATE INDEX webauthn_credentials_user_idx ON webauthn_credentials (user_id);

-- Sign-in steps in flight: a password accepted but a second factor due, a
-- passkey ceremony, an SSO round trip. The browser holds a random id in a
-- cookie; only its SHA-256 is stored. A flow is used once and expires soon.
CREATE TABLE auth_flows (
    id_hash    bytea PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('second_factor', 'enrol', 'passkey', 'sso')),
    user_id    bigint REFERENCES users ON DELETE CASCADE,
    data       jsonb NOT NULL DEFAULT '{}',
    attempts   integer NOT NULL DEFAULT 0,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_flows_expires_idx ON auth_flows (expires_at);

-- SSO accounts link a provider's subject to a user, so a changed email at
-- the provider still finds the same person.
CREATE TABLE sso_identities (
    issuer     text NOT NULL,
    subject    text NOT NULL,
    user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject)
);

-- +goose Down
DROP TABLE sso_identities, auth_flows, webauthn_credentials, recovery_codes, user_totp;
