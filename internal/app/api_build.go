package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/api"
	"switchboard/internal/auth"
	"switchboard/internal/jobs"
)

// buildAPI makes the token store and the REST API handler; the server
// mounts it at /api.
func (a *App) buildAPI() *api.Handler {
	a.Tokens = &auth.Tokens{DB: a.DB, Key: a.Env.Config.SecretKey}
	a.Directory = &auth.Directory{DB: a.DB}
	cfg := a.Env.Config
	a.API = api.New(api.Options{DB: a.DB, Tickets: a.Tickets, Tokens: a.Tokens, Directory: a.Directory, KB: a.KB, Incidents: a.Incidents, Phishing: a.Phishing,
		Automation: a.Automation,
		Approvals:  a.Approvals,
		Log:        a.Env.Log, RatePerSecond: cfg.APIRate, Burst: cfg.APIBurst, Health: a.Health})
	return a.API
}

// wireAPIJobs registers the hourly sweep of expired idempotency keys; it
// must run before the River client is built.
func (a *App) wireAPIJobs() {
	river.AddWorker(a.Workers, &funcWorker[jobs.IdempotencyCleanupArgs]{run: func(ctx context.Context, _ jobs.IdempotencyCleanupArgs) error {
		_, err := api.DeleteExpiredKeys(ctx, a.DB)
		return err
	}})
	a.Periodic = append(a.Periodic, periodic(time.Hour, jobs.IdempotencyCleanupArgs{}, false))
}
