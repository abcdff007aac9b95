package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// InboxEvent is a ticket event waiting for the rules, with what the event
// recorded.
type InboxEvent struct {
	EventID   int64
	TicketID  int64
	Kind      string
	Before    json.RawMessage
	After     json.RawMessage
	ActorID   *int64
	RunID     *int64 // the automation run that caused it
	RuleID    *int64 // that run's rule
	CreatedAt time.Time
}

// ClaimInboxes locks the tickets' waiting events, each ticket's oldest
// first, skipping those another node holds (that node is working the
// ticket; its events stay in order there). The caller deletes what it
// handled with DoneInbox in the same transaction. It sends one statement
// per ticket, all in one round trip: a single statement over every ticket
// (ticket_id = ANY) was planned as a scan of the inbox, 9.8 ms a batch
// against 0.07 ms a ticket.
func (tx *Tx) ClaimInboxes(ctx context.Context, ticketIDs []int64) (map[int64][]InboxEvent, error) {
	b := &pgx.Batch{}
	for _, id := range ticketIDs {
		b.Queue(`SELECT i.event_id, i.ticket_id, i.kind, e.before, e.after, e.actor_id, i.run_id, i.rule_id,
		e.created_at FROM automation_inbox i JOIN ticket_events e ON e.id = i.event_id
		WHERE i.ticket_id = $1 ORDER BY i.event_id FOR UPDATE OF i SKIP LOCKED`, id)
	}
	out := make(map[int64][]InboxEvent, len(ticketIDs))
	err := func() (err error) {
		br := tx.tx.SendBatch(ctx, b)
		defer func() {
			if cerr := br.Close(); err == nil {
				err = cerr
			}
		}()
		for _, id := range ticketIDs {
			rows, err := br.Query()
			if err != nil {
				return err
			}
			evs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (InboxEvent, error) {
				var e InboxEvent
				err := r.Scan(&e.EventID, &e.TicketID, &e.Kind, &e.Before, &e.After, &e.ActorID, &e.RunID, &e.RuleID, &e.CreatedAt)
				return e, err
			})
			if err != nil {
				return err
			}
			if len(evs) > 0 {
				out[id] = evs
			}
		}
		return nil
	}()
	if err != nil {
		return nil, fmt.Errorf("claim inbox of tickets %v: %w", ticketIDs, mapError(err))
	}
	return out, nil
}

// DoneInbox removes handled events from the inbox.
func (tx *Tx) DoneInbox(ctx context.Context, eventIDs []int64) error {
	if _, err := tx.tx.Exec(ctx, `DELETE FROM automation_inbox WHERE event_id = ANY($1)`, eventIDs); err != nil {
		return fmt.Errorf("inbox done: %w", mapError(err))
	}
	return nil
}

// InboxTickets lists tickets with events waiting longer than olderThan (the
// periodic sweep's work: nobody enqueued a job for them), at most limit.
func (db *DB) InboxTickets(ctx context.Context, olderThan time.Duration, limit int) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT ticket_id FROM automation_inbox WHERE created_at < now() - $1::interval
		GROUP BY ticket_id ORDER BY min(event_id) LIMIT $2`, olderThan.String(), limit)
	if err != nil {
		return nil, fmt.Errorf("inbox tickets: %w", mapError(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("inbox tickets: %w", mapError(err))
	}
	return ids, nil
}

// NewRun is a run about to write its changes.
type NewRun struct {
	RuleID      int64
	RuleVersion int
	Kind        string
	Trigger     string
	EventID     *int64
	RollbackOf  *int64
	ActorID     *int64
}

// InsertRun stores a run and returns its id.
func (tx *Tx) InsertRun(ctx context.Context, r NewRun) (int64, error) {
	var id int64
	err := tx.tx.QueryRow(ctx, `INSERT INTO automation_runs (rule_id, rule_version, kind, trigger, event_id, rollback_of, actor_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, r.RuleID, r.RuleVersion, r.Kind, r.Trigger, r.EventID,
		r.RollbackOf, r.ActorID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert run of rule %d: %w", r.RuleID, mapError(err))
	}
	return id, nil
}

// InsertRunChange records one field a run changed on a ticket.
func (tx *Tx) InsertRunChange(ctx context.Context, runID, ticketID int64, field string, before, after any) error {
	b, err := eventJSON(before)
	if err != nil {
		return fmt.Errorf("run %d change: %w", runID, err)
	}
	a, err := eventJSON(after)
	if err != nil {
		return fmt.Errorf("run %d change: %w", runID, err)
	}
	if _, err := tx.tx.Exec(ctx, `INSERT INTO automation_changes (run_id, ticket_id, field, before, after) VALUES ($1, $2, $3, $4, $5)`,
		runID, ticketID, field, b, a); err != nil {
		return fmt.Errorf("run %d change: %w", runID, mapError(err))
	}
	return nil
}

// FinishRun stores a run's external results and conflicts.
func (tx *Tx) FinishRun(ctx context.Context, runID int64, results []helpdesk.RunResult, conflicts []helpdesk.RunChange) error {
	if results == nil {
		results = []helpdesk.RunResult{}
	}
	if conflicts == nil {
		conflicts = []helpdesk.RunChange{}
	}
	r, _ := json.Marshal(results)
	c, _ := json.Marshal(conflicts)
	if _, err := tx.tx.Exec(ctx, `UPDATE automation_runs SET results = $2, conflicts = $3 WHERE id = $1`, runID, r, c); err != nil {
		return fmt.Errorf("finish run %d: %w", runID, mapError(err))
	}
	return nil
}

// DeleteRun removes a run that ended up doing nothing (every field already
// held the value), so the log lists only runs that did something.
func (tx *Tx) DeleteRun(ctx context.Context, runID int64) error {
	if _, err := tx.tx.Exec(ctx, `DELETE FROM automation_runs WHERE id = $1`, runID); err != nil {
		return fmt.Errorf("delete run %d: %w", runID, mapError(err))
	}
	return nil
}

// RuleChangesWithin counts, per ticket, the fields rules changed on the
// tickets in the last window by the database's clock, which stamped them
// (loop protection). Tickets without such changes are absent.
func (tx *Tx) RuleChangesWithin(ctx context.Context, ticketIDs []int64, window time.Duration) (map[int64]int, error) {
	rows, err := tx.tx.Query(ctx, `SELECT c.ticket_id, count(*) FROM automation_changes c JOIN automation_runs r ON r.id = c.run_id
		WHERE c.ticket_id = ANY($1) AND c.created_at >= now() - $2::interval AND r.kind = 'run' GROUP BY c.ticket_id`,
		ticketIDs, window.String())
	if err != nil {
		return nil, fmt.Errorf("rule changes of tickets %v: %w", ticketIDs, mapError(err))
	}
	out := map[int64]int{}
	var id int64
	var n int
	_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error {
		out[id] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rule changes of tickets %v: %w", ticketIDs, mapError(err))
	}
	return out, nil
}

// AutomationStopped returns which of the tickets had rules stopped on them
// in the last window (database clock).
func (tx *Tx) AutomationStopped(ctx context.Context, ticketIDs []int64, window time.Duration) (map[int64]bool, error) {
	// The kind is a literal (helpdesk.EventAutomationStopped) so that the
	// partial index of these events, which holds only them, answers
	// (migration 00460).
	rows, err := tx.tx.Query(ctx, `SELECT DISTINCT ticket_id FROM ticket_events WHERE ticket_id = ANY($1)
		AND kind = 'automation_stopped' AND created_at >= now() - $2::interval`, ticketIDs, window.String())
	if err != nil {
		return nil, fmt.Errorf("automation stopped on tickets %v: %w", ticketIDs, mapError(err))
	}
	out, err := idSet(rows)
	if err != nil {
		return nil, fmt.Errorf("automation stopped on tickets %v: %w", ticketIDs, mapError(err))
	}
	return out, nil
}

const runColumns = `r.id, r.rule_id, coalesce(ru.name, ''), r.rule_version, r.kind, r.trigger, r.event_id, r.rollback_of,
	r.actor_id, coalesce(u.name, ''), r.results, r.conflicts, r.created_at, r.undone_by,
	(SELECT count(DISTINCT c.ticket_id) FROM automation_changes c WHERE c.run_id = r.id)`

func scanRun(row pgx.Row) (*helpdesk.Run, error) {
	var r helpdesk.Run
	var results, conflicts []byte
	if err := row.Scan(&r.ID, &r.RuleID, &r.RuleName, &r.RuleVersion, &r.Kind, &r.Trigger, &r.EventID, &r.RollbackOf,
		&r.ActorID, &r.ActorName, &results, &conflicts, &r.CreatedAt, &r.UndoneBy, &r.Tickets); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(results, &r.Results); err != nil {
		return nil, fmt.Errorf("run %d results: %w", r.ID, err)
	}
	if err := json.Unmarshal(conflicts, &r.Conflicts); err != nil {
		return nil, fmt.Errorf("run %d conflicts: %w", r.ID, err)
	}
	return &r, nil
}

const runFrom = ` FROM automation_runs r JOIN automation_rules ru ON ru.id = r.rule_id LEFT JOIN users u ON u.id = r.actor_id `

// Runs lists a rule's runs, newest first, at most limit, without changes.
func (db *DB) Runs(ctx context.Context, ruleID int64, limit int) ([]helpdesk.Run, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+runColumns+runFrom+`WHERE r.rule_id = $1 ORDER BY r.id DESC LIMIT $2`, ruleID, limit)
	if err != nil {
		return nil, fmt.Errorf("runs of rule %d: %w", ruleID, mapError(err))
	}
	var out []helpdesk.Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("runs of rule %d: %w", ruleID, mapError(err))
		}
		out = append(out, *r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("runs of rule %d: %w", ruleID, mapError(err))
	}
	ptrs := make([]*helpdesk.Run, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, fillOutcomes(ctx, db.pool, ptrs)
}

// Run loads one run with its changes (ticket numbers, oldest first).
func (db *DB) Run(ctx context.Context, id int64) (*helpdesk.Run, error) {
	r, err := scanRun(db.pool.QueryRow(ctx, `SELECT `+runColumns+runFrom+`WHERE r.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("run %d: %w", id, mapError(err))
	}
	if r.Changes, err = runChanges(ctx, db.pool, id); err != nil {
		return nil, err
	}
	return r, fillOutcomes(ctx, db.pool, []*helpdesk.Run{r})
}

type rowsQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func runChanges(ctx context.Context, q rowsQuerier, runID int64) ([]helpdesk.RunChange, error) {
	rows, err := q.Query(ctx, `SELECT t.number, c.field, coalesce(c.before, 'null'), coalesce(c.after, 'null')
		FROM automation_changes c JOIN tickets t ON t.id = c.ticket_id WHERE c.run_id = $1 ORDER BY c.id`, runID)
	if err != nil {
		return nil, fmt.Errorf("changes of run %d: %w", runID, mapError(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.RunChange, error) {
		var c helpdesk.RunChange
		var b, a []byte
		err := r.Scan(&c.Ticket, &c.Field, &b, &a)
		c.Before, c.After = b, a
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("changes of run %d: %w", runID, mapError(err))
	}
	return out, nil
}

// RunChangesTx loads a run's changes inside tx (a rollback reads them under
// the lock of the run).
func (tx *Tx) RunChangesTx(ctx context.Context, runID int64) ([]helpdesk.RunChange, error) {
	return runChanges(ctx, tx.tx, runID)
}

// LockRun locks a run row so two rollbacks of one run queue up.
func (tx *Tx) LockRun(ctx context.Context, id int64) error {
	var got int64
	if err := tx.tx.QueryRow(ctx, `SELECT id FROM automation_runs WHERE id = $1 FOR UPDATE`, id).Scan(&got); err != nil {
		return fmt.Errorf("lock run %d: %w", id, mapError(err))
	}
	return nil
}

// FieldChangedSinceBy names the last person who changed a ticket field after
// the event with id afterEventID, or "" when nobody did (rule changes and
// Switchboard's own don't count). field is the key in the event's after.
func (tx *Tx) FieldChangedSinceBy(ctx context.Context, ticketID int64, field string, since time.Time) (string, error) {
	var name string
	err := tx.tx.QueryRow(ctx, `SELECT coalesce(u.name, u.email) FROM ticket_events e JOIN users u ON u.id = e.actor_id
		WHERE e.ticket_id = $1 AND e.created_at > $2 AND e.after ? $3
		ORDER BY e.id DESC LIMIT 1`, ticketID, since, field).Scan(&name)
	if IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("who changed %s of ticket %d: %w", field, ticketID, mapError(err))
	}
	return name, nil
}

// TicketIDByNumber maps a ticket number to its id inside tx.
func (tx *Tx) TicketIDByNumber(ctx context.Context, number int64) (int64, error) {
	var id int64
	if err := tx.tx.QueryRow(ctx, `SELECT id FROM tickets WHERE number = $1`, number).Scan(&id); err != nil {
		return 0, fmt.Errorf("ticket %d: %w", number, mapError(err))
	}
	return id, nil
}

// Snapshot runs fn in a read-only, repeatable-read transaction: every read
// sees one moment, and nothing fn calls can write (PostgreSQL refuses). Each
// statement is cut off after timeout so a preview cannot tie up the server.
func (db *DB) Snapshot(ctx context.Context, timeout time.Duration, fn func(tx *Tx) error) (err error) {
	ptx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return mapError(err)
	}
	defer func() { _ = ptx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := ptx.Exec(ctx, `SELECT set_config('statement_timeout', $1, true)`,
		fmt.Sprint(timeout.Milliseconds())); err != nil {
		return mapError(err)
	}
	return mapError(fn(newTx(ptx)))
}

// TriggerEvents lists the ticket events of the given kinds since a time,
// newest first, at most limit (the dry-run's history), through the index on
// the events' creation time.
func (tx *Tx) TriggerEvents(ctx context.Context, kinds []string, since time.Time, limit int) ([]InboxEvent, error) {
	rows, err := tx.tx.Query(ctx, `SELECT e.id, e.ticket_id, e.kind, e.before, e.after, e.actor_id, e.created_at
		FROM ticket_events e WHERE e.created_at >= $1 AND e.kind = ANY($2) ORDER BY e.created_at DESC, e.id DESC LIMIT $3`,
		since, kinds, limit)
	if err != nil {
		return nil, fmt.Errorf("trigger events: %w", mapError(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (InboxEvent, error) {
		var e InboxEvent
		err := r.Scan(&e.EventID, &e.TicketID, &e.Kind, &e.Before, &e.After, &e.ActorID, &e.CreatedAt)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("trigger events: %w", mapError(err))
	}
	return out, nil
}

// AutomationPending reports whether a ticket has events waiting for the
// rules (triage asks, to wake the rules on a created ticket it just decided).
func (tx *Tx) AutomationPending(ctx context.Context, ticketID int64) (bool, error) {
	var ok bool
	if err := tx.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM automation_inbox WHERE ticket_id = $1)`, ticketID).Scan(&ok); err != nil {
		return false, fmt.Errorf("automation pending on ticket %d: %w", ticketID, mapError(err))
	}
	return ok, nil
}

// AutomationChangeAt is one change a rule run (or rollback) made to a
// ticket, for timelines outside the run log (the incident timeline).
type AutomationChangeAt struct {
	RunID    int64
	RuleID   int64
	RuleName string
	Kind     string // run, manual, rollback
	TicketID int64
	Number   int64
	Change   helpdesk.RunChange
	At       time.Time
}

// AutomationChangesForTickets lists what automation runs changed on the
// given tickets between from and to, oldest first, at most limit.
func (db *DB) AutomationChangesForTickets(ctx context.Context, ticketIDs []int64, from, to time.Time, limit int) ([]AutomationChangeAt, error) {
	rows, err := db.pool.Query(ctx, `SELECT r.id, r.rule_id, ru.name, r.kind, c.ticket_id, t.number, c.field,
		coalesce(c.before, 'null'), coalesce(c.after, 'null'), c.created_at
		FROM automation_changes c JOIN automation_runs r ON r.id = c.run_id JOIN automation_rules ru ON ru.id = r.rule_id
		JOIN tickets t ON t.id = c.ticket_id
		WHERE c.ticket_id = ANY($1) AND c.created_at >= $2 AND c.created_at <= $3 ORDER BY c.created_at, c.id LIMIT $4`,
		ticketIDs, from, to, limit)
	if err != nil {
		return nil, fmt.Errorf("automation changes of tickets: %w", mapError(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AutomationChangeAt, error) {
		var a AutomationChangeAt
		var b, af []byte
		err := r.Scan(&a.RunID, &a.RuleID, &a.RuleName, &a.Kind, &a.TicketID, &a.Number, &a.Change.Field, &b, &af, &a.At)
		a.Change.Ticket, a.Change.Before, a.Change.After = a.Number, b, af
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("automation changes of tickets: %w", mapError(err))
	}
	return out, nil
}

// RunChangesOf loads the changes of several runs in one query (the rule
// page's run list), by run id, each oldest first.
func (db *DB) RunChangesOf(ctx context.Context, runIDs []int64) (map[int64][]helpdesk.RunChange, error) {
	rows, err := db.pool.Query(ctx, `SELECT c.run_id, t.number, c.field, coalesce(c.before, 'null'), coalesce(c.after, 'null')
		FROM automation_changes c JOIN tickets t ON t.id = c.ticket_id WHERE c.run_id = ANY($1) ORDER BY c.id`, runIDs)
	if err != nil {
		return nil, fmt.Errorf("changes of runs: %w", mapError(err))
	}
	defer rows.Close()
	out := map[int64][]helpdesk.RunChange{}
	for rows.Next() {
		var id int64
		var c helpdesk.RunChange
		var b, a []byte
		if err := rows.Scan(&id, &c.Ticket, &c.Field, &b, &a); err != nil {
			return nil, fmt.Errorf("changes of runs: %w", mapError(err))
		}
		c.Before, c.After = b, a
		out[id] = append(out[id], c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("changes of runs: %w", mapError(err))
	}
	return out, nil
}
