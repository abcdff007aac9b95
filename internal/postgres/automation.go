package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// Automation rules: hand-written queries (the rule's actions are JSON the
// automation package validates; here they are only stored).

const ruleColumns = `r.id, r.name, r.trigger, r.every_secs, r.condition, r.actions, r.enabled, r.position,
	r.team_id, coalesce(t.slug, ''), r.version, r.created_by, r.last_run_at, r.created_at, r.updated_at`

func scanRule(row pgx.Row) (*helpdesk.Rule, error) {
	var r helpdesk.Rule
	var every int
	var actions []byte
	if err := row.Scan(&r.ID, &r.Name, &r.Trigger, &every, &r.Condition, &actions, &r.Enabled, &r.Position,
		&r.TeamID, &r.TeamSlug, &r.Version, &r.CreatedBy, &r.LastRunAt, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	r.Every = time.Duration(every) * time.Second
	if err := json.Unmarshal(actions, &r.Actions); err != nil {
		return nil, fmt.Errorf("rule %d actions: %w", r.ID, err)
	}
	return &r, nil
}

// InsertRule stores a new rule (version 1) and returns its id.
func (tx *Tx) InsertRule(ctx context.Context, r *helpdesk.Rule, actorID int64) (int64, error) {
	actions, err := json.Marshal(r.Actions)
	if err != nil {
		return 0, fmt.Errorf("insert rule: %w", err)
	}
	var id int64
	err = tx.tx.QueryRow(ctx, `INSERT INTO automation_rules (name, trigger, every_secs, condition, actions, enabled,
		position, team_id, created_by, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		r.Name, r.Trigger, int(r.Every/time.Second), r.Condition, actions, r.Enabled, r.Position, r.TeamID,
		nullID(actorID)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert rule %q: %w", r.Name, mapError(err))
	}
	return id, nil
}

// UpdateRule writes every editable field of a rule and bumps its version.
func (tx *Tx) UpdateRule(ctx context.Context, r *helpdesk.Rule, actorID int64) error {
	actions, err := json.Marshal(r.Actions)
	if err != nil {
		return fmt.Errorf("update rule %d: %w", r.ID, err)
	}
	tag, err := tx.tx.Exec(ctx, `UPDATE automation_rules SET name = $2, trigger = $3, every_secs = $4, condition = $5,
		actions = $6, enabled = $7, position = $8, team_id = $9, updated_by = $10, version = version + 1, updated_at = now()
		WHERE id = $1`, r.ID, r.Name, r.Trigger, int(r.Every/time.Second), r.Condition, actions, r.Enabled, r.Position,
		r.TeamID, nullID(actorID))
	if err != nil {
		return fmt.Errorf("update rule %d: %w", r.ID, mapError(err))
	}
	if tag.RowsAffected() == 0 {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "No such rule.")
	}
	return nil
}

// Rule loads one rule.
func (db *DB) Rule(ctx context.Context, id int64) (*helpdesk.Rule, error) {
	r, err := scanRule(db.pool.QueryRow(ctx, `SELECT `+ruleColumns+` FROM automation_rules r
		LEFT JOIN teams t ON t.id = r.team_id WHERE r.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("rule %d: %w", id, mapError(err))
	}
	return r, nil
}

// Rules lists rules in evaluation order; with teams set, only those rules
// of these teams (a lead's view).
func (db *DB) Rules(ctx context.Context, teams []int64) ([]helpdesk.Rule, error) {
	return db.rules(ctx, `WHERE $1::bigint[] IS NULL OR r.team_id = ANY($1)`, teams)
}

// EnabledRules lists the enabled rules of one trigger in evaluation order.
func (db *DB) EnabledRules(ctx context.Context, trigger string) ([]helpdesk.Rule, error) {
	return db.rules(ctx, `WHERE r.enabled AND r.trigger = $1`, trigger)
}

func (db *DB) rules(ctx context.Context, where string, arg any) ([]helpdesk.Rule, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+ruleColumns+` FROM automation_rules r
		LEFT JOIN teams t ON t.id = r.team_id `+where+` ORDER BY r.position, r.id`, arg)
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", mapError(err))
	}
	defer rows.Close()
	var out []helpdesk.Rule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, fmt.Errorf("list rules: %w", mapError(err))
		}
		out = append(out, *r)
	}
	return out, mapError(rows.Err())
}

// ClaimRuleSchedule marks a schedule rule as run at now if it was due
// (never run, or run at least its interval ago), and reports whether this
// caller won it: two nodes' ticks never run one rule twice.
func (db *DB) ClaimRuleSchedule(ctx context.Context, id int64, now time.Time) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE automation_rules SET last_run_at = $2
		WHERE id = $1 AND enabled AND (last_run_at IS NULL OR last_run_at + make_interval(secs => every_secs) <= $2)`, id, now)
	if err != nil {
		return false, fmt.Errorf("claim schedule of rule %d: %w", id, mapError(err))
	}
	return tag.RowsAffected() == 1, nil
}

// RuleTicket is a ticket as rules see it: the ticket with its names, the
// first message's text and whether triage has decided.
type RuleTicket struct {
	helpdesk.Ticket
	Description  string
	RequesterVIP bool
	Triaged      bool
	Tags         []string // sorted
	Participants []string // emails, sorted
	Approval     string   // state of its newest approval; "" when none was asked
}

const ruleTicketSelect = `SELECT t.id, t.number, t.subject, t.status, t.priority, t.impact, t.urgency,
	t.category_id, coalesce(c.name, ''), t.team_id, coalesce(tm.slug, ''), coalesce(tm.name, ''),
	t.assignee_id, coalesce(a.email, ''), coalesce(a.name, ''), t.requester_id, r.email, r.name, r.vip,
	t.source, t.created_at, t.updated_at, t.resolved_at, t.parent_id, t.merged_into_id, t.triaged_at IS NOT NULL,
	coalesce((SELECT m.body_text FROM messages m WHERE m.ticket_id = t.id ORDER BY m.created_at, m.id LIMIT 1), ''),
	coalesce((SELECT array_agg(g.tag ORDER BY g.tag) FROM ticket_tags g WHERE g.ticket_id = t.id), '{}'),
	coalesce((SELECT array_agg(pu.email ORDER BY pu.email) FROM ticket_participants p JOIN users pu ON pu.id = p.user_id
		WHERE p.ticket_id = t.id), '{}'),
	coalesce((SELECT ap.status FROM approvals ap WHERE ap.ticket_id = t.id ORDER BY ap.requested_at DESC, ap.id DESC LIMIT 1), '')
	FROM tickets t JOIN users r ON r.id = t.requester_id
	LEFT JOIN categories c ON c.id = t.category_id LEFT JOIN teams tm ON tm.id = t.team_id
	LEFT JOIN users a ON a.id = t.assignee_id `

func scanRuleTicket(row pgx.Row) (*RuleTicket, error) {
	var t RuleTicket
	var status, prio, impact, urgency, source string
	if err := row.Scan(&t.ID, &t.Number, &t.Subject, &status, &prio, &impact, &urgency, &t.CategoryID, &t.CategoryName,
		&t.TeamID, &t.TeamSlug, &t.TeamName, &t.AssigneeID, &t.AssigneeEmail, &t.AssigneeName, &t.RequesterID,
		&t.RequesterEmail, &t.RequesterName, &t.RequesterVIP, &source, &t.CreatedAt, &t.UpdatedAt, &t.ResolvedAt,
		&t.ParentID, &t.MergedIntoID, &t.Triaged, &t.Description, &t.Tags, &t.Participants,
		&t.Approval); err != nil {
		return nil, err
	}
	t.Status, t.Priority, t.Impact, t.Urgency = helpdesk.Status(status), helpdesk.Priority(prio), helpdesk.Impact(impact), helpdesk.Urgency(urgency)
	t.Source = helpdesk.Source(source)
	return &t, nil
}

// RuleTicket reads one ticket for the rules inside tx (after the caller
// locked it, so it sees the run's own earlier changes).
func (tx *Tx) RuleTicket(ctx context.Context, ticketID int64) (*RuleTicket, error) {
	t, err := scanRuleTicket(tx.tx.QueryRow(ctx, ruleTicketSelect+`WHERE t.id = $1`, ticketID))
	if err != nil {
		return nil, fmt.Errorf("ticket %d for rules: %w", ticketID, mapError(err))
	}
	return t, nil
}

// RuleTickets reads many tickets for the rules (a dry-run's batch).
func (tx *Tx) RuleTickets(ctx context.Context, ids []int64) (map[int64]*RuleTicket, error) {
	rows, err := tx.tx.Query(ctx, ruleTicketSelect+`WHERE t.id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("tickets for rules: %w", mapError(err))
	}
	defer rows.Close()
	out := make(map[int64]*RuleTicket, len(ids))
	for rows.Next() {
		t, err := scanRuleTicket(rows)
		if err != nil {
			return nil, fmt.Errorf("tickets for rules: %w", mapError(err))
		}
		out[t.ID] = t
	}
	return out, mapError(rows.Err())
}

// ScheduleCandidates lists the tickets a schedule rule looks at: those not
// resolved or closed, plus resolved ones (rules like "resolved 7 days ago,
// close it"), oldest update first, at most limit. The status index makes it
// a range scan of those statuses, not of the whole history.
func (tx *Tx) ScheduleCandidates(ctx context.Context, limit int) ([]int64, error) {
	rows, err := tx.tx.Query(ctx, `SELECT id FROM tickets
		WHERE status IN ('new', 'open', 'pending', 'on_hold', 'resolved') AND merged_into_id IS NULL
		ORDER BY updated_at, id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("schedule candidates: %w", mapError(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("schedule candidates: %w", mapError(err))
	}
	return ids, nil
}

// MarkAutomation stamps the events this transaction writes with the run and
// rule that cause them, so the inbox knows a rule's own change (the trigger
// reads the setting) and never hands it back to that rule.
// Zero ids clear the stamp.
func (tx *Tx) MarkAutomation(ctx context.Context, runID, ruleID int64) error {
	run, rule := "", ""
	if runID != 0 {
		run, rule = strconv.FormatInt(runID, 10), strconv.FormatInt(ruleID, 10)
	}
	_, err := tx.tx.Exec(ctx, `SELECT set_config('switchboard.automation_run', $1, true),
		set_config('switchboard.automation_rule', $2, true)`, run, rule)
	if err != nil {
		return fmt.Errorf("mark automation run %d: %w", runID, mapError(err))
	}
	return nil
}

// RuleMessage is a message as message rules see it.
type RuleMessage struct {
	ID            int64
	Body          string
	Internal      bool
	Source        string
	AuthorEmail   string
	AuthorIsStaff bool
	FromRequester bool
}

// RuleMessage reads one message of a ticket for the rules.
func (tx *Tx) RuleMessage(ctx context.Context, id int64) (*RuleMessage, error) {
	var m RuleMessage
	err := tx.tx.QueryRow(ctx, `SELECT m.id, m.body_text, m.internal, coalesce(m.source, ''), coalesce(u.email, ''),
		coalesce(u.role IN ('agent', 'lead', 'admin'), false), coalesce(m.author_id = t.requester_id, false)
		FROM messages m JOIN tickets t ON t.id = m.ticket_id LEFT JOIN users u ON u.id = m.author_id WHERE m.id = $1`, id).
		Scan(&m.ID, &m.Body, &m.Internal, &m.Source, &m.AuthorEmail, &m.AuthorIsStaff, &m.FromRequester)
	if err != nil {
		return nil, fmt.Errorf("message %d for rules: %w", id, mapError(err))
	}
	return &m, nil
}

// Savepoint runs fn in a nested transaction: an error rolls back only what
// fn wrote (one rule's failed run), and the outer transaction goes on.
func (tx *Tx) Savepoint(ctx context.Context, fn func(tx *Tx) error) error {
	sp, err := tx.tx.Begin(ctx)
	if err != nil {
		return mapError(err)
	}
	child := newTx(sp)
	child.after = tx.after // announced when the outer transaction commits
	if err := fn(child); err != nil {
		_ = sp.Rollback(context.WithoutCancel(ctx))
		return mapError(err)
	}
	return mapError(sp.Commit(ctx))
}
