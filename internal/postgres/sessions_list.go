package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// Sessions lists userID's live sessions, most recently used first;
// current is the id_hash of the asking request's session (may be nil).
func (db *DB) Sessions(ctx context.Context, userID int64, current []byte) ([]helpdesk.Session, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, user_agent, ip, method, created_at, last_seen_at, id_hash = $2
		FROM sessions WHERE user_id = $1 AND expires_at > now() ORDER BY last_seen_at DESC LIMIT 200`, userID, current)
	if err != nil {
		return nil, mapError(err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.Session, error) {
		var s helpdesk.Session
		var cur *bool
		err := r.Scan(&s.ID, &s.UserAgent, &s.IP, &s.Method, &s.FirstSeen, &s.LastSeen, &cur)
		s.Current = cur != nil && *cur
		return s, err
	})
}

// EndSession deletes one session of userID; ENOTFOUND when there is no such
// session. actorID (who ended it) goes to the audit log with what ended.
func (db *DB) EndSession(ctx context.Context, actorID, userID, sessionID int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		var ua, ip, method string
		err := tx.tx.QueryRow(ctx, `DELETE FROM sessions WHERE id = $1 AND user_id = $2 RETURNING user_agent, ip, method`,
			sessionID, userID).Scan(&ua, &ip, &method)
		if errors.Is(err, pgx.ErrNoRows) {
			return helpdesk.Errorf(helpdesk.ENOTFOUND, "No such session.")
		} else if err != nil {
			return err
		}
		before, _ := json.Marshal(map[string]any{"user_id": userID, "browser": ua, "address": ip, "method": method})
		_, err = tx.tx.Exec(ctx, `INSERT INTO audit_log (actor_id, object_type, object_id, action, before, after)
			VALUES ($1, 'session', $2, 'end', $3, NULL)`, actorID, strconv.FormatInt(sessionID, 10), before)
		return err
	})
}

// Audit writes one audit-log entry outside the admin service's own
// transactions (an admin ending someone's token from the devices page).
func (db *DB) Audit(ctx context.Context, actorID int64, objectType string, objectID int64, action string, before, after map[string]any) error {
	var b, a []byte
	if before != nil {
		b, _ = json.Marshal(before)
	}
	if after != nil {
		a, _ = json.Marshal(after)
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO audit_log (actor_id, object_type, object_id, action, before, after)
		VALUES ($1, $2, $3, $4, $5, $6)`, actorID, objectType, strconv.FormatInt(objectID, 10), action, b, a)
	return mapError(err)
}
