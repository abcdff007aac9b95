package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// Approvals (issue 17): hand-written queries over approvals, the categories'
// approval settings and users' managers.

const approvalColumns = `a.id, a.ticket_id, t.number, t.subject, t.status, coalesce(c.name, ''),
	t.requester_id, r.name, r.email, a.mode, a.approvers, a.why, a.status, a.requested_at, a.remind_at,
	a.reminders, a.expires_at, a.decided_at, a.decided_by, coalesce(d.name, ''), a.via, a.comment,
	coalesce((SELECT m.body_text FROM messages m WHERE m.ticket_id = t.id AND NOT m.internal
	          ORDER BY m.created_at, m.id LIMIT 1), '')`

const approvalFrom = ` FROM approvals a JOIN tickets t ON t.id = a.ticket_id JOIN users r ON r.id = t.requester_id
	LEFT JOIN categories c ON c.id = a.category_id LEFT JOIN users d ON d.id = a.decided_by `

func scanApproval(row pgx.Row) (*helpdesk.Approval, error) {
	var a helpdesk.Approval
	var st string
	if err := row.Scan(&a.ID, &a.TicketID, &a.Number, &a.Subject, &st, &a.CategoryName, &a.RequesterID, &a.Requester,
		&a.RequesterEm, &a.Mode, &a.Approvers, &a.Why, &a.Status, &a.RequestedAt, &a.RemindAt, &a.Reminders,
		&a.ExpiresAt, &a.DecidedAt, &a.DecidedBy, &a.DecidedName, &a.Via, &a.Comment, &a.Description); err != nil {
		return nil, err
	}
	a.TicketStatus = helpdesk.Status(st)
	return &a, nil
}

func collectApprovals(rows pgx.Rows, err error) ([]helpdesk.Approval, error) {
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []helpdesk.Approval
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			return nil, mapError(err)
		}
		out = append(out, *a)
	}
	return out, mapError(rows.Err())
}

// Approval reads one approval with its ticket's summary.
func (db *DB) Approval(ctx context.Context, id int64) (*helpdesk.Approval, error) {
	a, err := scanApproval(db.pool.QueryRow(ctx, `SELECT `+approvalColumns+approvalFrom+`WHERE a.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("approval %d: %w", id, mapError(err))
	}
	return a, nil
}

// LockApproval reads one approval and locks its row for the transaction.
func (tx *Tx) LockApproval(ctx context.Context, id int64) (*helpdesk.Approval, error) {
	a, err := scanApproval(tx.tx.QueryRow(ctx, `SELECT `+approvalColumns+approvalFrom+`WHERE a.id = $1 FOR UPDATE OF a`, id))
	if err != nil {
		return nil, fmt.Errorf("lock approval %d: %w", id, mapError(err))
	}
	return a, nil
}

// ApprovalsFor lists the approvals userID may decide: pending ones first
// (oldest first), then up to 20 they decided most recently.
func (db *DB) ApprovalsFor(ctx context.Context, userID int64) (pending, decided []helpdesk.Approval, err error) {
	pending, err = collectApprovals(db.pool.Query(ctx, `SELECT `+approvalColumns+approvalFrom+
		`WHERE a.status = 'pending' AND a.approvers @> ARRAY[$1::bigint] ORDER BY a.requested_at, a.id LIMIT 200`, userID))
	if err != nil {
		return nil, nil, fmt.Errorf("approvals of user %d: %w", userID, err)
	}
	decided, err = collectApprovals(db.pool.Query(ctx, `SELECT `+approvalColumns+approvalFrom+
		`WHERE a.decided_by = $1 ORDER BY a.decided_at DESC, a.id DESC LIMIT 20`, userID))
	if err != nil {
		return nil, nil, fmt.Errorf("decisions of user %d: %w", userID, err)
	}
	return pending, decided, nil
}

// TicketApprovals lists a ticket's approvals, newest first.
func (db *DB) TicketApprovals(ctx context.Context, ticketID int64) ([]helpdesk.Approval, error) {
	out, err := collectApprovals(db.pool.Query(ctx, `SELECT `+approvalColumns+approvalFrom+
		`WHERE a.ticket_id = $1 ORDER BY a.requested_at DESC, a.id DESC`, ticketID))
	if err != nil {
		return nil, fmt.Errorf("approvals of ticket %d: %w", ticketID, err)
	}
	return out, nil
}

// NewApproval is a request to store.
type NewApproval struct {
	TicketID, CategoryID int64
	Mode                 string
	Approvers            []int64
	Why                  string
	RemindAt, ExpiresAt  time.Time
}

// InsertApproval stores a pending approval; ok is false when the ticket
// already has one for this category (or one pending), so two nodes
// scanning at once ask only once.
func (tx *Tx) InsertApproval(ctx context.Context, a NewApproval) (id int64, ok bool, err error) {
	err = tx.tx.QueryRow(ctx, `INSERT INTO approvals (ticket_id, category_id, mode, approvers, why, remind_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
		a.TicketID, a.CategoryID, a.Mode, a.Approvers, a.Why, a.RemindAt, a.ExpiresAt).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("insert approval of ticket %d: %w", a.TicketID, mapError(err))
	}
	return id, true, nil
}

// DecideApproval writes a decision (or expiry) on a pending approval.
func (tx *Tx) DecideApproval(ctx context.Context, id int64, status string, by *int64, via, comment string) error {
	tag, err := tx.tx.Exec(ctx, `UPDATE approvals SET status = $2, decided_by = $3, decided_at = now(), via = $4, comment = $5
		WHERE id = $1 AND status = 'pending'`, id, status, by, via, comment)
	if err != nil {
		return fmt.Errorf("decide approval %d: %w", id, mapError(err))
	}
	if tag.RowsAffected() == 0 {
		return helpdesk.Errorf(helpdesk.ECONFLICT, "This request was already decided.")
	}
	return nil
}

// RemindApproval counts a reminder and sets when the next one is due.
func (tx *Tx) RemindApproval(ctx context.Context, id int64, next time.Time) error {
	if _, err := tx.tx.Exec(ctx, `UPDATE approvals SET reminders = reminders + 1, remind_at = $2 WHERE id = $1`, id, next); err != nil {
		return fmt.Errorf("remind approval %d: %w", id, mapError(err))
	}
	return nil
}

// DueApprovals lists pending approvals whose reminder or expiry is due.
func (db *DB) DueApprovals(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT id FROM approvals WHERE status = 'pending'
		AND (remind_at <= $1 OR expires_at <= $1) ORDER BY remind_at LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("due approvals: %w", mapError(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("due approvals: %w", mapError(err))
	}
	return ids, nil
}

// ApprovalCandidates lists open tickets of the last 30 days in a category
// that requires approval and that never had one asked for it. Driven by the
// few approval categories, so it stays cheap on a large ticket table.
func (db *DB) ApprovalCandidates(ctx context.Context, limit int) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT t.id FROM categories c
		JOIN tickets t ON t.category_id = c.id AND t.status IN ('new', 'open')
		     AND t.created_at > now() - interval '30 days'
		WHERE c.approval IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.ticket_id = t.id AND a.category_id = c.id)
		ORDER BY t.id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("approval candidates: %w", mapError(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("approval candidates: %w", mapError(err))
	}
	return ids, nil
}

// ApprovalTicket is what requesting an approval reads of a locked ticket.
type ApprovalTicket struct {
	ID, Number, RequesterID int64
	Status                  helpdesk.Status
	CategoryID              *int64
	ManagerID               *int64
	CreatedAt               time.Time
}

// ApprovalTicketOf reads the ticket's category, status and the requester's
// manager; the caller holds the ticket's lock.
func (tx *Tx) ApprovalTicketOf(ctx context.Context, ticketID int64) (*ApprovalTicket, error) {
	var t ApprovalTicket
	var st string
	err := tx.tx.QueryRow(ctx, `SELECT t.id, t.number, t.requester_id, t.status, t.category_id, u.manager_id, t.created_at
		FROM tickets t JOIN users u ON u.id = t.requester_id WHERE t.id = $1`, ticketID).
		Scan(&t.ID, &t.Number, &t.RequesterID, &st, &t.CategoryID, &t.ManagerID, &t.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("ticket %d for approval: %w", ticketID, mapError(err))
	}
	t.Status = helpdesk.Status(st)
	return &t, nil
}

// HasApproval reports whether the ticket ever had an approval for the category.
func (tx *Tx) HasApproval(ctx context.Context, ticketID, categoryID int64) (bool, error) {
	var ok bool
	err := tx.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM approvals WHERE ticket_id = $1 AND category_id = $2)`,
		ticketID, categoryID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("approval of ticket %d: %w", ticketID, mapError(err))
	}
	return ok, nil
}

const categoryApprovalColumns = `c.id, c.name, c.team_id, coalesce(c.approval, ''), c.approvers,
	c.approval_remind_hours, c.approval_expire_hours`

func scanCategoryApproval(row pgx.Row) (*helpdesk.CategoryApproval, error) {
	var ca helpdesk.CategoryApproval
	var remind, expire int
	if err := row.Scan(&ca.CategoryID, &ca.CategoryName, &ca.TeamID, &ca.Mode, &ca.Approvers, &remind, &expire); err != nil {
		return nil, err
	}
	ca.RemindAfter, ca.ExpireAfter = time.Duration(remind)*time.Hour, time.Duration(expire)*time.Hour
	return &ca, nil
}

// CategoryApproval reads a category's approval requirement.
func (db *DB) CategoryApproval(ctx context.Context, categoryID int64) (*helpdesk.CategoryApproval, error) {
	ca, err := scanCategoryApproval(db.pool.QueryRow(ctx, `SELECT `+categoryApprovalColumns+` FROM categories c WHERE c.id = $1`, categoryID))
	if err != nil {
		return nil, fmt.Errorf("approval of category %d: %w", categoryID, mapError(err))
	}
	return ca, nil
}

// CategoryApproval reads a category's approval requirement in tx.
func (tx *Tx) CategoryApproval(ctx context.Context, categoryID int64) (*helpdesk.CategoryApproval, error) {
	ca, err := scanCategoryApproval(tx.tx.QueryRow(ctx, `SELECT `+categoryApprovalColumns+` FROM categories c WHERE c.id = $1`, categoryID))
	if err != nil {
		return nil, fmt.Errorf("approval of category %d: %w", categoryID, mapError(err))
	}
	return ca, nil
}

// SetCategoryApproval writes a category's approval requirement (Mode ""
// turns it off).
func (tx *Tx) SetCategoryApproval(ctx context.Context, ca helpdesk.CategoryApproval) error {
	var mode *string
	if ca.Mode != "" {
		mode = &ca.Mode
	}
	if ca.Approvers == nil {
		ca.Approvers = []int64{}
	}
	tag, err := tx.tx.Exec(ctx, `UPDATE categories SET approval = $2, approvers = $3, approval_remind_hours = $4,
		approval_expire_hours = $5 WHERE id = $1`, ca.CategoryID, mode, ca.Approvers,
		int(ca.RemindAfter/time.Hour), int(ca.ExpireAfter/time.Hour))
	if err != nil {
		return fmt.Errorf("set approval of category %d: %w", ca.CategoryID, mapError(err))
	}
	if tag.RowsAffected() == 0 {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "No such category.")
	}
	return nil
}

// ActiveTeamLeads lists the active leads of a team.
func (tx *Tx) ActiveTeamLeads(ctx context.Context, teamID int64) ([]int64, error) {
	return tx.ids(ctx, `SELECT u.id FROM team_members m JOIN users u ON u.id = m.user_id
		WHERE m.team_id = $1 AND m.is_lead AND u.active ORDER BY u.id`, teamID)
}

// ActiveUsersAmong keeps the ids of active users, in order.
func (tx *Tx) ActiveUsersAmong(ctx context.Context, ids []int64) ([]int64, error) {
	return tx.ids(ctx, `SELECT u.id FROM unnest($1::bigint[]) WITH ORDINALITY x(id, n)
		JOIN users u ON u.id = x.id AND u.active ORDER BY x.n`, ids)
}

// ActiveAdmins lists the active admins.
func (tx *Tx) ActiveAdmins(ctx context.Context) ([]int64, error) {
	return tx.ids(ctx, `SELECT id FROM users WHERE role = 'admin' AND active ORDER BY id`)
}

func (tx *Tx) ids(ctx context.Context, sql string, args ...any) ([]int64, error) {
	rows, err := tx.tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapError(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, mapError(err)
}

// UsersByID reads users by id, in the order given (unknown ids left out).
func (tx *Tx) UsersByID(ctx context.Context, ids []int64) ([]helpdesk.User, error) {
	out := make([]helpdesk.User, 0, len(ids))
	for _, id := range ids {
		u, err := tx.User(ctx, id)
		if IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, nil
}

// Manager reads a user's manager; nil when none is set.
func (db *DB) Manager(ctx context.Context, userID int64) (*helpdesk.User, error) {
	var id *int64
	if err := db.pool.QueryRow(ctx, `SELECT manager_id FROM users WHERE id = $1`, userID).Scan(&id); err != nil {
		return nil, fmt.Errorf("manager of user %d: %w", userID, mapError(err))
	}
	if id == nil {
		return nil, nil
	}
	return db.User(ctx, *id)
}

// SetManager sets (nil clears) a user's manager and returns the previous
// one's id; a manager chain that would lead back to the user is EINVALID.
func (tx *Tx) SetManager(ctx context.Context, userID int64, managerID *int64) (before *int64, err error) {
	if err := tx.tx.QueryRow(ctx, `SELECT manager_id FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&before); err != nil {
		return nil, fmt.Errorf("manager of user %d: %w", userID, mapError(err))
	}
	if managerID != nil {
		var loop bool
		err := tx.tx.QueryRow(ctx, `WITH RECURSIVE chain(id, depth) AS (
			SELECT $2::bigint, 0 UNION ALL
			SELECT u.manager_id, c.depth + 1 FROM chain c JOIN users u ON u.id = c.id
			WHERE u.manager_id IS NOT NULL AND c.depth < 50)
			SELECT EXISTS (SELECT 1 FROM chain WHERE id = $1)`, userID, *managerID).Scan(&loop)
		if err != nil {
			return nil, fmt.Errorf("manager chain of user %d: %w", userID, mapError(err))
		}
		if loop {
			return nil, helpdesk.Invalid("manager", "That person reports to this one: a manager cannot be their own report.")
		}
	}
	if _, err := tx.tx.Exec(ctx, `UPDATE users SET manager_id = $2, updated_at = now() WHERE id = $1`, userID, managerID); err != nil {
		return nil, fmt.Errorf("set manager of user %d: %w", userID, mapError(err))
	}
	return before, nil
}

// PauseForApproval opens an SLA pause unless one is open already (a
// pending ticket's), so the clock stands still while approvers decide.
func (tx *Tx) PauseForApproval(ctx context.Context, ticketID int64) error {
	_, err := tx.tx.Exec(ctx, `INSERT INTO sla_pauses (ticket_id, paused_at) SELECT $1, now()
		WHERE NOT EXISTS (SELECT 1 FROM sla_pauses WHERE ticket_id = $1 AND resumed_at IS NULL)`, ticketID)
	if err != nil {
		return fmt.Errorf("SLA pause of ticket %d: %w", ticketID, mapError(err))
	}
	return nil
}

// ResumeAfterApproval closes the open SLA pause unless the ticket is
// pending (then it waits on the requester, and that pause goes on).
func (tx *Tx) ResumeAfterApproval(ctx context.Context, ticketID int64) error {
	_, err := tx.tx.Exec(ctx, `UPDATE sla_pauses SET resumed_at = now() WHERE ticket_id = $1 AND resumed_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM tickets WHERE id = $1 AND status = 'pending')`, ticketID)
	if err != nil {
		return fmt.Errorf("SLA resume of ticket %d: %w", ticketID, mapError(err))
	}
	return nil
}

// ChatAccountsOf lists the chat accounts linked to a user, newest first.
func (tx *Tx) ChatAccountsOf(ctx context.Context, userID int64) ([]helpdesk.ChatUser, error) {
	rows, err := tx.tx.Query(ctx, `SELECT connector, workspace, chat_user, chat_name FROM chat_links
		WHERE user_id = $1 ORDER BY created_at DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("chat accounts of user %d: %w", userID, mapError(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.ChatUser, error) {
		var cu helpdesk.ChatUser
		return cu, r.Scan(&cu.Connector, &cu.Workspace, &cu.ID, &cu.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("chat accounts of user %d: %w", userID, mapError(err))
	}
	return out, nil
}
