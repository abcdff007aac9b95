-- name: InsertTicket :one
-- One statement files the ticket, its first message, the message's Message-ID
-- for threading and the "created" event (the live-update notification is
-- sent after commit, see announce.go): creation is
-- the hot path (mail bursts, API scripts), and every round trip counts.
-- Priority comes from the editable matrix and team from the category; due
-- times start on a 24x7 clock until the SLA worker applies the team calendar.
-- It returns the ticket as GetTicketByNumber would read it (names of its
-- requester, category and team included), so no caller reads it back.
-- The body's full-text vector is made once (v) and written to the message
-- and, weighted B, to the ticket: parsing long mail bodies is most of a
-- mailed ticket's cost.
WITH p AS (
    SELECT coalesce((SELECT m.priority FROM priority_matrix m WHERE m.impact = @impact AND m.urgency = @urgency), 'P3') AS priority
), v AS MATERIALIZED (
    SELECT message_vector(@body::text) AS body
), s AS (
    SELECT p.priority, sp.first_response_minutes AS fr, sp.resolution_minutes AS rs
    FROM p LEFT JOIN sla_policies sp ON sp.priority = p.priority
), t AS (
    INSERT INTO tickets (subject, status, priority, impact, urgency, category_id, team_id, requester_id, source,
                         first_response_due, resolution_due, due_at, search)
    SELECT @subject, 'new', s.priority, @impact, @urgency, sqlc.narg(category_id)::bigint,
           coalesce(sqlc.narg(team_id)::bigint, (SELECT c.team_id FROM categories c WHERE c.id = sqlc.narg(category_id)::bigint)),
           @requester_id, @source,
           now() + make_interval(mins => coalesce(s.fr, 480)), now() + make_interval(mins => coalesce(s.rs, 2880)),
           now() + make_interval(mins => coalesce(s.fr, 480)),
           setweight(to_tsvector('english', @subject::text), 'A') || setweight(v.body, 'B')
    FROM s, v
    RETURNING id, number, priority, team_id, category_id, requester_id, created_at, updated_at,
              first_response_due, resolution_due, due_at
), m AS (
    INSERT INTO messages (ticket_id, author_id, internal, body_text, body_html, email_message_id, source, search,
                          sender_check, sender_flagged)
    SELECT t.id, @requester_id, false, @body::text, @body_html::text, sqlc.narg(email_message_id)::text, @source, v.body,
           @sender_check::text, @sender_flagged::boolean FROM t, v
    RETURNING id
), mid AS (
    INSERT INTO ticket_message_ids (message_id, ticket_id)
    SELECT sqlc.narg(email_message_id)::text, t.id FROM t WHERE sqlc.narg(email_message_id)::text IS NOT NULL
    ON CONFLICT DO NOTHING
), e AS (
    INSERT INTO ticket_events (ticket_id, actor_id, kind, after)
    SELECT t.id, sqlc.narg(actor_id)::bigint, 'created', jsonb_build_object('subject', @subject::text, 'priority', t.priority,
        'impact', @impact::text, 'urgency', @urgency::text, 'source', @source::text, 'message_id', m.id)
    FROM t, m
    RETURNING ticket_id
)
SELECT t.id, t.number, t.priority, t.team_id, t.created_at, t.updated_at, t.first_response_due, t.resolution_due,
       t.due_at, c.name AS category_name, tm.name AS team_name, tm.slug AS team_slug,
       r.name AS requester_name, r.email AS requester_email, m.id AS message_id
FROM t CROSS JOIN m
JOIN users r ON r.id = t.requester_id
LEFT JOIN categories c ON c.id = t.category_id
LEFT JOIN teams tm ON tm.id = t.team_id;

-- name: GetTicketByNumber :one
SELECT t.*, c.name AS category_name, tm.name AS team_name, tm.slug AS team_slug, coalesce(tm.restricted, false)::boolean AS team_restricted,
       a.name AS assignee_name, a.email AS assignee_email,
       r.name AS requester_name, r.email AS requester_email
FROM tickets t
JOIN users r ON r.id = t.requester_id
LEFT JOIN categories c ON c.id = t.category_id
LEFT JOIN teams tm ON tm.id = t.team_id
LEFT JOIN users a ON a.id = t.assignee_id
WHERE t.number = $1;

-- name: LockTicket :one
-- NO KEY UPDATE: writers of a ticket still queue behind each other, but
-- inserts that only reference it (messages, events, participants) do not
-- wait for the lock holder's commit, as their foreign-key check would under
-- FOR UPDATE. Nothing changes a ticket's id or number or deletes it.
SELECT status, priority, first_responded_at, requester_id, assignee_id, resolution_count
FROM tickets WHERE id = $1 FOR NO KEY UPDATE;

-- name: SetTicketStatus :exec
UPDATE tickets SET status = @status::text, updated_at = now(),
    resolved_at = CASE WHEN @status::text = 'resolved' THEN now() WHEN @status::text IN ('new', 'open', 'pending', 'on_hold') THEN NULL ELSE resolved_at END,
    closed_at = CASE WHEN @status::text = 'closed' THEN now() ELSE NULL END,
    resolution_count = resolution_count + CASE WHEN @status::text = 'resolved' THEN 1 ELSE 0 END
WHERE id = @id;

-- name: TouchTicketForMessage :exec
-- The message's vector, made once by InsertMessage, is added to the ticket's.
UPDATE tickets t SET updated_at = now(),
    search = CASE WHEN @internal::boolean THEN t.search ELSE t.search || setweight(m.search, 'C') END,
    note_search = CASE WHEN @internal::boolean THEN t.note_search || m.search ELSE t.note_search END,
    first_responded_at = CASE WHEN @first_response::boolean AND t.first_responded_at IS NULL THEN now() ELSE t.first_responded_at END,
    due_at = CASE WHEN @first_response::boolean AND t.first_responded_at IS NULL THEN t.resolution_due ELSE t.due_at END
FROM messages m
WHERE t.id = @id AND m.id = @message_id;

-- name: InsertMessage :one
INSERT INTO messages (ticket_id, author_id, internal, body_text, body_html, email_message_id, source, search,
                      sender_check, sender_flagged)
VALUES ($1, $2, $3, $4, $5, $6, $7, message_vector($4), $8, $9)
RETURNING id, created_at;

-- name: InsertEvent :exec
INSERT INTO ticket_events (ticket_id, actor_id, kind, before, after, reason)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: ListEvents :many
SELECT e.*, u.name AS actor_name
FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id
WHERE e.ticket_id = $1 ORDER BY e.id;

-- name: ListMessages :many
-- Columns named, not m.*: the stored search vector stays in the database.
SELECT m.id, m.ticket_id, m.author_id, m.internal, m.body_text, m.body_html, m.email_message_id, m.source,
       m.created_at, m.sender_check, m.sender_flagged, u.name AS author_name, u.email AS author_email, u.role AS author_role
FROM messages m LEFT JOIN users u ON u.id = m.author_id
WHERE m.ticket_id = $1 AND (@include_internal::boolean OR NOT m.internal)
ORDER BY m.created_at, m.id;

-- name: InsertAttachment :one
INSERT INTO attachments (ticket_id, message_id, filename, content_type, size, content_id, inline, data)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id, created_at;

-- name: ListAttachments :many
SELECT id, ticket_id, message_id, filename, content_type, size, inline, created_at
FROM attachments WHERE ticket_id = $1 ORDER BY id;

-- name: GetAttachment :one
SELECT a.id, a.ticket_id, a.message_id, a.filename, a.content_type, a.size, a.inline, a.data, a.created_at,
       coalesce(m.internal, false)::boolean AS internal
FROM attachments a LEFT JOIN messages m ON m.id = a.message_id
WHERE a.id = $1;

-- name: IsParticipant :one
SELECT EXISTS (SELECT 1 FROM ticket_participants WHERE ticket_id = $1 AND user_id = $2);

-- name: AddParticipant :exec
INSERT INTO ticket_participants (ticket_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: CanSeeRestrictedTeam :one
SELECT EXISTS (SELECT 1 FROM team_members WHERE team_id = $1 AND user_id = $2);

-- name: OpenPause :exec
INSERT INTO sla_pauses (ticket_id, paused_at) VALUES ($1, now());

-- name: ClosePause :exec
UPDATE sla_pauses SET resumed_at = now() WHERE ticket_id = $1 AND resumed_at IS NULL;

-- name: StaffCanSeeTicket :one
-- Whether an active staff member may open a ticket: admins always, agents
-- and leads unless it sits in a restricted team they are not a member of.
-- Mentions, mention mail and live updates use it so nothing about a
-- restricted ticket reaches someone who would get 404 on it.
SELECT EXISTS (
    SELECT 1 FROM tickets t JOIN users u ON u.id = @user_id::bigint
    LEFT JOIN teams tm ON tm.id = t.team_id
    WHERE t.id = @ticket_id::bigint AND u.active AND u.role IN ('agent', 'lead', 'admin')
      AND (u.role = 'admin' OR tm.id IS NULL OR NOT tm.restricted
           OR EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t.team_id AND m.user_id = u.id)))::bool;

-- name: TicketRestrictedTeam :one
-- The ticket's team when that team is restricted, else 0: the live-update
-- hub tags each note with it so streams can drop what their viewer may not see.
SELECT coalesce((SELECT tm.id FROM teams tm WHERE tm.id = t.team_id AND tm.restricted), 0)::bigint
FROM tickets t WHERE t.number = $1;
