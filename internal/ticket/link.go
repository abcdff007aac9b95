package ticket

import (
	"context"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Child is a ticket linked under an incident.
type Child = helpdesk.ChildTicket

// Link makes ticket number a child of incident parent; parent 0 removes the
// link. One level only: an incident cannot itself be a child, and a child
// cannot have children. Both tickets get a "linked" event.
func (s *Service) Link(ctx context.Context, actor *helpdesk.User, number, parent int64) (err error) {
	defer helpdesk.WrapOp(&err, "link ticket %d to %d", number, parent)
	if !actor.IsStaff() {
		return notFound()
	}
	t, err := s.Get(ctx, actor, number)
	if err != nil {
		return err
	}
	var p *helpdesk.Ticket
	if parent != 0 {
		p, err = s.Get(ctx, actor, parent)
		if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
			return invalidField("parent", "No ticket with that number.")
		} else if err != nil {
			return err
		}
		switch {
		case p.ID == t.ID:
			return invalidField("parent", "A ticket cannot be its own incident.")
		case p.ParentID != nil:
			return invalidField("parent", "That ticket is itself part of an incident; link to the incident.")
		}
		// Structure, not display: every child counts, visible or not.
		kids, err := s.DB.Children(ctx, t.ID, []int64{})
		if err != nil {
			return err
		}
		if len(kids) > 0 {
			return invalidField("parent", "This ticket is an incident with its own linked tickets.")
		}
	}
	return s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		if _, err := tx.LockTicket(ctx, t.ID); err != nil {
			return err
		}
		var pid *int64
		after := map[string]any{"parent": nil}
		if p != nil {
			pid, after["parent"] = &p.ID, p.Number
		}
		if err := tx.SetParent(ctx, t.ID, pid); err != nil {
			return err
		}
		if err := s.record(ctx, tx, t.ID, t.Number, actor, helpdesk.EventLinked, nil, after, "", nil); err != nil {
			return err
		}
		if p != nil {
			return s.record(ctx, tx, p.ID, p.Number, actor, helpdesk.EventLinked, nil,
				map[string]any{"child": t.Number}, "", nil)
		}
		return nil
	})
}

// Children lists the tickets linked under incident t that viewer may open:
// a child in a restricted team stays out of the list for non-members.
func (s *Service) Children(ctx context.Context, viewer *helpdesk.User, t *helpdesk.Ticket) ([]Child, error) {
	if !viewer.IsStaff() {
		return nil, nil
	}
	hidden, err := s.DB.HiddenTeams(ctx, viewer)
	if err != nil {
		return nil, err
	}
	return s.DB.Children(ctx, t.ID, hidden)
}

// Tags lists the ticket's tags for staff (rules add them); requesters see
// none, as tags are the team's own labels.
func (s *Service) Tags(ctx context.Context, viewer *helpdesk.User, t *helpdesk.Ticket) ([]string, error) {
	if !viewer.IsStaff() {
		return nil, nil
	}
	return s.DB.TicketTags(ctx, t.ID)
}

// ResolveChildren resolves every open child of incident number, first
// posting message (when not empty) as a public reply so each requester is
// told. It returns how many children it resolved. Each child commits on its
// own: one that fails does not undo the others, and a retry skips those
// already resolved.
func (s *Service) ResolveChildren(ctx context.Context, actor *helpdesk.User, number int64, message string) (_ int, err error) {
	defer helpdesk.WrapOp(&err, "resolve children of ticket %d", number)
	t, err := s.Get(ctx, actor, number)
	if err != nil {
		return 0, err
	}
	kids, err := s.Children(ctx, actor, t)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range kids {
		if !k.Status.IsOpen() {
			continue
		}
		if message != "" {
			if _, err := s.AddMessage(ctx, actor, k.Number, MessageInput{Body: message}); err != nil {
				return n, err
			}
		}
		if _, err := s.SetStatus(ctx, actor, k.Number, helpdesk.StatusResolved, "incident #"+itoa(number)+" resolved"); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
