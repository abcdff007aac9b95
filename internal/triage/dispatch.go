package triage

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// Dispatcher triages new tickets on the node that created them, right after
// their transaction commits, instead of through a River job per ticket: a
// job costs an insert (and its NOTIFY) in the creating transaction, a
// fetch, a completion and the job row's index entries, about a fifth of the
// database work of a new ticket. Nothing is lost by it (jobs.Local). The
// committed, untriaged ticket is the durable record; a ticket this node
// does not finish (triage failed, the local queue is full, the node stops)
// is handed to River as a job, and SweepUntriaged enqueues one for an old
// untriaged ticket that has no job (after a killed node), as it did for
// lost jobs. Several nodes may triage at once: Run's row and profile locks
// keep one decision per ticket and capacities exact, whoever runs it.
type Dispatcher struct {
	Runner  *Runner
	Jobs    *postgres.JobClient
	Log     *slog.Logger
	Workers int // concurrent runs, batched by Run; default maxBatch (64), so a backlog fills whole batches
	Queue   int // tickets waiting before River takes the overflow; default 16384

	once  sync.Once
	local jobs.Local
}

func (d *Dispatcher) engine() *jobs.Local {
	d.once.Do(func() {
		workers, queue := d.Workers, d.Queue
		if workers <= 0 {
			workers = maxBatch
		}
		if queue <= 0 {
			queue = 16384
		}
		d.local = jobs.Local{Run: d.run, Enqueue: d.toRiver, Workers: workers, Queue: queue}
	})
	return &d.local
}

// Start runs the workers.
func (d *Dispatcher) Start(ctx context.Context) error { return d.engine().Start(ctx) }

// Submit hands a committed ticket to this node's workers; what they cannot
// take now (a full queue, a node not started or stopping) becomes a River
// job.
func (d *Dispatcher) Submit(ctx context.Context, ticketID int64) { d.engine().Submit(ctx, ticketID) }

// Idle reports whether every ticket submitted so far has been triaged or
// handed to River: with no River job left either, triage has caught up.
func (d *Dispatcher) Idle() bool { return d.engine().Idle() }

// Stop takes no more tickets, hands what is still waiting to River, and
// lets the runs in progress finish (until ctx ends; a run cut off rolls
// back and its ticket is found by the sweep).
func (d *Dispatcher) Stop(ctx context.Context) error { return d.engine().Stop(ctx) }

func (d *Dispatcher) run(ctx context.Context, id int64) {
	if err := d.Runner.Run(ctx, id); err != nil {
		// River retries it with backoff and, out of attempts, discards it;
		// the sweep then finds the ticket.
		d.log().Warn("triage failed, retrying as a job", "ticket_id", id, "err", err)
		d.toRiver(ctx, []int64{id}, time.Now().Add(time.Second))
	}
}

// toRiver enqueues triage jobs for the tickets. Should that fail too (the
// database is away), the ticket stays untriaged and the sweep finds it.
func (d *Dispatcher) toRiver(ctx context.Context, ids []int64, at time.Time) {
	if d.Jobs == nil {
		d.log().Warn("tickets left for the untriaged sweep: no job client", "count", len(ids))
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: jobs.TriageArgs{TicketID: id}, InsertOpts: &river.InsertOpts{ScheduledAt: at}}
	}
	if _, err := d.Jobs.InsertManyFast(ctx, params); err != nil {
		d.log().Warn("tickets left for the untriaged sweep: enqueue failed", "count", len(ids), "err", err)
	}
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}
