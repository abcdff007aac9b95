package chat

import (
	"context"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
)

// slaLine is the card's SLA line: "SLA breached: resolution was due …" or
// "SLA at risk: first response due …", from the newest alarm the SLA
// scanner recorded per target; empty when the SLA is fine. An alarm stops
// counting once its target is met (a first response was sent) or its
// deadline moved (a new priority), so the card clears itself when it is
// next rendered.
func (s *Service) slaLine(ctx context.Context, t *helpdesk.Ticket) (string, error) {
	if !t.Status.IsOpen() || t.Status == helpdesk.StatusPending {
		return "", nil
	}
	marks, err := s.DB.ChatSLAMarks(ctx, t.ID)
	if err != nil {
		return "", err
	}
	var breached, risk []string
	for _, m := range marks {
		var due *time.Time
		switch m.Target {
		case "first_response":
			if t.FirstRespondedAt != nil {
				continue
			}
			due = t.FirstResponseDue
		case "resolution":
			due = t.ResolutionDue
		default:
			continue
		}
		if due != nil && due.Sub(m.Due).Abs() > time.Minute {
			continue // the deadline moved since the alarm
		}
		what := strings.ReplaceAll(m.Target, "_", " ")
		when := m.Due.UTC().Format("Mon 2 Jan 15:04 UTC")
		if m.Kind == helpdesk.EventSLABreached {
			breached = append(breached, what+" was due "+when)
		} else {
			risk = append(risk, what+" due "+when)
		}
	}
	var parts []string
	if len(breached) > 0 {
		parts = append(parts, "SLA breached: "+strings.Join(breached, "; "))
	}
	if len(risk) > 0 {
		parts = append(parts, "SLA at risk: "+strings.Join(risk, "; "))
	}
	return strings.Join(parts, "\n"), nil
}

// withSLA appends the SLA line to a card's text.
func (s *Service) withSLA(ctx context.Context, t *helpdesk.Ticket, text string) (string, error) {
	line, err := s.slaLine(ctx, t)
	if err != nil {
		return "", fmt.Errorf("SLA state of ticket #%d: %w", t.Number, err)
	}
	if line == "" {
		return text, nil
	}
	return text + "\n" + line, nil
}
