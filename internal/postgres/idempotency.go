package postgres

import (
	"context"
	"fmt"

	"switchboard/internal/postgres/internal/dbsqlc"
)

// IdempotentAnswer is the stored answer to an API request made with an
// Idempotency-Key: a retry of the same request gets it again instead of
// creating twice.
type IdempotentAnswer struct {
	UserID      int64
	Key         string
	RequestHash []byte // method, path and body: the same key for another request is refused
	Status      int
	Location    string
	Body        []byte
}

// IdempotentAnswer reads the answer stored for the user's key; ENOTFOUND
// when the key is new (or expired).
func (db *DB) IdempotentAnswer(ctx context.Context, userID int64, key string) (*IdempotentAnswer, error) {
	r, err := db.q().GetIdempotencyKey(ctx, dbsqlc.GetIdempotencyKeyParams{UserID: userID, Key: key})
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", mapError(err))
	}
	return &IdempotentAnswer{UserID: userID, Key: key, RequestHash: r.RequestHash, Status: int(r.Status),
		Location: r.Location, Body: r.Body}, nil
}

// StoreIdempotentAnswer stores the answer in the transaction that made it,
// so the answer and the change commit together. It reports false when
// another request committed the same key first: the caller rolls back and
// replays that answer.
func (tx *Tx) StoreIdempotentAnswer(ctx context.Context, a IdempotentAnswer) (bool, error) {
	n, err := tx.q.InsertIdempotencyKey(ctx, dbsqlc.InsertIdempotencyKeyParams{UserID: a.UserID, Key: a.Key,
		RequestHash: a.RequestHash, Status: int32(a.Status), Location: a.Location, Body: a.Body})
	if err != nil {
		return false, fmt.Errorf("store idempotency key: %w", mapError(err))
	}
	return n > 0, nil
}

// DeleteExpiredIdempotencyKeys removes keys older than 24 hours and returns
// how many went.
func (db *DB) DeleteExpiredIdempotencyKeys(ctx context.Context) (int64, error) {
	n, err := db.q().DeleteExpiredIdempotencyKeys(ctx)
	if err != nil {
		return 0, fmt.Errorf("delete expired idempotency keys: %w", mapError(err))
	}
	return n, nil
}
