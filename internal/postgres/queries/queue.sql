-- Queries of the staff dashboard and ticket workspace (issue 4).

-- name: StaffByHandle :many
-- An @mention names a staff member by full email or by the part before @.
SELECT id, email, name FROM users
WHERE active AND role IN ('agent', 'lead', 'admin')
  AND (lower(email) = lower(@handle::text) OR lower(split_part(email, '@', 1)) = lower(@handle::text))
ORDER BY id LIMIT 2;

-- name: InsertMention :exec
INSERT INTO mentions (message_id, user_id, ticket_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING;

-- name: MarkMentionsSeen :exec
UPDATE mentions SET seen_at = now() WHERE user_id = $1 AND ticket_id = $2 AND seen_at IS NULL;

-- name: ListCanned :many
SELECT c.*, tm.name AS team_name FROM canned_replies c LEFT JOIN teams tm ON tm.id = c.team_id
ORDER BY c.title, c.id;

-- name: GetCanned :one
SELECT * FROM canned_replies WHERE id = $1;

-- name: CreateCanned :one
INSERT INTO canned_replies (team_id, title, body, created_by) VALUES ($1, $2, $3, $4) RETURNING *;

-- name: UpdateCanned :exec
UPDATE canned_replies SET team_id = $2, title = $3, body = $4, updated_at = now() WHERE id = $1;

-- name: DeleteCanned :exec
DELETE FROM canned_replies WHERE id = $1;

-- name: IsTeamLead :one
SELECT EXISTS (SELECT 1 FROM team_members WHERE user_id = $1 AND is_lead AND (sqlc.narg(team_id)::bigint IS NULL OR team_id = sqlc.narg(team_id)::bigint));

-- name: UpsertPresence :exec
INSERT INTO ticket_presence (ticket_id, user_id, activity, expires_at)
VALUES ($1, $2, $3, now() + interval '45 seconds')
ON CONFLICT (ticket_id, user_id) DO UPDATE SET activity = EXCLUDED.activity, expires_at = EXCLUDED.expires_at;

-- name: ListPresence :many
SELECT p.user_id, p.activity, u.name FROM ticket_presence p JOIN users u ON u.id = p.user_id
WHERE p.ticket_id = $1 AND p.expires_at > now() ORDER BY u.name;

-- name: DeletePresence :exec
DELETE FROM ticket_presence WHERE ticket_id = $1 AND user_id = $2;

-- name: MoveMessages :exec
UPDATE messages SET ticket_id = @into_id WHERE ticket_id = @from_id;

-- name: MoveAttachments :exec
UPDATE attachments SET ticket_id = @into_id WHERE ticket_id = @from_id;

-- name: MoveParticipants :exec
-- The merged ticket's requester and followers all follow the surviving one.
INSERT INTO ticket_participants (ticket_id, user_id)
SELECT @into_id::bigint, u FROM (
    SELECT p.user_id AS u FROM ticket_participants p WHERE p.ticket_id = @from_id::bigint
    UNION SELECT t.requester_id FROM tickets t WHERE t.id = @from_id::bigint
) x
WHERE u <> (SELECT requester_id FROM tickets WHERE id = @into_id::bigint)
ON CONFLICT DO NOTHING;

-- name: MergeSearch :exec
UPDATE tickets SET search = search || (SELECT f.search FROM tickets f WHERE f.id = @from_id::bigint),
    note_search = note_search || (SELECT f.note_search FROM tickets f WHERE f.id = @from_id::bigint),
    updated_at = now()
WHERE id = @into_id::bigint;

-- name: SetMergedInto :exec
UPDATE tickets SET merged_into_id = @into_id, updated_at = now() WHERE id = @id;

-- name: SetParent :exec
UPDATE tickets SET parent_id = sqlc.narg(parent_id), updated_at = now() WHERE id = @id;

-- name: ListChildren :many
-- @hidden: restricted teams the viewer is not a member of (empty for admins),
-- so an incident's child list never names a ticket the viewer cannot open.
SELECT t.number, t.subject, t.status FROM tickets t
WHERE t.parent_id = @parent_id AND (t.team_id IS NULL OR t.team_id <> ALL(@hidden::bigint[]))
ORDER BY t.number;

-- name: SetAvailability :one
INSERT INTO agent_profiles (user_id, availability, updated_at) VALUES ($1, $2, now())
ON CONFLICT (user_id) DO UPDATE SET availability = EXCLUDED.availability, updated_at = now()
RETURNING (SELECT ap.availability FROM agent_profiles ap WHERE ap.user_id = $1)::text AS before;

-- name: OverviewBacklog :many
-- Open tickets at the end of each of the last 14 days (today so far
-- included), by current priority; @since is 14 days ago.
-- Only tickets open now or finished within the window can have been open
-- then, so the scan stays on the open and recently-updated indexes.
-- @hidden: restricted teams the viewer may not see; their tickets are not counted.
WITH cand AS (
    SELECT t.priority, t.created_at, NULL::timestamptz AS done FROM tickets t
    WHERE t.status NOT IN ('resolved', 'closed') AND (t.team_id IS NULL OR t.team_id <> ALL(@hidden::bigint[]))
    UNION ALL
    SELECT t.priority, t.created_at, coalesce(t.resolved_at, t.closed_at, t.updated_at) FROM tickets t
    WHERE t.status IN ('resolved', 'closed') AND t.updated_at >= @since::timestamptz
      AND (t.team_id IS NULL OR t.team_id <> ALL(@hidden::bigint[]))
), days AS (
    SELECT generate_series(date_trunc('day', @since::timestamptz, 'UTC') + interval '2 days',
                           date_trunc('day', @since::timestamptz, 'UTC') + interval '15 days', interval '1 day') AS d
)
SELECT days.d::timestamptz AS day, cand.priority::text AS priority, count(*)::bigint AS n
FROM days JOIN cand ON cand.created_at < days.d AND (cand.done IS NULL OR cand.done >= days.d)
GROUP BY days.d, cand.priority ORDER BY days.d, cand.priority;

-- name: OverviewFirstResponse :many
-- Per week of creation: tickets whose first-response target has passed or
-- been met, and how many were answered in time.
SELECT date_trunc('week', t.created_at)::timestamptz AS week,
       count(*) FILTER (WHERE t.first_responded_at IS NOT NULL OR t.first_response_due < now())::bigint AS due,
       count(*) FILTER (WHERE t.first_responded_at IS NOT NULL AND t.first_responded_at <= t.first_response_due)::bigint AS met
FROM tickets t
WHERE t.created_at >= @since::timestamptz AND t.first_response_due IS NOT NULL
  AND (t.team_id IS NULL OR t.team_id <> ALL(@hidden::bigint[]))
GROUP BY 1 ORDER BY 1;

-- name: OverviewLoad :many
SELECT u.id, u.name, ap.capacity, ap.availability,
       (SELECT count(*) FROM tickets t WHERE t.assignee_id = u.id AND t.status NOT IN ('resolved', 'closed')
          AND (t.team_id IS NULL OR t.team_id <> ALL(@hidden::bigint[])))::bigint AS open
FROM users u JOIN agent_profiles ap ON ap.user_id = u.id
WHERE u.active AND u.role IN ('agent', 'lead', 'admin')
ORDER BY u.name LIMIT 60;

-- name: ListStaff :many
SELECT id, email, name FROM users WHERE active AND role IN ('agent', 'lead', 'admin') ORDER BY name LIMIT 500;

-- name: ListTeams :many
SELECT * FROM teams ORDER BY name;

-- name: TicketNumberByID :one
SELECT number FROM tickets WHERE id = $1;
