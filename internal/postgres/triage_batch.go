package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// TriageWrite is one ticket's triage result in a batch.
type TriageWrite struct {
	TicketID int64
	TriageResult
}

// applyTriagesSQL writes a batch's decisions in one statement: one UPDATE
// of each ticket row (priority, category, team, assignee, retry, SLA
// deadlines, wait: each UPDATE that is not HOT adds an entry to every index
// of tickets, both GIN full-text indexes included, so triage writes the row
// once), all their events in order, and each assignee's round-robin stamp
// once, ordered by their last assignment in the batch (the statement's
// clock plus that assignment's position in µs, as one statement per ticket
// stamped them one after another). One statement for the batch rather than
// one per ticket: every statement on tickets opens its ~25 indexes and
// costs a round trip, and the batch holds the agents' profile locks until
// it commits. The live-update notifications are sent after commit
// (announce.go).
const applyTriagesSQL = `WITH v AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::timestamptz[],
        $7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[],
        $12::text[], $13::text[], $14::boolean[]) WITH ORDINALITY
        AS v(id, priority, category_id, team_id, assignee_id, retry_at, fr_due, res_due, due_at, fr_warn, res_warn,
             wait, wait_skill, stand_in, ord)
), u AS (
    UPDATE tickets t SET priority = v.priority, category_id = v.category_id, team_id = v.team_id,
        assignee_id = v.assignee_id, triage_retry_at = v.retry_at, triaged_at = now(), updated_at = now(),
        first_response_due = v.fr_due, resolution_due = v.res_due, due_at = v.due_at,
        first_response_warn_at = v.fr_warn, resolution_warn_at = v.res_warn,
        triage_wait = NULLIF(v.wait, ''), triage_wait_skill = NULLIF(v.wait_skill, ''), triage_stand_in = v.stand_in
    FROM v WHERE t.id = v.id AND t.assignee_id IS NULL
    RETURNING t.id, v.assignee_id, v.ord
), e AS (
    INSERT INTO ticket_events (ticket_id, actor_id, kind, before, after, reason)
    SELECT k.ticket_id, k.actor_id, k.kind, k.before::jsonb, k.after::jsonb, k.reason
    FROM unnest($15::bigint[], $16::bigint[], $17::text[], $18::text[], $19::text[], $20::text[]) WITH ORDINALITY
        AS k(ticket_id, actor_id, kind, before, after, reason, ord)
    WHERE k.ticket_id IN (SELECT id FROM u)
    ORDER BY k.ord
    RETURNING ticket_id
), a AS (
    UPDATE agent_profiles p SET last_assigned_at = clock_timestamp() + make_interval(secs => x.ord / 1e6)
    FROM (SELECT assignee_id, max(ord) AS ord FROM u WHERE assignee_id IS NOT NULL GROUP BY assignee_id) x
    WHERE p.user_id = x.assignee_id
)
SELECT coalesce((SELECT array_agg(id) FROM u), '{}'), (SELECT count(*) FROM e)`

// ApplyTriages writes the decisions of a batch in one statement and returns
// the ids written: a ticket assigned meanwhile is left as it is.
func (tx *Tx) ApplyTriages(ctx context.Context, ws []TriageWrite) (map[int64]bool, error) {
	ids := make([]int64, len(ws))
	var c triageColumns
	var evTicket []int64
	var evActor []*int64
	var evKind, evReason []string
	var evBefore, evAfter []*string
	for i, w := range ws {
		ids[i] = w.TicketID
		c.add(&w.TriageResult)
		for _, e := range w.Events {
			before, after, err := e.encode()
			if err != nil {
				return nil, fmt.Errorf("store triage of ticket %d: %w", w.TicketID, err)
			}
			evTicket, evActor, evKind, evReason = append(evTicket, w.TicketID), append(evActor, e.ActorID), append(evKind, e.Kind), append(evReason, e.Reason)
			evBefore, evAfter = append(evBefore, strPtr(before)), append(evAfter, strPtr(after))
		}
	}
	var written []int64
	var events int64
	err := tx.tx.QueryRow(ctx, applyTriagesSQL, ids, c.priority, c.category, c.team, c.assignee, c.retryAt,
		c.frd, c.rd, c.due, c.frw, c.rw, c.wait, c.waitSkill, c.standIn, evTicket, evActor, evKind, evBefore, evAfter, evReason).Scan(&written, &events)
	if err != nil {
		return nil, fmt.Errorf("store triage of tickets %v: %w", ids, mapError(err))
	}
	out := make(map[int64]bool, len(written))
	for _, id := range written {
		out[id] = true
	}
	for _, w := range ws {
		if out[w.TicketID] && w.Number != 0 {
			_ = tx.NotifyTicket(ctx, w.Number)
		}
	}
	return out, nil
}

// AutomationPendingAmong returns which of the tickets have events waiting
// for the rules, each with whether its created event is all that waits
// (AutomationPending for a batch).
func (tx *Tx) AutomationPendingAmong(ctx context.Context, ids []int64) (map[int64]bool, error) {
	rows, err := tx.tx.Query(ctx, automationPendingSQL, ids)
	if err != nil {
		return nil, fmt.Errorf("automation pending on tickets %v: %w", ids, mapError(err))
	}
	out, err := pendingOf(rows)
	if err != nil {
		return nil, fmt.Errorf("automation pending on tickets %v: %w", ids, mapError(err))
	}
	return out, nil
}

// pendingOf reads automationPendingSQL's rows: ticket -> only its created
// event waits.
func pendingOf(rows pgx.Rows) (map[int64]bool, error) {
	out := map[int64]bool{}
	var id int64
	var onlyCreated bool
	_, err := pgx.ForEachRow(rows, []any{&id, &onlyCreated}, func() error {
		out[id] = onlyCreated
		return nil
	})
	return out, err
}

// idSet reads a result of one id column into a set.
func idSet(rows pgx.Rows) (map[int64]bool, error) {
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

func strPtr(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

// triageColumns are triage's decisions for a batch of tickets as a
// statement's arrays, one element per ticket (applyTriagesSQL,
// insertTriagedSQL).
type triageColumns struct {
	priority, wait, waitSkill []string
	category, team, assignee  []*int64
	retryAt, due              []*time.Time
	frd, rd, frw, rw          []time.Time
	standIn                   []bool
}

// add appends r's decision.
func (c *triageColumns) add(r *TriageResult) {
	d := r.Deadlines
	c.priority, c.wait, c.waitSkill = append(c.priority, string(r.Priority)), append(c.wait, r.Wait), append(c.waitSkill, r.WaitSkill)
	c.category, c.team, c.assignee = append(c.category, r.CategoryID), append(c.team, r.TeamID), append(c.assignee, r.AssigneeID)
	c.retryAt, c.due = append(c.retryAt, r.RetryAt), append(c.due, d.DueAt)
	c.frd, c.rd = append(c.frd, d.FirstResponse), append(c.rd, d.Resolution)
	c.frw, c.rw = append(c.frw, d.FirstResponseWarn), append(c.rw, d.ResolutionWarn)
	c.standIn = append(c.standIn, r.StandIn)
}

// encode is the event's before and after as stored (JSON; nil stays NULL).
func (e NewEvent) encode() (before, after []byte, err error) {
	if before, err = eventJSON(e.Before); err == nil {
		after, err = eventJSON(e.After)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s event: %w", e.Kind, err)
	}
	return before, after, nil
}
