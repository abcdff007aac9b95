package postgres

import "context"

// NodeRunning reports whether some Switchboard node is running: a running
// node's River client holds leadership with an expiry in the future. River
// owns that table, so the query is written here rather than given to sqlc,
// which does not see River's schema.
func (db *DB) NodeRunning(ctx context.Context) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM river_leader WHERE expires_at > now())`).Scan(&ok)
	return ok, mapError(err)
}
