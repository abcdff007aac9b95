package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"switchboard/internal/helpdesk"
)

// DetectorProgress is what the incident detector learned from a run of
// tickets, written in one statement: each ticket's entities (replacing
// what was stored for it), the tickets that joined open proposals, and the
// detector's cursor (a JSON setting) past the last of them.
type DetectorProgress struct {
	Tickets   []int64             // tickets whose entities are replaced
	Entities  [][]helpdesk.Entity // per ticket, as Tickets
	Suspects  []int64             // proposal ids …
	Joined    []int64             // … and the ticket that joined each
	CursorKey string
	Cursor    int64
}

// SaveDetectorProgress writes p in one statement (it was a statement per
// ticket for its entities, another for the cursor, and a transaction per
// ticket that joined a proposal).
func (db *DB) SaveDetectorProgress(ctx context.Context, p DetectorProgress) error {
	var ids []int64
	var kinds, values []string
	for i, ents := range p.Entities {
		for _, e := range ents {
			ids, kinds, values = append(ids, p.Tickets[i]), append(kinds, e.Kind), append(values, e.Value)
		}
	}
	cursor, err := json.Marshal(p.Cursor)
	if err != nil {
		return err
	}
	_, err = db.pool.Exec(ctx, `WITH input AS (
		SELECT * FROM unnest($2::bigint[], $3::text[], $4::text[]) AS x(ticket_id, kind, value)
	), gone AS (
		DELETE FROM ticket_entities e WHERE e.ticket_id = ANY($1::bigint[])
		AND NOT EXISTS (SELECT 1 FROM input i WHERE i.ticket_id = e.ticket_id AND i.kind = e.kind AND i.value = e.value)
	), ents AS (
		INSERT INTO ticket_entities (ticket_id, kind, value) SELECT ticket_id, kind, value FROM input ON CONFLICT DO NOTHING
	), joined AS (
		INSERT INTO suspected_incident_tickets (suspect_id, ticket_id)
		SELECT * FROM unnest($5::bigint[], $6::bigint[]) ON CONFLICT DO NOTHING
	)
	INSERT INTO settings (key, value) VALUES ($7, $8) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
		nonNil(p.Tickets), nonNil(ids), nonNil(kinds), nonNil(values), nonNil(p.Suspects), nonNil(p.Joined), p.CursorKey, cursor)
	if err != nil {
		return fmt.Errorf("store incident detector progress to ticket %d: %w", p.Cursor, mapError(err))
	}
	return nil
}
