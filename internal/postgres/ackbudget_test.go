package postgres_test

import (
	"context"
	"testing"
	"time"

	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
)

// AcksSent counts a sender's answers of the last hour and says when the
// oldest of them leaves it: the notifier trusts a spent budget until then.
func TestAcksSentFreesWithTheOldest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	if _, err := db.RawPool().Exec(ctx, `INSERT INTO ack_log (sender, sent_at) VALUES
		('robot@example.com', now() - interval '50 minutes'), ('robot@example.com', now() - interval '10 minutes'),
		('robot@example.com', now() - interval '2 hours'), ('other@example.com', now())`); err != nil {
		t.Fatal(err)
	}
	check := func(sender string, wantSent int64, lo, hi time.Duration) {
		t.Helper()
		if err := db.InTx(ctx, func(tx *postgres.Tx) error {
			sent, freeIn, err := tx.AcksSent(ctx, sender)
			if err != nil {
				return err
			}
			if sent != wantSent || freeIn < lo || freeIn > hi {
				t.Errorf("%s: %d sent, free in %s; want %d, free in %s..%s", sender, sent, freeIn, wantSent, lo, hi)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	check("robot@example.com", 2, 9*time.Minute, 10*time.Minute)
	check("nobody@example.com", 0, 0, 0)
}
