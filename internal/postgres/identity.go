package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// Second factors, sign-in flows and SSO links (auth's storage). Secrets
// arrive sealed and codes hashed: this layer never sees them in clear.

// TOTPRow is a person's authenticator secret (sealed) and its state.
type TOTPRow struct {
	SecretEnc []byte
	Confirmed bool
	LastStep  int64
}

// TOTP returns the user's TOTP row; ENOTFOUND when none.
func (db *DB) TOTP(ctx context.Context, userID int64) (TOTPRow, error) {
	var t TOTPRow
	err := db.pool.QueryRow(ctx, `SELECT secret_enc, confirmed_at IS NOT NULL, last_step FROM user_totp WHERE user_id = $1`,
		userID).Scan(&t.SecretEnc, &t.Confirmed, &t.LastStep)
	return t, mapError(err)
}

// StartTOTP stores a new, unconfirmed secret, replacing an earlier
// unconfirmed one; a confirmed authenticator is left alone (ECONFLICT).
func (db *DB) StartTOTP(ctx context.Context, userID int64, secretEnc []byte) error {
	tag, err := db.pool.Exec(ctx, `INSERT INTO user_totp (user_id, secret_enc) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET secret_enc = EXCLUDED.secret_enc, created_at = now(), last_step = 0
		WHERE user_totp.confirmed_at IS NULL`, userID, secretEnc)
	if err != nil {
		return mapError(err)
	}
	if tag.RowsAffected() == 0 {
		return helpdesk.Errorf(helpdesk.ECONFLICT, "An authenticator app is already set up.")
	}
	return nil
}

// ConfirmTOTP marks the pending secret confirmed at step and replaces the
// recovery codes, in one transaction.
func (db *DB) ConfirmTOTP(ctx context.Context, userID, step int64, codeHashes [][]byte) error {
	return db.InTx(ctx, func(tx *Tx) error {
		tag, err := tx.tx.Exec(ctx, `UPDATE user_totp SET confirmed_at = now(), last_step = $2
			WHERE user_id = $1 AND confirmed_at IS NULL`, userID, step)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return helpdesk.Errorf(helpdesk.ECONFLICT, "Start the set-up again.")
		}
		return tx.ReplaceRecoveryCodes(ctx, userID, codeHashes)
	})
}

// UseTOTPStep spends a time step: true when step is newer than any accepted
// before (a code seen once cannot be used again).
func (db *DB) UseTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE user_totp SET last_step = $2
		WHERE user_id = $1 AND confirmed_at IS NOT NULL AND last_step < $2`, userID, step)
	return tag.RowsAffected() == 1, mapError(err)
}

// DeleteTOTP removes the authenticator app and, with no passkey left, the
// recovery codes that backed it up.
func (db *DB) DeleteTOTP(ctx context.Context, userID int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.Exec(ctx, `DELETE FROM user_totp WHERE user_id = $1`, userID); err != nil {
			return err
		}
		_, err := tx.tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1
			AND NOT EXISTS (SELECT 1 FROM webauthn_credentials WHERE user_id = $1)`, userID)
		return err
	})
}

// ReplaceRecoveryCodes stores a fresh set of recovery code hashes.
func (db *DB) ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes [][]byte) error {
	return db.InTx(ctx, func(tx *Tx) error { return tx.ReplaceRecoveryCodes(ctx, userID, hashes) })
}

// ReplaceRecoveryCodes stores a fresh set of recovery code hashes in tx.
func (tx *Tx) ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes [][]byte) error {
	if _, err := tx.tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return mapError(err)
	}
	_, err := tx.tx.Exec(ctx, `INSERT INTO recovery_codes (user_id, hash) SELECT $1, unnest($2::bytea[])`, userID, hashes)
	return mapError(err)
}

// UseRecoveryCode spends one unused code; false when it is unknown or used.
func (db *DB) UseRecoveryCode(ctx context.Context, userID int64, hash []byte) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE recovery_codes SET used_at = now()
		WHERE user_id = $1 AND hash = $2 AND used_at IS NULL`, userID, hash)
	return tag.RowsAffected() == 1, mapError(err)
}

// SecondFactors lists what the user has set up.
func (db *DB) SecondFactors(ctx context.Context, userID int64) (helpdesk.SecondFactors, error) {
	var f helpdesk.SecondFactors
	err := db.pool.QueryRow(ctx, `SELECT
			EXISTS (SELECT 1 FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL),
			(SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL)`, userID).
		Scan(&f.TOTP, &f.RecoveryLeft)
	if err != nil {
		return f, mapError(err)
	}
	f.Passkeys, err = db.Passkeys(ctx, userID)
	return f, err
}

// DeleteSecondFactors removes every second factor of the user in tx (an
// admin's reset) and reports what was there, for the audit entry.
func (tx *Tx) DeleteSecondFactors(ctx context.Context, userID int64) (totp bool, passkeys, codes int64, err error) {
	tag, err := tx.tx.Exec(ctx, `DELETE FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL`, userID)
	if err != nil {
		return false, 0, 0, mapError(err)
	}
	totp = tag.RowsAffected() > 0
	if _, err = tx.tx.Exec(ctx, `DELETE FROM user_totp WHERE user_id = $1`, userID); err != nil {
		return false, 0, 0, mapError(err)
	}
	if tag, err = tx.tx.Exec(ctx, `DELETE FROM webauthn_credentials WHERE user_id = $1`, userID); err != nil {
		return false, 0, 0, mapError(err)
	}
	passkeys = tag.RowsAffected()
	if tag, err = tx.tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID); err != nil {
		return false, 0, 0, mapError(err)
	}
	codes = tag.RowsAffected()
	_, err = tx.tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID)
	return totp, passkeys, codes, mapError(err)
}

// CreateAuthFlow stores a sign-in step for ttl; expired flows are swept
// on the way, so the table stays small without a job.
func (db *DB) CreateAuthFlow(ctx context.Context, idHash []byte, f helpdesk.AuthFlow, ttl time.Duration) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM auth_flows WHERE expires_at < now()`); err != nil {
		return mapError(err)
	}
	var user *int64
	if f.UserID != 0 {
		user = &f.UserID
	}
	data := f.Data
	if data == nil {
		data = []byte("{}")
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO auth_flows (id_hash, kind, user_id, data, expires_at)
		VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`, idHash, f.Kind, user, data, ttl.Seconds())
	return mapError(err)
}

// AuthFlow returns a live flow of that kind, counting one more attempt when
// attempt is set; ENOTFOUND when it is unknown or expired.
func (db *DB) AuthFlow(ctx context.Context, idHash []byte, kind string, attempt bool) (helpdesk.AuthFlow, error) {
	f := helpdesk.AuthFlow{Kind: kind}
	var user *int64
	inc := 0
	if attempt {
		inc = 1
	}
	err := db.pool.QueryRow(ctx, `UPDATE auth_flows SET attempts = attempts + $3
		WHERE id_hash = $1 AND kind = $2 AND expires_at > now() RETURNING user_id, data, attempts`, idHash, kind, inc).
		Scan(&user, &f.Data, &f.Attempts)
	if user != nil {
		f.UserID = *user
	}
	return f, mapError(err)
}

// TakeAuthFlow returns and deletes a live flow: it can be used only once, so
// a replayed SSO state or passkey challenge finds nothing.
func (db *DB) TakeAuthFlow(ctx context.Context, idHash []byte, kind string) (helpdesk.AuthFlow, error) {
	f := helpdesk.AuthFlow{Kind: kind}
	var user *int64
	var live bool
	err := db.pool.QueryRow(ctx, `DELETE FROM auth_flows WHERE id_hash = $1 AND kind = $2
		RETURNING user_id, data, attempts, expires_at > now()`, idHash, kind).Scan(&user, &f.Data, &f.Attempts, &live)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && !live {
		return f, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	if user != nil {
		f.UserID = *user
	}
	return f, mapError(err)
}

// DeleteAuthFlow forgets a flow.
func (db *DB) DeleteAuthFlow(ctx context.Context, idHash []byte) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM auth_flows WHERE id_hash = $1`, idHash)
	return mapError(err)
}

// Setting reads a settings value (JSON); nil when unset.
func (db *DB) Setting(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := db.pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return v, mapError(err)
}

// PutSetting writes a settings value in tx.
func (tx *Tx) PutSetting(ctx context.Context, key string, value []byte) error {
	_, err := tx.tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, key, value)
	return mapError(err)
}

// SettingTx reads a settings value in tx, locking it until commit so two
// admins saving at once do not lose one change; nil when unset.
func (tx *Tx) SettingTx(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := tx.tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1 FOR UPDATE`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return v, mapError(err)
}

// ActiveUser reads an active user by id; ENOTFOUND when there is none or the
// account is deactivated (a sign-in step must not finish for them).
func (db *DB) ActiveUser(ctx context.Context, id int64) (*helpdesk.User, error) {
	var u helpdesk.User
	err := db.pool.QueryRow(ctx, `SELECT id, email, name, role, time_zone, locale, active, vip, created_at
		FROM users WHERE id = $1 AND active`, id).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.TimeZone, &u.Locale, &u.Active, &u.VIP, &u.CreatedAt)
	return &u, mapError(err)
}
