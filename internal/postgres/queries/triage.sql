-- Triage, SLA clocks, rebalancing and the classifier (issue 6).

-- name: TriageTicket :one
SELECT t.id, t.number, t.subject, t.status, t.priority, t.impact, t.urgency, t.category_id, t.team_id,
       t.assignee_id, t.requester_id, t.created_at, t.first_responded_at, t.triaged_at,
       r.vip AS requester_vip, r.locale AS requester_locale,
       coalesce((SELECT m.body_text FROM messages m WHERE m.ticket_id = t.id ORDER BY m.created_at, m.id LIMIT 1), '')::text AS body
FROM tickets t JOIN users r ON r.id = t.requester_id
WHERE t.id = $1;

-- name: LockTicketForTriage :one
SELECT status, assignee_id FROM tickets WHERE id = $1 FOR NO KEY UPDATE;

-- name: PriorityMatrix :many
SELECT impact, urgency, priority FROM priority_matrix;

-- name: TriageSetting :one
SELECT value FROM settings WHERE key = $1;

-- name: RosterTeams :many
SELECT id, slug, name, time_zone, hours FROM teams ORDER BY id;

-- name: RosterHolidays :many
SELECT team_id, day FROM team_holidays WHERE day >= current_date - 400 ORDER BY team_id, day;

-- name: RosterMembers :many
-- Staff who can hold tickets, with their team; an agent in two teams is
-- listed twice. AgentsByID reads the agents themselves.
SELECT tm.team_id, u.id
FROM team_members tm
JOIN users u ON u.id = tm.user_id
JOIN agent_profiles p ON p.user_id = u.id
WHERE u.role <> 'requester'
ORDER BY tm.team_id, u.id;

-- name: AgentsByID :many
SELECT u.id, u.name, u.email, u.time_zone, u.active,
       p.capacity, p.availability, p.languages, p.last_assigned_at
FROM users u JOIN agent_profiles p ON p.user_id = u.id
WHERE u.id = ANY(@ids::bigint[])
ORDER BY u.id;

-- name: RosterHours :many
SELECT user_id, weekday, start_minute, end_minute FROM agent_hours
WHERE user_id = ANY(@ids::bigint[]) ORDER BY user_id, weekday, start_minute;

-- name: RosterSkills :many
SELECT user_id, skill, level FROM agent_skills WHERE user_id = ANY(@ids::bigint[]);

-- name: RosterTimeOff :many
SELECT user_id, starts_on, ends_on FROM agent_time_off
WHERE user_id = ANY(@ids::bigint[]) AND ends_on >= current_date - 1;

-- name: OnCallNow :many
SELECT team_id, user_id FROM oncall_shifts
WHERE starts_at <= @at::timestamptz AND ends_at > @at::timestamptz ORDER BY team_id, starts_at;

-- name: LockAgentProfiles :many
-- Taken in id order by every triage transaction, so two never deadlock and
-- the load recounted next cannot change until this one commits.
SELECT p.user_id, p.capacity, p.availability, p.last_assigned_at, p.open_load, u.active
FROM agent_profiles p JOIN users u ON u.id = p.user_id
WHERE p.user_id = ANY(@ids::bigint[])
ORDER BY p.user_id
FOR UPDATE OF p;

-- name: CountAgentLoad :one
-- The weighted open load counted from the tickets, to check the counter the
-- trigger keeps before relying on it for a capacity decision.
SELECT coalesce(sum(ticket_load_weight(status, priority)), 0)::integer FROM tickets
WHERE assignee_id = $1 AND status NOT IN ('resolved', 'closed');

-- name: SetAgentLoad :exec
UPDATE agent_profiles SET open_load = $2 WHERE user_id = $1;

-- name: TouchLastAssigned :exec
-- The statement's clock, not the transaction's: one triage transaction
-- assigns a batch of tickets, and round-robin must tell them apart.
UPDATE agent_profiles SET last_assigned_at = clock_timestamp() WHERE user_id = $1;

-- name: SLATicket :one
SELECT id, number, status, priority, team_id, created_at, first_responded_at,
       first_response_due, resolution_due, due_at, first_response_warn_at, resolution_warn_at
FROM tickets WHERE id = $1;

-- name: TicketPauses :many
SELECT paused_at, resumed_at FROM sla_pauses WHERE ticket_id = $1 ORDER BY paused_at, id;

-- name: SLAPolicies :many
SELECT priority, first_response_minutes, resolution_minutes FROM sla_policies;

-- name: SetDues :exec
UPDATE tickets SET first_response_due = @first_response_due, resolution_due = @resolution_due,
    due_at = sqlc.narg(due_at)::timestamptz,
    first_response_warn_at = @first_response_warn_at, resolution_warn_at = @resolution_warn_at
WHERE id = @id;

-- name: SLAScan :many
-- Open, running tickets past a 75% mark whose alarms have not all fired.
SELECT t.id FROM tickets t
WHERE t.status NOT IN ('resolved', 'closed', 'pending')
  AND least(coalesce(t.first_response_warn_at, 'infinity'), coalesce(t.resolution_warn_at, 'infinity')) <= @at::timestamptz
  AND ((t.first_responded_at IS NULL AND NOT EXISTS (SELECT 1 FROM sla_alarms a
          WHERE a.ticket_id = t.id AND a.target = 'first_response' AND a.level = 'breached'))
       OR NOT EXISTS (SELECT 1 FROM sla_alarms a
          WHERE a.ticket_id = t.id AND a.target = 'resolution' AND a.level = 'breached'))
ORDER BY t.id
LIMIT @max_rows;

-- name: InsertAlarm :execrows
INSERT INTO sla_alarms (ticket_id, target, level, due_at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING;

-- name: TeamLeads :many
SELECT u.id, u.email FROM team_members tm JOIN users u ON u.id = tm.user_id
WHERE tm.team_id = $1 AND tm.is_lead AND u.active ORDER BY u.id;

-- name: PageSent :one
-- Whether ticket @ticket_id's on-call page @key was recorded already (a
-- triage_alert job run again after a crash).
SELECT EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = @ticket_id::bigint AND e.kind = 'notified'
    AND e.after->>'channel' = 'page' AND e.after->>'key' = @key::text);

-- name: AssignedAgents :many
SELECT DISTINCT assignee_id::bigint AS agent_id FROM tickets
WHERE assignee_id IS NOT NULL AND status NOT IN ('resolved', 'closed');

-- name: HeldTickets :many
SELECT t.id, t.number, t.priority, t.team_id,
       EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND m.author_id = t.assignee_id AND NOT m.internal)::boolean AS replied
FROM tickets t
WHERE t.assignee_id = $1 AND t.status NOT IN ('resolved', 'closed')
ORDER BY t.id;

-- name: Unassign :one
UPDATE tickets SET assignee_id = NULL, triage_retry_at = NULL, updated_at = now()
WHERE id = @id AND assignee_id = @agent_id AND status NOT IN ('resolved', 'closed')
RETURNING number;

-- name: InsertFlag :execrows
INSERT INTO ticket_flags (ticket_id, agent_id, absence, reason) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING;

-- name: ClearFlags :exec
-- Flags end when the agent is back or no longer holds the ticket.
DELETE FROM ticket_flags f
WHERE f.agent_id = ANY(@present::bigint[])
   OR NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = f.ticket_id AND t.assignee_id = f.agent_id
                  AND t.status NOT IN ('resolved', 'closed'));

-- name: DueRetries :many
-- Queued tickets whose next eligible shift has started; clearing the mark
-- in the same statement hands each to one node only.
UPDATE tickets SET triage_retry_at = NULL
WHERE id IN (SELECT id FROM tickets
             WHERE assignee_id IS NULL AND triage_retry_at <= @at::timestamptz
               AND status NOT IN ('resolved', 'closed')
             ORDER BY triage_retry_at LIMIT 1000 FOR NO KEY UPDATE SKIP LOCKED)
RETURNING id;

-- name: CopyImported :copyfrom
INSERT INTO imported_tickets (text, category) VALUES ($1, $2);

-- name: TrainingExamples :many
-- What categorisation learns from: imported history plus resolved tickets
-- that ended with a category.
SELECT text, category FROM imported_tickets
UNION ALL
SELECT (t.subject || ' ' || coalesce((SELECT m.body_text FROM messages m WHERE m.ticket_id = t.id ORDER BY m.created_at, m.id LIMIT 1), ''))::text,
       c.name
FROM tickets t JOIN categories c ON c.id = t.category_id
WHERE t.status IN ('resolved', 'closed');

-- name: CountTrainingExamples :one
SELECT ((SELECT count(*) FROM imported_tickets)
      + (SELECT count(*) FROM tickets WHERE category_id IS NOT NULL AND status IN ('resolved', 'closed')))::integer;

-- name: DeactivateModels :exec
UPDATE classifier_models SET active = false WHERE active;

-- name: InsertModel :one
INSERT INTO classifier_models (model, labels, examples, metrics, active) VALUES ($1, $2, $3, $4, true)
RETURNING id, created_at;

-- name: ActiveModel :one
SELECT id, model, examples, created_at FROM classifier_models WHERE active;

-- name: ActiveModelInfo :one
SELECT id, examples, created_at, in_use_at FROM classifier_models WHERE active;

-- name: MarkModelInUse :exec
UPDATE classifier_models SET in_use_at = coalesce(in_use_at, now()) WHERE id = $1;

-- name: ModelInUse :one
SELECT in_use_at FROM classifier_models WHERE id = $1;
