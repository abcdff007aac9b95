package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// PublishedIncidents lists the incidents published to employees that are
// still open, newest first: the portal's known-issue banners and the public
// status page read this.
func (db *DB) PublishedIncidents(ctx context.Context) ([]helpdesk.KnownIssue, error) {
	rows, err := db.pool.Query(ctx, `SELECT t.id, t.number, coalesce(nullif(i.public_title, ''), t.subject), i.public_message,
			t.status, i.published_at, i.affected, (SELECT count(*) FROM tickets c WHERE c.parent_id = t.id)
		FROM incidents i JOIN tickets t ON t.id = i.ticket_id
		WHERE i.published_at IS NOT NULL AND t.status NOT IN ('resolved', 'closed')
		ORDER BY i.published_at DESC`)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.KnownIssue, error) {
		var k helpdesk.KnownIssue
		var st string
		err := r.Scan(&k.TicketID, &k.Number, &k.Title, &k.Message, &st, &k.PublishedAt, &k.Affected, &k.Children)
		k.Status = helpdesk.Status(st)
		return k, err
	})
	return out, mapError(err)
}

// SetPublished shows (title, message) or hides (publish false) an incident
// to employees; the ticket becomes an incident if it was not one.
func (db *DB) SetPublished(ctx context.Context, ticketID int64, publish bool, title, message string) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO incidents (ticket_id, kind, published_at, public_title, public_message)
		VALUES ($1, 'manual', CASE WHEN $2 THEN now() END, $3, $4)
		ON CONFLICT (ticket_id) DO UPDATE SET published_at = CASE WHEN $2 THEN coalesce(incidents.published_at, now()) END,
			public_title = $3, public_message = $4`, ticketID, publish, title, message)
	return mapError(err)
}

// AddAffected records that a person is affected by an incident: they
// follow it as a participant, the incident's count grows and a deflection
// is recorded (the deflection report counts it), once per person. It reports whether they were new.
func (db *DB) AddAffected(ctx context.Context, ticketID, userID int64) (bool, error) {
	var added bool
	err := db.InTx(ctx, func(tx *Tx) error {
		tag, err := tx.tx.Exec(ctx, `INSERT INTO ticket_participants (ticket_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			ticketID, userID)
		if err != nil {
			return err
		}
		if added = tag.RowsAffected() > 0; added {
			if _, err = tx.tx.Exec(ctx, `UPDATE incidents SET affected = affected + 1 WHERE ticket_id = $1`, ticketID); err != nil {
				return err
			}
			// A ticket not filed: the deflection report counts it beside
			// "This solved it" on an article.
			_, err = tx.tx.Exec(ctx, `INSERT INTO kb_deflections (user_id, subject, category_id)
				SELECT $2, 'Affected too: ' || subject, category_id FROM tickets WHERE id = $1`, ticketID, userID)
		}
		return err
	})
	return added, err
}
