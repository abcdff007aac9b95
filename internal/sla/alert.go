package sla

import (
	"context"

	"switchboard/internal/postgres"
)

// Alert is a notification that triage or the SLA clock owes people: an SLA
// warning or breach to the team leads, a P1 page to on-call, a flagged
// hand-over to the lead. It mirrors the event that records it.
type Alert struct {
	TicketID int64
	Number   int64
	Kind     string   // the event kind: sla_warning, sla_breached, notified, flagged
	To       []string // email addresses, as listed under "notify" in the event
	Reason   string   // the event's reason, shown in the mail
	// Key tells this alert apart from earlier ones of the same kind on the
	// ticket; with it the outbox refuses a second copy of the same mail.
	Key string
}

// Alerter sends an alert inside the transaction that records its event, so
// the mail exists exactly when the event does. The app wires it to the mail
// notifier; nil sends nothing.
type Alerter func(ctx context.Context, tx *postgres.Tx, a Alert) error

// Send calls f when it is set.
func (f Alerter) Send(ctx context.Context, tx *postgres.Tx, a Alert) error {
	if f == nil || len(a.To) == 0 {
		return nil
	}
	return f(ctx, tx, a)
}
