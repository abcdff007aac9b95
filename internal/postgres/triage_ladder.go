package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// SetTriageWait records, with the triage decision, why an unowned ticket
// waits (wait and skill; empty when it got an owner) and whether its owner
// is a stand-in from the escalation ladder.
func (tx *Tx) SetTriageWait(ctx context.Context, ticketID int64, wait, skill string, standIn bool) error {
	_, err := tx.tx.Exec(ctx, `UPDATE tickets SET triage_wait = NULLIF($2, ''), triage_wait_skill = NULLIF($3, ''),
    triage_stand_in = $4 WHERE id = $1`, ticketID, wait, skill, standIn)
	if err != nil {
		return fmt.Errorf("set triage wait of ticket %d: %w", ticketID, mapError(err))
	}
	return nil
}

// CrossRegionCategories returns the ids of categories whose tickets the
// escalation ladder may give to another region (admin setting).
func (db *DB) CrossRegionCategories(ctx context.Context) (map[int64]bool, error) {
	rows, err := db.pool.Query(ctx, `SELECT id FROM categories WHERE cross_region`)
	if err != nil {
		return nil, fmt.Errorf("cross-region categories: %w", mapError(err))
	}
	out, err := idSet(rows)
	if err != nil {
		return nil, fmt.Errorf("cross-region categories: %w", mapError(err))
	}
	return out, nil
}

// CategoryCrossRegion reads one category's cross-region setting.
func (db *DB) CategoryCrossRegion(ctx context.Context, id int64) (bool, error) {
	var on bool
	if err := db.pool.QueryRow(ctx, `SELECT cross_region FROM categories WHERE id = $1`, id).Scan(&on); err != nil {
		return false, fmt.Errorf("category %d cross region: %w", id, mapError(err))
	}
	return on, nil
}

// SetCategoryCrossRegion sets whether the ladder may send the category's
// tickets to another region when their deadline would otherwise be missed.
func (db *DB) SetCategoryCrossRegion(ctx context.Context, id int64, on bool) error {
	if _, err := db.pool.Exec(ctx, `UPDATE categories SET cross_region = $2 WHERE id = $1`, id, on); err != nil {
		return fmt.Errorf("set category %d cross region: %w", id, mapError(err))
	}
	return nil
}

// StandIn is an open ticket held by a stand-in owner from the escalation
// ladder, not yet answered.
type StandIn struct {
	ID, Number, AgentID, TeamID int64
	CategoryID                  *int64
	Priority                    helpdesk.Priority
}

// StandIns lists open, unanswered tickets held by stand-in owners.
func (db *DB) StandIns(ctx context.Context) ([]StandIn, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, number, assignee_id, team_id, category_id, priority FROM tickets
WHERE triage_stand_in AND assignee_id IS NOT NULL AND team_id IS NOT NULL AND first_responded_at IS NULL
  AND status NOT IN ('resolved', 'closed') ORDER BY id LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("stand-in tickets: %w", mapError(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (StandIn, error) {
		var s StandIn
		var p string
		err := r.Scan(&s.ID, &s.Number, &s.AgentID, &s.TeamID, &s.CategoryID, &p)
		s.Priority = helpdesk.Priority(p)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("stand-in tickets: %w", mapError(err))
	}
	return out, nil
}

// AgentReplying reports whether the agent is writing a reply on the ticket
// now (live presence), which counts as work started.
func (db *DB) AgentReplying(ctx context.Context, ticketID, agentID int64, now time.Time) (bool, error) {
	var yes bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ticket_presence WHERE ticket_id = $1 AND user_id = $2
    AND activity <> 'viewing' AND expires_at > $3)`, ticketID, agentID, now).Scan(&yes)
	if err != nil {
		return false, fmt.Errorf("presence on ticket %d: %w", ticketID, mapError(err))
	}
	return yes, nil
}

// WaitingForSkill lists open, unowned tickets that wait with a reason, of
// the teams memberOf belongs to (every team when memberOf is 0), most
// urgent first.
func (db *DB) WaitingForSkill(ctx context.Context, memberOf int64) ([]helpdesk.WaitingTicket, error) {
	rows, err := db.pool.Query(ctx, `SELECT t.number, t.subject, t.priority, coalesce(tm.name, ''), coalesce(t.triage_wait_skill, ''),
    t.triage_wait, t.created_at, t.first_response_due
FROM tickets t LEFT JOIN teams tm ON tm.id = t.team_id
WHERE t.assignee_id IS NULL AND t.triage_wait IS NOT NULL AND t.status NOT IN ('resolved', 'closed')
  AND ($1::bigint = 0 OR t.team_id IN (SELECT m.team_id FROM team_members m WHERE m.user_id = $1))
ORDER BY t.priority, t.first_response_due NULLS LAST, t.id LIMIT 500`, memberOf)
	if err != nil {
		return nil, fmt.Errorf("tickets waiting for a skill: %w", mapError(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.WaitingTicket, error) {
		var w helpdesk.WaitingTicket
		var p string
		err := r.Scan(&w.Number, &w.Subject, &p, &w.TeamName, &w.Skill, &w.Wait, &w.CreatedAt, &w.FirstResponseDue)
		w.Priority = helpdesk.Priority(p)
		return w, err
	})
	if err != nil {
		return nil, fmt.Errorf("tickets waiting for a skill: %w", mapError(err))
	}
	return out, nil
}

// LeadAlarm is one ticket's alarm to its team's leads: it waits with nobody
// able to take it in time.
type LeadAlarm struct {
	TicketID, TeamID int64
	Reason           string // the event's reason
	Wait             any    // the event's "wait" (JSON)
}

// recordLeadAlarmsSQL writes the "notified" alarm event of each ticket not
// alarmed before (a re-triage, or a job run again, must not alarm twice)
// and returns those tickets with their team's active leads (as TeamLeads
// orders them): one statement for a triage batch's alarms.
const recordLeadAlarmsSQL = `WITH x AS (
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS x(ticket_id, team_id, reason, wait, ord)
), seen AS (
    -- Subqueries in the select list run per ticket on its events' index;
    -- as a NOT EXISTS the planner made it an anti-join over every
    -- "notified" event (15 ms a batch after a minute of load).
    SELECT x.*, coalesce((SELECT true FROM ticket_events e WHERE e.ticket_id = x.ticket_id AND e.kind = 'notified'
            AND e.after->>'channel' = 'alarm' LIMIT 1), false) AS alarmed,
        coalesce((SELECT array_agg(u.email ORDER BY u.id) FROM team_members tm JOIN users u ON u.id = tm.user_id
            WHERE tm.team_id = x.team_id AND tm.is_lead AND u.active), '{}')::text[] AS leads
    FROM x
), todo AS (
    SELECT * FROM seen WHERE NOT alarmed
), ins AS (
    INSERT INTO ticket_events (ticket_id, kind, after, reason)
    SELECT ticket_id, 'notified', jsonb_build_object('channel', 'alarm', 'notify', to_jsonb(leads), 'wait', wait::jsonb), reason
    FROM todo ORDER BY ord
)
SELECT ticket_id, leads FROM todo ORDER BY ord`

// RecordLeadAlarms records the alarms not recorded before and returns the
// leads to tell for each ticket it recorded.
func (tx *Tx) RecordLeadAlarms(ctx context.Context, as []LeadAlarm) (map[int64][]string, error) {
	tickets, teams := make([]int64, len(as)), make([]int64, len(as))
	reasons, waits := make([]string, len(as)), make([]string, len(as))
	for i, a := range as {
		w, err := json.Marshal(a.Wait)
		if err != nil {
			return nil, fmt.Errorf("lead alarm of ticket %d: %w", a.TicketID, err)
		}
		tickets[i], teams[i], reasons[i], waits[i] = a.TicketID, a.TeamID, a.Reason, string(w)
	}
	rows, err := tx.tx.Query(ctx, recordLeadAlarmsSQL, tickets, teams, reasons, waits)
	if err != nil {
		return nil, fmt.Errorf("lead alarms of tickets %v: %w", tickets, mapError(err))
	}
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var leads []string
		if err := rows.Scan(&id, &leads); err != nil {
			rows.Close()
			return nil, fmt.Errorf("lead alarms of tickets %v: %w", tickets, mapError(err))
		}
		out[id] = leads
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lead alarms of tickets %v: %w", tickets, mapError(err))
	}
	return out, nil
}

// PageSent reports whether the on-call page key was recorded on the ticket.
func (tx *Tx) PageSent(ctx context.Context, ticketID int64, key string) (bool, error) {
	sent, err := tx.q.PageSent(ctx, dbsqlc.PageSentParams{TicketID: ticketID, Key: key})
	if err != nil {
		return false, fmt.Errorf("on-call page of ticket %d: %w", ticketID, mapError(err))
	}
	return sent, nil
}
