package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// DetectorTicket is a ticket as the incident detector reads it.
type DetectorTicket struct {
	ID        int64
	Number    int64
	CreatedAt time.Time
	Text      string // subject and the start of the first message
	Category  string
	Source    helpdesk.Source
	ParentID  *int64
	Incident  bool // has children or an incidents row
}

// DetectorTickets lists tickets with id > afterID created since since, in
// id order, at most limit.
func (db *DB) DetectorTickets(ctx context.Context, afterID int64, since time.Time, limit int) ([]DetectorTicket, error) {
	rows, err := db.pool.Query(ctx, `SELECT t.id, t.number, t.created_at,
			t.subject || E'\n' || coalesce(left((SELECT m.body_text FROM messages m WHERE m.ticket_id = t.id ORDER BY m.created_at, m.id LIMIT 1), 2000), ''),
			coalesce(c.name, ''), t.source, t.parent_id,
			EXISTS (SELECT 1 FROM incidents i WHERE i.ticket_id = t.id) OR EXISTS (SELECT 1 FROM tickets k WHERE k.parent_id = t.id)
		FROM tickets t LEFT JOIN categories c ON c.id = t.category_id
		WHERE t.id > $1 AND t.created_at >= $2 AND t.merged_into_id IS NULL
		ORDER BY t.id LIMIT $3`, afterID, since, limit)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DetectorTicket, error) {
		var d DetectorTicket
		var src string
		err := r.Scan(&d.ID, &d.Number, &d.CreatedAt, &d.Text, &d.Category, &src, &d.ParentID, &d.Incident)
		d.Source = helpdesk.Source(src)
		return d, err
	})
	return out, mapError(err)
}

// SetTicketEntities replaces a ticket's indexed entities.
func (db *DB) SetTicketEntities(ctx context.Context, ticketID int64, ents []helpdesk.Entity) error {
	kinds, values := make([]string, len(ents)), make([]string, len(ents))
	for i, e := range ents {
		kinds[i], values[i] = e.Kind, e.Value
	}
	// One statement (the detector indexes every new ticket): entities no
	// longer found go, new ones come, the rest stay as they are.
	_, err := db.pool.Exec(ctx, `WITH gone AS (
		DELETE FROM ticket_entities WHERE ticket_id = $1
		AND (kind, value) NOT IN (SELECT * FROM unnest($2::text[], $3::text[])))
	INSERT INTO ticket_entities (ticket_id, kind, value)
	SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS x(k, v) ON CONFLICT DO NOTHING`, ticketID, kinds, values)
	if err != nil {
		return fmt.Errorf("store entities of ticket %d: %w", ticketID, mapError(err))
	}
	return nil
}

// TicketEntities returns the entities of tickets, by ticket id.
func (db *DB) TicketEntities(ctx context.Context, ids []int64) (map[int64][]helpdesk.Entity, error) {
	rows, err := db.pool.Query(ctx, `SELECT ticket_id, kind, value FROM ticket_entities WHERE ticket_id = ANY($1)
		ORDER BY ticket_id, kind, value`, ids)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	out := map[int64][]helpdesk.Entity{}
	for rows.Next() {
		var id int64
		var e helpdesk.Entity
		if err := rows.Scan(&id, &e.Kind, &e.Value); err != nil {
			return nil, mapError(err)
		}
		out[id] = append(out[id], e)
	}
	return out, mapError(rows.Err())
}

// DetectorState is what the detector rebuilds from: every suspect that is
// open or confirmed with its ticket ids, incidents with their children,
// and the dismissed pairs; Version changes whenever an agent decides.
type DetectorState struct {
	Version   string
	Suspects  map[int64][]int64 // open suspect id -> ticket ids
	Incidents map[int64][]int64 // incident ticket id -> children ids
	Dismissed [][2]int64
	Closed    map[int64]bool // incident ticket ids no longer open
}

// LoadDetectorState reads the detector's decisions state.
func (db *DB) LoadDetectorState(ctx context.Context, since time.Time) (*DetectorState, error) {
	st := &DetectorState{Suspects: map[int64][]int64{}, Incidents: map[int64][]int64{}, Closed: map[int64]bool{}}
	if err := db.pool.QueryRow(ctx, `SELECT coalesce(max(decided_at)::text, '') || '/' || count(*) || '/' ||
			(SELECT count(*) FROM incident_dismissed_pairs) FROM suspected_incidents WHERE status <> 'open'`).
		Scan(&st.Version); err != nil {
		return nil, mapError(err)
	}
	rows, err := db.pool.Query(ctx, `SELECT s.id, st.ticket_id FROM suspected_incidents s
		JOIN suspected_incident_tickets st ON st.suspect_id = s.id WHERE s.status = 'open' AND s.target_id IS NULL`)
	if err != nil {
		return nil, mapError(err)
	}
	for rows.Next() {
		var s, t int64
		if err := rows.Scan(&s, &t); err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		st.Suspects[s] = append(st.Suspects[s], t)
	}
	rows.Close()
	rows, err = db.pool.Query(ctx, `SELECT p.id, p.status, c.id FROM tickets p JOIN incidents i ON i.ticket_id = p.id
		LEFT JOIN tickets c ON c.parent_id = p.id WHERE p.created_at >= $1
		UNION ALL SELECT s.target_id, t.status, st.ticket_id FROM suspected_incidents s
		JOIN tickets t ON t.id = s.target_id JOIN suspected_incident_tickets st ON st.suspect_id = s.id
		WHERE s.status = 'open' AND s.target_id IS NOT NULL`, since)
	if err != nil {
		return nil, mapError(err)
	}
	for rows.Next() {
		var p int64
		var status string
		var c *int64
		if err := rows.Scan(&p, &status, &c); err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		if _, ok := st.Incidents[p]; !ok {
			st.Incidents[p] = nil
		}
		if c != nil {
			st.Incidents[p] = append(st.Incidents[p], *c)
		}
		if !helpdesk.Status(status).IsOpen() {
			st.Closed[p] = true
		}
	}
	rows.Close()
	rows, err = db.pool.Query(ctx, `SELECT a, b FROM incident_dismissed_pairs`)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var p [2]int64
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			return nil, mapError(err)
		}
		st.Dismissed = append(st.Dismissed, p)
	}
	return st, mapError(rows.Err())
}
