package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Sign-in throttling: after maxFailures failures within window for one
// account or one client address, that key is locked for a while, doubling
// with each further failure up to maxLock. Kept in PostgreSQL so every app
// node sees the same counts.
const (
	maxFailures = 5
	window      = 15 * time.Minute
	firstLock   = time.Minute
	maxLock     = 30 * time.Minute
)

// Throttle counts failed sign-ins per key.
type Throttle struct{ DB *postgres.DB }

// Wait returns how long the caller must wait before trying again, zero when
// none of the keys is locked.
func (t *Throttle) Wait(ctx context.Context, keys ...string) (time.Duration, error) {
	var until *time.Time
	err := t.DB.Pool.QueryRow(ctx, `SELECT max(locked_until) FROM login_attempts WHERE key = ANY($1) AND locked_until > now()`,
		keys).Scan(&until)
	if err != nil || until == nil {
		return 0, err
	}
	return time.Until(*until).Round(time.Second), nil
}

// Fail records a failed attempt for each key and locks keys past the limit.
func (t *Throttle) Fail(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		_, err := t.DB.Pool.Exec(ctx, `
			INSERT INTO login_attempts AS a (key, failures, window_start) VALUES ($1, 1, now())
			ON CONFLICT (key) DO UPDATE SET
				failures = CASE WHEN a.window_start < now() - make_interval(secs => $2) AND (a.locked_until IS NULL OR a.locked_until < now())
				                THEN 1 ELSE a.failures + 1 END,
				window_start = CASE WHEN a.window_start < now() - make_interval(secs => $2) AND (a.locked_until IS NULL OR a.locked_until < now())
				                THEN now() ELSE a.window_start END`, k, window.Seconds())
		if err != nil {
			return err
		}
		_, err = t.DB.Pool.Exec(ctx, `UPDATE login_attempts SET locked_until = now() + least(
				make_interval(secs => $2 * power(2, failures - $3)), make_interval(secs => $4))
			WHERE key = $1 AND failures >= $3`, k, firstLock.Seconds(), maxFailures, maxLock.Seconds())
		if err != nil {
			return err
		}
	}
	return nil
}

// Succeed clears the account's counter (not the address's: one good
// password must not reset a spray against many accounts).
func (t *Throttle) Succeed(ctx context.Context, accountKey string) error {
	_, err := t.DB.Pool.Exec(ctx, "DELETE FROM login_attempts WHERE key = $1", accountKey)
	return err
}

// Keys returns the throttle keys of an attempt.
func Keys(email, ip string) (account, address string) {
	return "email:" + strings.ToLower(strings.TrimSpace(email)), "ip:" + ip
}

// TooMany is the error shown when a key is locked; the text is the same
// whether or not the account exists.
func TooMany(wait time.Duration) error {
	mins := int(wait.Minutes() + 0.999)
	msg := "Too many sign-in attempts. Please wait 1 minute and try again."
	if mins > 1 {
		msg = fmt.Sprintf("Too many sign-in attempts. Please wait %d minutes and try again.", mins)
	} else if wait < time.Minute {
		msg = fmt.Sprintf("Too many sign-in attempts. Please wait %d seconds and try again.", int(wait.Seconds()+0.999))
	}
	return helpdesk.Errorf(helpdesk.ETOOMANY, "%s", msg)
}

// Authenticate checks an email and password. Failures return one message for
// unknown accounts, wrong passwords and deactivated users alike.
func Authenticate(ctx context.Context, db *postgres.DB, t *Throttle, email, password, ip string) (*helpdesk.User, error) {
	acct, addr := Keys(email, ip)
	if wait, err := t.Wait(ctx, acct, addr); err != nil {
		return nil, err
	} else if wait > 0 {
		return nil, TooMany(wait)
	}
	bad := helpdesk.Errorf(helpdesk.EUNAUTH, "That email and password do not match an active account.")
	row, err := db.Q().GetUserByEmail(ctx, strings.TrimSpace(email))
	if err != nil || row.PasswordHash == nil || !row.Active {
		CheckNoUser(password)
		if err := t.Fail(ctx, acct, addr); err != nil {
			return nil, err
		}
		// Same answer as a wrong password below, or the lock would tell
		// which accounts exist.
		if wait, _ := t.Wait(ctx, acct, addr); wait > 0 {
			return nil, TooMany(wait)
		}
		return nil, bad
	}
	if !CheckPassword(*row.PasswordHash, password) {
		if err := t.Fail(ctx, acct, addr); err != nil {
			return nil, err
		}
		if wait, _ := t.Wait(ctx, acct, addr); wait > 0 {
			return nil, TooMany(wait)
		}
		return nil, bad
	}
	_ = t.Succeed(ctx, acct)
	return UserFromRow(row), nil
}
