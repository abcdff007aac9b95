package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// InboundInsert is one received mail with the SMTP session it came in.
type InboundInsert struct {
	Raw          []byte
	Via          string
	MailboxID    *int64
	EnvelopeFrom string
	Rcpt         []string
	MessageID    *string
	ContentHash  []byte // set for mail without a Message-ID
	ClientIP     string
	HELO         string
}

// InsertInbound stores a received mail; dup is true, and nothing stored,
// when its Message-ID (or, without one, its content hash) was seen before.
func (tx *Tx) InsertInbound(ctx context.Context, in InboundInsert) (id int64, dup bool, err error) {
	return insertInbound(ctx, tx.tx, in)
}

// InsertInbound is Tx.InsertInbound as a transaction of its own: one
// statement, committed when it returns, without the BEGIN and COMMIT round
// trips of a transaction around it (SMTP's hot path: the 250 waits on it).
func (db *DB) InsertInbound(ctx context.Context, in InboundInsert) (id int64, dup bool, err error) {
	return insertInbound(ctx, db.pool, in)
}

func insertInbound(ctx context.Context, q querier, in InboundInsert) (id int64, dup bool, err error) {
	rcpt := in.Rcpt
	if rcpt == nil {
		rcpt = []string{}
	}
	err = q.QueryRow(ctx, `INSERT INTO inbound_mail (raw, via, mailbox_id, envelope_from, rcpt, message_id, content_hash, client_ip, helo)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id`,
		in.Raw, in.Via, in.MailboxID, in.EnvelopeFrom, rcpt, in.MessageID, in.ContentHash, in.ClientIP, in.HELO).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, true, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("insert inbound mail: %w", mapError(err))
	}
	return id, false, nil
}

// InboundSession is what processing needs beyond the stored mail: the SMTP
// session and an admin's decision.
type InboundSession struct {
	ClientIP   string
	HELO       string
	Override   string // "", "ticket" (make it a ticket) or "release" (held mail let through)
	ReceivedAt time.Time
}

// InboundSession reads the session of a stored mail.
func (db *DB) InboundSession(ctx context.Context, id int64) (InboundSession, error) {
	var s InboundSession
	err := db.pool.QueryRow(ctx, `SELECT client_ip, helo, override, received_at FROM inbound_mail WHERE id = $1`, id).
		Scan(&s.ClientIP, &s.HELO, &s.Override, &s.ReceivedAt)
	if err != nil {
		return s, fmt.Errorf("inbound session %d: %w", id, mapError(err))
	}
	return s, nil
}

// SetInboundAuth stores the sender-authentication verdict of a mail.
func (tx *Tx) SetInboundAuth(ctx context.Context, id int64, verdict any) error {
	b, err := json.Marshal(verdict)
	if err != nil {
		return fmt.Errorf("encode verdict: %w", err)
	}
	if _, err := tx.tx.Exec(ctx, `UPDATE inbound_mail SET auth = $2 WHERE id = $1`, id, b); err != nil {
		return fmt.Errorf("store verdict of mail %d: %w", id, mapError(err))
	}
	return nil
}

// QueuedMailWithIDs reports whether a mail other than self, received but not
// yet processed, has one of the Message-IDs: a reply to it should wait.
func (db *DB) QueuedMailWithIDs(ctx context.Context, self int64, ids []string) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inbound_mail
		WHERE status = 'queued' AND message_id = ANY($2::text[]) AND id <> $1)`, self, ids).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("look for queued parents: %w", mapError(err))
	}
	return ok, nil
}

// SetMessageSender records on a message what sender authentication said of
// the mail it came from; flagged marks an unverified mail added to an
// existing ticket.
func (tx *Tx) SetMessageSender(ctx context.Context, msgID int64, check string, flagged bool) error {
	if _, err := tx.tx.Exec(ctx, `UPDATE messages SET sender_check = $2, sender_flagged = $3 WHERE id = $1`,
		msgID, check, flagged); err != nil {
		return fmt.Errorf("mark message %d: %w", msgID, mapError(err))
	}
	return nil
}

// SetMessageSender is Tx.SetMessageSender in a transaction of its own.
func (db *DB) SetMessageSender(ctx context.Context, msgID int64, check string, flagged bool) error {
	return db.InTx(ctx, func(tx *Tx) error { return tx.SetMessageSender(ctx, msgID, check, flagged) })
}

// senderChecks returns the sender line of each message of a ticket that came
// from mail.
func (db *DB) senderChecks(ctx context.Context, ticketID int64) (map[int64]senderCheck, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, sender_check, sender_flagged FROM messages
		WHERE ticket_id = $1 AND sender_check <> ''`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("sender checks of ticket %d: %w", ticketID, mapError(err))
	}
	out := map[int64]senderCheck{}
	for rows.Next() {
		var id int64
		var c senderCheck
		if err := rows.Scan(&id, &c.text, &c.flagged); err != nil {
			return nil, err
		}
		out[id] = c
	}
	return out, rows.Err()
}

type senderCheck struct {
	text    string
	flagged bool
}

// ClaimThreadIDs takes a transaction lock per Message-ID, in a fixed order
// so that two transactions never wait on each other, and then returns the
// ticket other than exclude holding any of the ids, or 0: two mails of one
// conversation that arrive together create their ticket one after the
// other, and the second finds the first's. Both statements go in one round
// trip (a pipeline); PostgreSQL runs the second, with a snapshot of its
// own, only once the first holds the locks, so it sees every ticket a
// previous holder committed.
func (tx *Tx) ClaimThreadIDs(ctx context.Context, ids []string, exclude int64) (int64, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock(hashtextextended(id, 13))
		FROM (SELECT DISTINCT unnest($1::text[]) AS id ORDER BY 1) x`, ids)
	b.Queue(`SELECT coalesce((SELECT ticket_id FROM ticket_message_ids
		WHERE message_id = ANY($1::text[]) AND ticket_id <> $2 LIMIT 1), 0)`, ids, exclude)
	br := tx.tx.SendBatch(ctx, b)
	var other int64
	_, err := br.Exec()
	if err == nil {
		err = br.QueryRow().Scan(&other)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("claim thread ids: %w", mapError(err))
	}
	return other, nil
}

// AddThreadIDs records Message-IDs a ticket's mail referred to, so that the
// mail they name, arriving late, and its other replies thread to it.
func (tx *Tx) AddThreadIDs(ctx context.Context, ticketID int64, ids []string) error {
	if _, err := tx.tx.Exec(ctx, `INSERT INTO ticket_message_ids (message_id, ticket_id)
		SELECT DISTINCT unnest($1::text[]), $2::bigint ON CONFLICT DO NOTHING`, ids, ticketID); err != nil {
		return fmt.Errorf("add thread ids of ticket %d: %w", ticketID, mapError(err))
	}
	return nil
}

// OutboxBounce is the mail of ours a bounce refers to.
type OutboxBounce struct {
	ID        int64
	TicketID  *int64
	To        string
	MessageID string
}

// OutboxBounced marks the outbox mail with messageID failed and returns it,
// or nil when no mail of ours has that Message-ID.
func (db *DB) OutboxBounced(ctx context.Context, messageID, reason string) (*OutboxBounce, error) {
	var b OutboxBounce
	err := db.pool.QueryRow(ctx, `UPDATE outbox SET status = 'failed', last_error = $2 WHERE message_id = $1
		RETURNING id, ticket_id, to_addr, message_id`, messageID, reason).Scan(&b.ID, &b.TicketID, &b.To, &b.MessageID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bounced outbox mail %q: %w", messageID, mapError(err))
	}
	return &b, nil
}

// OutboxBouncedByID marks outbox mail id failed and returns it, or nil when
// there is no such mail (a return path of mail since deleted).
func (db *DB) OutboxBouncedByID(ctx context.Context, id int64, reason string) (*OutboxBounce, error) {
	var b OutboxBounce
	err := db.pool.QueryRow(ctx, `UPDATE outbox SET status = 'failed', last_error = $2 WHERE id = $1
		RETURNING id, ticket_id, to_addr, message_id`, id, reason).Scan(&b.ID, &b.TicketID, &b.To, &b.MessageID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bounced outbox mail %d: %w", id, mapError(err))
	}
	return &b, nil
}
