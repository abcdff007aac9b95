package ticket

import (
	"context"
	"strings"
	"unicode/utf8"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// CreateInput is a new ticket as a requester, the API or a mail describes it.
type CreateInput struct {
	Subject        string
	Description    string // Markdown (or plain text from mail)
	DescriptionHTM string // optional pre-sanitised HTML (mail); else rendered from Description
	CategoryID     *int64
	TeamID         *int64
	Impact         helpdesk.Impact
	Urgency        helpdesk.Urgency
	RequesterID    int64 // 0: the actor files for themself
	Source         helpdesk.Source
	Attachments    []helpdesk.Upload
	EmailMessageID string // stored for threading; unique
	// SenderCheck and SenderFlagged are mail intake's verdict on the
	// sender, stored on the first message (see helpdesk.Message).
	SenderCheck   string
	SenderFlagged bool
	// AfterInsert, when set, runs inside the creating transaction after the
	// ticket is written (the API stores its idempotency record and answer
	// there, so a crash cannot leave a ticket without them); an error rolls
	// everything back.
	AfterInsert func(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket) error
	// TriageLater writes the ticket as filed and triages it right after
	// its commit, even when Service.File would triage it first: for a
	// caller whose AfterInsert does several round trips (mail intake), as
	// File's batch runs every caller's AfterInsert in turn while it holds
	// the candidate agents' profile locks, which every other creation and
	// triage for them waits on.
	TriageLater bool
}

// Limits on user text.
const (
	MaxSubject = 200
	MaxBody    = 100_000
)

// Validate checks the input and fills defaults; field names match the form.
func (s *Service) validateCreate(in *CreateInput) error {
	var v helpdesk.Validation
	in.Subject = strings.TrimSpace(strings.Join(strings.Fields(in.Subject), " "))
	switch {
	case in.Subject == "":
		v.Add("subject", "Enter a subject.")
	case utf8.RuneCountInString(in.Subject) > MaxSubject:
		v.Add("subject", "Keep the subject under 200 characters.")
	}
	switch {
	case strings.TrimSpace(in.Description) == "":
		v.Add("description", "Describe the problem.")
	case len(in.Description) > MaxBody:
		v.Add("description", "The description is too long (100,000 characters at most).")
	}
	if in.Impact == "" {
		in.Impact = helpdesk.ImpactPerson
	} else if !in.Impact.Valid() {
		v.Add("impact", "Choose who is affected.")
	}
	if in.Urgency == "" {
		in.Urgency = helpdesk.UrgencyMedium
	} else if !in.Urgency.Valid() {
		v.Add("urgency", "Choose an urgency.")
	}
	if in.Source == "" {
		in.Source = helpdesk.SourcePortal
	}
	s.checkUploads(&v, "attachments", in.Attachments)
	return v.Err()
}

// Create files a ticket with its first message. With s.File the ticket is
// triaged before it is written and stored once, triage's decision, its
// events and the attachments committing together with it (untriaged, it
// goes to s.Triage as below). Without it, the ticket, message, attachments,
// "created" event and triage job commit together (or, with s.Triage, the
// ticket is handed to triage right after its commit). The ticket returned
// (and passed to AfterInsert) is complete, names included, as reading it
// back right after would show it.
func (s *Service) Create(ctx context.Context, actor *helpdesk.User, in CreateInput) (_ *helpdesk.Ticket, err error) {
	defer helpdesk.WrapOp(&err, "create ticket")
	if actor == nil {
		return nil, helpdesk.Errorf(helpdesk.EUNAUTH, "Sign in first.")
	}
	if in.RequesterID == 0 {
		in.RequesterID = actor.ID
	} else if in.RequesterID != actor.ID && !actor.IsStaff() {
		return nil, helpdesk.Errorf(helpdesk.EFORBIDDEN, "Only staff may file tickets for someone else.")
	}
	if err := s.validateCreate(&in); err != nil {
		return nil, err
	}
	html := in.DescriptionHTM
	if html == "" {
		html = RenderMarkdown(in.Description)
	}
	n := postgres.NewTicket{
		Subject: in.Subject, Impact: in.Impact, Urgency: in.Urgency,
		CategoryID: in.CategoryID, TeamID: in.TeamID, RequesterID: in.RequesterID,
		Source: in.Source, Body: in.Description, BodyHTML: html, EmailMessageID: in.EmailMessageID,
		ActorID: nonZero(actor.ID), SenderCheck: in.SenderCheck, SenderFlagged: in.SenderFlagged,
		Extras: in.AfterInsert != nil,
	}
	// What goes into the creating transaction after the ticket row.
	after := func(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket, messageID int64) error {
		if _, err := s.insertAttachments(ctx, tx, t.ID, messageID, in.Attachments); err != nil {
			return err
		}
		if in.AfterInsert != nil {
			return in.AfterInsert(ctx, tx, t)
		}
		return nil
	}
	// A ticket File writes untriaged is handed to Triage; without it only
	// the River job below would triage it.
	if s.File != nil && s.Triage != nil && !in.TriageLater {
		var size int
		for _, u := range in.Attachments {
			size += len(u.Data)
		}
		t, triaged, err := s.File(ctx, n, size > fileAloneBytes, after)
		if err != nil {
			return nil, err
		}
		if !triaged {
			s.Triage(ctx, t.ID)
		}
		return t, nil
	}
	var t *helpdesk.Ticket
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		var messageID int64
		var err error
		if t, messageID, err = tx.InsertTicket(ctx, n); err != nil {
			return err
		}
		if s.Jobs != nil && s.Triage == nil {
			if _, err := s.Jobs.InsertTx(ctx, tx, jobs.TriageArgs{TicketID: t.ID}, nil); err != nil {
				return err
			}
		}
		return after(ctx, tx, t, messageID)
	})
	if err != nil {
		return nil, err
	}
	if s.Triage != nil {
		s.Triage(ctx, t.ID)
	}
	return t, nil
}

// insertMessage stores m (its id, time and attachments are filled in from
// what the database wrote, so no caller has to read them back), its
// attachments and its Message-ID.
func (s *Service) insertMessage(ctx context.Context, tx *postgres.Tx, m *helpdesk.Message, ups []helpdesk.Upload) error {
	if err := tx.InsertMessage(ctx, m); err != nil {
		return err
	}
	var err error
	m.Attachments, err = s.insertAttachments(ctx, tx, m.TicketID, m.ID, ups)
	return err
}

// insertAttachments stores files with sniffed types and safe names, and
// returns them as stored.
func (s *Service) insertAttachments(ctx context.Context, tx *postgres.Tx, ticketID, messageID int64,
	ups []helpdesk.Upload) ([]helpdesk.Attachment, error) {
	var out []helpdesk.Attachment
	for _, u := range ups {
		a := helpdesk.Attachment{TicketID: ticketID, MessageID: &messageID, Filename: SafeFilename(u.Filename),
			ContentType: SniffType(u.Data), Size: int64(len(u.Data)), Inline: u.Inline}
		if err := tx.InsertAttachment(ctx, &a, u.ContentID, u.Data); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// fileAloneBytes: a new ticket with more attachment data than this is
// filed in a transaction of its own, as its write (a few ms per MB) would
// delay the other requests of a batch.
const fileAloneBytes = 256 << 10

func nonZero(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
