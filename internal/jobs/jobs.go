// Package jobs builds the River client on the shared pool and registers every
// worker. Jobs are inserted by the services inside their own transactions;
// River hands each one to exactly one node.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"switchboard/internal/ticket"
)

// QueueMail is the River queue of the mail intake and notification jobs.
const QueueMail = "mail"

// Config says which workers this node runs. An insert-only client (for CLI
// commands) has no workers.
type Config struct {
	Workers    *river.Workers
	Periodic   []*river.PeriodicJob
	MaxWorkers int
	Logger     *slog.Logger
	InsertOnly bool
}

// NewClient builds the River client.
func NewClient(pool *pgxpool.Pool, cfg Config) (*river.Client[pgx.Tx], error) {
	rc := &river.Config{Logger: cfg.Logger}
	if !cfg.InsertOnly {
		if cfg.MaxWorkers == 0 {
			cfg.MaxWorkers = 20
		}
		// Triage jobs take a few milliseconds; River's default 100 ms fetch
		// cooldown would cap a node at MaxWorkers jobs per 100 ms.
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers, FetchCooldown: 20 * time.Millisecond},
			// Mail intake and sending run several short jobs per mail; their
			// own queue and a short fetch cooldown keep a burst of mail from
			// waiting behind triage and from being capped by fetch rounds.
			QueueMail: {MaxWorkers: cfg.MaxWorkers, FetchCooldown: 10 * time.Millisecond}}
		rc.Workers = cfg.Workers
		rc.PeriodicJobs = cfg.Periodic
	}
	return river.NewClient(riverpgxv5.New(pool), rc)
}

// ChangedWorker fans a ticket change out to its followers (notifications,
// SLA recalculation).
type ChangedWorker struct {
	river.WorkerDefaults[ticket.ChangedArgs]
	Handlers []func(ctx context.Context, args ticket.ChangedArgs) error
}

// Work runs each handler; River retries the job if one fails.
func (w *ChangedWorker) Work(ctx context.Context, job *river.Job[ticket.ChangedArgs]) error {
	for _, h := range w.Handlers {
		if err := h(ctx, job.Args); err != nil {
			return err
		}
	}
	return nil
}
