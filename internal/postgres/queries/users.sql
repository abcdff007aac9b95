-- name: CreateUser :one
INSERT INTO users (email, name, role, time_zone, locale, password_hash)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING *;

-- name: GetUser :one
SELECT * FROM users WHERE id = $1;

-- name: GetUserByEmail :one
SELECT * FROM users WHERE lower(email) = lower(@email::text);

-- name: SetUserActive :exec
UPDATE users SET active = $2, updated_at = now() WHERE id = $1;

-- name: SetPasswordHash :exec
UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1;

-- name: AddTeamMember :exec
INSERT INTO team_members (team_id, user_id, is_lead) VALUES ($1, $2, $3)
ON CONFLICT (team_id, user_id) DO UPDATE SET is_lead = EXCLUDED.is_lead;

-- name: GetTeamBySlug :one
SELECT * FROM teams WHERE slug = $1;

-- name: CreateTeam :one
INSERT INTO teams (slug, name, time_zone, hours, restricted) VALUES ($1, $2, $3, $4, $5) RETURNING *;

-- name: EnsureAgentProfile :exec
INSERT INTO agent_profiles (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING;

-- name: ListCategories :many
SELECT * FROM categories ORDER BY name;
