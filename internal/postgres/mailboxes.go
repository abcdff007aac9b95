package postgres

import (
	"context"
	"fmt"

	"switchboard/internal/postgres/internal/dbsqlc"
)

// IMAP accounts polled by mail intake: the account with its sealed
// password, and the UID watermark that keeps each message stored once.

// MailboxAccount is an IMAP account as the poller needs it.
type MailboxAccount struct {
	ID           int64
	Host         string
	Port         int
	TLS          bool
	Username     string
	PasswordEnc  []byte // sealed under the secret key
	Folder       string
	AllowPrivate bool
	UIDValidity  int64
	LastUID      int64
}

// MailboxInsert is a new IMAP account.
type MailboxInsert struct {
	Name, Host, Username, Folder string
	Port                         int
	TLS, AllowPrivate            bool
	PasswordEnc                  []byte
}

// InsertMailbox stores an IMAP account and returns its id.
func (db *DB) InsertMailbox(ctx context.Context, in MailboxInsert) (int64, error) {
	return insertMailbox(ctx, db.q(), in)
}

// InsertMailbox is DB.InsertMailbox inside the transaction.
func (tx *Tx) InsertMailbox(ctx context.Context, in MailboxInsert) (int64, error) {
	return insertMailbox(ctx, tx.q, in)
}

func insertMailbox(ctx context.Context, q *dbsqlc.Queries, in MailboxInsert) (int64, error) {
	id, err := q.MailInsertMailbox(ctx, dbsqlc.MailInsertMailboxParams{Name: in.Name, Host: in.Host,
		Port: int32(in.Port), Tls: in.TLS, Username: in.Username, PasswordEnc: in.PasswordEnc, Folder: in.Folder,
		AllowPrivate: in.AllowPrivate})
	if err != nil {
		return 0, fmt.Errorf("add mailbox %s: %w", in.Name, mapError(err))
	}
	return id, nil
}

// EnabledMailboxes lists the ids of the accounts to poll.
func (db *DB) EnabledMailboxes(ctx context.Context) ([]int64, error) {
	boxes, err := db.q().MailListMailboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("list mailboxes: %w", mapError(err))
	}
	ids := make([]int64, len(boxes))
	for i, b := range boxes {
		ids[i] = b.ID
	}
	return ids, nil
}

// Mailbox reads an account to poll; ENOTFOUND when it is gone.
func (db *DB) Mailbox(ctx context.Context, id int64) (*MailboxAccount, error) {
	b, err := db.q().MailGetMailbox(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read mailbox %d: %w", id, mapError(err))
	}
	return &MailboxAccount{ID: b.ID, Host: b.Host, Port: int(b.Port), TLS: b.Tls, Username: b.Username,
		PasswordEnc: b.PasswordEnc, Folder: b.Folder, AllowPrivate: b.AllowPrivate, UIDValidity: b.Uidvalidity,
		LastUID: b.LastUid}, nil
}

// MailboxError records why the last session of an account failed.
func (db *DB) MailboxError(ctx context.Context, id int64, problem string) error {
	if err := db.q().MailMailboxError(ctx, dbsqlc.MailMailboxErrorParams{ID: id, LastError: problem}); err != nil {
		return fmt.Errorf("record error of mailbox %d: %w", id, mapError(err))
	}
	return nil
}

// MailboxFetched records a completed fetch round (and clears the error).
func (db *DB) MailboxFetched(ctx context.Context, id int64) error {
	if err := db.q().MailMailboxFetched(ctx, id); err != nil {
		return fmt.Errorf("record fetch of mailbox %d: %w", id, mapError(err))
	}
	return nil
}

// SetMailboxWatermark is Tx.SetMailboxWatermark in a statement of its own.
func (db *DB) SetMailboxWatermark(ctx context.Context, id int64, uidValidity, lastUID int64) error {
	return setMailboxWatermark(ctx, db.q(), id, uidValidity, lastUID)
}

// SetMailboxWatermark records the last UID stored under a UIDVALIDITY.
func (tx *Tx) SetMailboxWatermark(ctx context.Context, id int64, uidValidity, lastUID int64) error {
	return setMailboxWatermark(ctx, tx.q, id, uidValidity, lastUID)
}

func setMailboxWatermark(ctx context.Context, q *dbsqlc.Queries, id, uidValidity, lastUID int64) error {
	if err := q.MailSetWatermark(ctx, dbsqlc.MailSetWatermarkParams{ID: id, Uidvalidity: uidValidity, LastUid: lastUID}); err != nil {
		return fmt.Errorf("move watermark of mailbox %d: %w", id, mapError(err))
	}
	return nil
}

// LockMailbox locks an account until commit (two nodes polling it take
// turns) and returns its last stored UID.
func (tx *Tx) LockMailbox(ctx context.Context, id int64) (int64, error) {
	last, err := tx.q.MailLockMailbox(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("lock mailbox %d: %w", id, mapError(err))
	}
	return last, nil
}
