package ticket

import (
	"context"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// The methods here let automation rules change tickets inside the
// transaction that records their run, so a run and its changes commit or
// vanish together. They skip the access checks of the person-facing
// methods: rules act as Switchboard, and who may write a rule is checked
// when it is saved.

// ApplyTx applies c to the ticket as Switchboard itself (no actor), writing
// the same events and follow-up jobs as Update, and returns what changed.
// Invalid values (an unknown team, a status outside the list) are EINVALID.
func (s *Service) ApplyTx(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket, c Changes) ([]FieldChange, error) {
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
	return s.updateTx(ctx, tx, t, nil, c)
}

// MessageTx adds a message by author (a rule's owner for public replies;
// nil for a note by Switchboard) inside tx, with its event and follow-up
// job: a public reply is mailed to the requester as a staff reply is. A
// public staff reply on a new ticket opens it, as in AddMessage.
func (s *Service) MessageTx(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket, author *helpdesk.User,
	body string, internal bool, reason string) (*helpdesk.Message, error) {
	if strings.TrimSpace(body) == "" {
		return nil, helpdesk.Errorf(helpdesk.EINVALID, "The message is empty.")
	}
	cur, err := tx.LockTicket(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	msg := &helpdesk.Message{TicketID: t.ID, Internal: internal, BodyText: body, BodyHTML: RenderMarkdown(body),
		Source: helpdesk.SourcePortal}
	if author != nil {
		msg.AuthorID, msg.AuthorName, msg.AuthorEmail, msg.AuthorIsStaff = nonZero(author.ID), author.Name, author.Email, author.IsStaff()
	}
	if err := s.insertMessage(ctx, tx, msg, nil); err != nil {
		return nil, err
	}
	staffPublic := author.IsStaff() && !internal
	if err := tx.TouchTicketForMessage(ctx, t.ID, msg.ID, internal, staffPublic); err != nil {
		return nil, err
	}
	kind := helpdesk.EventReplied
	if internal {
		kind = helpdesk.EventNoted
	}
	after := map[string]any{"message_id": msg.ID, "internal": internal, "attachments": 0}
	if err := s.record(ctx, tx, t.ID, t.Number, author, kind, nil, after, reason,
		jobs.ChangedArgs{TicketID: t.ID, Event: kind, MessageID: msg.ID, ActorID: actorID(author)}); err != nil {
		return nil, err
	}
	if staffPublic && cur.Status == helpdesk.StatusNew {
		if err := s.changeStatus(ctx, tx, t, nil, cur.Status, helpdesk.StatusOpen, reason); err != nil {
			return nil, err
		}
	}
	return msg, nil
}

// CreateChildTx files a new ticket for the same requester, in the same team
// and category, linked under t, and queues its triage.
func (s *Service) CreateChildTx(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket, subject, body, reason string) (*helpdesk.Ticket, error) {
	if strings.TrimSpace(subject) == "" {
		return nil, helpdesk.Errorf(helpdesk.EINVALID, "The child ticket needs a subject.")
	}
	if body == "" {
		body = "Created from ticket #" + itoa(t.Number) + " (" + reason + ")."
	}
	child, _, err := tx.InsertTicket(ctx, postgres.NewTicket{Subject: subject, Impact: t.Impact, Urgency: t.Urgency,
		CategoryID: t.CategoryID, TeamID: t.TeamID, RequesterID: t.RequesterID, Source: t.Source,
		Body: body, BodyHTML: RenderMarkdown(body)})
	if err != nil {
		return nil, err
	}
	if err := tx.SetParent(ctx, child.ID, &t.ID); err != nil {
		return nil, err
	}
	if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: child.ID, Number: child.Number, Kind: helpdesk.EventLinked,
		After: map[string]any{"parent": t.Number}, Reason: reason}); err != nil {
		return nil, err
	}
	if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: t.ID, Number: t.Number, Kind: helpdesk.EventLinked,
		After: map[string]any{"child": child.Number}, Reason: reason}); err != nil {
		return nil, err
	}
	if s.Jobs != nil {
		if _, err := s.Jobs.InsertTx(ctx, tx, jobs.TriageArgs{TicketID: child.ID}, nil); err != nil {
			return nil, err
		}
	}
	return child, nil
}
