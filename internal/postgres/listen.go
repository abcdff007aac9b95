package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Listen takes one connection out of the pool for good (a LISTENing session
// must not be handed to other queries), LISTENs on channels, calls ready
// once listening and on for every notification, until ctx ends or the
// connection fails; it then returns why. Notifications sent while no one
// listens are lost: the caller reconnects and resyncs.
func (db *DB) Listen(ctx context.Context, channels []string, ready func(), on func(channel, payload string)) error {
	pc, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	conn := pc.Hijack()
	defer conn.Close(context.WithoutCancel(ctx)) //nolint:errcheck // the connection is abandoned either way
	for _, ch := range channels {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			return fmt.Errorf("listen on %s: %w", ch, err)
		}
	}
	ready()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for notifications: %w", err)
		}
		on(n.Channel, n.Payload)
	}
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}
