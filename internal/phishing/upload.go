package phishing

import (
	"bytes"
	"context"
	"path"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// MaxUpload is the largest .eml the Report phishing page takes.
const MaxUpload = 25 << 20

// UploadInput is the Report phishing form.
type UploadInput struct {
	Filename string
	Data     []byte
	Note     string
}

// Upload files a report from an uploaded .eml: the file is the suspect
// itself. Outlook's .msg format is refused with an explanation: no
// maintained pure-Go reader exists, and an .eml (or forwarding as an
// attachment) keeps everything the analysis needs.
func (s *Service) Upload(ctx context.Context, reporter *helpdesk.User, in UploadInput) (*helpdesk.Ticket, error) {
	if reporter == nil {
		return nil, helpdesk.Errorf(helpdesk.EUNAUTH, "Sign in first.")
	}
	field := func(msg string) error {
		return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: []helpdesk.FieldError{{Field: "file", Message: msg}}}
	}
	ext := strings.ToLower(path.Ext(in.Filename))
	switch {
	case len(in.Data) == 0:
		return nil, field("Choose the suspicious mail, saved as an .eml file.")
	case ext == ".msg" || bytes.HasPrefix(in.Data, []byte("\xd0\xcf\x11\xe0")):
		return nil, field("Outlook .msg files cannot be read here. Forward the mail as an attachment to the security address instead, or save it as .eml (drag it out of Outlook on the web or from another mail app).")
	case len(in.Data) > MaxUpload:
		return nil, field("The file is too large (25 MB at most).")
	case !looksLikeMail(in.Data):
		return nil, field("This file is not a saved mail (.eml). Save the suspicious mail as .eml and upload that file.")
	}
	setup, err := s.DB.PhishSetup(ctx)
	if err != nil {
		return nil, err
	}
	subject := "Phishing report"
	if sub := subjectOf(in.Data); sub != "" {
		subject += ": " + sub
	}
	desc := strings.TrimSpace(in.Note)
	if desc == "" {
		desc = "Reported with the Report phishing page."
	}
	return s.Tickets.Create(ctx, reporter, ticket.CreateInput{Subject: truncate(subject, ticket.MaxSubject-10), Description: desc,
		TeamID: setup.TeamID, Source: helpdesk.SourcePortal,
		AfterInsert: func(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket) error {
			if err := tx.InsertPhishReport(ctx, t.ID, reporter.ID, nil, FoundUpload, in.Data); err != nil {
				return err
			}
			return s.enqueue(ctx, tx, t.ID)
		}})
}

// subjectOf is a mail's decoded subject, on one line.
func subjectOf(raw []byte) string {
	env, err := readEnvelope(raw)
	if err != nil {
		return ""
	}
	return strings.Join(strings.Fields(env.GetHeader("Subject")), " ")
}
