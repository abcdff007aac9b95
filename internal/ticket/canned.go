package ticket

import (
	"context"
	"strings"
	"unicode/utf8"

	"switchboard/internal/helpdesk"
)

// Canned is a saved reply with placeholders.
type Canned = helpdesk.CannedReply

// CannedInput is a canned reply as a lead edits it.
type CannedInput struct {
	TeamID *int64
	Title  string
	Body   string
}

// Placeholders a canned reply may use.
const (
	PhRequesterName = "{{requester_name}}"
	PhTicketNumber  = "{{ticket_number}}"
	PhAgentName     = "{{agent_name}}"
)

// FillCanned replaces the placeholders for ticket t written by agent.
func FillCanned(body string, t *helpdesk.Ticket, agent *helpdesk.User) string {
	return strings.NewReplacer(PhRequesterName, t.RequesterName, PhTicketNumber, "#"+itoa(t.Number),
		PhAgentName, agent.Name).Replace(body)
}

// CannedReplies lists every canned reply; staff only.
func (s *Service) CannedReplies(ctx context.Context, viewer *helpdesk.User) ([]Canned, error) {
	if !viewer.IsStaff() {
		return nil, notFound()
	}
	return s.DB.CannedReplies(ctx)
}

// CannedReply returns one canned reply; staff only.
func (s *Service) CannedReply(ctx context.Context, viewer *helpdesk.User, id int64) (*Canned, error) {
	if !viewer.IsStaff() {
		return nil, notFound()
	}
	return s.DB.CannedReply(ctx, id)
}

// mayManageCanned: admins, and leads (a lead of any team for global replies,
// of that team for a team's replies).
func (s *Service) mayManageCanned(ctx context.Context, u *helpdesk.User, teamID *int64) error {
	switch u.Role {
	case helpdesk.RoleAdmin:
		return nil
	case helpdesk.RoleLead:
		ok, err := s.DB.IsTeamLead(ctx, u.ID, teamID)
		if err != nil {
			return err
		}
		if ok || teamID == nil {
			return nil // a lead without a team row may still keep global replies
		}
	}
	return helpdesk.Errorf(helpdesk.EFORBIDDEN, "Only team leads can manage canned replies.")
}

func validateCanned(in *CannedInput) error {
	var v helpdesk.Validation
	in.Title = strings.TrimSpace(in.Title)
	switch {
	case in.Title == "":
		v.Add("title", "Enter a title.")
	case utf8.RuneCountInString(in.Title) > 120:
		v.Add("title", "Keep the title under 120 characters.")
	}
	switch {
	case strings.TrimSpace(in.Body) == "":
		v.Add("body", "Write the reply.")
	case utf8.RuneCountInString(in.Body) > 20000:
		v.Add("body", "The reply is too long (20,000 characters at most).")
	}
	return v.Err()
}

// SaveCanned creates (id 0) or updates a canned reply; leads and admins only.
func (s *Service) SaveCanned(ctx context.Context, actor *helpdesk.User, id int64, in CannedInput) (_ int64, err error) {
	defer helpdesk.WrapOp(&err, "save canned reply %d", id)
	if !actor.IsStaff() {
		return 0, notFound()
	}
	if err := s.mayManageCanned(ctx, actor, in.TeamID); err != nil {
		return 0, err
	}
	if err := validateCanned(&in); err != nil {
		return 0, err
	}
	if id == 0 {
		return s.DB.SaveCannedReply(ctx, helpdesk.CannedReply{TeamID: in.TeamID, Title: in.Title, Body: in.Body}, actor.ID)
	}
	old, err := s.CannedReply(ctx, actor, id)
	if err != nil {
		return 0, err
	}
	if err := s.mayManageCanned(ctx, actor, old.TeamID); err != nil {
		return 0, err
	}
	return s.DB.SaveCannedReply(ctx, helpdesk.CannedReply{ID: id, TeamID: in.TeamID, Title: in.Title, Body: in.Body}, actor.ID)
}

// DeleteCanned removes a canned reply; leads and admins only.
func (s *Service) DeleteCanned(ctx context.Context, actor *helpdesk.User, id int64) (err error) {
	defer helpdesk.WrapOp(&err, "delete canned reply %d", id)
	old, err := s.CannedReply(ctx, actor, id)
	if err != nil {
		return err
	}
	if err := s.mayManageCanned(ctx, actor, old.TeamID); err != nil {
		return err
	}
	return s.DB.DeleteCannedReply(ctx, id)
}
