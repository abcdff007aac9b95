package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
	"switchboard/internal/testwait"
)

// A ticket's live-update notification reaches listeners once its
// transaction commits (also when it was announced in a savepoint), and
// never for a transaction that rolled back.
func TestTicketNotificationsAfterCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	conn, err := db.RawPool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+postgres.TicketChannel); err != nil {
		t.Fatal(err)
	}
	next := func() string {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, testwait.Long)
		defer cancel()
		n, err := conn.Conn().WaitForNotification(wctx)
		if err != nil {
			t.Fatalf("no notification: %v", err)
		}
		return n.Payload
	}
	announce := func(numbers ...int64) error {
		return db.InTx(ctx, func(tx *postgres.Tx) error {
			for _, n := range numbers {
				if err := tx.NotifyTicket(ctx, n); err != nil {
					return err
				}
			}
			return nil
		})
	}

	if err := announce(101); err != nil {
		t.Fatal(err)
	}
	if got := next(); got != "101" {
		t.Fatalf("after commit: %q, want 101", got)
	}
	failed := errors.New("rolled back")
	if err := db.InTx(ctx, func(tx *postgres.Tx) error {
		_ = tx.NotifyTicket(ctx, 102)
		return failed
	}); !errors.Is(err, failed) {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx *postgres.Tx) error {
		return tx.Savepoint(ctx, func(sp *postgres.Tx) error { return sp.NotifyTicket(ctx, 103) })
	}); err != nil {
		t.Fatal(err)
	}
	// 102 rolled back: the next note is the savepoint's.
	if got := next(); got != "103" {
		t.Fatalf("after a rollback and a savepoint: %q, want 103 (102 rolled back)", got)
	}
	// Many commits at once: every number arrives (batched, each once).
	start := time.Now()
	for n := int64(200); n < 250; n++ {
		go func() { _ = announce(n, n) }()
	}
	seen := map[string]int{}
	for len(seen) < 50 {
		seen[next()]++
	}
	for p, c := range seen {
		// Each transaction announced its number twice: one batch sends it once.
		if c != 1 {
			t.Errorf("ticket %s announced %d times, want once", p, c)
		}
	}
	t.Logf("50 concurrent commits announced in %s", time.Since(start))
}
