package ticket

import (
	"context"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// MessageInput is a reply or a note.
type MessageInput struct {
	Body           string // Markdown, or plain text from mail
	BodyHTML       string // optional pre-sanitised HTML (mail)
	Internal       bool   // an internal note: staff only, never shown to requesters
	Source         helpdesk.Source
	Attachments    []helpdesk.Upload
	EmailMessageID string
	// Unverified is set by mail intake for a mail whose sender could not be
	// authenticated and who may not see the ticket (or whose domain says the
	// mail is forged): it was threaded by our reply address or references,
	// so it belongs here, but it is kept as an internal note for staff
	// (never mailed onward, never shown to requesters) without the access
	// check that would send it to a new ticket.
	Unverified bool
	// Join makes the author a participant in the same transaction, and so
	// lets them write: mail intake sets it for a reply from someone who
	// proved having our mail (our reply address or its references).
	Join bool
	// SenderCheck and SenderFlagged are mail intake's verdict on the
	// sender, stored on the message (see helpdesk.Message).
	SenderCheck   string
	SenderFlagged bool
	// AfterInsert, when set, runs inside the transaction after the message
	// and its status change are written, with the message as stored (id,
	// time, attachments); an error rolls everything back.
	AfterInsert func(ctx context.Context, tx *postgres.Tx, m *helpdesk.Message) error
}

// AddMessage posts a public reply or an internal note on a ticket the author
// may see. A first public staff reply stops the first-response clock; a
// requester's reply to a ticket waiting on them, or already resolved, puts it
// back to open. The message returned is the one stored, with its id, time
// and attachments.
func (s *Service) AddMessage(ctx context.Context, author *helpdesk.User, number int64, in MessageInput) (_ *helpdesk.Message, err error) {
	defer helpdesk.WrapOp(&err, "add message to ticket %d", number)
	var t *helpdesk.Ticket
	switch {
	case in.Unverified:
		in.Internal = true
		t, _, err = s.DB.TicketByNumber(ctx, number)
	case in.Join:
		t, _, err = s.DB.TicketByNumber(ctx, number)
	default:
		t, err = s.Get(ctx, author, number)
	}
	if err != nil {
		return nil, err
	}
	if in.Internal && !author.IsStaff() && !in.Unverified {
		return nil, notFound() // requesters cannot know notes exist
	}
	var v helpdesk.Validation
	switch {
	case strings.TrimSpace(in.Body) == "" && len(in.Attachments) == 0:
		v.Add("body", "Write a message.")
	case len(in.Body) > MaxBody:
		v.Add("body", "The message is too long (100,000 characters at most).")
	}
	s.checkUploads(&v, "attachments", in.Attachments)
	if t.Status == helpdesk.StatusClosed && !author.IsStaff() {
		v.Add("body", "This ticket is closed. Please open a new ticket.")
	}
	if t.MergedIntoID != nil {
		v.Add("body", "This ticket was merged into another; reply there.")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if in.Source == "" {
		in.Source = helpdesk.SourcePortal
	}
	html := in.BodyHTML
	if html == "" {
		html = RenderMarkdown(in.Body)
	}
	kind := helpdesk.EventReplied
	if in.Internal {
		kind = helpdesk.EventNoted
	}
	staffPublic := author.IsStaff() && !in.Internal
	msg := &helpdesk.Message{TicketID: t.ID, AuthorID: nonZero(author.ID), AuthorName: author.Name, AuthorEmail: author.Email,
		AuthorIsStaff: author.IsStaff(), Internal: in.Internal, BodyText: in.Body, BodyHTML: html,
		EmailMessageID: in.EmailMessageID, Source: in.Source, SenderCheck: in.SenderCheck, SenderFlagged: in.SenderFlagged}
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		cur, err := tx.LockTicket(ctx, t.ID)
		if err != nil {
			return err
		}
		if in.Join && !in.Unverified {
			if _, err := tx.AddParticipant(ctx, t.ID, author.ID); err != nil {
				return err
			}
		}
		if err := s.insertMessage(ctx, tx, msg, in.Attachments); err != nil {
			return err
		}
		if err := tx.TouchTicketForMessage(ctx, t.ID, msg.ID, in.Internal, staffPublic); err != nil {
			return err
		}
		// Status follows the conversation, as people expect of a helpdesk.
		from := cur.Status
		to := from
		switch {
		case staffPublic && from == helpdesk.StatusNew:
			to = helpdesk.StatusOpen
		case !author.IsStaff() && !in.Unverified && (from == helpdesk.StatusPending || from == helpdesk.StatusResolved):
			to = helpdesk.StatusOpen
		}
		after := map[string]any{"message_id": msg.ID, "internal": in.Internal, "attachments": len(in.Attachments)}
		if err := s.record(ctx, tx, t.ID, t.Number, author, kind, nil, after, "",
			jobs.ChangedArgs{TicketID: t.ID, Event: kind, MessageID: msg.ID, ActorID: author.ID}); err != nil {
			return err
		}
		if to != from {
			if err := s.changeStatus(ctx, tx, t, author, from, to, "reply from "+roleWord(author)); err != nil {
				return err
			}
		}
		if in.AfterInsert != nil {
			return in.AfterInsert(ctx, tx, msg)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return msg, nil
}

func roleWord(u *helpdesk.User) string {
	if u.IsStaff() {
		return "staff"
	}
	return "requester"
}
