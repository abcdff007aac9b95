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
// (schedule rules and leftovers) and webhook deliveries; a rule's
// chat message is worked by ChatOps (wireChat). It runs before the
// River client exists; build hands it the client afterwards.
func (a *App) wireAutomation(cw *changedWorker) {
	log := a.Env.Log.With("part", "automation")
	a.Automation = &automation.Service{DB: a.DB, Tickets: a.Tickets, Log: log, Secret: a.Env.Config.SecretKey}
	// New tickets no created rule acts on skip the drain (wireTriage ran).
	a.Triage.MayActOnCreated = automation.MayActOnCreated
	cw.handlers = append(cw.handlers, a.Automation.Kick)
	river.AddWorker(a.Workers, &funcWorker[jobs.AutomationArgs]{run: func(ctx context.Context, args jobs.AutomationArgs) error {
		if len(args.TicketIDs) > 0 {
			return a.Automation.DrainMany(ctx, args.TicketIDs)
		}
		return a.Automation.Drain(ctx, args.TicketID)
	}})
	river.AddWorker(a.Workers, &funcWorker[jobs.AutomationTickArgs]{run: func(ctx context.Context, _ jobs.AutomationTickArgs) error {
		return a.Automation.Tick(ctx)
	}, limit: 5 * time.Minute})
	river.AddWorker(a.Workers, &deliveryWorker{svc: a.Automation})
	a.Periodic = append(a.Periodic, periodic(automation.TickEvery, jobs.AutomationTickArgs{}, true))
}

// deliveryWorker sends one webhook delivery; River retries a failed one
// with its exponential backoff, and the last attempt marks it failed.
type deliveryWorker struct {
	river.WorkerDefaults[jobs.WebhookDeliveryArgs]
	svc *automation.Service
}

// Work makes one attempt.
func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[jobs.WebhookDeliveryArgs]) error {
	return w.svc.Deliver(ctx, job.Args.DeliveryID, job.Attempt >= job.MaxAttempts)
}

// Timeout leaves room for the attempt's own 10 s limit.
func (w *deliveryWorker) Timeout(*river.Job[jobs.WebhookDeliveryArgs]) time.Duration {
	return 30 * time.Second
}
