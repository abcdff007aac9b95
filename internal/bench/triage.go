package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

func init() { register(Bench{Name: "triage", Order: 60, Run: benchTriage}) }

// benchTriage: the triage job (load roster, lock the team's agent profiles,
// recount load, decide, assign, SLA deadlines, three events) against the
// bare minimum any assignment needs, a conditional UPDATE of the assignee,
// same pool, same run, 8 workers, on a 16-agent round-the-clock team.
func benchTriage(ctx context.Context, env *Env) error {
	a, err := env.QuietApp(ctx, "bench_triage")
	if err != nil {
		return err
	}
	defer a.Shutdown(context.WithoutCancel(ctx))
	for _, q := range []string{
		`INSERT INTO teams (slug, name) VALUES ('desk', 'Desk')`,
		`INSERT INTO categories (name, team_id, required_skill) SELECT 'General', id, 'general' FROM teams WHERE slug = 'desk'`,
		`INSERT INTO users (email, name, role) VALUES ('req@example.com', 'Req', 'requester')`,
		`INSERT INTO users (email, name, role) SELECT 'agent' || g || '@example.com', 'Agent ' || g, 'agent' FROM generate_series(1, 16) g`,
		`INSERT INTO agent_profiles (user_id, capacity) SELECT id, 100000 FROM users WHERE role = 'agent'`,
		`INSERT INTO team_members (team_id, user_id) SELECT t.id, u.id FROM teams t, users u WHERE t.slug = 'desk' AND u.role = 'agent'`,
		`INSERT INTO agent_skills SELECT id, 'general', 2 FROM users WHERE role = 'agent'`,
		`INSERT INTO agent_hours SELECT id, d, 0, 1440 FROM users, generate_series(0, 6) d WHERE role = 'agent'`,
		`INSERT INTO tickets (subject, category_id, team_id, requester_id)
			SELECT 'Ticket ' || g, c.id, c.team_id, u.id FROM generate_series(1, 100000) g, categories c, users u
			WHERE u.role = 'requester'`,
	} {
		if _, err := a.DB.RawPool().Exec(ctx, q); err != nil {
			return err
		}
	}
	rows, err := a.DB.RawPool().Query(ctx, `SELECT id FROM tickets ORDER BY id`)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	var agentIDs []int64
	rows, err = a.DB.RawPool().Query(ctx, `SELECT id FROM users WHERE role = 'agent' ORDER BY id`)
	if err != nil {
		return err
	}
	if agentIDs, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return err
	}
	var next atomic.Int64
	take := func() (int64, error) {
		i := next.Add(1) - 1
		if int(i) >= len(ids) {
			return 0, fmt.Errorf("ran out of tickets; lower the duration")
		}
		return ids[i], nil
	}
	const workers = 8
	d := 5 * time.Second
	raw, err := rate(ctx, workers, d, func(ctx context.Context, w, i int) error {
		id, err := take()
		if err != nil {
			return err
		}
		_, err = a.DB.RawPool().Exec(ctx, `UPDATE tickets SET assignee_id = $2 WHERE id = $1 AND assignee_id IS NULL`,
			id, agentIDs[i%len(agentIDs)])
		return err
	})
	if err != nil {
		return err
	}
	run, err := rate(ctx, workers, d, func(ctx context.Context, w, i int) error {
		id, err := take()
		if err != nil {
			return err
		}
		return a.Triage.Run(ctx, id)
	})
	if err != nil {
		return err
	}
	table(env.Out, [][]string{
		{"operation (8 workers, " + d.String() + " each, 16-agent team)", "rate"},
		{"raw conditional UPDATE of the assignee", fmt.Sprintf("%.0f /s", raw)},
		{"triage.Runner.Run (roster, locks, decide, assign, SLA, events)", fmt.Sprintf("%.0f /s", run)},
		{"ratio (raw updates per triage)", fmt.Sprintf("%.2f", raw/run)},
	})
	return nil
}
