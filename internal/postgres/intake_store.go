package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// Mail intake's store: the stored inbound mail, what processing reads to
// thread it, and what it writes back. Reads run on the pool; every write
// of one mail's processing runs in the caller's transaction.

// InboundMail is one stored mail as processing reads it, with the SMTP
// session it came in and an admin's decision.
type InboundMail struct {
	ID           int64
	Raw          []byte
	Via          string
	EnvelopeFrom string
	Rcpt         []string
	Status       string
	TicketID     *int64
	InboundSession
}

// InboundMail reads a stored mail; ENOTFOUND when there is none.
func (db *DB) InboundMail(ctx context.Context, id int64) (*InboundMail, error) {
	m := &InboundMail{ID: id}
	err := db.pool.QueryRow(ctx, `SELECT raw, via, envelope_from, rcpt, status, ticket_id, client_ip, helo, override, received_at
		FROM inbound_mail WHERE id = $1`, id).Scan(&m.Raw, &m.Via, &m.EnvelopeFrom, &m.Rcpt, &m.Status, &m.TicketID,
		&m.ClientIP, &m.HELO, &m.Override, &m.ReceivedAt)
	if err != nil {
		return nil, fmt.Errorf("read inbound mail %d: %w", id, mapError(err))
	}
	return m, nil
}

// InboundForMessage is the stored mail a message of ticket number came
// from; ENOTFOUND when the message is not on that ticket or not from mail.
func (db *DB) InboundForMessage(ctx context.Context, number, msgID int64) (int64, error) {
	id, err := db.q().MailInboundForMessage(ctx, dbsqlc.MailInboundForMessageParams{MsgID: msgID, Number: number})
	if err != nil {
		return 0, fmt.Errorf("mail of message %d: %w", msgID, mapError(err))
	}
	return id, nil
}

// InboundSummary is one row of the admins' mail lists ("ignored mail",
// refused, failed, bounces): enough to decide whether to download it.
type InboundSummary struct {
	ID         int64
	ReceivedAt time.Time
	Via        string
	// Sender is the From address, or the envelope sender when From was empty.
	Sender   string
	Subject  string
	Status   string
	Kind     string
	Reason   string
	TicketID *int64
	Size     int64
}

// ListInbound lists stored mail with a status, newest first.
func (db *DB) ListInbound(ctx context.Context, status string, limit int) ([]InboundSummary, error) {
	rows, err := db.q().MailListInbound(ctx, dbsqlc.MailListInboundParams{Status: status, MaxRows: int32(limit)})
	if err != nil {
		return nil, fmt.Errorf("list %s mail: %w", status, mapError(err))
	}
	out := make([]InboundSummary, 0, len(rows))
	for _, r := range rows {
		sender := r.Sender
		if sender == "" {
			sender = r.EnvelopeFrom
		}
		out = append(out, InboundSummary{ID: r.ID, ReceivedAt: r.ReceivedAt, Via: r.Via,
			Sender: sender, Subject: r.Subject, Status: r.Status, Kind: r.Kind, Reason: r.Reason, TicketID: r.TicketID, Size: r.Size})
	}
	return out, nil
}

// MailTicketRef is what intake needs of a ticket a mail threads to.
type MailTicketRef struct {
	ID           int64
	Number       int64
	Status       helpdesk.Status
	RequesterID  int64
	MergedIntoID *int64
	TeamID       *int64
}

// MailTicketRef reads a ticket for intake; ENOTFOUND when there is none.
func (db *DB) MailTicketRef(ctx context.Context, id int64) (*MailTicketRef, error) {
	r, err := db.q().MailTicketRef(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read ticket %d for mail: %w", id, mapError(err))
	}
	return &MailTicketRef{ID: r.ID, Number: r.Number, Status: helpdesk.Status(r.Status), RequesterID: r.RequesterID,
		MergedIntoID: r.MergedIntoID, TeamID: r.TeamID}, nil
}

// TicketIDForNumber is the id of ticket number, 0 when there is none.
func (db *DB) TicketIDForNumber(ctx context.Context, number int64) (int64, error) {
	id, err := db.q().MailTicketIDByNumber(ctx, number)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("ticket %d: %w", number, mapError(err))
	}
	return id, nil
}

// TicketForMessageIDs is the ticket any of the Message-IDs belongs to,
// earlier ids preferred; 0 when none does.
func (db *DB) TicketForMessageIDs(ctx context.Context, ids []string) (int64, error) {
	id, err := db.q().MailTicketForMessageIDs(ctx, ids)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("ticket for message ids: %w", mapError(err))
	}
	return id, nil
}

// MessageByEmailID is the message holding a mail's Message-ID, with its
// ticket; ok is false when there is none.
func (db *DB) MessageByEmailID(ctx context.Context, emailID string) (msgID, ticketID int64, ok bool, err error) {
	return messageByEmailID(ctx, db.q(), emailID)
}

// MessageByEmailID is DB.MessageByEmailID inside the transaction.
func (tx *Tx) MessageByEmailID(ctx context.Context, emailID string) (msgID, ticketID int64, ok bool, err error) {
	return messageByEmailID(ctx, tx.q, emailID)
}

func messageByEmailID(ctx context.Context, q *dbsqlc.Queries, emailID string) (int64, int64, bool, error) {
	m, err := q.MailMessageByEmailID(ctx, &emailID)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("message of mail %q: %w", emailID, mapError(err))
	}
	return m.ID, m.TicketID, true, nil
}

// EnsureRequester creates a requester account for email unless one exists
// (concurrent calls for the same address make one account).
func (db *DB) EnsureRequester(ctx context.Context, email, name string) error {
	if err := db.q().MailEnsureRequester(ctx, dbsqlc.MailEnsureRequesterParams{Email: email, Name: name}); err != nil {
		return fmt.Errorf("requester account for %s: %w", email, mapError(err))
	}
	return nil
}

// AddParticipant makes a user a follower of a ticket; added is false when
// they already were one.
func (tx *Tx) AddParticipant(ctx context.Context, ticketID, userID int64) (added bool, err error) {
	tag, err := tx.tx.Exec(ctx, `INSERT INTO ticket_participants (ticket_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		ticketID, userID)
	if err != nil {
		return false, fmt.Errorf("add participant %d to ticket %d: %w", userID, ticketID, mapError(err))
	}
	return tag.RowsAffected() == 1, nil
}

// SetFollowup links a ticket made from mail to the closed ticket it answered.
func (tx *Tx) SetFollowup(ctx context.Context, ticketID, followupOf int64) error {
	if err := tx.q.MailSetFollowup(ctx, dbsqlc.MailSetFollowupParams{ID: ticketID, FollowupOfID: followupOf}); err != nil {
		return fmt.Errorf("link ticket %d as follow-up of %d: %w", ticketID, followupOf, mapError(err))
	}
	return nil
}

// MarkBouncing marks addresses whose mail bounces (not already marked).
func (db *DB) MarkBouncing(ctx context.Context, emails []string) error {
	if err := db.q().MailMarkBouncing(ctx, emails); err != nil {
		return fmt.Errorf("mark %v bouncing: %w", emails, mapError(err))
	}
	return nil
}

// ClearBouncing is Tx.ClearBouncing in a statement of its own.
func (db *DB) ClearBouncing(ctx context.Context, userID int64) error {
	return clearBouncing(ctx, db.q(), userID)
}

// ClearBouncing says a user's address works again.
func (tx *Tx) ClearBouncing(ctx context.Context, userID int64) error {
	return clearBouncing(ctx, tx.q, userID)
}

func clearBouncing(ctx context.Context, q *dbsqlc.Queries, userID int64) error {
	if err := q.MailClearBouncing(ctx, userID); err != nil {
		return fmt.Errorf("clear bouncing of user %d: %w", userID, mapError(err))
	}
	return nil
}

// NotifyTicketID is NotifyTicket for a ticket known by its id: sent after
// commit like every live-update notification (announce.go).
func (tx *Tx) NotifyTicketID(ctx context.Context, ticketID int64) error {
	number, err := tx.q.TicketNumberByID(ctx, ticketID)
	if err != nil {
		return fmt.Errorf("notify ticket %d: %w", ticketID, mapError(err))
	}
	return tx.NotifyTicket(ctx, number)
}

// IntakeAddress is the intake address with local part local (any case),
// nil when there is none.
func (db *DB) IntakeAddress(ctx context.Context, local string) (*helpdesk.IntakeAddress, error) {
	a, err := db.q().MailIntakeAddress(ctx, local)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("intake address %q: %w", local, mapError(err))
	}
	return &helpdesk.IntakeAddress{ID: a.ID, LocalPart: a.LocalPart, TeamID: a.TeamID, CategoryID: a.CategoryID,
		Phishing: a.Phishing}, nil
}

// InboundOutcome is what processing made of a stored mail.
type InboundOutcome struct {
	Status, Kind, Reason string
	Sender, Subject      string
	TicketID, MsgID      *int64
	Warnings             []string
	// Auth is the sender-authentication verdict (stored as JSON), nil when
	// none was taken; with MarkMessage, SenderCheck and Flagged go onto the
	// message MsgID (unset when the message was inserted with them: an
	// UPDATE of a fresh message row costs a new row version, its index
	// entries, foreign-key checks and the messages triggers, which fire
	// for an UPDATE statement even when it changes nothing).
	Auth        any
	SenderCheck string
	Flagged     bool
	MarkMessage bool
	// EmailID is the mail's Message-ID as stored on its message.
	EmailID string
	// TeamID is the team whose leads review held mail; nil: admins only.
	TeamID *int64
}

// finishInboundSQL writes a mail's outcome; finishInboundMarkSQL also
// marks its message. They are two statements, not one with the mark turned
// off by a parameter: the messages table's statement-level UPDATE triggers
// (report_mark_messages) fire once per UPDATE statement even when it
// changes no row, and cost more than the outcome's own UPDATE.
const (
	finishInboundFin = `WITH fin AS (
		UPDATE inbound_mail SET status = $2, kind = $3, reason = $4, sender = $5, subject = $6, ticket_id = $7,
			msg_id = coalesce($8::bigint, (SELECT m.id FROM messages m WHERE $9::text <> '' AND m.email_message_id = $9::text)),
			parse_warnings = $10, processed_at = now(), auth = coalesce($11::jsonb, auth), team_id = $12
		WHERE id = $1 AND status = 'queued'
		RETURNING msg_id)`
	finishInboundSQL = finishInboundFin + `
	SELECT EXISTS (SELECT 1 FROM fin), (SELECT msg_id FROM fin)`
	finishInboundMarkSQL = finishInboundFin + `, mark AS (
		UPDATE messages SET sender_check = $13, sender_flagged = $14 WHERE id = (SELECT msg_id FROM fin))
	SELECT EXISTS (SELECT 1 FROM fin), (SELECT msg_id FROM fin)`
)

// ErrInboundFinished is returned by FinishInbound when the mail is no
// longer queued: another run finished it first.
var ErrInboundFinished = errors.New("inbound mail already finished")

// FinishInbound writes the outcome of a queued mail, with its verdict and
// the sender line of its message, in one statement. EmailID, when set and
// MsgID is not, names the message the mail became (looked up here, saving
// the caller a round trip). It returns ErrInboundFinished, and writes
// nothing, when the mail is no longer queued: the UPDATE's row lock and its
// re-checked WHERE make a concurrent run that finished first win.
func (tx *Tx) FinishInbound(ctx context.Context, id int64, o InboundOutcome) (msgID *int64, err error) {
	if o.Warnings == nil {
		o.Warnings = []string{}
	}
	var auth []byte
	if o.Auth != nil {
		if auth, err = json.Marshal(o.Auth); err != nil {
			return nil, fmt.Errorf("encode verdict of mail %d: %w", id, err)
		}
	}
	var done bool
	q, args := finishInboundSQL, []any{id, o.Status, o.Kind, o.Reason, o.Sender, o.Subject, o.TicketID, o.MsgID,
		o.EmailID, o.Warnings, auth, o.TeamID}
	if o.MarkMessage {
		q, args = finishInboundMarkSQL, append(args, o.SenderCheck, o.Flagged)
	}
	err = tx.tx.QueryRow(ctx, q, args...).Scan(&done, &msgID)
	if err != nil {
		return nil, fmt.Errorf("finish inbound mail %d: %w", id, mapError(err))
	}
	if !done {
		return nil, ErrInboundFinished
	}
	return msgID, nil
}
