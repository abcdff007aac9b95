package intake

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// Dispatcher processes stored mail on the node that received it, right
// after the mail is committed, instead of through a River job per mail: a
// job costs an insert in the accepting transaction, a fetch and a
// completion, more than a third of the statements of a mail that becomes a
// ticket. Nothing is lost by it. The stored row (status queued) is the
// durable record, written before the 250; mail this node does not finish —
// it must wait for its parent, it failed, the local queue was full, or the
// node stops — is handed to River as a job, and the Sweeper re-enqueues
// queued mail that has neither (everything at start, stale mail every
// minute), as it did for jobs lost with a killed node.
type Dispatcher struct {
	P       *Processor
	Jobs    *postgres.JobClient
	Log     *slog.Logger
	Workers int // concurrent mails; default 16
	Queue   int // mails waiting for a worker before River takes the overflow; default 4096

	mu     sync.Mutex
	queue  chan int64
	closed bool
	wg     sync.WaitGroup
	cancel context.CancelFunc
}

// perMail bounds one mail's processing here, as River's job timeout did.
const perMail = time.Minute

// Start runs the workers.
func (d *Dispatcher) Start(ctx context.Context) error {
	if d.Workers <= 0 {
		d.Workers = 16
	}
	if d.Queue <= 0 {
		d.Queue = 4096
	}
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d.mu.Lock()
	d.queue, d.cancel = make(chan int64, d.Queue), cancel
	d.mu.Unlock()
	for range d.Workers {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			for id := range d.queue {
				d.process(base, id)
			}
		}()
	}
	return nil
}

// Submit hands committed mail to this node's workers; what they cannot take
// now (a full queue, a stopped node) becomes a River job.
func (d *Dispatcher) Submit(ctx context.Context, id int64) {
	d.mu.Lock()
	if d.queue != nil && !d.closed {
		select {
		case d.queue <- id:
			d.mu.Unlock()
			return
		default:
		}
	}
	d.mu.Unlock()
	d.toRiver(ctx, []int64{id}, time.Time{})
}

func (d *Dispatcher) process(base context.Context, id int64) {
	ctx, cancel := context.WithTimeout(base, perMail)
	defer cancel()
	err := d.P.Process(ctx, id)
	switch {
	case err == nil:
	case errors.Is(err, errWaitParent):
		// Its parent is stored but not processed yet: River runs it again
		// shortly, as a snoozed job would.
		d.toRiver(base, []int64{id}, time.Now().Add(parentSnooze))
	default:
		// River retries it with backoff and, out of attempts, marks it failed.
		d.Log.Warn("mail processing failed, retrying as a job", "inbound_id", id, "err", err)
		d.toRiver(base, []int64{id}, time.Now().Add(time.Second))
	}
}

// toRiver enqueues processing jobs for the mails. Should that fail too (the
// database is away), the mail stays queued and the Sweeper finds it.
func (d *Dispatcher) toRiver(ctx context.Context, ids []int64, at time.Time) {
	if len(ids) == 0 {
		return
	}
	if d.Jobs == nil {
		d.Log.Warn("mail left for the sweeper: no job client", "count", len(ids))
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: jobs.ProcessArgs{InboundID: id}, InsertOpts: &river.InsertOpts{
			ScheduledAt: at, Queue: jobs.QueueMail, MaxAttempts: jobs.ProcessArgs{}.InsertOpts().MaxAttempts}}
	}
	if _, err := d.Jobs.InsertMany(ctx, params); err != nil {
		d.Log.Warn("mail left for the sweeper: enqueue failed", "count", len(ids), "err", err)
	}
}

// Stop takes no more mail, hands what is still waiting to River, and lets
// the mails being processed finish (until ctx ends; a mail cut off rolls
// back and stays queued for the Sweeper).
func (d *Dispatcher) Stop(ctx context.Context) error {
	d.mu.Lock()
	if d.queue == nil || d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	close(d.queue)
	d.mu.Unlock()
	var left []int64
	for id := range d.queue { // the workers take some too; each id goes to one of us
		left = append(left, id)
	}
	d.toRiver(ctx, left, time.Time{})
	done := make(chan struct{})
	go func() {
		d.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		d.cancel()
		<-done
	}
	d.cancel()
	return nil
}
