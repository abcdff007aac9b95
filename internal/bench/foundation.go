package main

import (
	"context"
	"fmt"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

func init() { register(Bench{Name: "foundation", Order: 10, Run: benchCreate}) }

// benchCreate: ticket creation through the service layer (ticket + first
// message + event + enqueued River job + NOTIFY, one transaction) against a
// raw single-row INSERT into tickets, same pool, same run, 8 workers.
func benchCreate(ctx context.Context, env *Env) error {
	a, err := env.QuietApp(ctx, "bench_foundation")
	if err != nil {
		return err
	}
	defer a.Shutdown(context.WithoutCancel(ctx))
	req, err := auth.CreateUser(ctx, a.DB, auth.NewUser{Email: "bench@example.com", Name: "Bench", Role: helpdesk.RoleRequester})
	if err != nil {
		return err
	}
	const workers = 8
	d := 8 * time.Second
	raw, err := rate(ctx, workers, d, func(ctx context.Context, w, i int) error {
		_, err := a.DB.RawPool().Exec(ctx, "INSERT INTO tickets (subject, requester_id) VALUES ($1, $2)",
			fmt.Sprintf("raw %d-%d", w, i), req.ID)
		return err
	})
	if err != nil {
		return err
	}
	svc, err := rate(ctx, workers, d, func(ctx context.Context, w, i int) error {
		_, err := a.Tickets.Create(ctx, req, ticket.CreateInput{
			Subject:     fmt.Sprintf("VPN drops every few minutes on laptop %d-%d", w, i),
			Description: "Since this morning the VPN client disconnects every few minutes; reconnecting works for a while.",
			Urgency:     helpdesk.UrgencyHigh, Impact: helpdesk.ImpactPerson,
		})
		return err
	})
	if err != nil {
		return err
	}
	table(env.Out, [][]string{
		{"operation (8 workers, " + d.String() + " each)", "rate"},
		{"raw single-row INSERT into tickets", fmt.Sprintf("%.0f /s", raw)},
		{"ticket.Create (ticket+message+event+job+notify, 1 tx)", fmt.Sprintf("%.0f /s", svc)},
		{"ratio (raw inserts per create)", fmt.Sprintf("%.2f", raw/svc)},
	})
	return nil
}
