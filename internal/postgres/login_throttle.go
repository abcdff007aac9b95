package postgres

import (
	"context"
	"time"
)

// Sign-in throttling counters (auth.Throttle), kept here so every app node
// sees the same counts.

// LoginWait returns how long until none of keys is locked; zero when none is.
func (db *DB) LoginWait(ctx context.Context, keys ...string) (time.Duration, error) {
	var secs *float64
	err := db.pool.QueryRow(ctx, `SELECT extract(epoch FROM max(locked_until) - clock_timestamp())::float8
		FROM login_attempts WHERE key = ANY($1) AND locked_until > clock_timestamp()`, keys).Scan(&secs)
	if err != nil || secs == nil || *secs <= 0 {
		return 0, mapError(err)
	}
	return time.Duration(*secs * float64(time.Second)), nil
}

// LoginFail counts a failure for key within window; once failures reach
// free, the key is locked for first, doubling with each further failure up
// to most. A window that has passed (and no lock in force) starts over.
func (db *DB) LoginFail(ctx context.Context, key string, free int, window, first, most time.Duration) error {
	_, err := db.pool.Exec(ctx, `
		INSERT INTO login_attempts AS a (key, failures, window_start) VALUES ($1, 1, now())
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN a.window_start < now() - make_interval(secs => $2) AND (a.locked_until IS NULL OR a.locked_until < now())
			                THEN 1 ELSE a.failures + 1 END,
			window_start = CASE WHEN a.window_start < now() - make_interval(secs => $2) AND (a.locked_until IS NULL OR a.locked_until < now())
			                THEN now() ELSE a.window_start END`, key, window.Seconds())
	if err != nil {
		return mapError(err)
	}
	_, err = db.pool.Exec(ctx, `UPDATE login_attempts SET locked_until = now() + least(
			make_interval(secs => $2 * power(2, failures - $3)), make_interval(secs => $4))
		WHERE key = $1 AND failures >= $3`, key, first.Seconds(), free, most.Seconds())
	return mapError(err)
}

// LoginClear forgets key's failures (a successful sign-in of that account).
func (db *DB) LoginClear(ctx context.Context, key string) error {
	_, err := db.pool.Exec(ctx, "DELETE FROM login_attempts WHERE key = $1", key)
	return mapError(err)
}
