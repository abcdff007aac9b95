package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// TriageTicket reads what triage decides on. Read it after LockTicket in
// the same transaction, so that a person's edit cannot slip in between the
// read and triage's write and be overwritten.
func (tx *Tx) TriageTicket(ctx context.Context, ticketID int64) (*helpdesk.TriageTicket, error) {
	r, err := tx.q.TriageTicket(ctx, ticketID)
	if err != nil {
		return nil, fmt.Errorf("read ticket %d for triage: %w", ticketID, mapError(err))
	}
	return &helpdesk.TriageTicket{ID: r.ID, Number: r.Number, Subject: r.Subject, Body: r.Body,
		Status: helpdesk.Status(r.Status), Priority: helpdesk.Priority(r.Priority), Impact: helpdesk.Impact(r.Impact),
		Urgency: helpdesk.Urgency(r.Urgency), CategoryID: r.CategoryID, TeamID: r.TeamID, AssigneeID: r.AssigneeID,
		RequesterID: r.RequesterID, CreatedAt: r.CreatedAt, FirstRespondedAt: r.FirstRespondedAt, TriagedAt: r.TriagedAt,
		RequesterVIP: r.RequesterVip, RequesterLocale: r.RequesterLocale}, nil
}

// LockTicketsForTriage takes the row locks of the tickets (NO KEY UPDATE, as
// LockTicket) in id order, so that two batches sharing a ticket queue on it
// rather than deadlock, and returns the ids that exist.
func (tx *Tx) LockTicketsForTriage(ctx context.Context, ids []int64) ([]int64, error) {
	rows, err := tx.tx.Query(ctx, `SELECT id FROM tickets WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("lock tickets %v: %w", ids, mapError(err))
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("lock tickets %v: %w", ids, mapError(err))
	}
	return found, nil
}

// TriageTickets reads what triage decides on for several tickets at once,
// with their SLA pause ledgers, in id order. Read them after
// LockTicketsForTriage in the same transaction (see TriageTicket). The
// first message is the first in conversation order (created_at, id): that
// is the order of messages_ticket_idx, so it is one index probe; by id
// alone the planner walked messages' primary key from the oldest message,
// ~5 ms per batch on a few thousand messages and growing with the table.
func (tx *Tx) TriageTickets(ctx context.Context, ids []int64) ([]*helpdesk.TriageTicket, error) {
	rows, err := tx.tx.Query(ctx, `SELECT t.id, t.number, t.subject, t.status, t.priority, t.impact, t.urgency, t.category_id,
       t.team_id, t.assignee_id, t.requester_id, t.created_at, t.first_responded_at, t.triaged_at, r.vip, r.locale,
       coalesce((SELECT m.body_text FROM messages m WHERE m.ticket_id = t.id ORDER BY m.created_at, m.id LIMIT 1), ''),
       coalesce((SELECT array_agg(p.paused_at ORDER BY p.paused_at, p.id) FROM sla_pauses p WHERE p.ticket_id = t.id), '{}'),
       coalesce((SELECT array_agg(p.resumed_at ORDER BY p.paused_at, p.id) FROM sla_pauses p WHERE p.ticket_id = t.id), '{}')
FROM tickets t JOIN users r ON r.id = t.requester_id
WHERE t.id = ANY($1::bigint[]) ORDER BY t.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("read tickets %v for triage: %w", ids, mapError(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*helpdesk.TriageTicket, error) {
		var t helpdesk.TriageTicket
		var status, priority, impact, urgency string
		var paused []time.Time
		var resumed []*time.Time
		err := row.Scan(&t.ID, &t.Number, &t.Subject, &status, &priority, &impact, &urgency, &t.CategoryID,
			&t.TeamID, &t.AssigneeID, &t.RequesterID, &t.CreatedAt, &t.FirstRespondedAt, &t.TriagedAt,
			&t.RequesterVIP, &t.RequesterLocale, &t.Body, &paused, &resumed)
		t.Status, t.Priority = helpdesk.Status(status), helpdesk.Priority(priority)
		t.Impact, t.Urgency = helpdesk.Impact(impact), helpdesk.Urgency(urgency)
		for i, at := range paused {
			sp := helpdesk.Span{Start: at}
			if i < len(resumed) && resumed[i] != nil {
				sp.End = *resumed[i]
			}
			t.Pauses = append(t.Pauses, sp)
		}
		return &t, err
	})
	if err != nil {
		return nil, fmt.Errorf("read tickets %v for triage: %w", ids, mapError(err))
	}
	return out, nil
}

// TriageResult is what triage writes onto a ticket: its decision, the SLA
// deadlines it was made against, why an unowned ticket waits, and the
// events that explain it.
type TriageResult struct {
	Priority   helpdesk.Priority
	CategoryID *int64
	TeamID     *int64
	AssigneeID *int64
	RetryAt    *time.Time // queued: try again then
	Deadlines  helpdesk.Deadlines
	// Wait and WaitSkill say why an unowned ticket waits (empty when it got
	// an owner); StandIn marks an owner from the escalation ladder.
	Wait, WaitSkill string
	StandIn         bool
	// Number, when set, tells every node's live view after commit.
	Number int64
	// Events are written in order, as RecordEvent would write them, for
	// this ticket (their TicketID and Number are ignored).
	Events []NewEvent
}

// Categories lists the categories with what triage reads from them, by name.
func (db *DB) Categories(ctx context.Context) ([]helpdesk.CategorySettings, error) {
	rows, err := db.q().ListCategories(ctx)
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", mapError(err))
	}
	out := make([]helpdesk.CategorySettings, 0, len(rows))
	for _, c := range rows {
		out = append(out, categorySettings(c))
	}
	return out, nil
}

func categorySettings(c dbsqlc.Category) helpdesk.CategorySettings {
	return helpdesk.CategorySettings{
		Category: helpdesk.Category{ID: c.ID, Name: c.Name, TeamID: c.TeamID, RequiredSkill: deref(c.RequiredSkill),
			DefaultImpact: helpdesk.Impact(c.DefaultImpact), DefaultUrgency: helpdesk.Urgency(c.DefaultUrgency)},
		MinPriority: helpdesk.Priority(deref(c.MinPriority)), Keywords: c.Keywords, FollowTheSun: c.FollowTheSun,
		ConfidenceThreshold: float64(c.ConfidenceThreshold),
	}
}

// PriorityMatrix reads the impact x urgency table.
func (db *DB) PriorityMatrix(ctx context.Context) (map[helpdesk.Impact]map[helpdesk.Urgency]helpdesk.Priority, error) {
	cells, err := db.q().PriorityMatrix(ctx)
	if err != nil {
		return nil, fmt.Errorf("read priority matrix: %w", mapError(err))
	}
	return priorityMatrix(cells), nil
}

// priorityMatrix turns the matrix's cells into impact -> urgency -> priority;
// the pool's read (triage) and the admin form's read in a transaction share it.
func priorityMatrix(cells []dbsqlc.PriorityMatrix) map[helpdesk.Impact]map[helpdesk.Urgency]helpdesk.Priority {
	m := map[helpdesk.Impact]map[helpdesk.Urgency]helpdesk.Priority{}
	for _, c := range cells {
		i := helpdesk.Impact(c.Impact)
		if m[i] == nil {
			m[i] = map[helpdesk.Urgency]helpdesk.Priority{}
		}
		m[i][helpdesk.Urgency(c.Urgency)] = helpdesk.Priority(c.Priority)
	}
	return m
}

// HeldTickets lists the open tickets an agent holds.
func (db *DB) HeldTickets(ctx context.Context, agentID int64) ([]helpdesk.HeldTicket, error) {
	rows, err := db.q().HeldTickets(ctx, &agentID)
	if err != nil {
		return nil, fmt.Errorf("read tickets held by agent %d: %w", agentID, mapError(err))
	}
	out := make([]helpdesk.HeldTicket, 0, len(rows))
	for _, h := range rows {
		out = append(out, helpdesk.HeldTicket{ID: h.ID, Number: h.Number, Priority: helpdesk.Priority(h.Priority),
			TeamID: h.TeamID, Replied: h.Replied})
	}
	return out, nil
}

// Unassign takes a ticket from an agent and returns its number; ENOTFOUND
// when the agent no longer holds it open.
func (tx *Tx) Unassign(ctx context.Context, ticketID, agentID int64) (int64, error) {
	number, err := tx.q.Unassign(ctx, dbsqlc.UnassignParams{ID: ticketID, AgentID: &agentID})
	if err != nil {
		return 0, fmt.Errorf("unassign ticket %d: %w", ticketID, mapError(err))
	}
	return number, nil
}

// FlagTicket flags a ticket whose agent is absent for the lead; false when
// it already was for that absence.
func (tx *Tx) FlagTicket(ctx context.Context, ticketID, agentID int64, absence, reason string) (bool, error) {
	n, err := tx.q.InsertFlag(ctx, dbsqlc.InsertFlagParams{TicketID: ticketID, AgentID: agentID, Absence: absence, Reason: reason})
	if err != nil {
		return false, fmt.Errorf("flag ticket %d: %w", ticketID, mapError(err))
	}
	return n > 0, nil
}

// ClearFlags ends the flags of agents who are back or no longer hold the
// flagged ticket.
func (db *DB) ClearFlags(ctx context.Context, present []int64) error {
	if err := db.q().ClearFlags(ctx, present); err != nil {
		return fmt.Errorf("clear flags: %w", mapError(err))
	}
	return nil
}

// ClaimDueRetries clears and returns queued tickets whose retry time has
// come; each goes to one caller only.
func (tx *Tx) ClaimDueRetries(ctx context.Context, at time.Time) ([]int64, error) {
	ids, err := tx.q.DueRetries(ctx, at)
	if err != nil {
		return nil, fmt.Errorf("claim triage retries: %w", mapError(err))
	}
	return ids, nil
}

// TrainingExamples reads what categorisation learns from: imported history
// and resolved tickets that ended with a category, as (text, category).
func (db *DB) TrainingExamples(ctx context.Context) (texts, labels []string, err error) {
	rows, err := db.q().TrainingExamples(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read training examples: %w", mapError(err))
	}
	for _, r := range rows {
		texts, labels = append(texts, r.Text), append(labels, r.Category)
	}
	return texts, labels, nil
}

// CountTrainingExamples counts what TrainingExamples would return.
func (db *DB) CountTrainingExamples(ctx context.Context) (int, error) {
	n, err := db.q().CountTrainingExamples(ctx)
	if err != nil {
		return 0, fmt.Errorf("count training examples: %w", mapError(err))
	}
	return int(n), nil
}

// StoreModel stores a trained model as the only active one and returns its id.
func (tx *Tx) StoreModel(ctx context.Context, model []byte, labels []string, examples int, metrics []byte) (int64, error) {
	if err := tx.q.DeactivateModels(ctx); err != nil {
		return 0, fmt.Errorf("deactivate models: %w", mapError(err))
	}
	row, err := tx.q.InsertModel(ctx, dbsqlc.InsertModelParams{Model: model, Labels: labels,
		Examples: int32(min(examples, 1<<31-1)), Metrics: metrics}) //nolint:gosec // bounded above
	if err != nil {
		return 0, fmt.Errorf("store model: %w", mapError(err))
	}
	return row.ID, nil
}

// ActiveModelInfo describes the active model without its bytes; ENOTFOUND
// when none is trained.
func (db *DB) ActiveModelInfo(ctx context.Context) (*helpdesk.ClassifierModel, error) {
	r, err := db.q().ActiveModelInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("read active model: %w", mapError(err))
	}
	return &helpdesk.ClassifierModel{ID: r.ID, Examples: int(r.Examples), CreatedAt: r.CreatedAt, InUseAt: r.InUseAt}, nil
}

// ActiveModel reads the active model with its bytes; ENOTFOUND when none.
func (db *DB) ActiveModel(ctx context.Context) (*helpdesk.ClassifierModel, error) {
	r, err := db.q().ActiveModel(ctx)
	if err != nil {
		return nil, fmt.Errorf("read active model: %w", mapError(err))
	}
	return &helpdesk.ClassifierModel{ID: r.ID, Model: r.Model, Examples: int(r.Examples), CreatedAt: r.CreatedAt}, nil
}

// MarkModelInUse notes when a node first used a model.
func (db *DB) MarkModelInUse(ctx context.Context, id int64) error {
	if err := db.q().MarkModelInUse(ctx, id); err != nil {
		return fmt.Errorf("mark model %d in use: %w", id, mapError(err))
	}
	return nil
}

// ModelInUseAt is when a node first used the model; nil while none has.
func (db *DB) ModelInUseAt(ctx context.Context, id int64) (*time.Time, error) {
	at, err := db.q().ModelInUse(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read whether model %d is in use: %w", id, mapError(err))
	}
	return at, nil
}

// ImportExample is one historical, resolved ticket: its text and the
// category it was filed under.
type ImportExample struct {
	Text     string
	Category string
}

// ImportExamples stores historical tickets for training by COPY, in tx so an
// import is all or nothing.
func (tx *Tx) ImportExamples(ctx context.Context, examples []ImportExample) error {
	rows := make([]dbsqlc.CopyImportedParams, len(examples))
	for i, e := range examples {
		rows[i] = dbsqlc.CopyImportedParams{Text: e.Text, Category: e.Category}
	}
	if _, err := tx.q.CopyImported(ctx, rows); err != nil {
		return fmt.Errorf("import %d tickets: %w", len(rows), mapError(err))
	}
	return nil
}
