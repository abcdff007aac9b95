package postgres

import (
	"context"
	"fmt"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// APIToken is a stored API token; the secret itself is never stored, only
// its keyed hash.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	Scope      string
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	CreatedAt  time.Time
}

// InsertAPIToken stores a new token of the user under the secret's hash and
// returns it with its id and creation time.
func (db *DB) InsertAPIToken(ctx context.Context, t APIToken, hash []byte) (*APIToken, error) {
	r, err := db.q().InsertAPIToken(ctx, dbsqlc.InsertAPITokenParams{UserID: t.UserID, Name: t.Name, Hash: hash,
		Scope: t.Scope, ExpiresAt: t.ExpiresAt})
	if err != nil {
		return nil, fmt.Errorf("store API token of user %d: %w", t.UserID, mapError(err))
	}
	t.ID, t.CreatedAt = r.ID, r.CreatedAt
	return &t, nil
}

// APITokens lists the user's tokens, active ones first, newest first.
func (db *DB) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := db.q().ListAPITokens(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list API tokens of user %d: %w", userID, mapError(err))
	}
	out := make([]APIToken, len(rows))
	for i, r := range rows {
		out[i] = APIToken{ID: r.ID, UserID: userID, Name: r.Name, Scope: r.Scope, ExpiresAt: r.ExpiresAt,
			LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// RevokeAPIToken revokes one of the user's own tokens; someone else's token,
// or one already revoked, is ENOTFOUND.
func (db *DB) RevokeAPIToken(ctx context.Context, userID, tokenID int64) error {
	n, err := db.q().RevokeAPIToken(ctx, dbsqlc.RevokeAPITokenParams{ID: tokenID, UserID: userID})
	if err != nil {
		return fmt.Errorf("revoke API token %d: %w", tokenID, mapError(err))
	}
	if n == 0 {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Token not found.")
	}
	return nil
}

// APITokenByHash reads a usable token (not revoked, not expired, of an
// active user) by its hash, with its user; any other is ENOTFOUND.
func (db *DB) APITokenByHash(ctx context.Context, hash []byte) (*helpdesk.User, *APIToken, error) {
	r, err := db.q().APITokenByHash(ctx, hash)
	if err != nil {
		return nil, nil, fmt.Errorf("read API token: %w", mapError(err))
	}
	return userFromRow(r.User), &APIToken{ID: r.TokenID, UserID: r.User.ID, Name: r.TokenName, Scope: r.Scope,
		ExpiresAt: r.ExpiresAt, LastUsedAt: r.LastUsedAt, CreatedAt: r.TokenCreatedAt}, nil
}

// TouchAPIToken records that the token was used now.
func (db *DB) TouchAPIToken(ctx context.Context, id int64) error {
	if err := db.q().TouchAPIToken(ctx, id); err != nil {
		return fmt.Errorf("touch API token %d: %w", id, mapError(err))
	}
	return nil
}
