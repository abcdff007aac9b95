package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/jobs"
)

// changedWorker fans a ticket change out to its followers (notifications,
// SLA recalculation).
type changedWorker struct {
	river.WorkerDefaults[jobs.ChangedArgs]
	handlers []func(ctx context.Context, args jobs.ChangedArgs) error
}

// Work runs each handler; River retries the job if one fails.
func (w *changedWorker) Work(ctx context.Context, job *river.Job[jobs.ChangedArgs]) error {
	for _, h := range w.handlers {
		if err := h(ctx, job.Args); err != nil {
			return err
		}
	}
	return nil
}

// funcWorker runs run for each job of kind T: the composition root supplies
// the function, so a feature's service needs no River worker type of its own.
type funcWorker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	run   func(ctx context.Context, args T) error
	limit time.Duration // how long one run may take; 0 = River's minute
}

// Work calls run.
func (w *funcWorker[T]) Work(ctx context.Context, job *river.Job[T]) error {
	return w.run(ctx, job.Args)
}

// Timeout overrides River's default one minute when set (training takes
// longer).
func (w *funcWorker[T]) Timeout(*river.Job[T]) time.Duration {
	if w.limit == 0 {
		return time.Minute
	}
	return w.limit
}
