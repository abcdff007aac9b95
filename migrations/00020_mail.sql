-- +goose Up
-- Mail intake and outbound notifications (issue 5).

-- Local parts of our domain that accept new mail (it@, security@ …), each
-- routed to a team and/or category.
CREATE TABLE intake_addresses (
    id          bigserial PRIMARY KEY,
    local_part  text NOT NULL CHECK (local_part ~ '^[a-z0-9][a-z0-9._-]*$'),
    team_id     bigint REFERENCES teams ON DELETE SET NULL,
    category_id bigint REFERENCES categories ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX intake_addresses_local_key ON intake_addresses (lower(local_part));

-- IMAP accounts polled for mail. The password is sealed with AES-GCM under a
-- key derived from the server secret, so a database dump alone does not leak it.
CREATE TABLE mailboxes (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL DEFAULT '',
    host          text NOT NULL,
    port          integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
    tls           boolean NOT NULL DEFAULT true,
    username      text NOT NULL,
    password_enc  bytea NOT NULL,
    folder        text NOT NULL DEFAULT 'INBOX',
    enabled       boolean NOT NULL DEFAULT true,
    uidvalidity   bigint NOT NULL DEFAULT 0,
    last_uid      bigint NOT NULL DEFAULT 0, -- highest UID committed to inbound_mail
    last_fetch_at timestamptz,
    last_error    text NOT NULL DEFAULT '',
    last_error_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Every mail received, raw, before anything is done with it: the SMTP
-- listener answers 250 only once this row (and its processing job) commits.
CREATE TABLE inbound_mail (
    id             bigserial PRIMARY KEY,
    raw            bytea NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    via            text NOT NULL CHECK (via IN ('smtp', 'imap')),
    mailbox_id     bigint REFERENCES mailboxes ON DELETE SET NULL,
    envelope_from  text NOT NULL DEFAULT '',
    rcpt           text[] NOT NULL DEFAULT '{}',
    message_id     text, -- bare, no <>; NULL when the mail had none
    status         text NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'ticket', 'message', 'ignored', 'bounce', 'loop', 'refused', 'failed')),
    kind           text NOT NULL DEFAULT '',
    reason         text NOT NULL DEFAULT '',
    sender         text NOT NULL DEFAULT '',
    subject        text NOT NULL DEFAULT '',
    ticket_id      bigint REFERENCES tickets ON DELETE SET NULL,
    msg_id         bigint REFERENCES messages ON DELETE SET NULL,
    parse_warnings text[] NOT NULL DEFAULT '{}',
    processed_at   timestamptz
);
-- The same Message-ID (SMTP and IMAP, or a resend) is stored once.
CREATE UNIQUE INDEX inbound_mail_message_id_key ON inbound_mail (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX inbound_mail_status_idx ON inbound_mail (status, received_at DESC);
CREATE INDEX inbound_mail_ticket_idx ON inbound_mail (ticket_id) WHERE ticket_id IS NOT NULL;

-- Outgoing mail. Rows wait here (visible to admins) until a relay takes them.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    ticket_id       bigint REFERENCES tickets ON DELETE SET NULL,
    kind            text NOT NULL, -- ack, reply, resolved, mention, refusal
    to_addr         text NOT NULL,
    subject         text NOT NULL,
    raw             bytea NOT NULL,
    message_id      text NOT NULL UNIQUE, -- bare, @ our mail domain
    status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text NOT NULL DEFAULT '',
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX outbox_status_idx ON outbox (status, next_attempt_at);
CREATE INDEX outbox_ticket_idx ON outbox (ticket_id, created_at);

-- Acknowledgements sent, per sender, for the hourly limit that keeps a
-- misbehaving robot from getting thousands of answers.
CREATE TABLE ack_log (
    sender  text NOT NULL, -- lower-cased address
    sent_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ack_log_sender_idx ON ack_log (sender, sent_at);

INSERT INTO settings (key, value) VALUES ('unknown_sender_policy', '{"mode": "create", "domains": []}')
ON CONFLICT (key) DO NOTHING;

-- +goose Down
DELETE FROM settings WHERE key = 'unknown_sender_policy';
DROP TABLE ack_log, outbox, inbound_mail, mailboxes, intake_addresses;
