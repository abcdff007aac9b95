package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/auth"
	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

func init() { register(Bench{Name: "automation", Order: 85, Run: benchAutomation}) }

// benchAutomation: the cost rules add to a ticket change. A staff change
// of priority (the ticket service's Update: lock, event, follow-up job) is
// timed without any rule, then with 50 enabled ticket.updated rules whose
// conditions are evaluated (none matches, so the figure is evaluation, not
// actions) — the change plus the drain of its event through the rules, as
// the automation job does it.
func benchAutomation(ctx context.Context, env *Env) error {
	a, err := env.QuietApp(ctx, "bench_automation")
	if err != nil {
		return err
	}
	defer a.Shutdown(context.WithoutCancel(ctx))
	if _, err := a.DB.RawPool().Exec(ctx, `INSERT INTO teams (slug, name) VALUES ('desk', 'Desk')`); err != nil {
		return err
	}
	admin, err := auth.CreateUser(ctx, a.DB, auth.NewUser{Email: "admin@example.com", Name: "Admin", Role: helpdesk.RoleAdmin, TeamSlug: "desk"})
	if err != nil {
		return err
	}
	req, err := auth.CreateUser(ctx, a.DB, auth.NewUser{Email: "req@example.com", Name: "Req", Role: helpdesk.RoleRequester})
	if err != nil {
		return err
	}
	const n = 400
	var nums []int64
	for i := range 50 {
		t, err := a.Tickets.Create(ctx, req, ticket.CreateInput{Subject: fmt.Sprintf("Ticket %d", i), Description: "text",
			Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyMedium})
		if err != nil {
			return err
		}
		nums = append(nums, t.Number)
	}
	prio := []helpdesk.Priority{helpdesk.P3, helpdesk.P4}
	change := func(i int) (int64, error) {
		p := prio[(i/len(nums))%2]
		num := nums[i%len(nums)]
		_, err := a.Tickets.Update(ctx, admin, num, ticket.Changes{Priority: &p})
		return num, err
	}
	without, err := latencies(n, func(i int) error { _, err := change(i); return err })
	if err != nil {
		return err
	}
	for i := range 50 {
		if _, err := a.Automation.Create(ctx, admin, automation.RuleInput{Name: fmt.Sprintf("rule %d", i),
			Trigger: helpdesk.TriggerUpdated, Enabled: true,
			Condition: fmt.Sprintf(`ticket.subject contains "keyword %d" && change.priority.to == "P1" || ticket.requester == "nobody%d@example.com"`, i, i),
			Actions:   []helpdesk.RuleAction{{Type: "set", Field: "status", Value: "open"}}}); err != nil {
			return err
		}
	}
	ids := map[int64]int64{}
	rows, err := a.DB.RawPool().Query(ctx, `SELECT number, id FROM tickets`)
	if err != nil {
		return err
	}
	type pair struct{ Number, ID int64 }
	ps, err := pgx.CollectRows(rows, pgx.RowToStructByPos[pair])
	if err != nil {
		return err
	}
	for _, p := range ps {
		ids[p.Number] = p.ID
	}
	with, err := latencies(n, func(i int) error {
		num, err := change(i + n)
		if err != nil {
			return err
		}
		return a.Automation.Drain(ctx, ids[num])
	})
	if err != nil {
		return err
	}
	runs := 0
	if err := a.DB.RawPool().QueryRow(ctx, `SELECT count(*) FROM automation_runs`).Scan(&runs); err != nil {
		return err
	}
	table(env.Out, [][]string{{"ticket change", "p50", "p95"},
		{"no rules", ms(pct(without, 50)), ms(pct(without, 95))},
		{"50 rules, evaluated", ms(pct(with, 50)), ms(pct(with, 95))}})
	_, _ = fmt.Fprintf(env.Out, "automation: 50 rules add %s per change at the median (%.2fx); %d runs fired (want 0)\n",
		ms(pct(with, 50)-pct(without, 50)), float64(pct(with, 50))/float64(pct(without, 50)), runs)
	return nil
}
