package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// ChangesBetween lists recorded changes in a time range, newest first: the
// admin audit log (settings, people, teams, categories, mail) and the
// automation rules' runs with how many tickets each changed; the "what
// changed just before it broke" of an incident's evidence.
func (db *DB) ChangesBetween(ctx context.Context, from, to time.Time, limit int) ([]helpdesk.TimelineItem, error) {
	rows, err := db.pool.Query(ctx, `SELECT at, title, who, detail FROM (
    SELECT a.created_at AS at, a.object_type || ' ' || a.object_id || ' ' || a.action AS title,
        coalesce(u.name, 'system') AS who, coalesce(a.after::text, '') AS detail
    FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
    WHERE a.created_at BETWEEN $1 AND $2
    UNION ALL
    SELECT r.created_at, 'automation rule "' || ru.name || '" ' || r.kind || ' #' || r.id,
        coalesce(u.name, 'automation'),
        (SELECT count(*) || ' changes to ' || count(DISTINCT c.ticket_id) || ' tickets' FROM automation_changes c WHERE c.run_id = r.id)
    FROM automation_runs r JOIN automation_rules ru ON ru.id = r.rule_id LEFT JOIN users u ON u.id = r.actor_id
    WHERE r.created_at BETWEEN $1 AND $2
) x ORDER BY at DESC LIMIT $3`, from, to, limit)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.TimelineItem, error) {
		it := helpdesk.TimelineItem{Kind: "change"}
		var who, after string
		err := r.Scan(&it.At, &it.Title, &who, &after)
		if len(after) > 200 {
			after = after[:200] + "…"
		}
		it.Detail = "by " + who + " " + after
		return it, err
	})
	return out, mapError(err)
}

// PastIncidents lists other incidents whose tickets (or children) share
// entities (kind:value) with these, most shared first, with their last
// public reply as the resolution.
func (db *DB) PastIncidents(ctx context.Context, exclude int64, entities []string, limit int) ([]helpdesk.PastIncident, error) {
	rows, err := db.pool.Query(ctx, `SELECT t.number, t.subject, t.status, t.created_at, t.resolved_at,
			array_agg(DISTINCT e.kind || ':' || e.value),
			coalesce((SELECT m.body_text FROM messages m WHERE m.ticket_id = t.id AND NOT m.internal ORDER BY m.created_at DESC, m.id DESC LIMIT 1), '')
		FROM incidents i JOIN tickets t ON t.id = i.ticket_id
		JOIN ticket_entities e ON e.ticket_id = t.id OR e.ticket_id IN (SELECT c.id FROM tickets c WHERE c.parent_id = t.id)
		WHERE t.id <> $1 AND e.kind || ':' || e.value = ANY($2)
		GROUP BY t.id ORDER BY count(DISTINCT e.kind || ':' || e.value) DESC, t.created_at DESC LIMIT $3`,
		exclude, entities, limit)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.PastIncident, error) {
		var p helpdesk.PastIncident
		var st string
		err := r.Scan(&p.Number, &p.Subject, &st, &p.CreatedAt, &p.ResolvedAt, &p.Shared, &p.Resolution)
		p.Status = helpdesk.Status(st)
		if len(p.Resolution) > 300 {
			p.Resolution = p.Resolution[:300] + "…"
		}
		return p, err
	})
	return out, mapError(err)
}

// IncidentPublication is an incident's known-issue row, nil when it was
// never published.
func (db *DB) IncidentPublication(ctx context.Context, ticketID int64) (*helpdesk.KnownIssue, error) {
	var k helpdesk.KnownIssue
	var at *time.Time
	err := db.pool.QueryRow(ctx, `SELECT public_title, public_message, published_at, affected FROM incidents WHERE ticket_id = $1`,
		ticketID).Scan(&k.Title, &k.Message, &at, &k.Affected)
	if IsNotFound(err) {
		return nil, nil
	} else if err != nil {
		return nil, mapError(err)
	}
	if at == nil {
		return &helpdesk.KnownIssue{Title: k.Title, Message: k.Message}, nil
	}
	k.PublishedAt = *at
	return &k, nil
}
