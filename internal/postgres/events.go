package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"switchboard/internal/postgres/internal/dbsqlc"
)

// TicketChannel is the LISTEN/NOTIFY channel that carries the numbers of
// changed tickets to every app node's live-update hub.
const TicketChannel = "ticket_changed"

// NewEvent is one change to a ticket for its audit trail.
type NewEvent struct {
	TicketID int64
	// Number, when set, tells every node's live view about the ticket once
	// the transaction commits; zero when the caller notifies once after
	// several events.
	Number  int64
	ActorID *int64 // nil: Switchboard itself
	Kind    string
	// Before and After are stored as JSON; nil stays NULL.
	Before, After any
	Reason        string
}

// RecordEvent writes a ticket event, and with e.Number the live-update
// notification after commit (see announce.go). It is the only writer of
// ticket_events, so every feature's events look alike.
func (tx *Tx) RecordEvent(ctx context.Context, e NewEvent) error {
	before, after, err := e.encode()
	if err != nil {
		return fmt.Errorf("record event on ticket %d: %w", e.TicketID, err)
	}
	err = tx.q.InsertEvent(ctx, dbsqlc.InsertEventParams{TicketID: e.TicketID, ActorID: e.ActorID, Kind: e.Kind,
		Before: before, After: after, Reason: e.Reason})
	if err != nil {
		return fmt.Errorf("record %s event on ticket %d: %w", e.Kind, e.TicketID, mapError(err))
	}
	if e.Number != 0 {
		return tx.NotifyTicket(ctx, e.Number)
	}
	return nil
}

func eventJSON(v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		return v, nil
	}
	return json.Marshal(v)
}
