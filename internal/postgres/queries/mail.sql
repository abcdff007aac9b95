-- Mail intake and outbound notifications (issue 5).

-- name: MailIntakeAddress :one
SELECT * FROM intake_addresses WHERE lower(local_part) = lower(@local_part::text);

-- name: MailIntakeLocalForTeam :one
-- The address mail about a team's ticket comes from: the team's own, else a
-- general one (no team), else any.
SELECT local_part FROM intake_addresses
ORDER BY (team_id IS NOT DISTINCT FROM sqlc.narg(team_id)::bigint) DESC, (team_id IS NULL) DESC, id LIMIT 1;

-- name: MailInsertInbound :one
-- A Message-ID seen before inserts nothing (no row returned).
INSERT INTO inbound_mail (raw, via, mailbox_id, envelope_from, rcpt, message_id)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (message_id) WHERE message_id IS NOT NULL DO NOTHING
RETURNING id;

-- name: MailGetInbound :one
SELECT * FROM inbound_mail WHERE id = $1;

-- name: MailLockInbound :one
SELECT id, status FROM inbound_mail WHERE id = $1 FOR UPDATE;

-- name: MailFinishInbound :exec
UPDATE inbound_mail SET status = @status::text, kind = @kind::text, reason = @reason::text, sender = @sender::text,
    subject = @subject::text, ticket_id = sqlc.narg(ticket_id)::bigint, msg_id = sqlc.narg(msg_id)::bigint,
    parse_warnings = @parse_warnings::text[], processed_at = now()
WHERE id = @id;

-- name: MailListInbound :many
-- The admin lists: ignored mail, refused, failed … newest first.
SELECT id, received_at, via, envelope_from, status, kind, reason, sender, subject,
       ticket_id, octet_length(raw)::bigint AS size
FROM inbound_mail WHERE status = @status::text
ORDER BY received_at DESC, id DESC LIMIT @max_rows::int;

-- name: MailTicketForMessageIDs :one
-- The ticket that any of the given Message-IDs belongs to, preferring the
-- position given by ord (the caller orders In-Reply-To first).
SELECT tm.ticket_id FROM ticket_message_ids tm
JOIN unnest(@ids::text[]) WITH ORDINALITY AS x(id, ord) ON x.id = tm.message_id
ORDER BY x.ord LIMIT 1;

-- name: MailMessageByEmailID :one
SELECT id, ticket_id FROM messages WHERE email_message_id = $1;

-- name: MailTicketRef :one
SELECT id, number, subject, status, requester_id, merged_into_id, team_id FROM tickets WHERE id = $1;

-- name: MailTicketIDByNumber :one
SELECT id FROM tickets WHERE number = $1;

-- name: MailEnsureRequester :exec
INSERT INTO users (email, name, role) VALUES (@email::text, @name::text, 'requester')
ON CONFLICT ((lower(email))) DO NOTHING;

-- name: MailMarkBouncing :exec
UPDATE users SET bouncing_at = now(), updated_at = now()
WHERE lower(email) = ANY(@emails::text[]) AND bouncing_at IS NULL;

-- name: MailClearBouncing :exec
UPDATE users SET bouncing_at = NULL WHERE id = $1 AND bouncing_at IS NOT NULL;

-- name: MailSetFollowup :exec
UPDATE tickets SET followup_of_id = @followup_of_id::bigint WHERE id = @id::bigint;

-- name: MailSetting :one
SELECT value FROM settings WHERE key = $1;

-- name: MailFollowers :many
-- Requester and participants of a ticket, with what decides whether they get mail.
SELECT u.id, u.email, u.name, u.active, u.bouncing_at
FROM tickets t
JOIN users u ON u.id = t.requester_id OR u.id IN (SELECT p.user_id FROM ticket_participants p WHERE p.ticket_id = t.id)
WHERE t.id = $1
ORDER BY (u.id = t.requester_id) DESC, u.id;

-- name: MailThreadIDs :many
-- Every Message-ID of a ticket's conversation, oldest first: received ones
-- from messages, ours from the outbox. References are built from these.
SELECT x.message_id::text AS message_id FROM (
    SELECT m.email_message_id AS message_id, m.created_at FROM messages m
    WHERE m.ticket_id = $1 AND m.email_message_id IS NOT NULL AND m.email_message_id NOT LIKE '%@switchboard.invalid'
    UNION ALL
    SELECT o.message_id, o.created_at FROM outbox o WHERE o.ticket_id = $1
) x ORDER BY x.created_at;

-- name: MailAddThreadID :exec
INSERT INTO ticket_message_ids (message_id, ticket_id) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: MailGetMessage :one
SELECT m.id, m.ticket_id, m.author_id, m.internal, m.body_text, m.body_html,
       coalesce(u.role, '')::text AS author_role, coalesce(u.name, '')::text AS author_name
FROM messages m LEFT JOIN users u ON u.id = m.author_id WHERE m.id = $1;

-- name: MailInsertOutbox :one
-- Message-IDs of notifications are derived from what they announce, so a
-- retried job inserts nothing (no row returned) instead of mailing twice.
INSERT INTO outbox (ticket_id, kind, to_addr, subject, raw, message_id)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING RETURNING id;

-- name: MailOutboxSent :exec
UPDATE outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = '' WHERE id = $1;

-- name: MailOutboxAttempt :exec
UPDATE outbox SET attempts = attempts + 1, last_error = @last_error::text, next_attempt_at = @next_attempt_at
WHERE id = @id;

-- name: MailOutboxWaiting :exec
UPDATE outbox SET last_error = @last_error::text WHERE id = @id AND status = 'queued';

-- name: MailOutboxFailed :one
-- The ticket's number (0 without a ticket) comes back too: the failure
-- event announces it to live views.
UPDATE outbox o SET status = 'failed', attempts = o.attempts + 1, last_error = @last_error::text
WHERE o.id = @id AND o.status <> 'failed'
RETURNING o.ticket_id, o.to_addr, o.kind,
    coalesce((SELECT t.number FROM tickets t WHERE t.id = o.ticket_id), 0)::bigint AS ticket_number;

-- name: MailOutboxFailedByMessageID :one
UPDATE outbox SET status = 'failed', last_error = @last_error::text
WHERE message_id = @message_id RETURNING id, ticket_id;

-- name: MailInsertMailbox :one
INSERT INTO mailboxes (name, host, port, tls, username, password_enc, folder, allow_private)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id;

-- name: MailListMailboxes :many
SELECT * FROM mailboxes WHERE enabled ORDER BY id;

-- name: MailGetMailbox :one
SELECT * FROM mailboxes WHERE id = $1;

-- name: MailSetWatermark :exec
UPDATE mailboxes SET uidvalidity = @uidvalidity::bigint, last_uid = @last_uid::bigint WHERE id = @id;

-- name: MailMailboxFetched :exec
UPDATE mailboxes SET last_fetch_at = now(), last_error = '' WHERE id = $1;

-- name: MailMailboxError :exec
UPDATE mailboxes SET last_error = @last_error::text, last_error_at = now() WHERE id = @id;

-- name: MailInboundForMessage :one
SELECT i.id FROM inbound_mail i JOIN messages m ON m.id = i.msg_id
JOIN tickets t ON t.id = m.ticket_id WHERE i.msg_id = @msg_id::bigint AND t.number = @number::bigint;

-- name: MailLockMailbox :one
SELECT last_uid FROM mailboxes WHERE id = $1 FOR UPDATE;

-- name: MailLockOutbox :one
-- SKIP LOCKED: a row another job is handing to the relay is left to it.
SELECT raw, to_addr, status FROM outbox WHERE id = $1 FOR UPDATE SKIP LOCKED;

-- name: MailResolutionCount :one
SELECT resolution_count FROM tickets WHERE id = $1;

-- name: MailLockSender :exec
-- Serialises acknowledgements per sender so two jobs cannot both pass the hourly count.
SELECT pg_advisory_xact_lock(hashtextextended('ack:' || @sender::text, 0));
