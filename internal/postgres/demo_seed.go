package postgres

import (
	"context"
	"fmt"
	"time"

	"switchboard/internal/helpdesk"
)

// Writes of the demo organisation (serve --demo) that no service makes:
// upserts of its teams and categories, agent profiles, and back-dating of
// its tickets so the queue looks two weeks old. Live data never goes
// through these.

// Once runs fn unless the settings marker key is set, then sets it. A
// session advisory lock on lockKey makes concurrent callers (nodes starting
// together) wait, so fn runs once; ran says whether it ran here.
func (db *DB) Once(ctx context.Context, lockKey int64, key string, fn func(ctx context.Context) error) (ran bool, err error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("once %s: %w", key, mapError(err))
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return false, fmt.Errorf("once %s: lock: %w", key, mapError(err))
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey) //nolint:errcheck // released with the session
	var done bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM settings WHERE key = $1)", key).Scan(&done); err != nil {
		return false, fmt.Errorf("once %s: %w", key, mapError(err))
	}
	if done {
		return false, nil
	}
	if err := fn(ctx); err != nil {
		return true, err
	}
	if _, err := conn.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, to_jsonb(now())) ON CONFLICT DO NOTHING`, key); err != nil {
		return true, fmt.Errorf("once %s: mark done: %w", key, mapError(err))
	}
	return true, nil
}

// SeedTeam creates a team with weekly hours, or renames the one with its
// slug, and returns its id.
func (tx *Tx) SeedTeam(ctx context.Context, t helpdesk.Team, hours []helpdesk.ShiftRange) (int64, error) {
	h, err := encodeHours(hours)
	if err != nil {
		return 0, fmt.Errorf("seed team %s: %w", t.Slug, err)
	}
	var id int64
	if err := tx.tx.QueryRow(ctx, `INSERT INTO teams (slug, name, time_zone, hours, restricted) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id`, t.Slug, t.Name, t.TimeZone, h, t.Restricted).Scan(&id); err != nil {
		return 0, fmt.Errorf("seed team %s: %w", t.Slug, mapError(err))
	}
	return id, nil
}

// SeedCategory creates a category unless one has its name.
func (tx *Tx) SeedCategory(ctx context.Context, c helpdesk.CategorySettings) error {
	var minPriority *string
	if c.MinPriority != "" {
		mp := string(c.MinPriority)
		minPriority = &mp
	}
	if _, err := tx.tx.Exec(ctx, `INSERT INTO categories (name, team_id, required_skill, follow_the_sun, min_priority)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING`,
		c.Name, c.TeamID, c.RequiredSkill, c.FollowTheSun, minPriority); err != nil {
		return fmt.Errorf("seed category %s: %w", c.Name, mapError(err))
	}
	return nil
}

// SeedAgentProfile sets an agent's capacity and adds skills and weekly
// hours (kept where present).
func (tx *Tx) SeedAgentProfile(ctx context.Context, userID int64, capacity int, skills []helpdesk.Skill, hours []helpdesk.ShiftRange) error {
	if _, err := tx.tx.Exec(ctx, `UPDATE agent_profiles SET capacity = $2 WHERE user_id = $1`, userID, capacity); err != nil {
		return fmt.Errorf("seed profile of %d: %w", userID, mapError(err))
	}
	for _, s := range skills {
		if _, err := tx.tx.Exec(ctx, `INSERT INTO agent_skills VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, userID, s.Name, s.Level); err != nil {
			return fmt.Errorf("seed skills of %d: %w", userID, mapError(err))
		}
	}
	for _, h := range hours {
		if _, err := tx.tx.Exec(ctx, `INSERT INTO agent_hours VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			userID, h.Weekday, h.Start, h.End); err != nil {
			return fmt.Errorf("seed hours of %d: %w", userID, mapError(err))
		}
	}
	return nil
}

// BackdateTicket moves a ticket's creation, and its deadlines with it, to
// created.
func (db *DB) BackdateTicket(ctx context.Context, ticketID int64, created time.Time) error {
	if _, err := db.pool.Exec(ctx, `UPDATE tickets SET created_at = $2::timestamptz, updated_at = $2::timestamptz,
			first_response_due = $2::timestamptz + (first_response_due - created_at), resolution_due = $2::timestamptz + (resolution_due - created_at),
			due_at = $2::timestamptz + (due_at - created_at) WHERE id = $1`, ticketID, created); err != nil {
		return fmt.Errorf("backdate ticket %d: %w", ticketID, mapError(err))
	}
	return nil
}

// SeedAssignment assigns a ticket to agent with an "assigned" event at at,
// as if triage had done it then.
func (db *DB) SeedAssignment(ctx context.Context, ticketID int64, agent *helpdesk.User, at time.Time) error {
	if _, err := db.pool.Exec(ctx, `UPDATE tickets SET assignee_id = $2 WHERE id = $1`, ticketID, agent.ID); err != nil {
		return fmt.Errorf("seed assignment of ticket %d: %w", ticketID, mapError(err))
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO ticket_events (ticket_id, actor_id, kind, after, reason, created_at)
			VALUES ($1, NULL, 'assigned', jsonb_build_object('assignee', $2::text), 'demo data', $3)`, ticketID, agent.Email, at); err != nil {
		return fmt.Errorf("seed assignment of ticket %d: %w", ticketID, mapError(err))
	}
	return nil
}

// SeedIntakeAddresses routes it@ (to triage) and security@ (to the team
// with slug securityTeam, as phishing reports), unless routed already.
func (db *DB) SeedIntakeAddresses(ctx context.Context, securityTeam string) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO intake_addresses (local_part, team_id, phishing)
		VALUES ('it', NULL, false), ('security', (SELECT id FROM teams WHERE slug = $1), true)
		ON CONFLICT ((lower(local_part))) DO NOTHING`, securityTeam); err != nil {
		return fmt.Errorf("seed intake addresses: %w", mapError(err))
	}
	return nil
}

// SeedCategoryOf creates a category owned by the team with slug teamSlug
// (kept as it is when the name exists) and returns its id.
func (tx *Tx) SeedCategoryOf(ctx context.Context, name, teamSlug, skill string) (int64, error) {
	var id int64
	if err := tx.tx.QueryRow(ctx, `INSERT INTO categories (name, team_id, required_skill)
			VALUES ($1, (SELECT id FROM teams WHERE slug = $2), $3)
			ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`, name, teamSlug, skill).Scan(&id); err != nil {
		return 0, fmt.Errorf("seed category %s: %w", name, mapError(err))
	}
	return id, nil
}
