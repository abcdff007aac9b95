package postgres

import (
	"context"
	"fmt"
)

// NewDelivery is a webhook call to make.
type NewDelivery struct {
	WebhookID *int64 // nil: a rule's webhook action
	RunID     *int64
	URL       string
	Event     string
	Payload   []byte // JSON
}

// InsertDelivery stores a pending delivery and returns its id; the caller
// enqueues its job in the same transaction.
func (tx *Tx) InsertDelivery(ctx context.Context, d NewDelivery) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO webhook_deliveries (webhook_id, run_id, url, event, payload)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, d.WebhookID, d.RunID, d.URL, d.Event, d.Payload).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert delivery to %s: %w", d.URL, mapError(err))
	}
	return id, nil
}
