package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// TicketSort is a whitelisted ticket order. Each one is a keyset: the cursor
// carries the sort value and id of the last row, so page N costs the same as
// page 1 and rows changing between pages are neither skipped nor repeated
// within one order.
type TicketSort string

// Ticket orders.
const (
	// SortUpdated: most recently updated first, (updated_at DESC, id DESC).
	// The API's default.
	SortUpdated TicketSort = "updated"
	// SortCreated: newest first, (created_at DESC, id DESC).
	SortCreated TicketSort = "created"
	// SortDue: the next deadline first, (due_at ASC NULLS LAST, id ASC); the
	// queue's order.
	SortDue TicketSort = "due"
)

// TicketSorts lists the accepted orders.
var TicketSorts = []TicketSort{SortUpdated, SortCreated, SortDue}

// Valid reports whether s is a known order.
func (s TicketSort) Valid() bool { return slices.Contains(TicketSorts, s) }

// TicketFilter selects tickets for a viewer. Zero values mean "any"; several
// values in one slice are ORed, different fields are ANDed. Viewer is
// required: the result holds only tickets the viewer may open (the same rule
// as ticket.Service.Get): requesters their own and those they participate
// in, agents and leads everything outside restricted teams they are not
// members of, admins everything.
type TicketFilter struct {
	Viewer *helpdesk.User

	Statuses       []helpdesk.Status
	OpenOnly       bool // status not resolved or closed
	Priorities     []helpdesk.Priority
	TeamIDs        []int64
	TeamSlugs      []string
	AssigneeIDs    []int64
	AssigneeEmails []string
	Unassigned     bool // ORed with the assignee lists
	RequesterIDs   []int64
	RequesterEmail string
	CategoryIDs    []int64
	CategoryNames  []string
	// Query is websearch syntax over subject and public messages; staff also
	// match internal notes.
	Query string
	// PublicSearch matches Query against the public search only, even for
	// staff: the portal's "My tickets" must never match internal notes.
	PublicSearch bool

	Sort   TicketSort // default SortUpdated
	Cursor string     // NextCursor of the previous page
	Limit  int        // default 25, at most 500
}

// TicketPage is one page of tickets and the cursor of the next, "" at the end.
type TicketPage struct {
	Tickets    []helpdesk.Ticket
	NextCursor string
}

// cursor is the decoded position after the last row of a page.
type cursor struct {
	Sort TicketSort `json:"s"`
	At   *time.Time `json:"t"`
	ID   int64      `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, sort TicketSort) (*cursor, error) {
	bad := &helpdesk.Error{Code: helpdesk.EINVALID, Message: "The cursor is not valid.",
		Fields: []helpdesk.FieldError{{Field: "cursor", Message: "Pass next_cursor from the previous page unchanged, with the same sort."}}}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c cursor
	if json.Unmarshal(b, &c) != nil || c.Sort != sort || c.ID <= 0 || (c.At == nil && sort != SortDue) {
		return nil, bad
	}
	return &c, nil
}

// listQuery accumulates WHERE clauses and their arguments.
type listQuery struct {
	where []string
	args  []any
	// joined is set when a clause refers to a joined table (c, tm, a, r)
	// rather than to the ticket alone.
	joined bool
}

// arg adds a parameter and returns its placeholder.
func (q *listQuery) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

func (q *listQuery) and(clause string) { q.where = append(q.where, clause) }

// ticketOwnColumns are the tickets columns of ticketListColumns, without
// the search vectors (kilobytes per row that only WHERE clauses read); page
// queries pick and order rows by these alone.
const ticketOwnColumns = `t.id, t.number, t.subject, t.status, t.priority, t.impact, t.urgency, t.category_id,
	t.team_id, t.assignee_id, t.requester_id, t.source, t.first_response_due, t.resolution_due, t.due_at,
	t.first_responded_at, t.resolved_at, t.resolution_count, t.parent_id, t.merged_into_id, t.created_at,
	t.updated_at, t.triage_wait`

// ticketListColumns matches ticketScanner.
const ticketListColumns = ticketOwnColumns + `, c.name, tm.name, tm.slug, a.name, a.email, r.name, r.email`

// ticketListJoins adds the names ticketListColumns shows; the page queries
// join them to the page's rows only, not to every candidate row.
const ticketListJoins = `JOIN users r ON r.id = t.requester_id
LEFT JOIN categories c ON c.id = t.category_id
LEFT JOIN teams tm ON tm.id = t.team_id
LEFT JOIN users a ON a.id = t.assignee_id`

// ListTickets returns one page of the tickets f selects, in f.Sort order.
func (db *DB) ListTickets(ctx context.Context, f TicketFilter) (*TicketPage, error) {
	if f.Viewer == nil || !f.Viewer.Active {
		return &TicketPage{}, nil
	}
	if f.Sort == "" {
		f.Sort = SortUpdated
	}
	if !f.Sort.Valid() {
		return nil, &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Unknown sort.",
			Fields: []helpdesk.FieldError{{Field: "sort", Message: "Sort by updated, created or due."}}}
	}
	if f.Limit <= 0 {
		f.Limit = 25
	}
	f.Limit = min(f.Limit, 500)
	var q listQuery
	filters(&q, f)
	order, err := keyset(&q, f)
	if err != nil {
		return nil, err
	}
	var sql string
	if !f.Viewer.IsStaff() && !q.joined {
		sql = requesterListSQL(&q, f.Viewer.ID, order, f.Limit+1)
	} else {
		visibility(&q, f.Viewer)
		sql = fmt.Sprintf(`SELECT %s
FROM tickets t
%s
WHERE %s
ORDER BY %s
LIMIT %d`, ticketListColumns, ticketListJoins, q.whereSQL(), order, f.Limit+1)
	}
	rows, err := db.pool.Query(ctx, sql, q.args...)
	if err != nil {
		return nil, mapError(err)
	}
	ts, err := pgx.CollectRows(rows, newTicketScanner().scan)
	if err != nil {
		return nil, mapError(err)
	}
	page := &TicketPage{Tickets: ts}
	if len(ts) > f.Limit {
		page.Tickets = ts[:f.Limit]
		last := page.Tickets[f.Limit-1]
		c := cursor{Sort: f.Sort, ID: last.ID}
		switch f.Sort {
		case SortUpdated:
			c.At = &last.UpdatedAt
		case SortCreated:
			c.At = &last.CreatedAt
		case SortDue:
			c.At = last.DueAt
		}
		page.NextCursor = encodeCursor(c)
	}
	return page, nil
}

// whereSQL joins the clauses with AND.
func (q *listQuery) whereSQL() string {
	if len(q.where) == 0 {
		return "true"
	}
	return strings.Join(q.where, "\n  AND ")
}

// requesterListSQL is the page query of a requester whose filters concern
// the ticket alone: their own tickets and those they take part in (as
// visibility allows them), as two branches that each walk the ticket index
// in page order and stop at the limit, and names joined to the page rows
// only. The planner's form of the IN of visibility scanned every ticket of
// the requester twice and joined the names of all of them before sorting,
// and took longer to plan than to run.
func requesterListSQL(q *listQuery, viewer int64, order string, limit int) string {
	id := q.arg(viewer)
	where := q.whereSQL()
	return fmt.Sprintf(`SELECT %[1]s
FROM ((SELECT %[2]s FROM tickets t
    WHERE t.requester_id = %[3]s AND %[4]s
    ORDER BY %[5]s LIMIT %[6]d)
  UNION ALL
  (SELECT %[2]s FROM tickets t
    WHERE t.id IN (SELECT p.ticket_id FROM ticket_participants p WHERE p.user_id = %[3]s)
      AND t.requester_id <> %[3]s AND %[4]s
    ORDER BY %[5]s LIMIT %[6]d)) t
%[7]s
ORDER BY %[5]s
LIMIT %[6]d`, ticketListColumns, ticketOwnColumns, id, where, order, limit, ticketListJoins)
}

// visibility restricts the rows to those the viewer may open; it mirrors
// ticket.Service.canView and must change with it.
func visibility(q *listQuery, v *helpdesk.User) {
	switch {
	case v.Role == helpdesk.RoleAdmin:
	case v.IsStaff():
		q.and(fmt.Sprintf(`(t.team_id IS NULL OR NOT tm.restricted
    OR EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t.team_id AND m.user_id = %s))`, q.arg(v.ID)))
	default:
		// An IN over a UNION rather than "requester OR EXISTS participant":
		// the OR keeps the planner off the requester index, which made a
		// requester's search scan every matching ticket of everyone.
		id := q.arg(v.ID)
		q.and(fmt.Sprintf(`t.id IN (SELECT x.id FROM tickets x WHERE x.requester_id = %s
    UNION ALL SELECT p.ticket_id FROM ticket_participants p WHERE p.user_id = %s)`, id, id))
	}
}

func filters(q *listQuery, f TicketFilter) {
	if len(f.Statuses) > 0 {
		q.and("t.status = ANY(" + q.arg(strs(f.Statuses)) + ")")
	}
	if f.OpenOnly {
		q.and("t.status NOT IN ('resolved', 'closed')")
	}
	if len(f.Priorities) > 0 {
		q.and("t.priority = ANY(" + q.arg(strs(f.Priorities)) + ")")
	}
	if len(f.TeamIDs) > 0 || len(f.TeamSlugs) > 0 {
		q.joined = true
		q.and(fmt.Sprintf("(t.team_id = ANY(%s) OR tm.slug = ANY(%s))", q.arg(nonNil(f.TeamIDs)), q.arg(nonNil(f.TeamSlugs))))
	}
	if len(f.AssigneeIDs) > 0 || len(f.AssigneeEmails) > 0 || f.Unassigned {
		q.joined = true
		q.and(fmt.Sprintf("(t.assignee_id = ANY(%s) OR lower(a.email) = ANY(%s) OR (%s AND t.assignee_id IS NULL))",
			q.arg(nonNil(f.AssigneeIDs)), q.arg(lower(f.AssigneeEmails)), q.arg(f.Unassigned)))
	}
	if len(f.RequesterIDs) > 0 {
		q.and("t.requester_id = ANY(" + q.arg(f.RequesterIDs) + ")")
	}
	if f.RequesterEmail != "" {
		q.joined = true
		q.and("lower(r.email) = " + q.arg(strings.ToLower(f.RequesterEmail)))
	}
	if len(f.CategoryIDs) > 0 || len(f.CategoryNames) > 0 {
		q.joined = true
		q.and(fmt.Sprintf("(t.category_id = ANY(%s) OR lower(c.name) = ANY(%s))", q.arg(nonNil(f.CategoryIDs)), q.arg(lower(f.CategoryNames))))
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		ts := tsQuery(q.arg(s))
		if f.Viewer.IsStaff() && !f.PublicSearch {
			// Two ORed matches rather than one on the concatenation, so both
			// GIN indexes can serve.
			q.and("(t.search @@ " + ts + " OR t.note_search @@ " + ts + ")")
		} else {
			q.and("t.search @@ " + ts)
		}
	}
}

// keyset adds the cursor condition and returns the ORDER BY clause.
func keyset(q *listQuery, f TicketFilter) (string, error) {
	var c *cursor
	if f.Cursor != "" {
		var err error
		if c, err = decodeCursor(f.Cursor, f.Sort); err != nil {
			return "", err
		}
	}
	switch f.Sort {
	case SortCreated:
		if c != nil {
			q.and(fmt.Sprintf("(t.created_at, t.id) < (%s, %s)", q.arg(*c.At), q.arg(c.ID)))
		}
		return "t.created_at DESC, t.id DESC", nil
	case SortDue:
		if c != nil && c.At != nil {
			q.and(fmt.Sprintf("((t.due_at, t.id) > (%s, %s) OR t.due_at IS NULL)", q.arg(*c.At), q.arg(c.ID)))
		} else if c != nil {
			q.and(fmt.Sprintf("(t.due_at IS NULL AND t.id > %s)", q.arg(c.ID)))
		}
		return "t.due_at ASC NULLS LAST, t.id ASC", nil
	default:
		if c != nil {
			q.and(fmt.Sprintf("(t.updated_at, t.id) < (%s, %s)", q.arg(*c.At), q.arg(c.ID)))
		}
		return "t.updated_at DESC, t.id DESC", nil
	}
}

func strs[S ~string](in []S) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = string(s)
	}
	return out
}

func lower(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.ToLower(s)
	}
	return out
}

// nonNil keeps pgx from sending NULL for an empty slice, which would make
// "= ANY(NULL)" unknown rather than false.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
