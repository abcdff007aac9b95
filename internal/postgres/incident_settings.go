package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"
)

// SettingJSON reads the JSON setting key into v; v is left as it is when
// the setting was never saved.
func (db *DB) SettingJSON(ctx context.Context, key string, v any) error {
	var raw []byte
	err := db.pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	} else if err != nil {
		return mapError(err)
	}
	return json.Unmarshal(raw, v)
}

// PutSettingJSON stores v as the JSON setting key.
func (db *DB) PutSettingJSON(ctx context.Context, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = db.pool.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, key, raw)
	return mapError(err)
}

// TeamIDBySlug finds a team; ENOTFOUND when there is none.
func (db *DB) TeamIDBySlug(ctx context.Context, slug string) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT id FROM teams WHERE lower(slug) = lower($1)`, slug).Scan(&id)
	return id, mapError(err)
}

// CategoryIDByName finds a category by name, ignoring case; ENOTFOUND when
// there is none.
func (db *DB) CategoryIDByName(ctx context.Context, name string) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT id FROM categories WHERE lower(name) = lower($1) ORDER BY id LIMIT 1`, name).Scan(&id)
	return id, mapError(err)
}
