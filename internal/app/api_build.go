package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/api"
	"switchboard/internal/auth"
	"switchboard/internal/postgres"
)

// buildAPI makes the token store and the REST API handler; the server
// mounts it at /api.
func (a *App) buildAPI() *api.Handler {
	a.Tokens = &auth.Tokens{DB: a.DB, Key: a.Env.Config.SecretKey}
	a.API = api.New(api.Options{DB: a.DB, Tickets: a.Tickets, Tokens: a.Tokens, Log: a.Env.Log})
	return a.API
}

// wireAPIJobs registers the hourly sweep of expired idempotency keys; it
// must run before the River client is built.
func (a *App) wireAPIJobs() {
	river.AddWorker(a.Workers, &idempotencyCleanupWorker{db: a.DB})
	a.Periodic = append(a.Periodic, river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return idempotencyCleanupArgs{}, nil }, nil))
}

// idempotencyCleanupArgs is the hourly sweep job.
type idempotencyCleanupArgs struct{}

// Kind names the River job.
func (idempotencyCleanupArgs) Kind() string { return "api_idempotency_cleanup" }

type idempotencyCleanupWorker struct {
	river.WorkerDefaults[idempotencyCleanupArgs]
	db *postgres.DB
}

// Work deletes the API's idempotency keys older than 24 hours.
func (w *idempotencyCleanupWorker) Work(ctx context.Context, _ *river.Job[idempotencyCleanupArgs]) error {
	_, err := api.DeleteExpiredKeys(ctx, w.db)
	return err
}
