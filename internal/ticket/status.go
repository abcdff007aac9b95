package ticket

import (
	"context"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// SetStatus moves a ticket to a new status. Requesters may only resolve their
// ticket ("This is solved") or reopen a resolved one; staff may set any
// status. Entering Pending pauses the SLA clock; leaving it resumes it.
func (s *Service) SetStatus(ctx context.Context, actor *helpdesk.User, number int64, to helpdesk.Status, reason string) (_ *helpdesk.Ticket, err error) {
	defer helpdesk.WrapOp(&err, "set status of ticket %d to %s", number, to)
	t, err := s.Get(ctx, actor, number)
	if err != nil {
		return nil, err
	}
	if !to.Valid() {
		return nil, &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Unknown status.",
			Fields: []helpdesk.FieldError{{Field: "status", Message: "Choose a status from the list."}}}
	}
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		cur, err := tx.LockTicket(ctx, t.ID)
		if err != nil {
			return err
		}
		from := cur.Status
		if from == to {
			return nil
		}
		if !actor.IsStaff() {
			allowed := (to == helpdesk.StatusResolved && from.IsOpen()) ||
				(to == helpdesk.StatusOpen && from == helpdesk.StatusResolved)
			if !allowed {
				return helpdesk.Errorf(helpdesk.EFORBIDDEN, "You cannot set this ticket to %s.", to.Label())
			}
		}
		return s.changeStatus(ctx, tx, t, actor, from, to, reason)
	})
	if err != nil {
		return nil, err
	}
	// Read back without a second access check: the actor passed it above,
	// and a status change does not change who may see the ticket.
	t, _, err = s.DB.TicketByNumber(ctx, number)
	return t, err
}

// changeStatus writes the new status, the SLA pause ledger, the event and the
// follow-up job; the caller holds the ticket's row lock.
func (s *Service) changeStatus(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket, actor *helpdesk.User,
	from, to helpdesk.Status, reason string) error {
	if err := tx.SetTicketStatus(ctx, t.ID, from, to); err != nil {
		return err
	}
	return s.record(ctx, tx, t.ID, t.Number, actor, helpdesk.EventStatusChanged,
		map[string]any{"status": from}, map[string]any{"status": to}, reason,
		jobs.ChangedArgs{TicketID: t.ID, Event: helpdesk.EventStatusChanged, ActorID: actorID(actor)})
}
