-- +goose Up

-- IMAP accounts connect only to public addresses unless an admin ticks
-- "internal address" for that account (issue 14): the mailbox setting must
-- not be a way to reach loopback, private or link-local services.
ALTER TABLE mailboxes ADD COLUMN allow_private boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE mailboxes DROP COLUMN allow_private;
