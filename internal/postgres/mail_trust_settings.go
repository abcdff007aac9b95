package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// MailTrustKey is the settings key of the admin's sender-trust setup.
const MailTrustKey = "mail_trust"

// MailTrustSettings returns the saved sender-trust setup; false when the
// admin never saved one (the environment's values apply).
func (db *DB) MailTrustSettings(ctx context.Context) (helpdesk.MailTrustSettings, bool, error) {
	var s helpdesk.MailTrustSettings
	var raw []byte
	err := db.pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, MailTrustKey).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, false, nil
	} else if err != nil {
		return s, false, fmt.Errorf("read mail trust settings: %w", mapError(err))
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, false, fmt.Errorf("read mail trust settings: %w", err)
	}
	return s, true, nil
}

// SaveMailTrustSettings stores the sender-trust setup and audits the change
// (before and after) in the same transaction.
func (db *DB) SaveMailTrustSettings(ctx context.Context, actorID int64, s helpdesk.MailTrustSettings) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("save mail trust settings: %w", err)
	}
	return db.InTx(ctx, func(tx *Tx) error {
		var before []byte
		err := tx.tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1 FOR UPDATE`, MailTrustKey).Scan(&before)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("save mail trust settings: %w", mapError(err))
		}
		if _, err := tx.tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, MailTrustKey, raw); err != nil {
			return fmt.Errorf("save mail trust settings: %w", mapError(err))
		}
		var b any
		if before != nil {
			b = json.RawMessage(before)
		}
		return tx.Audit(ctx, &actorID, "setting", MailTrustKey, "update", b, json.RawMessage(raw))
	})
}
