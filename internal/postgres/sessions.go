package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// Sign-in sessions: the browser's cookie holds a random id, the table its
// hash, so a stolen database holds no usable session.

// NewSession is a session to store at sign-in.
type NewSession struct {
	IDHash    []byte
	UserID    int64
	MaxAge    time.Duration // ends this long after sign-in, whatever happens
	UserAgent string
	IP        string
	Method    string // password, sso, passkey, …
	DeviceID  *int64 // the known device, when there is one
}

// InsertSession stores a new session.
func (db *DB) InsertSession(ctx context.Context, s NewSession) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, expires_at, user_agent, ip, method, device_id)
		VALUES ($1, $2, now() + make_interval(secs => $3), $4, $5, $6, $7)`,
		s.IDHash, s.UserID, s.MaxAge.Seconds(), s.UserAgent, s.IP, s.Method, s.DeviceID); err != nil {
		return fmt.Errorf("store session of user %d: %w", s.UserID, mapError(err))
	}
	return nil
}

// DeleteSession ends one session; an unknown one is not an error.
func (db *DB) DeleteSession(ctx context.Context, idHash []byte) error {
	if _, err := db.pool.Exec(ctx, "DELETE FROM sessions WHERE id_hash = $1", idHash); err != nil {
		return fmt.Errorf("end session: %w", mapError(err))
	}
	return nil
}

// DeleteUserSessions ends every session of the user.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) error {
	if _, err := db.pool.Exec(ctx, "DELETE FROM sessions WHERE user_id = $1", userID); err != nil {
		return fmt.Errorf("end sessions of user %d: %w", userID, mapError(err))
	}
	return nil
}

// TouchSession slides the session's idle window to now.
func (db *DB) TouchSession(ctx context.Context, idHash []byte) error {
	if _, err := db.pool.Exec(ctx, "UPDATE sessions SET last_seen_at = now() WHERE id_hash = $1", idHash); err != nil {
		return fmt.Errorf("touch session: %w", mapError(err))
	}
	return nil
}

// SessionUser is a valid session with its user, loaded in one query with
// what every page needs: the availability switch and the team scope the
// queue's visibility rules use.
type SessionUser struct {
	User         helpdesk.User // Scope set
	Availability helpdesk.Availability
	LastSeen     time.Time
	ExpiresAt    time.Time
}

// SessionUser reads the session and its user. A session that is unknown,
// expired, idle longer than idle, or whose user is deactivated is ENOTFOUND.
func (db *DB) SessionUser(ctx context.Context, idHash []byte, idle time.Duration) (*SessionUser, error) {
	var s SessionUser
	var avail string
	var scope helpdesk.TeamScope
	u := &s.User
	err := db.pool.QueryRow(ctx, `SELECT u.id, u.email, u.name, u.role, u.time_zone, u.locale, u.active, u.vip, u.created_at,
			s.last_seen_at, s.expires_at, coalesce(ap.availability, 'available'),
			coalesce((SELECT array_agg(m.team_id) FROM team_members m WHERE m.user_id = u.id), '{}'),
			coalesce((SELECT array_agg(t.id) FROM teams t WHERE t.restricted AND NOT EXISTS
				(SELECT 1 FROM team_members m WHERE m.team_id = t.id AND m.user_id = u.id)), '{}')
		FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN agent_profiles ap ON ap.user_id = u.id
		WHERE s.id_hash = $1 AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2) AND u.active`,
		idHash, idle.Seconds()).Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.TimeZone, &u.Locale, &u.Active, &u.VIP, &u.CreatedAt,
		&s.LastSeen, &s.ExpiresAt, &avail, &scope.Member, &scope.Hidden)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "No such session.")
	} else if err != nil {
		return nil, fmt.Errorf("read session: %w", mapError(err))
	}
	u.Scope = &scope
	s.Availability = helpdesk.Availability(avail)
	return &s, nil
}
