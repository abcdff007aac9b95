package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// ChatThreadByRef finds the ticket a chat message stands for; ENOTFOUND
// when it stands for none.
func (db *DB) ChatThreadByRef(ctx context.Context, connector, channel, thread string) (*helpdesk.ChatThread, error) {
	var t helpdesk.ChatThread
	err := db.pool.QueryRow(ctx, `SELECT ticket_id, connector, channel, thread, kind FROM chat_threads
		WHERE connector = $1 AND channel = $2 AND thread = $3`, connector, channel, thread).
		Scan(&t.TicketID, &t.Connector, &t.Channel, &t.Thread, &t.Kind)
	if err != nil {
		return nil, mapError(err)
	}
	return &t, nil
}

// ChatThreadsOfTicket lists the chat messages that stand for a ticket.
func (db *DB) ChatThreadsOfTicket(ctx context.Context, ticketID int64) ([]helpdesk.ChatThread, error) {
	rows, err := db.pool.Query(ctx, `SELECT ticket_id, connector, channel, thread, kind FROM chat_threads
		WHERE ticket_id = $1 ORDER BY id`, ticketID)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.ChatThread, error) {
		var t helpdesk.ChatThread
		err := r.Scan(&t.TicketID, &t.Connector, &t.Channel, &t.Thread, &t.Kind)
		return t, err
	})
	return out, mapError(err)
}

// InsertChatDelivery stores an outbound message unless one with the same
// connector and idempotency key exists; inserted is false then, and the
// caller enqueues nothing.
func (tx *Tx) InsertChatDelivery(ctx context.Context, d *helpdesk.ChatDelivery) (inserted bool, err error) {
	err = tx.tx.QueryRow(ctx, `INSERT INTO chat_deliveries (connector, idem_key, ticket_id, action, channel, thread, target, bind, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (connector, idem_key) DO NOTHING RETURNING id, created_at`,
		d.Connector, d.IdemKey, d.TicketID, d.Action, d.Channel, d.Thread, d.Target, d.Bind, []byte(d.Body)).
		Scan(&d.ID, &d.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, mapError(err)
	}
	return true, nil
}

const deliveryCols = `id, connector, idem_key, ticket_id, action, channel, thread, target, bind, body, status,
	attempts, last_error, remote_id, created_at, sent_at`

func scanDelivery(r pgx.Row) (*helpdesk.ChatDelivery, error) {
	var d helpdesk.ChatDelivery
	var body []byte
	err := r.Scan(&d.ID, &d.Connector, &d.IdemKey, &d.TicketID, &d.Action, &d.Channel, &d.Thread, &d.Target, &d.Bind,
		&body, &d.Status, &d.Attempts, &d.LastError, &d.RemoteID, &d.CreatedAt, &d.SentAt)
	if err != nil {
		return nil, mapError(err)
	}
	d.Body = chatJSON(body)
	return &d, nil
}

// ChatDelivery reads one outbound message.
func (db *DB) ChatDelivery(ctx context.Context, id int64) (*helpdesk.ChatDelivery, error) {
	return scanDelivery(db.pool.QueryRow(ctx, `SELECT `+deliveryCols+` FROM chat_deliveries WHERE id = $1`, id))
}

// ChatDeliveries lists a connector's most recent outbound messages, newest
// first (the admin's delivery log).
func (db *DB) ChatDeliveries(ctx context.Context, connector string, limit int) ([]helpdesk.ChatDelivery, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+deliveryCols+` FROM chat_deliveries
		WHERE connector = $1 ORDER BY id DESC LIMIT $2`, connector, limit)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []helpdesk.ChatDelivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, mapError(rows.Err())
}

// ChatDeliveryAttempt counts a failed attempt and its error; final marks
// the delivery failed for good.
func (db *DB) ChatDeliveryAttempt(ctx context.Context, id int64, errText string, final bool) error {
	status := "pending"
	if final {
		status = "failed"
	}
	_, err := db.pool.Exec(ctx, `UPDATE chat_deliveries SET attempts = attempts + 1, last_error = $2, status = $3
		WHERE id = $1 AND status <> 'sent'`, id, errText, status)
	return mapError(err)
}

// ChatDeliverySent marks a delivery sent with the chat system's id of the
// message and, when the delivery binds one, records the message as a
// ticket's thread, in one transaction.
func (db *DB) ChatDeliverySent(ctx context.Context, d *helpdesk.ChatDelivery, remoteID string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.Exec(ctx, `UPDATE chat_deliveries SET status = 'sent', attempts = attempts + 1, remote_id = $2,
			last_error = '', sent_at = now() WHERE id = $1`, d.ID, remoteID); err != nil {
			return mapError(err)
		}
		if d.Bind == "" || d.TicketID == nil || remoteID == "" {
			return nil
		}
		_, err := tx.tx.Exec(ctx, `INSERT INTO chat_threads (ticket_id, connector, channel, thread, kind)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, *d.TicketID, d.Connector, d.Channel, remoteID, d.Bind)
		return mapError(err)
	})
}

// ChatCard returns the posted team-channel card of a ticket in a channel:
// the remote id, or "" when it is not posted (yet).
func (db *DB) ChatCard(ctx context.Context, connector, channel string, ticketID int64) (string, error) {
	var thread string
	err := db.pool.QueryRow(ctx, `SELECT thread FROM chat_threads WHERE connector = $1 AND channel = $2
		AND ticket_id = $3 AND kind = 'card' ORDER BY id LIMIT 1`, connector, channel, ticketID).Scan(&thread)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return thread, mapError(err)
}

// ChatCardQueued reports whether a card post for the ticket in channel is
// queued (so a second one is not queued while the first waits).
func (db *DB) ChatCardQueued(ctx context.Context, connector, channel string, ticketID int64) (bool, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM chat_deliveries WHERE connector = $1 AND channel = $2
		AND ticket_id = $3 AND bind = 'card'`, connector, channel, ticketID).Scan(&n)
	return n > 0, mapError(err)
}

// ChatDeliverySentInstead marks a delivery sent somewhere other than its
// channel (a direct message when the bot is not in the channel), keeping
// why in last_error so the delivery log shows it.
func (db *DB) ChatDeliverySentInstead(ctx context.Context, id int64, remoteID, note string) error {
	_, err := db.pool.Exec(ctx, `UPDATE chat_deliveries SET status = 'sent', attempts = attempts + 1, remote_id = $2,
		last_error = $3, sent_at = now() WHERE id = $1`, id, remoteID, note)
	if err != nil {
		return fmt.Errorf("mark chat delivery %d sent instead: %w", id, mapError(err))
	}
	return nil
}

// ChatAccountOf returns the newest chat account linked to a user on a
// connector (the chat system's user id), or "" when there is none.
func (db *DB) ChatAccountOf(ctx context.Context, connector string, userID int64) (string, error) {
	var acct string
	err := db.pool.QueryRow(ctx, `SELECT chat_user FROM chat_links WHERE connector = $1 AND user_id = $2
		ORDER BY created_at DESC LIMIT 1`, connector, userID).Scan(&acct)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("chat account of user %d: %w", userID, mapError(err))
	}
	return acct, nil
}
