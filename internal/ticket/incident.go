package ticket

import (
	"context"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Record writes an event on a ticket for another service (the incident
// service's alert changes and "affected too" clicks) through the one event
// writer, so live updates and the audit trail see it like any other change.
func (s *Service) Record(ctx context.Context, actor *helpdesk.User, t *helpdesk.Ticket, kind string, after any, reason string) error {
	return s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		return s.RecordTx(ctx, tx, actor, t, kind, after, reason)
	})
}

// RecordTx is Record inside the caller's transaction.
func (s *Service) RecordTx(ctx context.Context, tx *postgres.Tx, actor *helpdesk.User, t *helpdesk.Ticket, kind string, after any, reason string) error {
	return s.record(ctx, tx, t.ID, t.Number, actor, kind, nil, after, reason, nil)
}
