package ticket

import (
	"context"
	"strings"
	"unicode/utf8"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
	"switchboard/internal/postgres/dbsqlc"
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
	// AfterInsert, when set, runs inside the creating transaction after the
	// ticket is written (the API stores its idempotency record and answer
	// there, so a crash cannot leave a ticket without them); an error rolls
	// everything back.
	AfterInsert func(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket) error
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

// Create files a ticket with its first message. The ticket, message,
// attachments, "created" event and triage job commit together. The ticket
// returned (and passed to AfterInsert) is complete, names included, as
// reading it back right after would show it.
func (s *Service) Create(ctx context.Context, actor *helpdesk.User, in CreateInput) (*helpdesk.Ticket, error) {
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
	var t *helpdesk.Ticket
	err := s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		var emailID *string
		if in.EmailMessageID != "" {
			emailID = &in.EmailMessageID
		}
		row, err := tx.Q.InsertTicket(ctx, dbsqlc.InsertTicketParams{
			Subject: in.Subject, Impact: string(in.Impact), Urgency: string(in.Urgency),
			CategoryID: in.CategoryID, TeamID: in.TeamID, RequesterID: in.RequesterID,
			Source: string(in.Source), Body: in.Description, BodyHtml: html, EmailMessageID: emailID,
			ActorID: nonZero(actor.ID), Channel: NotifyChannel,
		})
		if postgres.IsForeignKey(err, "tickets_category_id_fkey") {
			// Checked by the foreign key rather than a query first: one
			// round trip less on every create.
			return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Please correct the highlighted fields.",
				Fields: []helpdesk.FieldError{{Field: "category", Message: "Choose a category from the list."}}}
		} else if err != nil {
			return err
		}
		if _, err := s.insertAttachments(ctx, tx, row.ID, row.MessageID, in.Attachments); err != nil {
			return err
		}
		t = &helpdesk.Ticket{ID: row.ID, Number: row.Number, Subject: in.Subject, Status: helpdesk.StatusNew,
			Priority: helpdesk.Priority(row.Priority), Impact: in.Impact, Urgency: in.Urgency,
			CategoryID: in.CategoryID, CategoryName: deref(row.CategoryName),
			TeamID: row.TeamID, TeamName: deref(row.TeamName), TeamSlug: deref(row.TeamSlug),
			RequesterID: in.RequesterID, RequesterName: row.RequesterName, RequesterEmail: row.RequesterEmail,
			Source: in.Source, FirstResponseDue: row.FirstResponseDue, ResolutionDue: row.ResolutionDue, DueAt: row.DueAt,
			CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt}
		if s.Jobs != nil {
			if _, err := s.Jobs.InsertTx(ctx, tx, jobs.TriageArgs{TicketID: row.ID}, nil); err != nil {
				return err
			}
		}
		if in.AfterInsert != nil {
			return in.AfterInsert(ctx, tx, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// insertMessage stores m (its id, time and attachments are filled in from
// what the database wrote, so no caller has to read them back), its
// attachments and its Message-ID.
func (s *Service) insertMessage(ctx context.Context, tx *postgres.Tx, m *helpdesk.Message, ups []helpdesk.Upload) error {
	var emailPtr *string
	if m.EmailMessageID != "" {
		emailPtr = &m.EmailMessageID
	}
	row, err := tx.Q.InsertMessage(ctx, dbsqlc.InsertMessageParams{
		TicketID: m.TicketID, AuthorID: m.AuthorID, Internal: m.Internal, BodyText: m.BodyText, BodyHtml: m.BodyHTML,
		EmailMessageID: emailPtr, Source: string(m.Source),
	})
	if err != nil {
		return err
	}
	m.ID, m.CreatedAt = row.ID, row.CreatedAt
	if m.EmailMessageID != "" {
		if err := tx.Q.MailAddThreadID(ctx, dbsqlc.MailAddThreadIDParams{MessageID: m.EmailMessageID,
			TicketID: m.TicketID}); err != nil {
			return err
		}
	}
	m.Attachments, err = s.insertAttachments(ctx, tx, m.TicketID, m.ID, ups)
	return err
}

// insertAttachments stores files with sniffed types and safe names, and
// returns them as stored.
func (s *Service) insertAttachments(ctx context.Context, tx *postgres.Tx, ticketID, messageID int64,
	ups []helpdesk.Upload) ([]helpdesk.Attachment, error) {
	var out []helpdesk.Attachment
	for _, u := range ups {
		var cid *string
		if u.ContentID != "" {
			cid = &u.ContentID
		}
		a := helpdesk.Attachment{TicketID: ticketID, MessageID: &messageID, Filename: SafeFilename(u.Filename),
			ContentType: SniffType(u.Data), Size: int64(len(u.Data)), Inline: u.Inline}
		row, err := tx.Q.InsertAttachment(ctx, dbsqlc.InsertAttachmentParams{
			TicketID: ticketID, MessageID: a.MessageID, Filename: a.Filename,
			ContentType: a.ContentType, Size: a.Size, ContentID: cid, Inline: a.Inline, Data: u.Data,
		})
		if err != nil {
			return nil, err
		}
		a.ID, a.CreatedAt = row.ID, row.CreatedAt
		out = append(out, a)
	}
	return out, nil
}

func nonZero(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
