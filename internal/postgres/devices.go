package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// KnownDevice returns the id of the device with idHash that signed in to
// userID before, and whether there is one.
func (db *DB) KnownDevice(ctx context.Context, userID int64, idHash []byte) (int64, bool, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT id FROM known_devices WHERE user_id = $1 AND id_hash = $2`, userID, idHash).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, mapError(err)
}

// RememberDevice records (or touches) a device of userID and returns its id.
func (db *DB) RememberDevice(ctx context.Context, userID int64, idHash []byte, userAgent, ip string) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `INSERT INTO known_devices (user_id, id_hash, user_agent, first_ip) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id, id_hash) DO UPDATE SET last_seen_at = now(), user_agent = EXCLUDED.user_agent
		RETURNING id`, userID, idHash, userAgent, ip).Scan(&id)
	return id, mapError(err)
}

// RecordSignIn stores one sign-in attempt and returns its id.
func (db *DB) RecordSignIn(ctx context.Context, s helpdesk.SignIn) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `INSERT INTO sign_ins (user_id, email, ip, user_agent, device_known, method, ok)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		nullID(s.UserID), s.Email, s.IP, s.UserAgent, s.DeviceKnown, s.Method, s.OK).Scan(&id)
	return id, mapError(err)
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
