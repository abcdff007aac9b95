-- +goose Up

-- Known devices (issue 14): a random id in a long-lived browser cookie
-- (sb_device), stored here as its SHA-256 with the account it signed in to.
-- A correct password from a known device passes the account's sign-in
-- backoff; a sign-in from an unknown one is a "new device" signal.
CREATE TABLE known_devices (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    id_hash      bytea NOT NULL,
    user_agent   text NOT NULL DEFAULT '',
    first_ip     text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, id_hash)
);

-- Sessions get a public id (the "Signed-in devices" page ends one by it;
-- id_hash stays private), how they signed in, and their device.
ALTER TABLE sessions
    ADD COLUMN id bigserial,
    ADD COLUMN method text NOT NULL DEFAULT 'password',
    ADD COLUMN device_id bigint REFERENCES known_devices ON DELETE SET NULL;
CREATE UNIQUE INDEX sessions_id_idx ON sessions (id);

-- Every sign-in attempt, for threat detection and the devices page: who
-- (user_id NULL for unknown accounts), from where, whether it worked.
CREATE TABLE sign_ins (
    id           bigserial PRIMARY KEY,
    user_id      bigint REFERENCES users ON DELETE CASCADE,
    email        text NOT NULL,
    ip           text NOT NULL,
    user_agent   text NOT NULL DEFAULT '',
    device_known boolean NOT NULL DEFAULT false,
    method       text NOT NULL DEFAULT 'password',
    ok           boolean NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_ins_user_idx ON sign_ins (user_id, at);
CREATE INDEX sign_ins_ip_idx ON sign_ins (ip, at) WHERE NOT ok;

-- +goose Down
DROP TABLE sign_ins;
DROP INDEX sessions_id_idx;
ALTER TABLE sessions DROP COLUMN id, DROP COLUMN method, DROP COLUMN device_id;
DROP TABLE known_devices;
