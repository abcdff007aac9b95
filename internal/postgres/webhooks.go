package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
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
	err := tx.tx.QueryRow(ctx, `INSERT INTO webhook_deliveries (webhook_id, run_id, url, event, payload)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, d.WebhookID, d.RunID, d.URL, d.Event, d.Payload).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert delivery to %s: %w", d.URL, mapError(err))
	}
	return id, nil
}

const webhookColumns = `id, name, url, events, secret, active, failing_since, disabled_reason, created_at`

func scanWebhook(row pgx.Row) (*helpdesk.Webhook, error) {
	var w helpdesk.Webhook
	err := row.Scan(&w.ID, &w.Name, &w.URL, &w.Events, &w.Secret, &w.Active, &w.FailingSince, &w.DisabledReason, &w.CreatedAt)
	return &w, err
}

// InsertWebhook stores a subscription and returns its id.
func (db *DB) InsertWebhook(ctx context.Context, w *helpdesk.Webhook, actorID int64) (int64, error) {
	var id int64
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.tx.QueryRow(ctx, `INSERT INTO webhooks (name, url, events, secret, active, created_by)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, w.Name, w.URL, w.Events, w.Secret, w.Active, nullID(actorID)).Scan(&id); err != nil {
			return err
		}
		return tx.Audit(ctx, nullID(actorID), "webhook", fmt.Sprint(id), "create", nil,
			map[string]any{"name": w.Name, "url": w.URL, "events": w.Events})
	})
	if err != nil {
		return 0, fmt.Errorf("insert webhook %q: %w", w.Name, mapError(err))
	}
	return id, nil
}

// SetWebhookActive turns a subscription on (clearing its failure streak) or off.
func (db *DB) SetWebhookActive(ctx context.Context, id int64, active bool, reason string, actorID int64) error {
	err := db.InTx(ctx, func(tx *Tx) error {
		tag, err := tx.tx.Exec(ctx, `UPDATE webhooks SET active = $2, disabled_reason = $3, failing_since = NULL WHERE id = $1`,
			id, active, reason)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return helpdesk.Errorf(helpdesk.ENOTFOUND, "No such webhook.")
		}
		return tx.Audit(ctx, nullID(actorID), "webhook", fmt.Sprint(id), map[bool]string{true: "enable", false: "disable"}[active],
			nil, map[string]any{"reason": reason})
	})
	if err != nil {
		return fmt.Errorf("set webhook %d active: %w", id, mapError(err))
	}
	return nil
}

// Webhooks lists every subscription.
func (db *DB) Webhooks(ctx context.Context) ([]helpdesk.Webhook, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", mapError(err))
	}
	defer rows.Close()
	var out []helpdesk.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", mapError(err))
		}
		out = append(out, *w)
	}
	return out, mapError(rows.Err())
}

// Webhook loads one subscription.
func (db *DB) Webhook(ctx context.Context, id int64) (*helpdesk.Webhook, error) {
	w, err := scanWebhook(db.pool.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("webhook %d: %w", id, mapError(err))
	}
	return w, nil
}

// ActiveWebhooks lists the active subscriptions inside tx (the inbox drain
// fans events out to them).
func (tx *Tx) ActiveWebhooks(ctx context.Context) ([]helpdesk.Webhook, error) {
	rows, err := tx.tx.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE active ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("active webhooks: %w", mapError(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.Webhook, error) {
		w, err := scanWebhook(r)
		return *w, err
	})
	if err != nil {
		return nil, fmt.Errorf("active webhooks: %w", mapError(err))
	}
	return out, nil
}

const deliveryColumns = `id, webhook_id, run_id, url, event, payload, status, attempts, response_code, response_body, error,
	created_at, last_attempt, delivered_at`

func scanWebhookDelivery(row pgx.Row) (*helpdesk.Delivery, error) {
	var d helpdesk.Delivery
	var payload []byte
	err := row.Scan(&d.ID, &d.WebhookID, &d.RunID, &d.URL, &d.Event, &payload, &d.Status, &d.Attempts, &d.ResponseCode,
		&d.ResponseBody, &d.Error, &d.CreatedAt, &d.LastAttempt, &d.DeliveredAt)
	d.Payload = payload
	return &d, err
}

// Delivery loads one delivery.
func (db *DB) Delivery(ctx context.Context, id int64) (*helpdesk.Delivery, error) {
	d, err := scanWebhookDelivery(db.pool.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("delivery %d: %w", id, mapError(err))
	}
	return d, nil
}

// Deliveries lists a subscription's deliveries, newest first.
func (db *DB) Deliveries(ctx context.Context, webhookID int64, limit int) ([]helpdesk.Delivery, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE webhook_id = $1
		ORDER BY id DESC LIMIT $2`, webhookID, limit)
	if err != nil {
		return nil, fmt.Errorf("deliveries of webhook %d: %w", webhookID, mapError(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.Delivery, error) {
		d, err := scanWebhookDelivery(r)
		return *d, err
	})
	if err != nil {
		return nil, fmt.Errorf("deliveries of webhook %d: %w", webhookID, mapError(err))
	}
	return out, nil
}

// Attempt is the outcome of one delivery attempt.
type Attempt struct {
	Code      *int
	Body      string
	Error     string
	Delivered bool
	Final     bool // no more retries: mark it failed
}

// RecordAttempt stores an attempt's outcome, and for a subscription keeps
// its failure streak: a success ends it, a failure starts it if none runs.
// It returns when the streak began (nil when there is none).
func (db *DB) RecordAttempt(ctx context.Context, id int64, a Attempt) (failingSince *time.Time, err error) {
	err = db.InTx(ctx, func(tx *Tx) error {
		status := "pending"
		switch {
		case a.Delivered:
			status = "delivered"
		case a.Final:
			status = "failed"
		}
		var hook *int64
		if err := tx.tx.QueryRow(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, response_code = $2,
			response_body = $3, error = $4, status = $5, last_attempt = now(),
			delivered_at = CASE WHEN $5 = 'delivered' THEN now() END WHERE id = $1 RETURNING webhook_id`,
			id, a.Code, a.Body, a.Error, status).Scan(&hook); err != nil {
			return err
		}
		if hook == nil {
			return nil
		}
		if a.Delivered {
			_, err := tx.tx.Exec(ctx, `UPDATE webhooks SET failing_since = NULL WHERE id = $1`, *hook)
			return err
		}
		return tx.tx.QueryRow(ctx, `UPDATE webhooks SET failing_since = coalesce(failing_since, now()) WHERE id = $1
			RETURNING failing_since`, *hook).Scan(&failingSince)
	})
	if err != nil {
		return nil, fmt.Errorf("record attempt of delivery %d: %w", id, mapError(err))
	}
	return failingSince, nil
}

// DisableFailingWebhook turns a subscription off after its failure streak
// and writes the admin alert to the audit log; false when it was already off.
func (db *DB) DisableFailingWebhook(ctx context.Context, id int64, reason string) (bool, error) {
	var done bool
	err := db.InTx(ctx, func(tx *Tx) error {
		tag, err := tx.tx.Exec(ctx, `UPDATE webhooks SET active = false, disabled_reason = $2 WHERE id = $1 AND active`, id, reason)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		done = true
		return tx.Audit(ctx, nil, "webhook", fmt.Sprint(id), "disabled_failing", nil, map[string]any{"reason": reason})
	})
	if err != nil {
		return false, fmt.Errorf("disable webhook %d: %w", id, mapError(err))
	}
	return done, nil
}

// ResetDelivery makes a delivery pending again (redeliver) inside tx; the
// caller enqueues its job there.
func (tx *Tx) ResetDelivery(ctx context.Context, id int64) error {
	tag, err := tx.tx.Exec(ctx, `UPDATE webhook_deliveries SET status = 'pending', error = '' WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("reset delivery %d: %w", id, mapError(err))
	}
	if tag.RowsAffected() == 0 {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "No such delivery.")
	}
	return nil
}
