package postgres

import (
	"context"
	"sync"
	"time"
)

// Live-update notifications (TicketChannel) are sent after the changing
// transaction commits, by one statement for everything committed
// meanwhile, rather than by a NOTIFY inside that transaction. PostgreSQL
// serialises the commits of all transactions that NOTIFY (each holds a
// database-wide lock from before its commit record until the commit is
// flushed, so that the notification queue is in commit order): with a
// NOTIFY in every ticket creation and triage, concurrent creations
// committed one fsync after another, and in the end-to-end benchmark
// most active backends were waiting on that lock ("Lock: object") instead
// of sharing a WAL flush. A notification is a hint to refresh a live view
// (every view reads the committed rows again), so one lost with a node
// killed between its commit and the send costs a stale view until the next
// change, never data.

// announcer sends the ticket numbers committed on a DB's pool, batched.
type announcer struct {
	mu      sync.Mutex
	pending []int64
	sending bool
}

// announce queues numbers to be sent on TicketChannel; a sender goroutine
// runs while there is something to send.
func (db *DB) announce(numbers []int64) {
	a := &db.ann
	a.mu.Lock()
	a.pending = append(a.pending, numbers...)
	if a.sending {
		a.mu.Unlock()
		return
	}
	a.sending = true
	a.mu.Unlock()
	go db.sendAnnouncements()
}

// sendAnnouncements sends what is queued, one statement per batch (the
// numbers queued while the previous batch was being sent form the next),
// each number once per batch.
func (db *DB) sendAnnouncements() {
	a := &db.ann
	for {
		a.mu.Lock()
		batch := a.pending
		a.pending = nil
		if len(batch) == 0 {
			a.sending = false
			a.mu.Unlock()
			return
		}
		a.mu.Unlock()
		seen := make(map[int64]bool, len(batch))
		uniq := batch[:0]
		for _, n := range batch {
			if !seen[n] {
				seen[n] = true
				uniq = append(uniq, n)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		// Best effort (see above): an error (the database away, the pool
		// closed at shutdown) drops this batch.
		_, _ = db.pool.Exec(ctx, `SELECT pg_notify($1, n::text) FROM unnest($2::bigint[]) WITH ORDINALITY AS x(n, i) ORDER BY i`,
			TicketChannel, uniq)
		cancel()
	}
}

// afterCommit collects what a transaction (and its savepoints) announces.
type afterCommit struct {
	numbers []int64
}

// NotifyTicket tells every node's live view that a ticket changed, once
// the transaction commits (nothing when it rolls back).
func (tx *Tx) NotifyTicket(_ context.Context, number int64) error {
	tx.after.numbers = append(tx.after.numbers, number)
	return nil
}
