package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// Outgoing mail: what notifications read about a ticket, the outbox rows
// they write, and the per-sender budget of automatic answers.

// MailTicket is what every mail about a ticket shares: who and what it is,
// the intake address it is answered at and the conversation it threads into.
type MailTicket struct {
	ID          int64
	Number      int64
	Subject     string
	Status      helpdesk.Status
	RequesterID int64
	// IntakeLocal is the local part of the team's intake address ("it" for
	// it@domain), "helpdesk" when the team has none.
	IntakeLocal string
	// ThreadIDs are every Message-ID of the conversation, oldest first.
	ThreadIDs []string
}

// MailTicket reads what a mail about the ticket needs.
func (tx *Tx) MailTicket(ctx context.Context, ticketID int64) (*MailTicket, error) {
	ref, err := tx.q.MailTicketRef(ctx, ticketID)
	if err != nil {
		return nil, fmt.Errorf("read ticket %d for mail: %w", ticketID, mapError(err))
	}
	local, err := tx.q.MailIntakeLocalForTeam(ctx, ref.TeamID)
	if errors.Is(err, pgx.ErrNoRows) {
		local = "helpdesk"
	} else if err != nil {
		return nil, fmt.Errorf("read intake address of ticket %d: %w", ticketID, mapError(err))
	}
	ids, err := tx.q.MailThreadIDs(ctx, ticketID)
	if err != nil {
		return nil, fmt.Errorf("read thread of ticket %d: %w", ticketID, mapError(err))
	}
	return &MailTicket{ID: ref.ID, Number: ref.Number, Subject: ref.Subject, Status: helpdesk.Status(ref.Status),
		RequesterID: ref.RequesterID, IntakeLocal: local, ThreadIDs: ids}, nil
}

// MailMessage is a ticket message with what decides whether and how it is
// mailed: visibility and its author.
type MailMessage struct {
	ID         int64
	TicketID   int64
	AuthorID   *int64
	AuthorRole helpdesk.Role // "" for a message without an author
	AuthorName string
	Internal   bool
	BodyText   string
	BodyHTML   string
}

// MailMessage reads a message to be mailed.
func (db *DB) MailMessage(ctx context.Context, id int64) (*MailMessage, error) {
	return mailMessage(ctx, db.q(), id)
}

// MailMessage reads a message to be mailed inside the transaction.
func (tx *Tx) MailMessage(ctx context.Context, id int64) (*MailMessage, error) {
	return mailMessage(ctx, tx.q, id)
}

func mailMessage(ctx context.Context, q *dbsqlc.Queries, id int64) (*MailMessage, error) {
	m, err := q.MailGetMessage(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read message %d for mail: %w", id, mapError(err))
	}
	return &MailMessage{ID: m.ID, TicketID: m.TicketID, AuthorID: m.AuthorID, AuthorRole: helpdesk.Role(m.AuthorRole),
		AuthorName: m.AuthorName, Internal: m.Internal, BodyText: m.BodyText, BodyHTML: m.BodyHtml}, nil
}

// Followers are the requester (first) and the participants of a ticket, with
// Active and BouncingAt set: what decides whether they get mail.
func (db *DB) Followers(ctx context.Context, ticketID int64) ([]helpdesk.User, error) {
	rows, err := db.q().MailFollowers(ctx, ticketID)
	if err != nil {
		return nil, fmt.Errorf("read followers of ticket %d: %w", ticketID, mapError(err))
	}
	us := make([]helpdesk.User, len(rows))
	for i, r := range rows {
		us[i] = helpdesk.User{ID: r.ID, Email: r.Email, Name: r.Name, Active: r.Active, BouncingAt: r.BouncingAt}
	}
	return us, nil
}

// ResolutionCount is how often the ticket was resolved: each resolution is
// announced once.
func (tx *Tx) ResolutionCount(ctx context.Context, ticketID int64) (int64, error) {
	n, err := tx.q.MailResolutionCount(ctx, ticketID)
	if err != nil {
		return 0, fmt.Errorf("read resolution count of ticket %d: %w", ticketID, mapError(err))
	}
	return int64(n), nil
}

// AcksSent counts the automatic answers sender got in the last hour,
// without a lock: most mail of a burst from one address finds the budget
// spent here and does no more work for its acknowledgement. freeIn is how
// long until the oldest of them leaves the hour (zero when there is none):
// until then the count cannot fall, so a spent budget stays spent.
func (tx *Tx) AcksSent(ctx context.Context, sender string) (sent int64, freeIn time.Duration, err error) {
	var us int64
	err = tx.tx.QueryRow(ctx, `SELECT count(*), coalesce(floor(extract(epoch FROM min(sent_at) + interval '1 hour' - now()) * 1e6), 0)::bigint
		FROM ack_log WHERE sender = $1::text AND sent_at > now() - interval '1 hour'`, sender).Scan(&sent, &us)
	if err != nil {
		return 0, 0, fmt.Errorf("count answers to %s: %w", sender, mapError(err))
	}
	return sent, time.Duration(max(us, 0)) * time.Microsecond, nil
}

// TakeAck takes one automatic answer from sender's budget of limit per
// hour and reports whether one was left. It holds a per-sender lock until
// tx ends, so concurrent transactions cannot both take the last one; a
// caller that does more work in tx should take it last. Check AcksSent
// first: a burst of mail from one robot must not line up behind that lock
// only to learn that nothing more is sent to it this hour.
func (tx *Tx) TakeAck(ctx context.Context, sender string, limit int64) (bool, error) {
	if err := tx.q.MailLockSender(ctx, sender); err != nil {
		return false, fmt.Errorf("lock answers to %s: %w", sender, mapError(err))
	}
	// A new statement, so its snapshot sees what the lock's previous holder committed.
	var taken bool
	err := tx.tx.QueryRow(ctx, `WITH ins AS (
		INSERT INTO ack_log (sender)
		SELECT $1::text WHERE (SELECT count(*) FROM ack_log WHERE sender = $1::text AND sent_at > now() - interval '1 hour') < $2
		RETURNING 1)
	SELECT EXISTS (SELECT 1 FROM ins)`, sender, limit).Scan(&taken)
	if err != nil {
		return false, fmt.Errorf("take an answer to %s: %w", sender, mapError(err))
	}
	return taken, nil
}

// OutboxMail is one rendered mail to store in the outbox.
type OutboxMail struct {
	TicketID  *int64 // nil: not about a ticket, or deliberately not threaded into it
	Kind      string
	To        string
	Subject   string
	MessageID string
	Raw       []byte
	// Waiting, when set, is the note admins see while the mail waits for a
	// relay; the caller then enqueues no send job.
	Waiting string
}

// InsertOutbox stores the mail and, for mail about a ticket, records its
// Message-ID so replies thread into the ticket. A mail whose Message-ID is
// already stored (a retried job) is not stored again: inserted is false.
func (tx *Tx) InsertOutbox(ctx context.Context, m OutboxMail) (id int64, inserted bool, err error) {
	id, err = tx.q.MailInsertOutbox(ctx, dbsqlc.MailInsertOutboxParams{TicketID: m.TicketID, Kind: m.Kind,
		ToAddr: m.To, Subject: m.Subject, Raw: m.Raw, MessageID: m.MessageID})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	} else if err != nil {
		return 0, false, fmt.Errorf("store %s mail to %s: %w", m.Kind, m.To, mapError(err))
	}
	if m.TicketID != nil {
		if err := tx.q.MailAddThreadID(ctx, dbsqlc.MailAddThreadIDParams{MessageID: m.MessageID, TicketID: *m.TicketID}); err != nil {
			return 0, false, fmt.Errorf("thread mail %d into ticket %d: %w", id, *m.TicketID, mapError(err))
		}
	}
	if m.Waiting != "" {
		if err := tx.OutboxWaiting(ctx, id, m.Waiting); err != nil {
			return 0, false, err
		}
	}
	return id, true, nil
}

// LockedOutbox is an outbox row locked for sending.
type LockedOutbox struct {
	Raw    []byte
	To     string
	Status string // queued, sent, failed
}

// LockOutbox locks a row for sending. A row locked by another job counts as
// gone (ENOTFOUND): that job is handing it to the relay.
func (tx *Tx) LockOutbox(ctx context.Context, id int64) (*LockedOutbox, error) {
	r, err := tx.q.MailLockOutbox(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("lock outbox mail %d: %w", id, mapError(err))
	}
	return &LockedOutbox{Raw: r.Raw, To: r.ToAddr, Status: r.Status}, nil
}

// OutboxSent marks the mail sent.
func (tx *Tx) OutboxSent(ctx context.Context, id int64) error {
	if err := tx.q.MailOutboxSent(ctx, id); err != nil {
		return fmt.Errorf("mark outbox mail %d sent: %w", id, mapError(err))
	}
	return nil
}

// OutboxWaiting notes why a queued mail is not being sent.
func (tx *Tx) OutboxWaiting(ctx context.Context, id int64, note string) error {
	if err := tx.q.MailOutboxWaiting(ctx, dbsqlc.MailOutboxWaitingParams{ID: id, LastError: note}); err != nil {
		return fmt.Errorf("note why outbox mail %d waits: %w", id, mapError(err))
	}
	return nil
}

// OutboxAttempt records a failed attempt that will be retried at next.
func (tx *Tx) OutboxAttempt(ctx context.Context, id int64, lastError string, next time.Time) error {
	if err := tx.q.MailOutboxAttempt(ctx, dbsqlc.MailOutboxAttemptParams{ID: id, LastError: lastError, NextAttemptAt: next}); err != nil {
		return fmt.Errorf("record attempt of outbox mail %d: %w", id, mapError(err))
	}
	return nil
}

// FailedOutbox is a mail given up on, and the ticket it was about.
type FailedOutbox struct {
	TicketID     *int64
	TicketNumber int64 // 0 without a ticket
	To           string
	Kind         string
}

// OutboxFailed marks the mail failed for good; ENOTFOUND when it is gone or
// was already marked.
func (tx *Tx) OutboxFailed(ctx context.Context, id int64, lastError string) (*FailedOutbox, error) {
	r, err := tx.q.MailOutboxFailed(ctx, dbsqlc.MailOutboxFailedParams{ID: id, LastError: lastError})
	if err != nil {
		return nil, fmt.Errorf("mark outbox mail %d failed: %w", id, mapError(err))
	}
	return &FailedOutbox{TicketID: r.TicketID, TicketNumber: r.TicketNumber, To: r.ToAddr, Kind: r.Kind}, nil
}
