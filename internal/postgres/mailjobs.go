package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// These two read River's own job table, which sqlc does not know (River
// migrates it itself), so they are written by hand.

// MailOrphans lists stored mail still queued since before `before` that has
// no waiting or retrying processing job: its job died with a killed node
// (River keeps such a job "running" for an hour) or was never enqueued.
func (db *DB) MailOrphans(ctx context.Context, before time.Time) ([]int64, error) {
	rows, err := db.Pool.Query(ctx, `SELECT i.id FROM inbound_mail i
		WHERE i.status = 'queued' AND i.received_at < $1
		  AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.kind = 'mail_process'
		      AND j.state IN ('available', 'scheduled', 'retryable', 'pending')
		      AND (j.args->>'inbound_id')::bigint = i.id)
		ORDER BY i.id LIMIT 10000`, before)
	if err != nil {
		return nil, mapError(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, mapError(err)
}

// OutboxOrphans lists queued outgoing mail without a waiting send job (kept
// while there was no relay, or whose job died with its node).
func (db *DB) OutboxOrphans(ctx context.Context) ([]int64, error) {
	rows, err := db.Pool.Query(ctx, `SELECT o.id FROM outbox o WHERE o.status = 'queued'
		AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.kind = 'mail_send'
		    AND j.state IN ('available', 'scheduled', 'retryable', 'pending')
		    AND (j.args->>'outbox_id')::bigint = o.id) ORDER BY o.id`)
	if err != nil {
		return nil, mapError(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, mapError(err)
}
