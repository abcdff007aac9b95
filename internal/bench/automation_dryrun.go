package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
)

func init() { register(Bench{Name: "automation_dryrun", Order: 86, Run: benchDryRun}) }

// dryRunTickets is the size of the data set a dry-run is measured on: one
// generated ticket and one status event per ticket, spread over 90 days.
const dryRunTickets = 1_000_000

// benchDryRun: how long a rule preview takes at 1M tickets and 1M events,
// and which bound it hit. The data set is generated in SQL once and kept
// in the bench_dryrun database (delete it, or use a fresh -dir, to redo).
func benchDryRun(ctx context.Context, env *Env) error {
	conn, err := env.Database(ctx, "bench_dryrun", false)
	if err != nil {
		return err
	}
	a, err := env.StartApp(ctx, conn, map[string]string{"NO_HTTP": "1"})
	if err != nil {
		return err
	}
	defer a.Shutdown(context.WithoutCancel(ctx))
	if err := a.Jobs.Stop(ctx); err != nil {
		return err
	}
	var n int
	if err := a.DB.RawPool().QueryRow(ctx, `SELECT count(*) FROM tickets`).Scan(&n); err != nil {
		return err
	}
	admin, err := a.DB.UserByEmail(ctx, "admin@dryrun.example")
	if n < dryRunTickets || err != nil {
		start := time.Now()
		fmt.Fprintf(os.Stderr, "generating %d tickets and events…\n", dryRunTickets)
		if _, err := a.DB.RawPool().Exec(ctx, `INSERT INTO teams (slug, name, hours) VALUES ('desk', 'Desk',
			'[{"day":1,"start":540,"end":1020},{"day":2,"start":540,"end":1020},{"day":3,"start":540,"end":1020},{"day":4,"start":540,"end":1020},{"day":5,"start":540,"end":1020}]')`); err != nil {
			return err
		}
		if admin, err = auth.CreateUser(ctx, a.DB, auth.NewUser{Email: "admin@dryrun.example", Name: "Admin", Role: helpdesk.RoleAdmin}); err != nil {
			return err
		}
		req, err := auth.CreateUser(ctx, a.DB, auth.NewUser{Email: "req@dryrun.example", Name: "Req", Role: helpdesk.RoleRequester})
		if err != nil {
			return err
		}
		if _, err := a.DB.RawPool().Exec(ctx, `INSERT INTO tickets (subject, status, priority, requester_id, team_id, created_at, updated_at)
			SELECT 'Generated ticket ' || g, (ARRAY['new','open','pending','on_hold','resolved','closed'])[1 + g % 6],
				(ARRAY['P1','P2','P3','P4'])[1 + g % 4], $1, (SELECT id FROM teams WHERE slug = 'desk'),
				now() - (g % 90) * interval '1 day' - (g % 1440) * interval '1 minute',
				now() - (g % 90) * interval '1 day' - (g % 720) * interval '1 minute'
			FROM generate_series(1, $2::int) g`, req.ID, dryRunTickets); err != nil {
			return err
		}
		if _, err := a.DB.RawPool().Exec(ctx, `INSERT INTO ticket_events (ticket_id, kind, before, after, reason, created_at)
			SELECT id, 'status_changed', '{"status": "open"}', jsonb_build_object('status', status), '', updated_at FROM tickets`); err != nil {
			return err
		}
		if _, err := a.DB.RawPool().Exec(ctx, `ANALYZE tickets; ANALYZE ticket_events`); err != nil {
			return err
		}
		fmt.Fprintf(env.Out, "generated %d tickets and events in %s\n", dryRunTickets, time.Since(start).Round(time.Second))
	} else {
		fmt.Fprintf(env.Out, "reusing %d tickets (bench_dryrun database)\n", n)
	}
	rules := []automation.RuleInput{
		{Name: "updated: pending P1", Trigger: helpdesk.TriggerUpdated, Condition: `change.status.to == "pending" && ticket.priority == "P1"`,
			Actions: []helpdesk.RuleAction{{Type: "set", Field: "status", Value: "open"}}},
		{Name: "schedule: pending 3 business days", Trigger: helpdesk.TriggerSchedule, Every: "1h",
			Condition: `ticket.status == "pending" && ticket.idle_business_days >= 3`,
			Actions:   []helpdesk.RuleAction{{Type: "add_tag", Tag: "nudge"}}},
	}
	fmt.Fprintf(env.Out, "dry-run over 30 days at %d tickets (bounds: %d events or %d candidate tickets, %s per statement, %s in all, %d listed)\n",
		dryRunTickets, automation.MaxEvents, automation.MaxCandidates, "20s", automation.PreviewBudget, automation.MaxListed)
	for _, in := range rules {
		r, err := a.Automation.Create(ctx, admin, in)
		if err != nil {
			return err
		}
		var took []time.Duration
		var last *automation.DryRun
		for range 3 {
			start := time.Now()
			if last, err = a.Automation.DryRun(ctx, admin, r.ID, 30); err != nil {
				return err
			}
			took = append(took, time.Since(start))
		}
		slices.Sort(took)
		fmt.Fprintf(env.Out, "  %-36s median %s (min %s, max %s): scanned %d, matched %d, truncated %v\n", in.Name,
			took[1].Round(time.Millisecond), took[0].Round(time.Millisecond), took[2].Round(time.Millisecond),
			last.Scanned, last.Matched, last.Truncated)
	}
	return nil
}
