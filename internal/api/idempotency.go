package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"net/http"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// idem is an Idempotency-Key in play for one request.
type idem struct {
	userID int64
	key    string
	hash   []byte
}

// errKeyTaken rolls back a create whose key another request committed
// first; the handler then replays that request's answer.
var errKeyTaken = errors.New("idempotency key already used")

// beginIdempotent reads the Idempotency-Key header. With a key seen before
// for the same request it replays the stored answer (done is true); for a
// different request it is a 422. Without a header it returns nil.
func (h *Handler) beginIdempotent(w http.ResponseWriter, r *http.Request, body []byte) (k *idem, done bool, err error) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return nil, false, nil
	}
	if len(key) > 255 {
		return nil, false, helpdesk.Invalid("Idempotency-Key", "Keep the Idempotency-Key under 256 characters.")
	}
	sum := sha256.New()
	sum.Write([]byte(r.Method + " " + r.URL.Path + "\n"))
	sum.Write(body)
	k = &idem{userID: caller(r).ID, key: key, hash: sum.Sum(nil)}
	done, err = h.replay(w, r, k)
	return k, done, err
}

// replay answers with the stored result of k, if there is one.
func (h *Handler) replay(w http.ResponseWriter, r *http.Request, k *idem) (bool, error) {
	row, err := h.DB.IdempotentAnswer(r.Context(), k.userID, k.key)
	if err != nil {
		if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
			return false, nil
		}
		return false, err
	}
	if !bytes.Equal(row.RequestHash, k.hash) {
		return false, helpdesk.Invalid("Idempotency-Key", "This Idempotency-Key was already used for a different request; use a new key.")
	}
	if row.Location != "" {
		w.Header().Set("Location", row.Location)
	}
	w.Header().Set("Idempotent-Replayed", "true")
	writeRaw(w, row.Status, row.Body)
	return true, nil
}

// store records the answer inside the transaction that made it.
func (k *idem) store(ctx context.Context, tx *postgres.Tx, status int, location string, body []byte) error {
	if k == nil {
		return nil
	}
	stored, err := tx.StoreIdempotentAnswer(ctx, postgres.IdempotentAnswer{UserID: k.userID, Key: k.key,
		RequestHash: k.hash, Status: status, Location: location, Body: body})
	if err != nil {
		return err
	}
	if !stored {
		return errKeyTaken
	}
	return nil
}

// finish turns errKeyTaken into a replay of the winner's answer.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, k *idem, err error) error {
	if !errors.Is(err, errKeyTaken) {
		return err
	}
	done, err := h.replay(w, r, k)
	if err == nil && !done {
		err = helpdesk.Errorf(helpdesk.ECONFLICT, "A request with this Idempotency-Key is still in progress; retry shortly.")
	}
	return err
}

// DeleteExpiredKeys removes idempotency keys older than 24 hours; a periodic
// job calls it.
func DeleteExpiredKeys(ctx context.Context, db *postgres.DB) (int64, error) {
	return db.DeleteExpiredIdempotencyKeys(ctx)
}
