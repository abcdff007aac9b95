package postgres

import (
	"context"

	"switchboard/internal/helpdesk"
)

// Passkeys lists the user's passkeys, oldest first.
func (db *DB) Passkeys(ctx context.Context, userID int64) ([]helpdesk.Passkey, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, name, created_at, last_used_at FROM webauthn_credentials
		WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []helpdesk.Passkey
	for rows.Next() {
		var p helpdesk.Passkey
		if err := rows.Scan(&p.ID, &p.Name, &p.CreatedAt, &p.LastUsedAt); err != nil {
			return nil, mapError(err)
		}
		out = append(out, p)
	}
	return out, mapError(rows.Err())
}

// PasskeyCredentials returns the stored credential JSON of each passkey.
func (db *DB) PasskeyCredentials(ctx context.Context, userID int64) ([][]byte, error) {
	rows, err := db.pool.Query(ctx, `SELECT credential FROM webauthn_credentials WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var c []byte
		if err := rows.Scan(&c); err != nil {
			return nil, mapError(err)
		}
		out = append(out, c)
	}
	return out, mapError(rows.Err())
}

// AddPasskey stores a new credential.
func (db *DB) AddPasskey(ctx context.Context, userID int64, id []byte, name string, credential []byte) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO webauthn_credentials (id, user_id, name, credential) VALUES ($1, $2, $3, $4)`,
		id, userID, name, credential)
	return mapError(err)
}

// PasskeyOwner returns the user a credential id belongs to; ENOTFOUND when
// none (a passwordless sign-in learns the user from the credential).
func (db *DB) PasskeyOwner(ctx context.Context, id []byte) (int64, error) {
	var user int64
	err := db.pool.QueryRow(ctx, `SELECT user_id FROM webauthn_credentials WHERE id = $1`, id).Scan(&user)
	return user, mapError(err)
}

// UsePasskey records a successful use and the credential's new state (sign
// count, flags) so a cloned authenticator shows up.
func (db *DB) UsePasskey(ctx context.Context, id, credential []byte) error {
	_, err := db.pool.Exec(ctx, `UPDATE webauthn_credentials SET credential = $2, last_used_at = now() WHERE id = $1`,
		id, credential)
	return mapError(err)
}

// DeletePasskey removes one of the user's passkeys; ENOTFOUND when it is
// not theirs.
func (db *DB) DeletePasskey(ctx context.Context, userID int64, id []byte) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM webauthn_credentials WHERE user_id = $1 AND id = $2`, userID, id)
	if err != nil {
		return mapError(err)
	}
	if tag.RowsAffected() == 0 {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	return nil
}
