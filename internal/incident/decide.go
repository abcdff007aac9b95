package incident

import (
	"context"
	"fmt"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// Suspects lists open proposals for staff.
func (svc *Service) Suspects(ctx context.Context, viewer *helpdesk.User) ([]helpdesk.Suspect, error) {
	if !viewer.IsStaff() {
		return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	return svc.DB.Suspects(ctx, "open", 50)
}

// Confirm accepts a proposal: a new incident ticket is filed (or the
// target incident used) and every proposed ticket becomes its child, each
// requester getting one reply that says so. It returns the incident's number.
func (svc *Service) Confirm(ctx context.Context, actor *helpdesk.User, id int64) (int64, error) {
	if !actor.IsStaff() {
		return 0, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	s, err := svc.DB.Suspect(ctx, id)
	if err != nil {
		return 0, err
	}
	if s.Status != "open" {
		return 0, helpdesk.Errorf(helpdesk.ECONFLICT, "Someone already decided on this proposal.")
	}
	var inc *helpdesk.Ticket
	if s.Target != nil {
		if inc, err = svc.Tickets.Get(ctx, actor, s.Target.Number); err != nil {
			return 0, err
		}
	} else {
		title := "Incident: " + strings.Join(s.Words[:min(4, len(s.Words))], " ")
		if len(s.Words) == 0 {
			title = fmt.Sprintf("Incident: %d similar tickets", len(s.Tickets))
		}
		var desc strings.Builder
		fmt.Fprintf(&desc, "Confirmed from a burst of %d similar tickets starting %s.\n\n", len(s.Tickets),
			s.StartedAt.UTC().Format("2006-01-02 15:04 MST"))
		if len(s.Entities) > 0 {
			fmt.Fprintf(&desc, "Shared: %s\n", strings.Join(s.Entities, ", "))
		}
		inc, err = svc.Tickets.Create(ctx, actor, ticket.CreateInput{Subject: title, Description: desc.String(),
			Source: helpdesk.SourceDetector, Impact: helpdesk.ImpactDepartment, Urgency: helpdesk.UrgencyHigh,
			AfterInsert: func(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket) error {
				return tx.InsertIncident(ctx, t.ID, "detected")
			}})
		if err != nil {
			return 0, err
		}
	}
	update := fmt.Sprintf("Several people have reported the same problem, and we are handling it as one incident "+
		"(#%d). We will keep you posted here; you do not need to do anything else.", inc.Number)
	for _, t := range s.Tickets {
		if t.ID == inc.ID || !t.Status.IsOpen() {
			continue
		}
		if err := svc.Tickets.Link(ctx, actor, t.Number, inc.Number); err != nil {
			return 0, fmt.Errorf("link ticket %d to incident %d: %w", t.Number, inc.Number, err)
		}
		if _, err := svc.Tickets.AddMessage(ctx, actor, t.Number, ticket.MessageInput{Body: update}); err != nil {
			return 0, fmt.Errorf("tell requester of ticket %d: %w", t.Number, err)
		}
	}
	if err := svc.DB.DecideSuspect(ctx, id, "confirmed", actor.ID, inc.ID); err != nil {
		return 0, err
	}
	return inc.Number, nil
}

// Dismiss rejects a proposal; the detector never proposes its tickets
// together again.
func (svc *Service) Dismiss(ctx context.Context, actor *helpdesk.User, id int64) error {
	if !actor.IsStaff() {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	return svc.DB.DecideSuspect(ctx, id, "dismissed", actor.ID, 0)
}

// Publish shows an incident to employees as a known issue (or hides it).
func (svc *Service) Publish(ctx context.Context, actor *helpdesk.User, number int64, publish bool, title, message string) error {
	if !actor.IsStaff() {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	t, err := svc.Tickets.Get(ctx, actor, number)
	if err != nil {
		return err
	}
	title, message = strings.TrimSpace(title), strings.TrimSpace(message)
	if publish && title == "" {
		return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: []helpdesk.FieldError{{Field: "title", Message: "Give employees a short title, e.g. \"VPN outage\"."}}}
	}
	if err := svc.DB.SetPublished(ctx, t.ID, publish, title, message); err != nil {
		return err
	}
	return svc.Tickets.Record(ctx, actor, t, helpdesk.EventPublished, map[string]any{"published": publish, "title": title}, "")
}

// KnownIssues are the published open incidents employees see.
func (svc *Service) KnownIssues(ctx context.Context) ([]helpdesk.KnownIssue, error) {
	return svc.DB.PublishedIncidents(ctx)
}

// AffectedToo records that the person is affected by a published incident,
// instead of filing a ticket (a deflection): they follow the incident and
// get its updates.
func (svc *Service) AffectedToo(ctx context.Context, u *helpdesk.User, number int64) error {
	if u == nil {
		return helpdesk.Errorf(helpdesk.EUNAUTH, "Sign in first.")
	}
	issues, err := svc.KnownIssues(ctx)
	if err != nil {
		return err
	}
	for _, k := range issues {
		if k.Number != number {
			continue
		}
		added, err := svc.DB.AddAffected(ctx, k.TicketID, u.ID)
		if err != nil || !added {
			return err
		}
		t := &helpdesk.Ticket{ID: k.TicketID, Number: k.Number}
		return svc.Tickets.Record(ctx, u, t, helpdesk.EventAffectedToo, map[string]any{"person": u.Email}, "")
	}
	return helpdesk.Errorf(helpdesk.ENOTFOUND, "That known issue is no longer open.")
}
