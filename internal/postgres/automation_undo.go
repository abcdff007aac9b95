package postgres

import (
	"context"
	"fmt"
	"time"
)

// UndoableRun is a run a rollback is about to undo: its id, rule version
// and time (changes by people after it are conflicts).
type UndoableRun struct {
	ID          int64
	RuleVersion int
	CreatedAt   time.Time
	UndoneBy    *int64
}

// LockRunForUndo locks one run so two rollbacks of it queue up, and says
// whether (and by which run) it was undone already.
func (tx *Tx) LockRunForUndo(ctx context.Context, id int64) (*UndoableRun, error) {
	var r UndoableRun
	err := tx.tx.QueryRow(ctx, `SELECT id, rule_version, created_at, undone_by FROM automation_runs WHERE id = $1 FOR UPDATE`, id).
		Scan(&r.ID, &r.RuleVersion, &r.CreatedAt, &r.UndoneBy)
	if err != nil {
		return nil, fmt.Errorf("lock run %d: %w", id, mapError(err))
	}
	return &r, nil
}

// LockRunsInRange locks the runs of one rule version made in [from, to)
// that changed tickets (kinds run and manual, not rollbacks) and were not
// undone yet, newest first, at most limit+1 so the caller can tell the
// range holds more than it may undo at once. The index on (rule, version,
// time) keeps it a range scan however long the run log is.
func (tx *Tx) LockRunsInRange(ctx context.Context, ruleID int64, version int, from, to time.Time, limit int) ([]UndoableRun, error) {
	rows, err := tx.tx.Query(ctx, `SELECT id, rule_version, created_at, undone_by FROM automation_runs
		WHERE rule_id = $1 AND rule_version = $2 AND created_at >= $3 AND created_at < $4
		AND kind IN ('run', 'manual') AND undone_by IS NULL
		ORDER BY id DESC LIMIT $5 FOR UPDATE`, ruleID, version, from, to, limit+1)
	if err != nil {
		return nil, fmt.Errorf("runs of rule %d version %d: %w", ruleID, version, mapError(err))
	}
	defer rows.Close()
	var out []UndoableRun
	for rows.Next() {
		var r UndoableRun
		if err := rows.Scan(&r.ID, &r.RuleVersion, &r.CreatedAt, &r.UndoneBy); err != nil {
			return nil, fmt.Errorf("runs of rule %d version %d: %w", ruleID, version, mapError(err))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("runs of rule %d version %d: %w", ruleID, version, mapError(err))
	}
	return out, nil
}

// MarkUndone records that rollback run by undid the runs ids.
func (tx *Tx) MarkUndone(ctx context.Context, ids []int64, by int64) error {
	if _, err := tx.tx.Exec(ctx, `UPDATE automation_runs SET undone_by = $2 WHERE id = ANY($1)`, ids, by); err != nil {
		return fmt.Errorf("mark runs undone by %d: %w", by, mapError(err))
	}
	return nil
}
