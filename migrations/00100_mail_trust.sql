-- +goose Up
-- Mail intake you can trust (issue 13): the SMTP session a mail came in, its
-- sender-authentication verdict, a content hash that de-duplicates mail without
-- a Message-ID, an admin's decision on held or dropped mail, and the verdict on
-- the message it became.
ALTER TABLE inbound_mail
    ADD COLUMN client_ip    text NOT NULL DEFAULT '',
    ADD COLUMN helo         text NOT NULL DEFAULT '',
    ADD COLUMN auth         jsonb,
    ADD COLUMN content_hash bytea,
    ADD COLUMN override     text NOT NULL DEFAULT '' CHECK (override IN ('', 'ticket', 'release')),
    ADD COLUMN decided_by   bigint REFERENCES users ON DELETE SET NULL;
ALTER TABLE inbound_mail DROP CONSTRAINT inbound_mail_status_check;
ALTER TABLE inbound_mail ADD CONSTRAINT inbound_mail_status_check
    CHECK (status IN ('queued', 'ticket', 'message', 'ignored', 'bounce', 'loop', 'refused', 'failed', 'held', 'rejected'));
-- An SMTP retry of a mail without Message-ID (the 250 was lost) stores nothing new.
CREATE UNIQUE INDEX inbound_mail_content_hash_key ON inbound_mail (content_hash) WHERE content_hash IS NOT NULL;
-- Replies waiting for their parent look up queued mail by Message-ID.
CREATE INDEX inbound_mail_queued_mid_idx ON inbound_mail (message_id) WHERE status = 'queued';

ALTER TABLE messages
    ADD COLUMN sender_check   text NOT NULL DEFAULT '',
    ADD COLUMN sender_flagged boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE messages DROP COLUMN sender_check, DROP COLUMN sender_flagged;
DROP INDEX inbound_mail_queued_mid_idx;
DROP INDEX inbound_mail_content_hash_key;
DELETE FROM inbound_mail WHERE status IN ('held', 'rejected');
ALTER TABLE inbound_mail DROP CONSTRAINT inbound_mail_status_check;
ALTER TABLE inbound_mail ADD CONSTRAINT inbound_mail_status_check
    CHECK (status IN ('queued', 'ticket', 'message', 'ignored', 'bounce', 'loop', 'refused', 'failed'));
ALTER TABLE inbound_mail DROP COLUMN client_ip, DROP COLUMN helo, DROP COLUMN auth, DROP COLUMN content_hash,
    DROP COLUMN override, DROP COLUMN decided_by;
