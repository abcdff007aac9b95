package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

const inboundCols = `h.id, h.name, h.mapping, h.team_id, coalesce(t.slug, ''), h.active, h.created_by, h.created_at,
	h.rotated_at, h.last_used_at`

const inboundFrom = ` FROM inbound_hooks h LEFT JOIN teams t ON t.id = h.team_id `

// scanInbound scans inboundCols, then any columns selected after them into
// extra.
func scanInbound(row pgx.Row, extra ...any) (*helpdesk.InboundHook, error) {
	var h helpdesk.InboundHook
	var m []byte
	dest := append([]any{&h.ID, &h.Name, &m, &h.TeamID, &h.TeamSlug, &h.Active, &h.CreatedBy, &h.CreatedAt,
		&h.RotatedAt, &h.LastUsedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(m, &h.Mapping); err != nil {
		return nil, fmt.Errorf("inbound hook %d mapping: %w", h.ID, err)
	}
	return &h, nil
}

// InsertInboundHook stores a new inbound webhook with its token's hash.
func (tx *Tx) InsertInboundHook(ctx context.Context, h *helpdesk.InboundHook, tokenHash string) (int64, error) {
	m, err := json.Marshal(h.Mapping)
	if err != nil {
		return 0, err
	}
	var id int64
	if err := tx.tx.QueryRow(ctx, `INSERT INTO inbound_hooks (name, token_hash, mapping, team_id, active, created_by)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, h.Name, tokenHash, m, h.TeamID, h.Active, h.CreatedBy).Scan(&id); err != nil {
		return 0, fmt.Errorf("insert inbound hook: %w", mapError(err))
	}
	return id, nil
}

// RotateInboundToken replaces a hook's token hash (the old token stops
// working with this commit).
func (tx *Tx) RotateInboundToken(ctx context.Context, id int64, tokenHash string) error {
	ct, err := tx.tx.Exec(ctx, `UPDATE inbound_hooks SET token_hash = $2, rotated_at = now() WHERE id = $1`, id, tokenHash)
	if err != nil {
		return fmt.Errorf("rotate inbound hook %d: %w", id, mapError(err))
	}
	if ct.RowsAffected() == 0 {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "No such inbound webhook.")
	}
	return nil
}

// SetInboundActive turns a hook on or off.
func (tx *Tx) SetInboundActive(ctx context.Context, id int64, active bool) error {
	ct, err := tx.tx.Exec(ctx, `UPDATE inbound_hooks SET active = $2 WHERE id = $1`, id, active)
	if err != nil {
		return fmt.Errorf("set inbound hook %d active: %w", id, mapError(err))
	}
	if ct.RowsAffected() == 0 {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "No such inbound webhook.")
	}
	return nil
}

// InboundHooks lists every inbound webhook, newest first.
func (db *DB) InboundHooks(ctx context.Context) ([]helpdesk.InboundHook, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+inboundCols+inboundFrom+`ORDER BY h.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("inbound hooks: %w", mapError(err))
	}
	defer rows.Close()
	var out []helpdesk.InboundHook
	for rows.Next() {
		h, err := scanInbound(rows)
		if err != nil {
			return nil, fmt.Errorf("inbound hooks: %w", mapError(err))
		}
		out = append(out, *h)
	}
	return out, mapError(rows.Err())
}

// InboundHook loads one hook and its token hash.
func (db *DB) InboundHook(ctx context.Context, id int64) (*helpdesk.InboundHook, string, error) {
	var hash string
	row := db.pool.QueryRow(ctx, `SELECT `+inboundCols+`, h.token_hash`+inboundFrom+`WHERE h.id = $1`, id)
	h, err := scanInbound(row, &hash)
	if err != nil {
		return nil, "", fmt.Errorf("inbound hook %d: %w", id, mapError(err))
	}
	return h, hash, nil
}

// InboundReceipt returns the answer stored for an idempotency key, or
// ok=false when the key is new.
func (tx *Tx) InboundReceipt(ctx context.Context, hookID int64, key string) (number int64, created, ok bool, err error) {
	err = tx.tx.QueryRow(ctx, `SELECT ticket_number, created FROM inbound_receipts WHERE hook_id = $1 AND idem_key = $2`,
		hookID, key).Scan(&number, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, false, nil
	}
	if err != nil {
		return 0, false, false, fmt.Errorf("inbound receipt: %w", mapError(err))
	}
	return number, created, true, nil
}

// InsertInboundReceipt stores the answer to an idempotency key; a key
// stored by a concurrent call is ECONFLICT.
func (tx *Tx) InsertInboundReceipt(ctx context.Context, hookID int64, key string, number int64, created bool) error {
	if _, err := tx.tx.Exec(ctx, `INSERT INTO inbound_receipts (hook_id, idem_key, ticket_number, created) VALUES ($1, $2, $3, $4)`,
		hookID, key, number, created); err != nil {
		return fmt.Errorf("inbound receipt: %w", mapError(err))
	}
	return nil
}

// InboundTicket returns the ticket an external id opened, locked, or 0.
func (tx *Tx) InboundTicket(ctx context.Context, hookID int64, externalID string) (int64, error) {
	var id int64
	err := tx.tx.QueryRow(ctx, `SELECT t.id FROM inbound_tickets i JOIN tickets t ON t.id = i.ticket_id
		WHERE i.hook_id = $1 AND i.external_id = $2 FOR UPDATE OF t`, hookID, externalID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("inbound ticket: %w", mapError(err))
	}
	return id, nil
}

// InsertInboundTicket links an external id to the ticket it opened; one
// opened concurrently is ECONFLICT.
func (tx *Tx) InsertInboundTicket(ctx context.Context, hookID int64, externalID string, ticketID int64) error {
	if _, err := tx.tx.Exec(ctx, `INSERT INTO inbound_tickets (hook_id, external_id, ticket_id) VALUES ($1, $2, $3)`,
		hookID, externalID, ticketID); err != nil {
		return fmt.Errorf("inbound ticket: %w", mapError(err))
	}
	return nil
}

// TouchInbound records that a hook was used.
func (tx *Tx) TouchInbound(ctx context.Context, id int64) error {
	if _, err := tx.tx.Exec(ctx, `UPDATE inbound_hooks SET last_used_at = now() WHERE id = $1`, id); err != nil {
		return fmt.Errorf("touch inbound hook %d: %w", id, mapError(err))
	}
	return nil
}
