package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// Threat detection beyond sign-ins (issue 14, item 6): API tokens used
// from new networks, bursts of admin actions, and the responses to a
// high-risk detection (a forced second factor, ended sessions, a signed
// one-click lock link mailed to the person).

// TouchTokenNetwork notes that a token was used from network. isNew is
// true the first time; earlier is then how many other networks the token
// was used from before.
func (db *DB) TouchTokenNetwork(ctx context.Context, tokenID int64, network string) (isNew bool, earlier int, err error) {
	err = db.pool.QueryRow(ctx, `INSERT INTO token_networks AS n (token_id, network) VALUES ($1, $2)
		ON CONFLICT (token_id, network) DO UPDATE SET last_seen = now() RETURNING (xmax = 0)`, tokenID, network).Scan(&isNew)
	if err != nil || !isNew {
		return false, 0, mapError(err)
	}
	err = db.pool.QueryRow(ctx, `SELECT count(*) FROM token_networks WHERE token_id = $1 AND network <> $2`,
		tokenID, network).Scan(&earlier)
	return true, earlier, mapError(err)
}

// AuditActionsSince counts the audit-log entries actorID wrote since.
func (db *DB) AuditActionsSince(ctx context.Context, actorID int64, since time.Time) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE actor_id = $1 AND created_at > $2`, actorID, since).Scan(&n)
	return n, mapError(err)
}

// SecurityEventSince reports whether userID had an event of kind since.
func (db *DB) SecurityEventSince(ctx context.Context, userID int64, kind string, since time.Time) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM security_events WHERE user_id = $1 AND kind = $2 AND created_at > $3)`,
		userID, kind, since).Scan(&ok)
	return ok, mapError(err)
}

// LockLinkSince reports whether a lock link was sent to userID since (so a
// series of detections mails the person once).
func (db *DB) LockLinkSince(ctx context.Context, userID int64, since time.Time) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM lock_links WHERE user_id = $1 AND created_at > $2)`,
		userID, since).Scan(&ok)
	return ok, mapError(err)
}

// InsertLockLink stores a lock link's hash in tx.
func (tx *Tx) InsertLockLink(ctx context.Context, idHash []byte, userID int64, expires time.Time) error {
	_, err := tx.tx.Exec(ctx, `INSERT INTO lock_links (id_hash, user_id, expires_at) VALUES ($1, $2, $3)`, idHash, userID, expires)
	return mapError(err)
}

// LinkLocksToEvent ties the user's lock links not yet tied to an event to eventID.
func (db *DB) LinkLocksToEvent(ctx context.Context, userID, eventID int64) error {
	_, err := db.pool.Exec(ctx, `UPDATE lock_links SET event_id = $2 WHERE user_id = $1 AND event_id IS NULL`, userID, eventID)
	return mapError(err)
}

// LockLinkUser returns the account a lock link would lock; ENOTFOUND when
// the link is unknown, used or expired.
func (db *DB) LockLinkUser(ctx context.Context, idHash []byte, now time.Time) (*helpdesk.User, error) {
	var u helpdesk.User
	err := db.pool.QueryRow(ctx, `SELECT u.id, u.email, u.name, u.role, u.time_zone, u.active FROM lock_links l
		JOIN users u ON u.id = l.user_id WHERE l.id_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2`, idHash, now).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.TimeZone, &u.Active)
	if err != nil {
		return nil, mapError(err)
	}
	return &u, nil
}

// UseLockLink spends a lock link and locks its account in one
// transaction: deactivated, every session ended, open password links
// void (API tokens stop with the account), audited with the person as the
// actor. ENOTFOUND when the link is unknown, used or expired.
func (db *DB) UseLockLink(ctx context.Context, idHash []byte, now time.Time, ip string) (int64, error) {
	var userID int64
	err := db.InTx(ctx, func(tx *Tx) error {
		var eventID *int64
		err := tx.tx.QueryRow(ctx, `UPDATE lock_links SET used_at = $2 WHERE id_hash = $1 AND used_at IS NULL AND expires_at > $2
			RETURNING user_id, event_id`, idHash, now).Scan(&userID, &eventID)
		if errors.Is(err, pgx.ErrNoRows) {
			return helpdesk.Errorf(helpdesk.ENOTFOUND, "This link is no longer valid.")
		} else if err != nil {
			return err
		}
		var active bool
		if err := tx.tx.QueryRow(ctx, `SELECT active FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&active); err != nil {
			return err
		}
		// Every other link of theirs is spent too: one click locks, a
		// second mail's link cannot unlock or relock anything.
		if _, err := tx.tx.Exec(ctx, `UPDATE lock_links SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL`, userID, now); err != nil {
			return err
		}
		if _, err := tx.tx.Exec(ctx, `UPDATE users SET active = false, updated_at = now() WHERE id = $1`, userID); err != nil {
			return err
		}
		tag, err := tx.tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		if err != nil {
			return err
		}
		if _, err := tx.tx.Exec(ctx, `UPDATE password_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, userID); err != nil {
			return err
		}
		return tx.Audit(ctx, &userID, "user", itoa64(userID), "locked_by_owner", map[string]any{"active": active},
			map[string]any{"active": false, "sessions_ended": tag.RowsAffected(), "via": "was this you? mail", "event": eventID, "address": ip})
	})
	return userID, err
}

// ForceSecondFactor makes userID set up a second factor at the next
// sign-in whatever their role's policy; newly=false when already forced.
func (db *DB) ForceSecondFactor(ctx context.Context, userID int64, reason string) (bool, error) {
	tag, err := db.pool.Exec(ctx, `INSERT INTO forced_second_factors (user_id, reason) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		userID, reason)
	return tag.RowsAffected() == 1, mapError(err)
}

// SecondFactorForced reports whether a detection forced userID to use a second factor.
func (db *DB) SecondFactorForced(ctx context.Context, userID int64) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM forced_second_factors WHERE user_id = $1)`, userID).Scan(&ok)
	return ok, mapError(err)
}

// EndAllSessions signs userID out everywhere; it returns how many sessions ended.
func (db *DB) EndAllSessions(ctx context.Context, userID int64) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return tag.RowsAffected(), mapError(err)
}

// AddSecurityEvidence merges more evidence into a recorded event.
func (db *DB) AddSecurityEvidence(ctx context.Context, eventID int64, more map[string]any) error {
	b, err := json.Marshal(more)
	if err != nil {
		return err
	}
	_, err = db.pool.Exec(ctx, `UPDATE security_events SET evidence = evidence || $2 WHERE id = $1`, eventID, b)
	return mapError(err)
}

// UserByID reads a user (active or not); ENOTFOUND when there is none.
func (db *DB) UserByID(ctx context.Context, id int64) (*helpdesk.User, error) {
	var u helpdesk.User
	err := db.pool.QueryRow(ctx, `SELECT id, email, name, role, time_zone, active FROM users WHERE id = $1`, id).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.TimeZone, &u.Active)
	if err != nil {
		return nil, mapError(err)
	}
	return &u, nil
}

// SecurityEvents lists the latest threat detections, newest first.
func (db *DB) SecurityEvents(ctx context.Context, limit int) ([]helpdesk.SecurityEvent, error) {
	rows, err := db.pool.Query(ctx, `SELECT e.id, coalesce(u.email, ''), e.kind, e.risk, e.ip, e.evidence::text,
		coalesce(t.number, 0), e.created_at FROM security_events e LEFT JOIN users u ON u.id = e.user_id
		LEFT JOIN tickets t ON t.id = e.ticket_id ORDER BY e.id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.SecurityEvent, error) {
		var ev helpdesk.SecurityEvent
		return ev, r.Scan(&ev.ID, &ev.Account, &ev.Kind, &ev.Risk, &ev.IP, &ev.Evidence, &ev.TicketNumber, &ev.CreatedAt)
	})
	return out, mapError(err)
}
