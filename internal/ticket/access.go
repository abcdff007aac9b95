package ticket

import (
	"context"

	"switchboard/internal/helpdesk"
)

// Get returns the ticket if viewer may see it. Anything else, missing or
// forbidden, is ENOTFOUND: a requester must not learn that a number exists.
func (s *Service) Get(ctx context.Context, viewer *helpdesk.User, number int64) (_ *helpdesk.Ticket, err error) {
	defer helpdesk.WrapOp(&err, "read ticket %d", number)
	t, restricted, err := s.DB.TicketByNumber(ctx, number)
	if err != nil {
		return nil, err
	}
	ok, err := s.canView(ctx, viewer, t, restricted)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound()
	}
	return t, nil
}

func (s *Service) canView(ctx context.Context, viewer *helpdesk.User, t *helpdesk.Ticket, restricted bool) (bool, error) {
	switch {
	case viewer == nil || !viewer.Active:
		return false, nil
	case viewer.Role == helpdesk.RoleAdmin:
		return true, nil
	case viewer.IsStaff():
		if !restricted || t.TeamID == nil {
			return true, nil
		}
		return s.DB.CanSeeRestrictedTeam(ctx, *t.TeamID, viewer.ID)
	case t.RequesterID == viewer.ID:
		return true, nil
	}
	return s.DB.IsParticipant(ctx, t.ID, viewer.ID)
}

// Conversation returns the messages viewer may read: requesters never get
// internal notes.
func (s *Service) Conversation(ctx context.Context, viewer *helpdesk.User, t *helpdesk.Ticket) ([]helpdesk.Message, error) {
	return s.DB.Messages(ctx, t.ID, viewer.IsStaff())
}

// Events returns the audit trail; staff only.
func (s *Service) Events(ctx context.Context, viewer *helpdesk.User, t *helpdesk.Ticket) ([]helpdesk.Event, error) {
	if !viewer.IsStaff() {
		return nil, notFound()
	}
	return s.DB.Events(ctx, t.ID)
}

// AttachmentFile is an attachment with its bytes, for download.
type AttachmentFile struct {
	helpdesk.Attachment
	Data []byte
}

// Attachment returns an attachment's bytes if viewer may see its ticket and,
// for requesters, it is not on an internal note.
func (s *Service) Attachment(ctx context.Context, viewer *helpdesk.User, number, id int64) (_ *AttachmentFile, err error) {
	defer helpdesk.WrapOp(&err, "read attachment %d of ticket %d", id, number)
	t, err := s.Get(ctx, viewer, number)
	if err != nil {
		return nil, err
	}
	a, data, internal, err := s.DB.Attachment(ctx, id)
	if err != nil || a.TicketID != t.ID || (internal && !viewer.IsStaff()) {
		return nil, notFound()
	}
	return &AttachmentFile{Attachment: *a, Data: data}, nil
}

func notFound() error { return helpdesk.Errorf(helpdesk.ENOTFOUND, "Ticket not found.") }
