package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

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
// notification in the same round trip. It is the only writer of
// ticket_events, so every feature's events look alike.
func (tx *Tx) RecordEvent(ctx context.Context, e NewEvent) error {
	before, err := eventJSON(e.Before)
	if err != nil {
		return fmt.Errorf("record %s event on ticket %d: %w", e.Kind, e.TicketID, err)
	}
	after, err := eventJSON(e.After)
	if err != nil {
		return fmt.Errorf("record %s event on ticket %d: %w", e.Kind, e.TicketID, err)
	}
	if e.Number == 0 {
		err = tx.q.InsertEvent(ctx, dbsqlc.InsertEventParams{TicketID: e.TicketID, ActorID: e.ActorID, Kind: e.Kind,
			Before: before, After: after, Reason: e.Reason})
	} else {
		err = tx.q.RecordEvent(ctx, dbsqlc.RecordEventParams{TicketID: e.TicketID, ActorID: e.ActorID, Kind: e.Kind,
			Before: before, After: after, Reason: e.Reason, Channel: TicketChannel, Number: strconv.FormatInt(e.Number, 10)})
	}
	if err != nil {
		return fmt.Errorf("record %s event on ticket %d: %w", e.Kind, e.TicketID, mapError(err))
	}
	return nil
}

// NotifyTicket tells every node's live view that a ticket changed, at commit.
func (tx *Tx) NotifyTicket(ctx context.Context, number int64) error {
	if _, err := tx.tx.Exec(ctx, "SELECT pg_notify($1, $2)", TicketChannel, strconv.FormatInt(number, 10)); err != nil {
		return fmt.Errorf("notify ticket %d: %w", number, mapError(err))
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
