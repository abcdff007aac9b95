package postgres

import (
	"context"
	"fmt"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// Mail routing as the admin console edits it: intake addresses, IMAP
// accounts, and the outbox as admins see it.

// IntakeAddresses lists every routed address by local part.
func (db *DB) IntakeAddresses(ctx context.Context) ([]helpdesk.IntakeAddress, error) {
	rows, err := db.q().AdminListIntakeAddresses(ctx)
	if err != nil {
		return nil, fmt.Errorf("list intake addresses: %w", mapError(err))
	}
	var out []helpdesk.IntakeAddress
	for _, a := range rows {
		out = append(out, helpdesk.IntakeAddress{ID: a.ID, LocalPart: a.LocalPart, TeamID: a.TeamID,
			TeamName: deref(a.TeamName), CategoryID: a.CategoryID, CategoryName: deref(a.CategoryName), Phishing: a.Phishing})
	}
	return out, nil
}

// IntakeAddressRouted reports whether local@our-domain is routed already.
func (tx *Tx) IntakeAddressRouted(ctx context.Context, local string) (bool, error) {
	_, err := tx.q.MailIntakeAddress(ctx, local)
	switch {
	case err == nil:
		return true, nil
	case IsNotFound(err):
		return false, nil
	}
	return false, fmt.Errorf("find intake address %s: %w", local, mapError(err))
}

// InsertIntakeAddress routes local@our-domain to a team and/or category; a
// routed address is ECONFLICT, an unknown team or category EINVALID.
func (tx *Tx) InsertIntakeAddress(ctx context.Context, local string, teamID, categoryID *int64) (int64, error) {
	id, err := tx.q.AdminInsertIntakeAddress(ctx, dbsqlc.AdminInsertIntakeAddressParams{LocalPart: local, TeamID: teamID,
		CategoryID: categoryID})
	if err != nil {
		return 0, fmt.Errorf("route intake address %s: %w", local, mapError(err))
	}
	return id, nil
}

// DeleteIntakeAddress stops routing an address and returns what it was
// (names are not read); ENOTFOUND when there is none.
func (tx *Tx) DeleteIntakeAddress(ctx context.Context, id int64) (*helpdesk.IntakeAddress, error) {
	r, err := tx.q.AdminDeleteIntakeAddress(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("delete intake address %d: %w", id, mapError(err))
	}
	return &helpdesk.IntakeAddress{ID: id, LocalPart: r.LocalPart, TeamID: r.TeamID, CategoryID: r.CategoryID}, nil
}

// Mailboxes lists the IMAP accounts by id, without their passwords.
func (db *DB) Mailboxes(ctx context.Context) ([]helpdesk.Mailbox, error) {
	rows, err := db.q().AdminListMailboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("list mailboxes: %w", mapError(err))
	}
	var out []helpdesk.Mailbox
	for _, b := range rows {
		out = append(out, helpdesk.Mailbox{ID: b.ID, Name: b.Name, Host: b.Host, Port: int(b.Port), TLS: b.Tls,
			Username: b.Username, Folder: b.Folder, Enabled: b.Enabled, LastFetchAt: b.LastFetchAt, LastError: b.LastError,
			LastErrorAt: b.LastErrorAt})
	}
	return out, nil
}

// DeleteMailbox removes an IMAP account and returns what it was;
// ENOTFOUND when there is none.
func (tx *Tx) DeleteMailbox(ctx context.Context, id int64) (*helpdesk.Mailbox, error) {
	r, err := tx.q.AdminDeleteMailbox(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("delete mailbox %d: %w", id, mapError(err))
	}
	return &helpdesk.Mailbox{ID: r.ID, Name: r.Name, Host: r.Host, Port: int(r.Port), TLS: r.Tls, Username: r.Username,
		Folder: r.Folder}, nil
}

// RecentOutbox lists the latest 200 outgoing mails, newest first.
func (db *DB) RecentOutbox(ctx context.Context) ([]helpdesk.OutboxMail, error) {
	rows, err := db.q().AdminListOutbox(ctx)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", mapError(err))
	}
	var out []helpdesk.OutboxMail
	for _, o := range rows {
		out = append(out, helpdesk.OutboxMail{ID: o.ID, TicketID: o.TicketID, Kind: o.Kind, To: o.ToAddr,
			Subject: o.Subject, Status: o.Status, Attempts: int(o.Attempts), LastError: o.LastError,
			NextAttemptAt: o.NextAttemptAt, CreatedAt: o.CreatedAt, SentAt: o.SentAt})
	}
	return out, nil
}

// RetryOutbox puts a failed mail back in the queue and returns it as it
// was (ID, To, Subject, Attempts); ENOTFOUND when it is not a failed mail.
func (tx *Tx) RetryOutbox(ctx context.Context, id int64) (*helpdesk.OutboxMail, error) {
	r, err := tx.q.AdminRetryOutbox(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("retry mail %d: %w", id, mapError(err))
	}
	return &helpdesk.OutboxMail{ID: r.ID, To: r.ToAddr, Subject: r.Subject, Attempts: int(r.Attempts)}, nil
}
