package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// These read River's own job table, which sqlc does not know (River
// migrates it itself), so they are written by hand.

// MailOrphans lists stored mail still queued since before `before` that has
// no waiting or retrying processing job: its job died with a killed node
// (River keeps such a job "running" for an hour) or was never enqueued.
func (db *DB) MailOrphans(ctx context.Context, before time.Time) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT i.id FROM inbound_mail i
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
	rows, err := db.pool.Query(ctx, `SELECT o.id FROM outbox o WHERE o.status = 'queued'
		AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.kind = 'mail_send'
		    AND j.state IN ('available', 'scheduled', 'retryable', 'pending')
		    AND (j.args->>'outbox_id')::bigint = o.id) ORDER BY o.id`)
	if err != nil {
		return nil, mapError(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, mapError(err)
}

// UntriagedOrphans lists open, unassigned tickets created before `before`
// that were never triaged and have no triage job waiting or running: the
// job was lost or gave up, and nothing else would ever triage them.
func (db *DB) UntriagedOrphans(ctx context.Context, before time.Time) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT t.id FROM tickets t
		WHERE t.triaged_at IS NULL AND t.assignee_id IS NULL AND t.status NOT IN ('resolved', 'closed')
		  AND t.merged_into_id IS NULL AND t.created_at < $1
		  AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.kind = 'triage'
		      AND j.state IN ('available', 'scheduled', 'retryable', 'pending', 'running')
		      AND (j.args->>'ticket_id')::bigint = t.id)
		ORDER BY t.id LIMIT 10000`, before)
	if err != nil {
		return nil, fmt.Errorf("find untriaged tickets: %w", mapError(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("find untriaged tickets: %w", mapError(err))
	}
	return ids, nil
}
