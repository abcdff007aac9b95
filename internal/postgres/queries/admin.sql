-- Admin console (issue 7). Every write here is paired by the admin service
-- with an AdminInsertAudit in the same transaction.

-- name: AdminInsertAudit :exec
INSERT INTO audit_log (actor_id, object_type, object_id, action, before, after)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: AdminLedTeamIDs :many
SELECT team_id FROM team_members WHERE user_id = $1 AND is_lead ORDER BY team_id;

-- name: AdminUserTeamIDs :many
SELECT team_id FROM team_members WHERE user_id = $1 ORDER BY team_id;

-- name: AdminListPeople :many
SELECT u.id, u.email, u.name, u.role, u.time_zone, u.active, (u.password_hash IS NOT NULL)::bool AS has_password,
       coalesce((SELECT string_agg(t.slug || CASE WHEN tm.is_lead THEN ' (lead)' ELSE '' END, ', ' ORDER BY t.slug)
                 FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.user_id = u.id), '')::text AS teams
FROM users u
WHERE (@all_users::bool OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.user_id = u.id AND tm.team_id = ANY(@team_ids::bigint[])))
  AND (@pattern::text = '' OR u.email ILIKE @pattern::text OR u.name ILIKE @pattern::text)
ORDER BY u.active DESC, lower(u.name), u.id
LIMIT 500;

-- name: AdminLockUser :one
SELECT * FROM users WHERE id = $1 FOR UPDATE;

-- name: AdminUpdateUser :exec
UPDATE users SET name = $2, role = $3, updated_at = now() WHERE id = $1;

-- name: AdminSetTimeZone :exec
UPDATE users SET time_zone = $2, updated_at = now() WHERE id = $1;

-- name: AdminMemberships :many
SELECT tm.team_id, t.slug, t.name, tm.is_lead, t.restricted FROM team_members tm JOIN teams t ON t.id = tm.team_id
WHERE tm.user_id = $1 ORDER BY t.name;

-- name: AdminDeleteMemberships :exec
DELETE FROM team_members WHERE user_id = $1;

-- name: AdminDeleteSessions :execrows
DELETE FROM sessions WHERE user_id = $1;

-- name: AdminInsertPasswordToken :exec
INSERT INTO password_tokens (hash, user_id, purpose, created_by, expires_at) VALUES ($1, $2, $3, $4, $5);

-- name: AdminRevokePasswordTokens :exec
UPDATE password_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL;

-- name: AdminPeekPasswordToken :one
SELECT p.user_id, p.purpose, u.email, u.name FROM password_tokens p JOIN users u ON u.id = p.user_id
WHERE p.hash = $1 AND p.used_at IS NULL AND p.expires_at > now() AND u.active;

-- name: AdminTakePasswordToken :one
UPDATE password_tokens p SET used_at = now()
FROM users u
WHERE p.hash = $1 AND p.used_at IS NULL AND p.expires_at > now() AND u.id = p.user_id AND u.active
RETURNING p.user_id, p.purpose;

-- name: AdminGetProfile :one
SELECT capacity, availability, languages FROM agent_profiles WHERE user_id = $1;

-- name: AdminUpdateProfile :exec
UPDATE agent_profiles SET capacity = $2, languages = $3, updated_at = now() WHERE user_id = $1;

-- name: AdminListHours :many
SELECT weekday, start_minute, end_minute FROM agent_hours WHERE user_id = $1 ORDER BY weekday, start_minute;

-- name: AdminDeleteHours :exec
DELETE FROM agent_hours WHERE user_id = $1;

-- name: AdminInsertHour :exec
INSERT INTO agent_hours (user_id, weekday, start_minute, end_minute) VALUES ($1, $2, $3, $4);

-- name: AdminListSkills :many
SELECT skill, level FROM agent_skills WHERE user_id = $1 ORDER BY skill;

-- name: AdminDeleteSkills :exec
DELETE FROM agent_skills WHERE user_id = $1;

-- name: AdminInsertSkill :exec
INSERT INTO agent_skills (user_id, skill, level) VALUES ($1, $2, $3);

-- name: AdminListTimeOff :many
SELECT id, starts_on::text AS starts_on, ends_on::text AS ends_on, note FROM agent_time_off
WHERE user_id = $1 ORDER BY starts_on;

-- name: AdminInsertTimeOff :one
INSERT INTO agent_time_off (user_id, starts_on, ends_on, note)
VALUES (@user_id, (@starts_on::text)::date, (@ends_on::text)::date, @note) RETURNING id;

-- name: AdminDeleteTimeOff :one
DELETE FROM agent_time_off WHERE id = $1 AND user_id = $2
RETURNING id, starts_on::text AS starts_on, ends_on::text AS ends_on, note;

-- name: AdminListTeams :many
SELECT t.id, t.slug, t.name, t.time_zone, t.restricted,
       (SELECT count(*) FROM team_members tm WHERE tm.team_id = t.id)::int AS members,
       (SELECT count(*) FROM categories c WHERE c.team_id = t.id)::int AS categories
FROM teams t ORDER BY t.name;

-- name: AdminGetTeam :one
SELECT * FROM teams WHERE id = $1;

-- name: AdminLockTeam :one
SELECT * FROM teams WHERE id = $1 FOR UPDATE;

-- name: AdminUpdateTeam :exec
UPDATE teams SET slug = $2, name = $3, time_zone = $4, hours = $5, restricted = $6 WHERE id = $1;

-- name: AdminTeamMembers :many
SELECT u.id, u.name, u.email, u.role, u.time_zone, u.active, tm.is_lead FROM team_members tm JOIN users u ON u.id = tm.user_id
WHERE tm.team_id = $1 ORDER BY lower(u.name), u.id;

-- name: AdminSetLead :exec
UPDATE team_members SET is_lead = $3 WHERE team_id = $1 AND user_id = $2;

-- name: AdminListHolidays :many
SELECT day::text AS day, name FROM team_holidays WHERE team_id = $1 ORDER BY day;

-- name: AdminUpsertHoliday :execrows
INSERT INTO team_holidays (team_id, day, name) VALUES (@team_id, (@day::text)::date, @name)
ON CONFLICT (team_id, day) DO UPDATE SET name = EXCLUDED.name WHERE team_holidays.name IS DISTINCT FROM EXCLUDED.name;

-- name: AdminDeleteHoliday :execrows
DELETE FROM team_holidays WHERE team_id = $1 AND day = (@day::text)::date;

-- name: AdminListOnCall :many
SELECT s.id, s.user_id, u.name, s.starts_at, s.ends_at FROM oncall_shifts s JOIN users u ON u.id = s.user_id
WHERE s.team_id = $1 AND s.ends_at > now() - interval '1 day' ORDER BY s.starts_at, s.id;

-- name: AdminOnCallOverlaps :one
SELECT count(*) FROM oncall_shifts
WHERE team_id = $1 AND starts_at < @ends_at::timestamptz AND ends_at > @starts_at::timestamptz;

-- name: AdminInsertOnCall :one
INSERT INTO oncall_shifts (team_id, user_id, starts_at, ends_at) VALUES ($1, $2, $3, $4) RETURNING id;

-- name: AdminDeleteOnCall :one
DELETE FROM oncall_shifts WHERE id = $1 AND team_id = $2 RETURNING id, user_id, starts_at, ends_at;

-- name: AdminListCategories :many
SELECT c.*, t.name AS team_name FROM categories c JOIN teams t ON t.id = c.team_id ORDER BY c.name;

-- name: AdminLockCategory :one
SELECT * FROM categories WHERE id = $1 FOR UPDATE;

-- name: AdminInsertCategory :one
INSERT INTO categories (name, team_id, required_skill, default_impact, default_urgency, min_priority, keywords,
                        follow_the_sun, confidence_threshold)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id;

-- name: AdminUpdateCategory :exec
UPDATE categories SET name = $2, team_id = $3, required_skill = $4, default_impact = $5, default_urgency = $6,
    min_priority = $7, keywords = $8, follow_the_sun = $9, confidence_threshold = $10
WHERE id = $1;

-- name: AdminSetPriority :exec
INSERT INTO priority_matrix (impact, urgency, priority) VALUES ($1, $2, $3)
ON CONFLICT (impact, urgency) DO UPDATE SET priority = EXCLUDED.priority;

-- name: AdminUpsertSLAPolicy :exec
INSERT INTO sla_policies (priority, first_response_minutes, resolution_minutes) VALUES ($1, $2, $3)
ON CONFLICT (priority) DO UPDATE SET first_response_minutes = EXCLUDED.first_response_minutes,
    resolution_minutes = EXCLUDED.resolution_minutes;

-- name: AdminGetSetting :one
SELECT value FROM settings WHERE key = $1;

-- name: AdminPutSetting :exec
INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;

-- name: AdminListIntakeAddresses :many
SELECT a.id, a.local_part, a.team_id, a.category_id, t.name AS team_name, c.name AS category_name, a.phishing
FROM intake_addresses a LEFT JOIN teams t ON t.id = a.team_id LEFT JOIN categories c ON c.id = a.category_id
ORDER BY a.local_part;

-- name: AdminInsertIntakeAddress :one
INSERT INTO intake_addresses (local_part, team_id, category_id) VALUES ($1, $2, $3) RETURNING id;

-- name: AdminDeleteIntakeAddress :one
DELETE FROM intake_addresses WHERE id = $1 RETURNING local_part, team_id, category_id;

-- name: AdminListMailboxes :many
SELECT id, name, host, port, tls, username, folder, enabled, last_fetch_at, last_error, last_error_at, allow_private
FROM mailboxes ORDER BY id;

-- name: AdminDeleteMailbox :one
DELETE FROM mailboxes WHERE id = $1 RETURNING id, name, host, port, tls, username, folder;

-- name: AdminListOutbox :many
SELECT id, ticket_id, kind, to_addr, subject, status, attempts, last_error, next_attempt_at, created_at, sent_at
FROM outbox ORDER BY id DESC LIMIT 200;

-- name: AdminRetryOutbox :one
UPDATE outbox SET status = 'queued', next_attempt_at = now(), last_error = ''
WHERE id = $1 AND status = 'failed' RETURNING id, to_addr, subject, attempts;

-- name: AdminLockMatrix :exec
-- Two admins saving the matrix at once: the second waits, so the audit
-- row's "before" is what it really replaced.
SELECT 1 FROM priority_matrix FOR UPDATE;

-- name: AdminLockSLAPolicies :exec
SELECT 1 FROM sla_policies FOR UPDATE;
