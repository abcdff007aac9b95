package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// Incident store: hand-written rather than sqlc because alert labels and
// entity lists are JSON and arrays the handlers build dynamically.

// AlertGroupByKey loads an Alertmanager group with its ticket's number and
// status; ENOTFOUND when the group is new.
func (db *DB) AlertGroupByKey(ctx context.Context, key string) (*helpdesk.AlertGroup, error) {
	var g helpdesk.AlertGroup
	var labels []byte
	var status string
	err := db.pool.QueryRow(ctx, `SELECT g.id, g.group_key, g.ticket_id, t.number, t.status, g.receiver, g.labels,
			g.status, g.created_at, g.updated_at
		FROM alert_groups g JOIN tickets t ON t.id = g.ticket_id WHERE g.group_key = $1`, key).
		Scan(&g.ID, &g.GroupKey, &g.TicketID, &g.TicketNumber, &status, &g.Receiver, &labels, &g.Status, &g.CreatedAt, &g.UpdatedAt)
	if err != nil {
		return nil, mapError(err)
	}
	g.TicketStatus = helpdesk.Status(status)
	_ = json.Unmarshal(labels, &g.Labels)
	return &g, nil
}

// InsertAlertGroup records a new group for its incident ticket, and the
// incident row; ECONFLICT when another node created the group first.
func (tx *Tx) InsertAlertGroup(ctx context.Context, g *helpdesk.AlertGroup) error {
	labels, _ := json.Marshal(g.Labels)
	if err := tx.tx.QueryRow(ctx, `INSERT INTO alert_groups (group_key, ticket_id, receiver, labels, status)
		VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at`, g.GroupKey, g.TicketID, g.Receiver, labels, g.Status).
		Scan(&g.ID, &g.CreatedAt); err != nil {
		return mapError(err)
	}
	return tx.InsertIncident(ctx, g.TicketID, "alert")
}

// InsertIncident marks a ticket as an incident of the given kind (alert,
// detected, manual); a ticket already marked keeps its kind.
func (tx *Tx) InsertIncident(ctx context.Context, ticketID int64, kind string) error {
	_, err := tx.tx.Exec(ctx, `INSERT INTO incidents (ticket_id, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING`, ticketID, kind)
	return mapError(err)
}

// MoveAlertGroup points a group at a new incident ticket (it fired again
// long after its last incident closed) and marks it firing.
func (tx *Tx) MoveAlertGroup(ctx context.Context, id, ticketID int64) error {
	_, err := tx.tx.Exec(ctx, `UPDATE alert_groups SET ticket_id = $2, status = 'firing', updated_at = now() WHERE id = $1`, id, ticketID)
	return mapError(err)
}

// SetAlertGroup updates a group's status and, when it moved to a new
// incident ticket, its ticket.
func (db *DB) SetAlertGroup(ctx context.Context, id, ticketID int64, status string) error {
	_, err := db.pool.Exec(ctx, `UPDATE alert_groups SET status = $2, ticket_id = $3, updated_at = now() WHERE id = $1`,
		id, status, ticketID)
	return mapError(err)
}

// AlertChange is what storing one alert changed.
type AlertChange struct {
	Alert  helpdesk.Alert
	Before string // previous status; "" for a new alert
}

// UpsertAlerts stores the alerts of a delivery for a group and returns
// those whose status changed (new ones included), and how many of the
// group's alerts are still firing afterwards. A repeated notification
// changes nothing.
func (db *DB) UpsertAlerts(ctx context.Context, groupID int64, alerts []helpdesk.Alert) (changed []AlertChange, firing int, err error) {
	err = db.InTx(ctx, func(tx *Tx) error {
		changed, firing, err = tx.UpsertAlerts(ctx, groupID, alerts)
		return err
	})
	return changed, firing, err
}

// UpsertAlerts is UpsertAlerts inside a transaction.
func (tx *Tx) UpsertAlerts(ctx context.Context, groupID int64, alerts []helpdesk.Alert) ([]AlertChange, int, error) {
	var changed []AlertChange
	for _, a := range alerts {
		labels, _ := json.Marshal(a.Labels)
		ann, _ := json.Marshal(a.Annotations)
		var before *string
		err := tx.tx.QueryRow(ctx, `SELECT status FROM alerts WHERE group_id = $1 AND fingerprint = $2 FOR UPDATE`,
			groupID, a.Fingerprint).Scan(&before)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, 0, mapError(err)
		}
		if _, err := tx.tx.Exec(ctx, `INSERT INTO alerts (group_id, fingerprint, status, name, labels, annotations, starts_at,
				ends_at, generator_url)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (group_id, fingerprint) DO UPDATE SET status = EXCLUDED.status, labels = EXCLUDED.labels,
				annotations = EXCLUDED.annotations, starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
				generator_url = EXCLUDED.generator_url, updated_at = now(),
				fired = alerts.fired + CASE WHEN alerts.status = 'resolved' AND EXCLUDED.status = 'firing' THEN 1 ELSE 0 END`,
			groupID, a.Fingerprint, a.Status, a.Name, labels, ann, a.StartsAt, a.EndsAt, a.GeneratorURL); err != nil {
			return nil, 0, mapError(err)
		}
		if before == nil || *before != a.Status {
			c := AlertChange{Alert: a}
			if before != nil {
				c.Before = *before
			}
			changed = append(changed, c)
		}
	}
	var firing int
	if err := tx.tx.QueryRow(ctx, `SELECT count(*) FROM alerts WHERE group_id = $1 AND status = 'firing'`, groupID).
		Scan(&firing); err != nil {
		return nil, 0, mapError(err)
	}
	return changed, firing, nil
}

// Alerts lists the alerts of the groups of a ticket, firing first.
func (db *DB) Alerts(ctx context.Context, ticketID int64) ([]helpdesk.Alert, error) {
	rows, err := db.pool.Query(ctx, `SELECT a.fingerprint, a.status, a.name, a.labels, a.annotations, a.starts_at, a.ends_at,
			a.generator_url, a.fired, a.updated_at
		FROM alerts a JOIN alert_groups g ON g.id = a.group_id WHERE g.ticket_id = $1
		ORDER BY a.status = 'resolved', a.starts_at, a.fingerprint`, ticketID)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.Alert, error) {
		var a helpdesk.Alert
		var labels, ann []byte
		err := r.Scan(&a.Fingerprint, &a.Status, &a.Name, &labels, &ann, &a.StartsAt, &a.EndsAt, &a.GeneratorURL, &a.Fired, &a.UpdatedAt)
		_ = json.Unmarshal(labels, &a.Labels)
		_ = json.Unmarshal(ann, &a.Annotations)
		return a, err
	})
	return out, mapError(err)
}

// IncidentLinks returns, for each ticket id, its parent's number and its
// number of children (the API's parent and children_count).
func (db *DB) IncidentLinks(ctx context.Context, ids []int64) (map[int64]helpdesk.IncidentLink, error) {
	out := make(map[int64]helpdesk.IncidentLink, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT t.id, p.number,
			(SELECT count(*) FROM tickets c WHERE c.parent_id = t.id)
		FROM tickets t LEFT JOIN tickets p ON p.id = t.parent_id WHERE t.id = ANY($1)`, ids)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var l helpdesk.IncidentLink
		if err := rows.Scan(&id, &l.Parent, &l.Children); err != nil {
			return nil, mapError(err)
		}
		out[id] = l
	}
	return out, mapError(rows.Err())
}
