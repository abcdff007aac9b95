package postgres

import (
	"context"
	"fmt"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// TicketByNumber loads a ticket with the names of its people, category and
// team; the bool reports whether its team is restricted to members.
func (db *DB) TicketByNumber(ctx context.Context, number int64) (*helpdesk.Ticket, bool, error) {
	r, err := db.q().GetTicketByNumber(ctx, number)
	if err != nil {
		return nil, false, mapError(err)
	}
	t := ticketFromRow(r)
	if t.AssigneeID == nil {
		// Only an unowned ticket has a wait to explain; owned ones skip the read.
		if err := db.pool.QueryRow(ctx, `SELECT coalesce(triage_wait, '') FROM tickets WHERE id = $1`, t.ID).Scan(&t.TriageWait); err != nil {
			return nil, false, fmt.Errorf("ticket %d triage wait: %w", t.ID, mapError(err))
		}
	}
	return t, r.TeamRestricted, nil
}

func ticketFromRow(r dbsqlc.GetTicketByNumberRow) *helpdesk.Ticket {
	return &helpdesk.Ticket{
		ID: r.ID, Number: r.Number, Subject: r.Subject, Status: helpdesk.Status(r.Status),
		Priority: helpdesk.Priority(r.Priority), Impact: helpdesk.Impact(r.Impact), Urgency: helpdesk.Urgency(r.Urgency),
		CategoryID: r.CategoryID, CategoryName: deref(r.CategoryName), TeamID: r.TeamID, TeamName: deref(r.TeamName), TeamSlug: deref(r.TeamSlug),
		AssigneeID: r.AssigneeID, AssigneeName: deref(r.AssigneeName), AssigneeEmail: deref(r.AssigneeEmail),
		RequesterID: r.RequesterID, RequesterName: r.RequesterName, RequesterEmail: r.RequesterEmail,
		Source: helpdesk.Source(r.Source), FirstResponseDue: r.FirstResponseDue, ResolutionDue: r.ResolutionDue,
		DueAt: r.DueAt, FirstRespondedAt: r.FirstRespondedAt, ResolvedAt: r.ResolvedAt,
		ResolutionCount: int(r.ResolutionCount), ParentID: r.ParentID, MergedIntoID: r.MergedIntoID,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// Messages lists a ticket's messages with their attachments, oldest first;
// internal notes only when includeInternal.
func (db *DB) Messages(ctx context.Context, ticketID int64, includeInternal bool) ([]helpdesk.Message, error) {
	rows, err := db.q().ListMessages(ctx, dbsqlc.ListMessagesParams{TicketID: ticketID, IncludeInternal: includeInternal})
	if err != nil {
		return nil, mapError(err)
	}
	atts, err := db.q().ListAttachments(ctx, ticketID)
	if err != nil {
		return nil, mapError(err)
	}
	byMsg := map[int64][]helpdesk.Attachment{}
	for _, a := range atts {
		if a.MessageID != nil {
			byMsg[*a.MessageID] = append(byMsg[*a.MessageID], helpdesk.Attachment{ID: a.ID, TicketID: a.TicketID,
				MessageID: a.MessageID, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size,
				Inline: a.Inline, CreatedAt: a.CreatedAt})
		}
	}
	checks, err := db.senderChecks(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	out := make([]helpdesk.Message, 0, len(rows))
	for _, r := range rows {
		out = append(out, helpdesk.Message{
			SenderCheck: checks[r.ID].text, SenderFlagged: checks[r.ID].flagged,
			ID: r.ID, TicketID: r.TicketID, AuthorID: r.AuthorID, AuthorName: deref(r.AuthorName),
			AuthorEmail: deref(r.AuthorEmail), AuthorIsStaff: helpdesk.Role(deref(r.AuthorRole)).IsStaff(),
			Internal: r.Internal, BodyText: r.BodyText, BodyHTML: r.BodyHtml, EmailMessageID: deref(r.EmailMessageID),
			Source: helpdesk.Source(r.Source), CreatedAt: r.CreatedAt, Attachments: byMsg[r.ID],
		})
	}
	return out, nil
}

// Events lists a ticket's audit trail, oldest first.
func (db *DB) Events(ctx context.Context, ticketID int64) ([]helpdesk.Event, error) {
	rows, err := db.q().ListEvents(ctx, ticketID)
	if err != nil {
		return nil, mapError(err)
	}
	out := make([]helpdesk.Event, 0, len(rows))
	for _, r := range rows {
		out = append(out, helpdesk.Event{ID: r.ID, TicketID: r.TicketID, ActorID: r.ActorID, ActorName: deref(r.ActorName),
			Kind: r.Kind, Before: r.Before, After: r.After, Reason: r.Reason, CreatedAt: r.CreatedAt})
	}
	return out, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// TicketRestrictedTeam returns the restricted team ticket number sits in, 0
// when its team is open to all staff (or it has none, or it does not exist).
func (db *DB) TicketRestrictedTeam(ctx context.Context, number int64) (int64, error) {
	id, err := db.q().TicketRestrictedTeam(ctx, number)
	if IsNotFound(err) {
		return 0, nil
	}
	return id, mapError(err)
}
