package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// SecurityEvent is one detection with its evidence.
type SecurityEvent struct {
	UserID   int64 // 0: not about one account (spraying)
	Kind     string
	Risk     string
	IP       string
	Evidence map[string]any
	TicketID int64
}

// RecordSecurityEvent stores a detection.
func (db *DB) RecordSecurityEvent(ctx context.Context, ev SecurityEvent) (int64, error) {
	b, err := json.Marshal(ev.Evidence)
	if err != nil {
		return 0, err
	}
	var id int64
	err = db.pool.QueryRow(ctx, `INSERT INTO security_events (user_id, kind, risk, ip, evidence, ticket_id)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, nullID(ev.UserID), ev.Kind, ev.Risk, ev.IP, b, nullID(ev.TicketID)).Scan(&id)
	return id, mapError(err)
}

// SignInHistory is what detection compares a sign-in against: the user's
// earlier successful sign-ins (not counting signInID).
type SignInHistory struct {
	Total  int         // successful sign-ins before
	FromIP int         // of those, from this address
	Times  []time.Time // the last 200 within 60 days
}

// PriorSignIns returns the history of userID's successful sign-ins before
// signInID.
func (db *DB) PriorSignIns(ctx context.Context, userID, signInID int64, ip string) (SignInHistory, error) {
	var h SignInHistory
	err := db.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE ip = $3) FROM sign_ins
		WHERE user_id = $1 AND ok AND id < $2`, userID, signInID, ip).Scan(&h.Total, &h.FromIP)
	if err != nil {
		return h, mapError(err)
	}
	rows, err := db.pool.Query(ctx, `SELECT at FROM sign_ins WHERE user_id = $1 AND ok AND id < $2
		AND at > now() - interval '60 days' ORDER BY id DESC LIMIT 200`, userID, signInID)
	if err != nil {
		return h, mapError(err)
	}
	h.Times, err = pgx.CollectRows(rows, pgx.RowTo[time.Time])
	return h, mapError(err)
}

// FailedAccountsFrom counts the distinct addresses that failed to sign in
// from ip since.
func (db *DB) FailedAccountsFrom(ctx context.Context, ip string, since time.Time) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(DISTINCT email) FROM sign_ins WHERE ip = $1 AND NOT ok AND at > $2`, ip, since).Scan(&n)
	return n, mapError(err)
}

// ClaimSecurityAlert claims the dedupe key for a new ticket. It returns
// claimed=true when the caller must open the ticket (no alert yet, or its
// ticket is resolved or closed); otherwise the open ticket's id (0 while
// the claimer is still opening it).
func (db *DB) ClaimSecurityAlert(ctx context.Context, key string) (bool, int64, error) {
	var claimed bool
	err := db.pool.QueryRow(ctx, `INSERT INTO security_alerts AS a (key) VALUES ($1)
		ON CONFLICT (key) DO UPDATE SET ticket_id = NULL, updated_at = now()
		WHERE a.ticket_id IS NOT NULL AND NOT EXISTS
			(SELECT 1 FROM tickets t WHERE t.id = a.ticket_id AND t.status NOT IN ('resolved', 'closed'))
		RETURNING true`, key).Scan(&claimed)
	if err == nil {
		return true, 0, nil
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return false, 0, mapError(err)
	}
	var tid *int64
	if err := db.pool.QueryRow(ctx, `SELECT ticket_id FROM security_alerts WHERE key = $1`, key).Scan(&tid); err != nil {
		return false, 0, mapError(err)
	}
	if tid == nil {
		return false, 0, nil
	}
	return false, *tid, nil
}

// SetSecurityAlertTicket records the ticket opened for a claimed key.
func (db *DB) SetSecurityAlertTicket(ctx context.Context, key string, ticketID int64) error {
	_, err := db.pool.Exec(ctx, `UPDATE security_alerts SET ticket_id = $2, updated_at = now() WHERE key = $1`, key, ticketID)
	return mapError(err)
}

// SecurityDesk returns the team with slug "security" (0 if none) and the
// longest-standing active admin, who files detection tickets.
func (db *DB) SecurityDesk(ctx context.Context) (int64, *helpdesk.User, error) {
	var team int64
	err := db.pool.QueryRow(ctx, `SELECT coalesce((SELECT id FROM teams WHERE slug = 'security'), 0)`).Scan(&team)
	if err != nil {
		return 0, nil, mapError(err)
	}
	var u helpdesk.User
	err = db.pool.QueryRow(ctx, `SELECT id, email, name, role, time_zone, active FROM users
		WHERE role = 'admin' AND active ORDER BY id LIMIT 1`).Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.TimeZone, &u.Active)
	if errors.Is(err, pgx.ErrNoRows) {
		return team, nil, nil
	}
	return team, &u, mapError(err)
}

// TicketNumberOf returns a ticket's number.
func (db *DB) TicketNumberOf(ctx context.Context, id int64) (int64, error) {
	var n int64
	err := db.pool.QueryRow(ctx, `SELECT number FROM tickets WHERE id = $1`, id).Scan(&n)
	return n, mapError(err)
}
