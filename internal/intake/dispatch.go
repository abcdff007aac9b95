package intake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// Dispatcher processes stored mail on the node that received it, right
// after the mail is committed, instead of through a River job per mail: a
// job costs an insert in the accepting transaction, a fetch and a
// completion, more than a third of the statements of a mail that becomes a
// ticket. Nothing is lost by it (jobs.Local). The stored row (status
// queued) is the durable record, written before the 250; mail this node
// does not finish — it must wait for its parent, it failed, the local queue
// was full, or the node stops — is handed to River as a job, and the
// Sweeper re-enqueues queued mail that has neither (everything at start,
// stale mail every minute), as it did for jobs lost with a killed node.
type Dispatcher struct {
	P       *Processor
	Jobs    *postgres.JobClient
	Log     *slog.Logger
	Workers int // concurrent mails; default 16
	Queue   int // mails waiting for a worker before River takes the overflow; default 4096

	once  sync.Once
	local jobs.Local
	// held is mail this node has just stored, by id, as it was written:
	// its worker then needs no read of the row (the raw mail and its
	// envelope come back from PostgreSQL otherwise). Bounded in bytes
	// (maxHeldBytes); past that, and for mail from River or the sweeper,
	// workers read the row.
	held      sync.Map // int64 -> *postgres.InboundMail
	heldBytes atomic.Int64

	// spill is mail the full local queue turned away, waiting to become
	// River jobs; one goroutine at a time (spilling) inserts it in batches.
	// Once stopped, overflow inserts at once, as Stop must leave a job for
	// every mail it did not finish.
	spillMu  sync.Mutex
	spill    []int64
	spilling bool
	stopped  bool
	spillWG  sync.WaitGroup
}

// maxSpillBatch bounds the jobs of one overflow insert.
const maxSpillBatch = 1000

// maxHeldBytes bounds the raw mail the dispatcher keeps for its queue.
const maxHeldBytes = 64 << 20

// submitStored is Submit for mail this node has just committed, with its row.
func (d *Dispatcher) submitStored(ctx context.Context, row *postgres.InboundMail) {
	if n := int64(len(row.Raw)); d.heldBytes.Add(n) <= maxHeldBytes {
		d.held.Store(row.ID, row)
	} else {
		d.heldBytes.Add(-n)
	}
	d.Submit(ctx, row.ID)
}

// take returns (and forgets) the row held for id, nil when none is.
func (d *Dispatcher) take(id int64) *postgres.InboundMail {
	v, ok := d.held.LoadAndDelete(id)
	if !ok {
		return nil
	}
	row := v.(*postgres.InboundMail)
	d.heldBytes.Add(-int64(len(row.Raw)))
	return row
}

func (d *Dispatcher) engine() *jobs.Local {
	d.once.Do(func() {
		d.local = jobs.Local{Run: d.process, Enqueue: d.overflow, Workers: d.Workers, Queue: d.Queue}
	})
	return &d.local
}

// Start runs the workers.
func (d *Dispatcher) Start(ctx context.Context) error { return d.engine().Start(ctx) }

// Submit hands committed mail to this node's workers; what they cannot take
// now (a full queue, a stopped node) becomes a River job.
func (d *Dispatcher) Submit(ctx context.Context, id int64) { d.engine().Submit(ctx, id) }

// Stop takes no more mail, hands what is still waiting to River, and lets
// the mails being processed and the overflow insert finish, until ctx ends:
// a mail cut off rolls back and stays queued for the Sweeper.
func (d *Dispatcher) Stop(ctx context.Context) error {
	d.spillMu.Lock()
	d.stopped = true // from now on overflow inserts at once: no new spill
	spilling := d.spilling
	d.spillMu.Unlock()
	err := d.engine().Stop(ctx)
	if !spilling {
		return err
	}
	spilled := make(chan struct{})
	go func() {
		d.spillWG.Wait()
		close(spilled)
	}()
	select {
	case <-spilled:
		return err
	case <-ctx.Done():
		// The overflow goroutine goes on inserting jobs while River and the
		// pool are still open. What it has not inserted by then stays
		// queued without a job: a Sweeper enqueues it, at a node's next
		// start or, once ten minutes old, from another running node. The
		// rows were committed before the 250: nothing is lost.
		return fmt.Errorf("stopped without waiting for the overflow insert: %w", ctx.Err())
	}
}

// overflow takes the mail the local queue has no room for. In a burst that
// is every mail past the queue's depth: one River insert, a transaction
// of its own, each, on the path of the SMTP answer. Instead the ids gather
// here and one goroutine inserts them in batches. Nothing rests on the job
// for durability: the row, committed before the 250, stays queued, and
// the Sweeper enqueues it should the node die before the insert.
func (d *Dispatcher) overflow(ctx context.Context, ids []int64, _ time.Time) {
	for _, id := range ids {
		d.take(id) // River's run reads the row
	}
	d.spillMu.Lock()
	if d.stopped {
		d.spillMu.Unlock()
		d.toRiver(ctx, ids, time.Time{})
		return
	}
	d.spill = append(d.spill, ids...)
	if !d.spilling {
		d.spilling = true
		d.spillWG.Add(1) // under the lock: never after Stop's Wait began
		go d.flushSpill(context.WithoutCancel(ctx))
	}
	d.spillMu.Unlock()
}

// flushSpill inserts the spilled ids as River jobs until none is left.
func (d *Dispatcher) flushSpill(ctx context.Context) {
	defer d.spillWG.Done()
	for {
		d.spillMu.Lock()
		n := min(len(d.spill), maxSpillBatch)
		if n == 0 {
			d.spill, d.spilling = nil, false
			d.spillMu.Unlock()
			return
		}
		batch := slices.Clone(d.spill[:n])
		d.spill = d.spill[n:]
		d.spillMu.Unlock()
		d.toRiver(ctx, batch, time.Time{})
	}
}

func (d *Dispatcher) process(ctx context.Context, id int64) {
	err := d.P.process(ctx, id, d.take(id))
	switch {
	case err == nil:
	case errors.Is(err, errWaitParent):
		// Its parent is not processed yet: River runs it again when the
		// wait is over, as a snoozed job would.
		d.toRiver(ctx, []int64{id}, time.Now().Add(parentDelay(err)))
	default:
		// River retries it with backoff and, out of attempts, marks it failed.
		d.Log.Warn("mail processing failed, retrying as a job", "inbound_id", id, "err", err)
		d.toRiver(ctx, []int64{id}, time.Now().Add(time.Second))
	}
}

// toRiver enqueues processing jobs for the mails, which its callers have
// taken off the local queue already. Should the insert fail (the
// database is away), the mail stays queued and the Sweeper finds it.
func (d *Dispatcher) toRiver(ctx context.Context, ids []int64, at time.Time) {
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
