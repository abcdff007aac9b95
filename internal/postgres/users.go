package postgres

import (
	"context"
	"fmt"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/dbsqlc"
)

// User reads a user by id.
func (db *DB) User(ctx context.Context, id int64) (*helpdesk.User, error) {
	return user(ctx, db.Q(), id)
}

// User reads a user by id inside the transaction.
func (tx *Tx) User(ctx context.Context, id int64) (*helpdesk.User, error) { return user(ctx, tx.Q, id) }

func user(ctx context.Context, q *dbsqlc.Queries, id int64) (*helpdesk.User, error) {
	u, err := q.GetUser(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read user %d: %w", id, mapError(err))
	}
	return userFromRow(u), nil
}

// UserByEmail reads a user by email (case-insensitive).
func (db *DB) UserByEmail(ctx context.Context, email string) (*helpdesk.User, error) {
	u, err := db.Q().GetUserByEmail(ctx, email)
	if err != nil {
		return nil, fmt.Errorf("read user %s: %w", email, mapError(err))
	}
	return userFromRow(u), nil
}

func userFromRow(u dbsqlc.User) *helpdesk.User {
	return &helpdesk.User{ID: u.ID, Email: u.Email, Name: u.Name, Role: helpdesk.Role(u.Role), TimeZone: u.TimeZone,
		Locale: u.Locale, Active: u.Active, VIP: u.Vip, CreatedAt: u.CreatedAt, BouncingAt: u.BouncingAt}
}
