package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// AddTicketTag tags a ticket; added is false when it had the tag already.
func (tx *Tx) AddTicketTag(ctx context.Context, ticketID int64, tag string) (added bool, err error) {
	ct, err := tx.tx.Exec(ctx, `INSERT INTO ticket_tags (ticket_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING`, ticketID, tag)
	if err != nil {
		return false, fmt.Errorf("tag ticket %d %q: %w", ticketID, tag, mapError(err))
	}
	return ct.RowsAffected() == 1, nil
}

// RemoveTicketTag removes a tag; removed is false when the ticket did not
// have it.
func (tx *Tx) RemoveTicketTag(ctx context.Context, ticketID int64, tag string) (removed bool, err error) {
	ct, err := tx.tx.Exec(ctx, `DELETE FROM ticket_tags WHERE ticket_id = $1 AND tag = $2`, ticketID, tag)
	if err != nil {
		return false, fmt.Errorf("untag ticket %d %q: %w", ticketID, tag, mapError(err))
	}
	return ct.RowsAffected() == 1, nil
}

// RemoveParticipant stops a user following a ticket; removed is false when
// they did not.
func (tx *Tx) RemoveParticipant(ctx context.Context, ticketID, userID int64) (removed bool, err error) {
	ct, err := tx.tx.Exec(ctx, `DELETE FROM ticket_participants WHERE ticket_id = $1 AND user_id = $2`, ticketID, userID)
	if err != nil {
		return false, fmt.Errorf("remove participant %d from ticket %d: %w", userID, ticketID, mapError(err))
	}
	return ct.RowsAffected() == 1, nil
}

// TicketTags lists a ticket's tags in order; rules add them (add_tag).
func (db *DB) TicketTags(ctx context.Context, ticketID int64) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT tag FROM ticket_tags WHERE ticket_id = $1 ORDER BY tag`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("list tags of ticket %d: %w", ticketID, mapError(err))
	}
	tags, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list tags of ticket %d: %w", ticketID, mapError(err))
	}
	return tags, nil
}
