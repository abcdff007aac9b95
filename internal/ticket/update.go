package ticket

import (
	"context"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// Changes are the fields Update may set; a nil field is left alone. For
// Category, Team and Assignee an empty string clears the field.
type Changes struct {
	Status   *helpdesk.Status
	Priority *helpdesk.Priority
	Category *string // category name
	Team     *string // team slug
	Assignee *string // a staff member's email
	Reason   string  // why, for the audit trail
}

// Update applies several field changes at once, in one transaction that
// writes one event per changed field (fields_changed for priority, category
// and team, assigned for the assignee, status_changed for the status).
// Requesters may only change the status, under SetStatus's rules; anything
// else from them is EFORBIDDEN. Changes to a field's current value are
// ignored, and nothing is written when nothing changes.
func (s *Service) Update(ctx context.Context, actor *helpdesk.User, number int64, c Changes) (_ *helpdesk.Ticket, err error) {
	defer helpdesk.WrapOp(&err, "update ticket %d", number)
	t, err := s.Get(ctx, actor, number)
	if err != nil {
		return nil, err
	}
	if !actor.IsStaff() {
		if c.Priority != nil || c.Category != nil || c.Team != nil || c.Assignee != nil {
			return nil, helpdesk.Errorf(helpdesk.EFORBIDDEN, "Only IT staff can change the priority, category, team or assignee.")
		}
		if c.Status == nil {
			return t, nil
		}
		return s.SetStatus(ctx, actor, number, *c.Status, c.Reason)
	}
	var v helpdesk.Validation
	if c.Status != nil && !c.Status.Valid() {
		v.Add("status", "Status must be one of new, open, pending, on_hold, resolved, closed.")
	}
	if c.Priority != nil && !c.Priority.Valid() {
		v.Add("priority", "Priority must be one of P1, P2, P3, P4.")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		_, err := s.updateTx(ctx, tx, t, actor, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Read back without the visibility check: moving a ticket into a
	// restricted team is allowed even if the actor then loses sight of it.
	t, _, err = s.DB.TicketByNumber(ctx, number)
	return t, err
}

// FieldChange is one field a change wrote, with its values before and after
// as the audit trail shows them (names, slugs and emails, not ids).
type FieldChange struct {
	Field         string
	Before, After any
}

// updateTx is Update's work inside tx: lock, resolve names, write the fields,
// one event per changed field, and the status change last. actor nil is
// Switchboard itself (an automation rule). It returns what changed.
func (s *Service) updateTx(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket, actor *helpdesk.User,
	c Changes) ([]FieldChange, error) {
	var v helpdesk.Validation
	cur, err := tx.LockTicketFields(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	next := *cur
	names, err := s.resolveChanges(ctx, tx, c, &next, &v)
	if err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	type change struct {
		kind, field string
		before, to  any
	}
	var changes []change
	if next.Priority != cur.Priority {
		changes = append(changes, change{helpdesk.EventFieldsChanged, "priority", cur.Priority, next.Priority})
	}
	if !sameID(next.CategoryID, cur.CategoryID) {
		changes = append(changes, change{helpdesk.EventFieldsChanged, "category",
			nameOr(cur.CategoryID, t.CategoryID, t.CategoryName), names.category})
	}
	if !sameID(next.TeamID, cur.TeamID) {
		changes = append(changes, change{helpdesk.EventFieldsChanged, "team",
			nameOr(cur.TeamID, t.TeamID, t.TeamSlug), names.team})
	}
	if !sameID(next.AssigneeID, cur.AssigneeID) {
		changes = append(changes, change{helpdesk.EventAssigned, "assignee",
			nameOr(cur.AssigneeID, t.AssigneeID, t.AssigneeEmail), names.assignee})
	}
	if len(changes) > 0 {
		if err := tx.UpdateTicketFields(ctx, t.ID, next); err != nil {
			return nil, err
		}
	}
	out := make([]FieldChange, 0, len(changes)+1)
	for _, ch := range changes {
		if err := s.record(ctx, tx, t.ID, t.Number, actor, ch.kind,
			map[string]any{ch.field: ch.before}, map[string]any{ch.field: ch.to}, c.Reason,
			jobs.ChangedArgs{TicketID: t.ID, Event: ch.kind, ActorID: actorID(actor)}); err != nil {
			return nil, err
		}
		out = append(out, FieldChange{Field: ch.field, Before: ch.before, After: ch.to})
	}
	if c.Status != nil && cur.Status != *c.Status {
		if err := s.changeStatus(ctx, tx, t, actor, cur.Status, *c.Status, c.Reason); err != nil {
			return nil, err
		}
		out = append(out, FieldChange{Field: "status", Before: cur.Status, After: *c.Status})
	}
	return out, nil
}

// changedNames are the new values as the audit trail shows them; nil when
// cleared.
type changedNames struct{ category, team, assignee *string }

// resolveChanges looks up the named category, team and assignee and writes
// their ids into next, adding field errors to v for unknown ones. A lookup
// that fails for any other reason is returned: a database outage must not
// read as "no such name".
func (s *Service) resolveChanges(ctx context.Context, tx *postgres.Tx, c Changes, next *postgres.TicketFields,
	v *helpdesk.Validation) (changedNames, error) {
	var n changedNames
	if c.Priority != nil {
		next.Priority = *c.Priority
	}
	if c.Category != nil {
		next.CategoryID = nil
		if *c.Category != "" {
			cat, err := tx.CategoryByName(ctx, *c.Category)
			if ok, err := found(err, v, "category", "No category with that name."); err != nil {
				return n, err
			} else if ok {
				next.CategoryID, n.category = &cat.ID, &cat.Name
			}
		}
	}
	if c.Team != nil {
		next.TeamID = nil
		if *c.Team != "" {
			team, err := tx.TeamBySlug(ctx, *c.Team)
			if ok, err := found(err, v, "team", "No team with that slug."); err != nil {
				return n, err
			} else if ok {
				next.TeamID, n.team = &team.ID, &team.Slug
			}
		}
	}
	if c.Assignee != nil {
		next.AssigneeID = nil
		if *c.Assignee != "" {
			u, err := tx.UserByEmail(ctx, *c.Assignee)
			ok, err := found(err, v, "assignee_email", "No user with that email.")
			if err != nil {
				return n, err
			}
			switch {
			case !ok: // reported by found
			case !u.IsStaff() || !u.Active:
				v.Add("assignee_email", "Tickets can only be assigned to active IT staff.")
			default:
				next.AssigneeID, n.assignee = &u.ID, &u.Email
			}
		}
	}
	return n, nil
}

// found sorts the error of a lookup by name: only "no such row" is the
// user's mistake, added to v as msg on field; any other error is returned.
func found(err error, v *helpdesk.Validation, field, msg string) (bool, error) {
	switch {
	case err == nil:
		return true, nil
	case helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND:
		v.Add(field, msg)
		return false, nil
	}
	return false, err
}

func sameID(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// nameOr returns the name the ticket was read with when the locked id is
// still the one it was read with, else the bare id.
func nameOr(locked, read *int64, name string) any {
	switch {
	case locked == nil:
		return nil
	case sameID(locked, read) && name != "":
		return name
	}
	return *locked
}

// ValidateCreate checks a new ticket's input as Create would, writing
// nothing; the API calls it to report every field problem at once when it
// already found some of its own.
func (s *Service) ValidateCreate(in CreateInput) error { return s.validateCreate(&in) }
