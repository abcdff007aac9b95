package automation

import (
	"context"
	"fmt"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// MaxUndoRuns is how many runs one range undo may revert: enough for a
// rule that misfired all night on every new ticket, small enough that the
// one transaction holding their tickets' locks stays short. A longer range
// is refused with a message to split it.
const MaxUndoRuns = 1000

// UndoRange is a range undo as a person asks for it.
type UndoRange struct {
	Version  int       // the rule version whose runs to undo; 0: the current one
	From, To time.Time // runs made in [From, To)
}

// RollbackRange undoes every run of one version of a rule made in a time
// range, in one click and one transaction: runs newest first, each run's
// changes newest first, with the per-field rules of RollbackRun (a field
// goes back only if it still holds the rule's value and no person changed
// it since; the rest are conflicts). Runs undone already and rollbacks are
// skipped. It is one rollback run, so undoing it restores the range.
func (s *Service) RollbackRange(ctx context.Context, actor *helpdesk.User, ruleID int64, q UndoRange) (*Rollback, error) {
	rule, _, err := s.Get(ctx, actor, ruleID)
	if err != nil {
		return nil, err
	}
	var v helpdesk.Validation
	if q.Version == 0 {
		q.Version = rule.Version
	}
	if q.Version < 0 || q.Version > rule.Version {
		v.Add("version", fmt.Sprintf("The rule has versions 1 to %d.", rule.Version))
	}
	if q.From.IsZero() {
		v.Add("from", "Give the start of the range.")
	}
	if q.To.IsZero() {
		q.To = s.now()
	}
	if !q.From.IsZero() && !q.To.After(q.From) {
		v.Add("to", "The end of the range must come after its start.")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	out := &Rollback{}
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		runs, err := tx.LockRunsInRange(ctx, rule.ID, q.Version, q.From, q.To, MaxUndoRuns)
		if err != nil {
			return err
		}
		if len(runs) > MaxUndoRuns {
			return helpdesk.Invalid("from", fmt.Sprintf("More than %d runs in that range: undo a shorter range at a time.", MaxUndoRuns))
		}
		if len(runs) == 0 {
			return nil
		}
		reason := func(runID int64) string {
			return fmt.Sprintf("rollback of rule '%s' version %d, %d runs from %s to %s (run #%d, by %s)", rule.Name,
				q.Version, len(runs), q.From.UTC().Format(time.RFC3339), q.To.UTC().Format(time.RFC3339), runID, actor.Name)
		}
		return s.undo(ctx, tx, actor, rule, q.Version, rule.Trigger, nil, runs, reason, out)
	})
	if err != nil {
		return nil, fmt.Errorf("roll back rule %d version %d: %w", ruleID, q.Version, err)
	}
	return out, nil
}
