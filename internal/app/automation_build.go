package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/automation"
	"switchboard/internal/jobs"
)

// wireAutomation builds the rules engine and registers its jobs: the
// per-ticket drain (kicked by every ticket change), the periodic tick
// (schedule rules and leftovers) and the chat fallback. It runs before the
// River client exists; build hands it the client afterwards.
func (a *App) wireAutomation(cw *changedWorker) {
	log := a.Env.Log.With("part", "automation")
	a.Automation = &automation.Service{DB: a.DB, Tickets: a.Tickets, Log: log}
	cw.handlers = append(cw.handlers, a.Automation.Kick)
	river.AddWorker(a.Workers, &funcWorker[jobs.AutomationArgs]{run: func(ctx context.Context, args jobs.AutomationArgs) error {
		return a.Automation.Drain(ctx, args.TicketID)
	}})
	river.AddWorker(a.Workers, &funcWorker[jobs.AutomationTickArgs]{run: func(ctx context.Context, _ jobs.AutomationTickArgs) error {
		return a.Automation.Tick(ctx)
	}, limit: 5 * time.Minute})
	// The chat connectors may replace this worker with one that posts.
	river.AddWorker(a.Workers, &funcWorker[jobs.ChatNotifyArgs]{run: automation.ChatFallback(log.Info)})
	a.Periodic = append(a.Periodic, periodic(automation.TickEvery, jobs.AutomationTickArgs{}, true))
}
