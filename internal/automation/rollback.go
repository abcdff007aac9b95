package automation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// Rollback is the answer of undoing a run: what went back, what was left
// alone and why, and the run that did it (itself undoable).
type Rollback struct {
	RunID     int64
	Runs      []int64 // the runs undone, newest first
	Reverted  []helpdesk.RunChange
	Conflicts []helpdesk.RunChange
}

// Run loads a run actor may see (the rule's managers).
func (s *Service) Run(ctx context.Context, actor *helpdesk.User, id int64) (*helpdesk.Run, error) {
	if _, err := s.scope(ctx, actor); err != nil {
		return nil, err
	}
	run, err := s.DB.Run(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.Get(ctx, actor, run.RuleID); err != nil {
		return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "No such run.")
	}
	return run, nil
}

// Runs lists a rule's runs, newest first.
func (s *Service) Runs(ctx context.Context, actor *helpdesk.User, ruleID int64, limit int) ([]helpdesk.Run, error) {
	if _, _, err := s.Get(ctx, actor, ruleID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return s.DB.Runs(ctx, ruleID, limit)
}

// RunsWithChanges is Runs with each run's changes loaded (the rule page
// shows before and after of every run).
func (s *Service) RunsWithChanges(ctx context.Context, actor *helpdesk.User, ruleID int64, limit int) ([]helpdesk.Run, error) {
	runs, err := s.Runs(ctx, actor, ruleID, limit)
	if err != nil || len(runs) == 0 {
		return runs, err
	}
	ids := make([]int64, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	changes, err := s.DB.RunChangesOf(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("runs of rule %d: %w", ruleID, err)
	}
	for i := range runs {
		runs[i].Changes = changes[runs[i].ID]
	}
	return runs, nil
}

// RollbackRun undoes a run, newest change first. A field goes back to its
// value before the run only if it still holds the value the run set and no
// person changed it since; otherwise it is left alone and listed as a
// conflict. Public replies cannot be unsent and notes stay in the audit
// trail: both are listed. A child ticket the run created is closed if
// nobody has worked it. The rollback is a run of the same rule, so it can
// be undone in turn. A run is undone once: a second attempt is ECONFLICT
// naming the rollback that did it.
func (s *Service) RollbackRun(ctx context.Context, actor *helpdesk.User, id int64) (*Rollback, error) {
	orig, err := s.Run(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	rule, err := s.DB.Rule(ctx, orig.RuleID)
	if err != nil {
		return nil, err
	}
	out := &Rollback{}
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		u, err := tx.LockRunForUndo(ctx, id)
		if err != nil {
			return err
		}
		if u.UndoneBy != nil {
			return helpdesk.Errorf(helpdesk.ECONFLICT, "Run #%d was already undone by run #%d.", id, *u.UndoneBy)
		}
		reason := func(runID int64) string {
			return fmt.Sprintf("rollback of rule '%s' run #%d (run #%d, by %s)", rule.Name, id, runID, actor.Name)
		}
		return s.undo(ctx, tx, actor, rule, orig.RuleVersion, orig.Trigger, &id, []postgres.UndoableRun{*u}, reason, out)
	})
	if err != nil {
		return nil, fmt.Errorf("roll back run %d: %w", id, err)
	}
	return out, nil
}

// undo is one rollback run over runs (newest first): each run's changes
// are reverted newest first, under the same per-field rules, and the runs
// are marked as undone by it.
func (s *Service) undo(ctx context.Context, tx *postgres.Tx, actor *helpdesk.User, rule *helpdesk.Rule, version int,
	trigger string, rollbackOf *int64, runs []postgres.UndoableRun, reason func(runID int64) string, out *Rollback) error {
	runID, err := tx.InsertRun(ctx, postgres.NewRun{RuleID: rule.ID, RuleVersion: version,
		Kind: helpdesk.RunKindRollback, Trigger: trigger, RollbackOf: rollbackOf, ActorID: &actor.ID})
	if err != nil {
		return err
	}
	out.RunID = runID
	if err := tx.MarkAutomation(ctx, runID, rule.ID); err != nil {
		return err
	}
	why := reason(runID)
	ids := make([]int64, 0, len(runs))
	for _, u := range runs {
		changes, err := tx.RunChangesTx(ctx, u.ID)
		if err != nil {
			return err
		}
		slices.Reverse(changes)
		orig := &helpdesk.Run{ID: u.ID, CreatedAt: u.CreatedAt}
		for _, c := range changes {
			if err := s.revert(ctx, tx, orig, runID, c, why, out); err != nil {
				return fmt.Errorf("revert %s of ticket %d (run %d): %w", c.Field, c.Ticket, u.ID, err)
			}
		}
		ids = append(ids, u.ID)
	}
	out.Runs = ids
	if err := tx.MarkUndone(ctx, ids, runID); err != nil {
		return err
	}
	if err := tx.MarkAutomation(ctx, 0, 0); err != nil {
		return err
	}
	return tx.FinishRun(ctx, runID, nil, out.Conflicts)
}

// revert undoes one change of run orig, recording it in run runID or
// listing it as a conflict.
func (s *Service) revert(ctx context.Context, tx *postgres.Tx, orig *helpdesk.Run, runID int64, c helpdesk.RunChange,
	reason string, out *Rollback) error {
	conflict := func(why string, now json.RawMessage) {
		out.Conflicts = append(out.Conflicts, helpdesk.RunChange{Ticket: c.Ticket, Field: c.Field, Before: c.After,
			After: now, Why: why})
	}
	tid, err := tx.TicketIDByNumber(ctx, c.Ticket)
	if err != nil {
		return err
	}
	if _, err := tx.LockTicket(ctx, tid); err != nil {
		return err
	}
	t, err := tx.RuleTicket(ctx, tid)
	if err != nil {
		return err
	}
	switch c.Field {
	case "reply":
		conflict("a public reply was sent and cannot be unsent; send a correction reply if it misled the requester", c.After)
		return nil
	case "note":
		conflict("internal notes stay in the ticket's history", c.After)
		return nil
	case "child":
		return s.revertChild(ctx, tx, runID, c, reason, out, conflict)
	case "tag", "participant":
		return s.revertMembership(ctx, tx, t, runID, c, reason, out, conflict)
	}
	if !slices.Contains(settable, c.Field) {
		conflict("this change cannot be undone", c.After)
		return nil
	}
	now := jsonValue(current(t, c.Field))
	if !sameJSON(now, c.After) {
		who, err := tx.FieldChangedSinceBy(ctx, tid, c.Field, orig.CreatedAt)
		if err != nil {
			return err
		}
		why := "changed since"
		if who != "" {
			why = "changed since by " + who
		}
		conflict(why, now)
		return nil
	}
	if who, err := tx.FieldChangedSinceBy(ctx, tid, c.Field, orig.CreatedAt); err != nil {
		return err
	} else if who != "" {
		conflict("changed since by "+who+" (and set back)", now)
		return nil
	}
	var before string
	_ = json.Unmarshal(c.Before, &before) // null stays ""
	fcs, err := s.Tickets.ApplyTx(ctx, tx, &t.Ticket, changesFor(c.Field, before, reason))
	if err != nil {
		conflict("cannot go back: "+helpdesk.ErrorMessage(err), now)
		return nil //nolint:nilerr // the value is gone (a deleted team); listed, the rest goes on
	}
	for _, fc := range fcs {
		if err := tx.InsertRunChange(ctx, runID, tid, fc.Field, rawJSON(fc.Before), rawJSON(fc.After)); err != nil {
			return err
		}
		out.Reverted = append(out.Reverted, helpdesk.RunChange{Ticket: c.Ticket, Field: fc.Field,
			Before: rawJSON(fc.Before), After: rawJSON(fc.After)})
	}
	return nil
}

// revertChild closes a child ticket the run created, unless someone has
// worked it (it is no longer new, or has an owner).
func (s *Service) revertChild(ctx context.Context, tx *postgres.Tx, runID int64, c helpdesk.RunChange, reason string,
	out *Rollback, conflict func(string, json.RawMessage)) error {
	var child struct {
		Number int64 `json:"number"`
	}
	_ = json.Unmarshal(c.After, &child)
	cid, err := tx.TicketIDByNumber(ctx, child.Number)
	if err != nil {
		conflict("the child ticket is gone", c.After)
		return nil //nolint:nilerr // listed
	}
	if _, err := tx.LockTicket(ctx, cid); err != nil {
		return err
	}
	ct, err := tx.RuleTicket(ctx, cid)
	if err != nil {
		return err
	}
	if ct.Status != helpdesk.StatusNew && ct.Status != helpdesk.StatusOpen || ct.FirstRespondedAt != nil {
		conflict(fmt.Sprintf("child ticket #%d is being worked (%s); close it by hand if it is not needed", ct.Number, ct.Status), c.After)
		return nil
	}
	fcs, err := s.Tickets.ApplyTx(ctx, tx, &ct.Ticket, changesFor("status", string(helpdesk.StatusClosed), reason))
	if err != nil {
		return err
	}
	for _, fc := range fcs {
		if err := tx.InsertRunChange(ctx, runID, cid, fc.Field, rawJSON(fc.Before), rawJSON(fc.After)); err != nil {
			return err
		}
		out.Reverted = append(out.Reverted, helpdesk.RunChange{Ticket: ct.Number, Field: fc.Field,
			Before: rawJSON(fc.Before), After: rawJSON(fc.After)})
	}
	return nil
}

func changesFor(field, value, reason string) ticket.Changes {
	c := ticket.Changes{Reason: reason}
	switch field {
	case "status":
		st := helpdesk.Status(value)
		c.Status = &st
	case "priority":
		p := helpdesk.Priority(value)
		c.Priority = &p
	case "category":
		c.Category = &value
	case "team":
		c.Team = &value
	case "assignee":
		c.Assignee = &value
	}
	return c
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}
