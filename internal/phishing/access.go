package phishing

import (
	"context"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// IsSecurity reports whether a user is on the security team: an admin, or a
// member of the team phishing reports go to. Only they see raw suspects,
// download suspect attachments, overrule verdicts and read the figures.
func (s *Service) IsSecurity(ctx context.Context, u *helpdesk.User) (bool, error) {
	if u == nil || !u.Active || !u.IsStaff() {
		return false, nil
	}
	if u.Role == helpdesk.RoleAdmin {
		return true, nil
	}
	return s.DB.InPhishTeam(ctx, u.ID)
}

// Report returns the phishing report of a ticket the viewer may see, or nil
// when the ticket is no report. Requesters see only the verdict of their
// own report (the API's phishing block), never the analysis.
func (s *Service) Report(ctx context.Context, viewer *helpdesk.User, t *helpdesk.Ticket) (*helpdesk.PhishReport, error) {
	r, err := s.DB.PhishReport(ctx, t.ID)
	if postgres.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !viewer.IsStaff() {
		r.Analysis = nil
	}
	return r, nil
}

// Campaign returns the campaign whose incident is t, or nil.
func (s *Service) Campaign(ctx context.Context, viewer *helpdesk.User, t *helpdesk.Ticket) (*helpdesk.PhishCampaign, error) {
	if !viewer.IsStaff() {
		return nil, nil
	}
	c, err := s.DB.PhishCampaignByTicket(ctx, t.ID)
	if postgres.IsNotFound(err) {
		return nil, nil
	}
	return c, err
}

// Overrule sets the verdict of a report; security team only.
func (s *Service) Overrule(ctx context.Context, actor *helpdesk.User, number int64, verdict, note string) error {
	if ok, err := s.IsSecurity(ctx, actor); err != nil || !ok {
		return notFoundOr(err)
	}
	t, err := s.Tickets.Get(ctx, actor, number)
	if err != nil {
		return err
	}
	if !ValidVerdict(verdict) {
		return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: []helpdesk.FieldError{{Field: "verdict", Message: "Choose malicious, suspicious, likely safe or simulation."}}}
	}
	note = strings.TrimSpace(note)
	if len(note) > 2000 {
		note = truncate(note, 2000)
	}
	before, err := s.DB.PhishReport(ctx, t.ID)
	if err != nil {
		return err
	}
	if err := s.DB.SetPhishVerdict(ctx, t.ID, actor.ID, verdict, note); err != nil {
		return err
	}
	return s.Tickets.Record(ctx, actor, t, helpdesk.EventPhishVerdict, map[string]any{"verdict": verdict, "before": before.Verdict}, note)
}

// Suspect returns the raw reported mail; security team only.
func (s *Service) Suspect(ctx context.Context, viewer *helpdesk.User, number int64) ([]byte, error) {
	if ok, err := s.IsSecurity(ctx, viewer); err != nil || !ok {
		return nil, notFoundOr(err)
	}
	t, err := s.Tickets.Get(ctx, viewer, number)
	if err != nil {
		return nil, err
	}
	return s.DB.PhishSuspect(ctx, t.ID)
}

// SuspectAttachment returns one attachment of the reported mail; security
// team only.
func (s *Service) SuspectAttachment(ctx context.Context, viewer *helpdesk.User, number int64, i int) (Part, error) {
	raw, err := s.Suspect(ctx, viewer, number)
	if err != nil {
		return Part{}, err
	}
	p, ok := Attachment(raw, i)
	if !ok {
		return Part{}, helpdesk.Errorf(helpdesk.ENOTFOUND, "No such attachment.")
	}
	return p, nil
}
