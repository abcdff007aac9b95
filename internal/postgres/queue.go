package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// QueueView is one of the staff dashboard's fixed views.
type QueueView string

// The dashboard's views.
const (
	ViewUnassigned QueueView = "unassigned" // open, nobody assigned, in the viewer's teams
	ViewMine       QueueView = "mine"       // open, assigned to the viewer
	ViewTeams      QueueView = "teams"      // open, in the viewer's teams
	ViewAtRisk     QueueView = "at_risk"    // open, not waiting, due within 2 h or breached
	ViewOpen       QueueView = "open"       // every open ticket
	ViewPending    QueueView = "pending"    // waiting on the requester
	ViewMentions   QueueView = "mentions"   // the viewer was @mentioned and has not looked yet
	ViewResolved   QueueView = "resolved"   // resolved or closed in the last 7 days
)

// QueueViews lists the views in the order the dashboard shows them.
var QueueViews = []QueueView{ViewUnassigned, ViewMine, ViewTeams, ViewAtRisk, ViewOpen, ViewPending, ViewMentions, ViewResolved}

// QueueSort is a whitelisted dashboard order.
type QueueSort string

// Dashboard orders.
const (
	QueueByDue       QueueSort = "due"       // next deadline first (default)
	QueueByPriority  QueueSort = "priority"  // P1 first, then by deadline
	QueueByUpdated   QueueSort = "updated"   // most recently changed first
	QueueByRelevance QueueSort = "relevance" // best search match first; only with a query
)

// AtRiskWindow is how close a deadline must be for "SLA at risk".
const AtRiskWindow = 2 * time.Hour

// resolvedWindow is how far back "Resolved" reaches.
const resolvedWindow = 7 * 24 * time.Hour

// SearchCap bounds how many matches of a full-text search are ranked or
// sorted. Ranking every match of a common word at 1M tickets costs seconds;
// the first SearchCap matches (by the GIN index) are ranked instead. The
// page says so when the cap is hit.
const SearchCap = 1000

// CountCap is where view counts stop counting and show "100+": a queue
// past a hundred needs triage, not an exact number, and the cap keeps the
// eight counts cheap on a million tickets.
const CountCap = 100

// QueueQuery selects one page of a view. Zero filter values mean "any".
type QueueQuery struct {
	Viewer     *helpdesk.User
	View       QueueView
	Statuses   []helpdesk.Status
	Priorities []helpdesk.Priority
	Team       string // team slug
	Category   string // category name
	Assignee   string // email, or "none" for unassigned
	Requester  string // email
	Query      string // websearch syntax
	Sort       QueueSort
	Cursor     string
	Limit      int // default 50, at most 200
}

// QueueRow is a ticket on a dashboard page, with search highlights. The
// highlight strings are raw text in which HighlightStart/HighlightStop mark
// the hits; the web layer escapes the text and turns the marks into <mark>.
type QueueRow struct {
	helpdesk.Ticket
	SubjectHit string
	Snippet    string
}

// Highlight marks used by ts_headline; control characters cannot occur in
// escaped output, so they cannot be forged by ticket text.
const (
	HighlightStart = "\x02"
	HighlightStop  = "\x03"
)

// QueuePage is one page of a view.
type QueuePage struct {
	Rows       []QueueRow
	NextCursor string
	Capped     bool      // search had more than SearchCap matches
	Sort       QueueSort // the order used, defaults applied; links to further pages must carry it
}

// QueueCount is a view's count; Capped means "at least N".
type QueueCount struct {
	N      int
	Capped bool
}

type queueCursor struct {
	Sort QueueSort  `json:"s"`
	P    string     `json:"p,omitempty"`
	At   *time.Time `json:"t,omitempty"`
	Inf  bool       `json:"f,omitempty"` // the row had no due time
	Rank float64    `json:"r,omitempty"`
	ID   int64      `json:"i"`
}

// viewerScope is what visibility and the team views need about the viewer.
type viewerScope struct {
	teams  []int64 // teams the viewer belongs to
	hidden []int64 // restricted teams the viewer does not belong to
}

func (db *DB) scope(ctx context.Context, v *helpdesk.User) (viewerScope, error) {
	var s viewerScope
	if v.Scope != nil { // loaded with the session, in the same request
		s.teams, s.hidden = v.Scope.Member, v.Scope.Hidden
		if v.Role == helpdesk.RoleAdmin {
			s.hidden = nil
		}
		return s, nil
	}
	err := db.pool.QueryRow(ctx, `SELECT
    coalesce(array_agg(id) FILTER (WHERE member), '{}'),
    coalesce(array_agg(id) FILTER (WHERE restricted AND NOT member), '{}')
FROM (SELECT tm.id, tm.restricted,
             EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = tm.id AND m.user_id = $1) AS member
      FROM teams tm) x`, v.ID).Scan(&s.teams, &s.hidden)
	if v.Role == helpdesk.RoleAdmin {
		s.hidden = nil
	}
	return s, mapError(err)
}

// queueOwnColumns are the tickets columns a queue page picks and orders its
// rows by, and queueColumns what it returns: what a row shows (number,
// subject, priority, status, due time, team, assignee or why nobody is,
// requester) and what its cursor needs. The page read the whole list row
// before (30 columns, category and e-mail addresses it never shows): at 1M
// tickets that was a third of the query's PostgreSQL time and twice the
// bytes on the wire. Names come from joins on the page's rows only.
const (
	queueOwnColumns = `t.id, t.number, t.subject, t.status, t.priority, t.team_id, t.assignee_id, t.requester_id,
	t.due_at, t.updated_at, t.triage_wait`
	queueColumns = `t.id, t.number, t.subject, t.status, t.priority, t.team_id, t.assignee_id, t.due_at, t.updated_at,
	t.triage_wait, r.name`
	queueJoins = `JOIN users r ON r.id = t.requester_id`
)

const openCond = "t.status NOT IN ('resolved', 'closed')" // matches the partial indexes' predicate

// The time windows of SLA at risk and Resolved are written against the
// database's clock, not sent as parameters. With a parameter the planner
// cannot size the range in a kept (generic) plan, guessed a third of the
// table and so never kept one: a Resolved search was planned afresh on
// every run, 0.6-0.8 ms of its ~9 ms in PostgreSQL at 1M tickets. now()
// is sized like a constant in either kind of plan, and the plans are the
// same ones (EXPLAIN at 1M tickets in the commit).
var (
	atRiskBefore  = "now() + " + sqlInterval(AtRiskWindow)
	resolvedSince = "now() - " + sqlInterval(resolvedWindow)
)

// resolvedDays lists the days (day_key) a ticket resolved since
// resolvedSince can have been resolved on: from the window's first day to
// that of the latest resolution, so a ticket resolved "in the future" (an
// import) is still found. The latest resolution is one backward probe of
// tickets_report_resolved_idx; without an index on resolved_at, max()
// would read the whole table on every search. The search indexes carry
// the day beside the words (migration 00480), so a Resolved search is one
// GIN scan per index that skips through both conditions' posting lists;
// written as the range on resolved_at alone, the planner ANDed the matches
// with a bitmap of every ticket resolved that week (26,700 at 1M tickets),
// built in full for each search. The planner repeats the condition in each arm of the words' OR,
// so both indexes get it. The range on resolved_at stays, as the filter
// that makes the result exact (the first day starts before the window).
var resolvedDays = "ARRAY(SELECT generate_series((day_key(" + resolvedSince + "))[1], (day_key(max(x.resolved_at)))[1]) FROM tickets x)"

// sqlInterval writes d as an interval literal.
func sqlInterval(d time.Duration) string {
	return "interval '" + strconv.FormatInt(int64(d/time.Second), 10) + " seconds'"
}

// viewConds adds the view's conditions and visibility; staff only.
// byUpdate is set for a page read in update order without a search (see
// the Resolved case).
func viewConds(q *listQuery, v *helpdesk.User, s viewerScope, view QueueView, byUpdate bool) error {
	if len(s.hidden) > 0 {
		q.and("(t.team_id IS NULL OR t.team_id <> ALL(" + idArray(s.hidden) + "))")
	}
	switch view {
	case ViewUnassigned:
		q.and(openCond)
		q.and("t.assignee_id IS NULL")
		if len(s.teams) > 0 {
			q.and(teamCond(s.teams))
		}
	case ViewMine:
		q.and(openCond)
		q.and("t.assignee_id = " + q.arg(v.ID))
	case ViewTeams:
		q.and(openCond)
		q.and(teamCond(s.teams))
	case ViewAtRisk:
		q.and(openCond)
		q.and("t.status <> 'pending'")
		q.and("t.due_at < " + atRiskBefore)
	case ViewOpen, "":
		q.and(openCond)
	case ViewPending:
		q.and(openCond)
		q.and("t.status = 'pending'")
	case ViewMentions:
		q.and("t.id IN (SELECT mn.ticket_id FROM mentions mn WHERE mn.user_id = " + q.arg(v.ID) + " AND mn.seen_at IS NULL)")
	case ViewResolved:
		q.and("t.status IN ('resolved', 'closed')")
		if !byUpdate {
			q.and("t.resolved_at >= " + resolvedSince)
			break
		}
		// The page walks tickets_updated_idx over the week's changes (the
		// range is implied: a resolution updates the ticket) and stops
		// after a page. Written plainly, the two ranges looked independent
		// to the planner, which expected 1,000 matches where there are
		// 23,000 at 1M tickets, ANDed both indexes' bitmaps and sorted:
		// 0.4-1.6 s for a viewer with a hidden team, 1.3 ms now. The
		// coalesce keeps resolved_at a filter.
		q.and("coalesce(t.resolved_at, '-infinity') >= " + resolvedSince)
		q.and("t.updated_at >= " + resolvedSince)
	default:
		return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Unknown view.",
			Fields: []helpdesk.FieldError{{Field: "view", Message: "Choose a view from the list."}}}
	}
	return nil
}

// teamCond is "in one of these teams". For the common single team it is an
// equality, so tickets_team_due_idx and tickets_unassigned_due_idx return
// rows already in due order and the scan stops after one page; with
// several teams the matches are sorted.
//
// Team ids are written into the statement rather than sent as parameters
// (see idArray).
func teamCond(teams []int64) string {
	if len(teams) == 1 {
		return "t.team_id = " + strconv.FormatInt(teams[0], 10)
	}
	return "t.team_id = ANY(" + idArray(teams) + ")"
}

// idArray writes ids as an array literal. The viewer's teams are few and
// stable, so the statements stay few; written as parameters instead, the
// planner guessed the hidden-teams filter badly in a generic plan, so it
// never kept one and planned every page afresh, which cost more than
// running it (0.6 ms against 0.4 ms for All open at 1M tickets). A view's
// first page now has no parameters at all and its plan is made once per
// connection. The ids are integers from the database: nothing to escape.
func idArray(ids []int64) string {
	b := make([]byte, 0, 16+8*len(ids))
	b = append(b, "'{"...)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, "}'::bigint[]"...))
}

// queueFilters adds the user's filters. Names are resolved to ids in
// scalar subqueries so the planner can still use the ticket indexes.
func queueFilters(q *listQuery, f QueueQuery) {
	if len(f.Statuses) > 0 {
		q.and("t.status = ANY(" + q.arg(strs(f.Statuses)) + ")")
	}
	if len(f.Priorities) > 0 {
		q.and("t.priority = ANY(" + q.arg(strs(f.Priorities)) + ")")
	}
	if f.Team != "" {
		q.and("t.team_id = (SELECT id FROM teams WHERE slug = " + q.arg(f.Team) + ")")
	}
	if f.Category != "" {
		q.and("t.category_id = (SELECT id FROM categories WHERE lower(name) = " + q.arg(strings.ToLower(f.Category)) + ")")
	}
	switch {
	case f.Assignee == "none":
		q.and("t.assignee_id IS NULL")
	case f.Assignee != "":
		q.and("t.assignee_id = (SELECT id FROM users WHERE lower(email) = " + q.arg(strings.ToLower(f.Assignee)) + ")")
	}
	if f.Requester != "" {
		q.and("t.requester_id = (SELECT id FROM users WHERE lower(email) = " + q.arg(strings.ToLower(f.Requester)) + ")")
	}
}

// normalise fills defaults and validates the sort.
func (f *QueueQuery) normalise() error {
	if f.View == "" {
		f.View = ViewOpen
	}
	f.Query = strings.TrimSpace(f.Query)
	if f.Sort == "" {
		switch {
		case f.Query != "":
			f.Sort = QueueByRelevance
		case f.View == ViewResolved:
			f.Sort = QueueByUpdated
		default:
			f.Sort = QueueByDue
		}
	}
	if f.Sort == QueueByRelevance && f.Query == "" {
		f.Sort = QueueByDue
	}
	switch f.Sort {
	case QueueByDue, QueueByPriority, QueueByUpdated, QueueByRelevance:
	default:
		return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Unknown sort.",
			Fields: []helpdesk.FieldError{{Field: "sort", Message: "Sort by due, priority or updated."}}}
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 200)
	return nil
}

// queueOrder returns the keyset branches after the cursor and the ORDER BY
// clause. Due times may be NULL (sorted last), which a single row
// comparison cannot express, so a page after a cursor is the union of up
// to two branches, each one an ordered index range that stops after one
// page: rows after the cursor with a due time, and rows without one.
// Relevance orders by the rank column of the search CTE.
func queueOrder(q *listQuery, f QueueQuery) ([]string, string, error) {
	var c *queueCursor
	if f.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(f.Cursor)
		c = &queueCursor{}
		if err != nil || json.Unmarshal(b, c) != nil || c.Sort != f.Sort || c.ID <= 0 ||
			(c.At == nil && !c.Inf && f.Sort != QueueByRelevance) {
			return nil, "", &helpdesk.Error{Code: helpdesk.EINVALID, Message: "The page link is out of date.",
				Fields: []helpdesk.FieldError{{Field: "cursor", Message: "Start again from the first page."}}}
		}
	}
	switch f.Sort {
	case QueueByPriority:
		const order = "t.priority, t.due_at, t.id"
		switch {
		case c == nil:
			return nil, order, nil
		case c.Inf:
			p := q.arg(c.P)
			return []string{fmt.Sprintf("t.priority = %s AND t.due_at IS NULL AND t.id > %s", p, q.arg(c.ID)),
				"t.priority > " + p}, order, nil
		}
		p := q.arg(c.P)
		return []string{fmt.Sprintf("(t.priority, t.due_at, t.id) > (%s, %s, %s)", p, q.arg(*c.At), q.arg(c.ID)),
			fmt.Sprintf("t.priority = %s AND t.due_at IS NULL", p)}, order, nil
	case QueueByUpdated:
		const order = "t.updated_at DESC, t.id DESC"
		if c == nil {
			return nil, order, nil
		}
		return []string{fmt.Sprintf("(t.updated_at, t.id) < (%s, %s)", q.arg(*c.At), q.arg(c.ID))}, order, nil
	case QueueByRelevance:
		const order = "rank DESC, t.id DESC"
		if c == nil {
			return nil, order, nil
		}
		return []string{fmt.Sprintf("(t.rank, t.id) < (%s::float8, %s)", q.arg(c.Rank), q.arg(c.ID))}, order, nil
	default:
		const order = "t.due_at, t.id"
		switch {
		case c == nil:
			return nil, order, nil
		case c.Inf:
			return []string{"t.due_at IS NULL AND t.id > " + q.arg(c.ID)}, order, nil
		}
		return []string{fmt.Sprintf("(t.due_at, t.id) > (%s, %s)", q.arg(*c.At), q.arg(c.ID)),
			"t.due_at IS NULL"}, order, nil
	}
}

// QueueSQL builds the page query of f without running it; the benchmark
// times it bare. scope comes from the viewer's team memberships.
func (db *DB) QueueSQL(ctx context.Context, f QueueQuery) (string, []any, error) {
	return db.queueSQL(ctx, &f)
}

// queueSQL is QueueSQL, leaving f normalised for the caller.
func (db *DB) queueSQL(ctx context.Context, f *QueueQuery) (string, []any, error) {
	if f.Viewer == nil || !f.Viewer.IsStaff() || !f.Viewer.Active {
		return "", nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	if err := f.normalise(); err != nil {
		return "", nil, err
	}
	s, err := db.scope(ctx, f.Viewer)
	if err != nil {
		return "", nil, err
	}
	return buildQueue(*f, s)
}

func buildQueue(f QueueQuery, s viewerScope) (string, []any, error) {
	var q listQuery
	byUpdate := f.Query == "" && f.Sort == QueueByUpdated
	if err := viewConds(&q, f.Viewer, s, f.View, byUpdate); err != nil {
		return "", nil, err
	}
	if f.View == ViewResolved && !byUpdate {
		// Implied (a resolution updates the ticket) but indexed: a search or
		// another order reads the last week's changes instead of every
		// closed ticket. The count leaves it out (see QueueCounts).
		q.and("t.updated_at >= " + resolvedSince)
	}
	queueFilters(&q, f)
	if f.Query == "" {
		branches, order, err := queueOrder(&q, f)
		if err != nil {
			return "", nil, err
		}
		where := strings.Join(q.where, "\n      AND ")
		pick := func(extra string) string {
			w := where
			if extra != "" {
				w += "\n      AND " + extra
			}
			return fmt.Sprintf("SELECT %s FROM tickets t\n    WHERE %s\n    ORDER BY %s\n    LIMIT %d", queueOwnColumns, w, order, f.Limit+1)
		}
		inner := pick("")
		if len(branches) == 1 {
			inner = pick(branches[0])
		} else if len(branches) > 1 {
			parts := make([]string, len(branches))
			for i, b := range branches {
				parts[i] = "(" + pick(b) + ")"
			}
			inner = fmt.Sprintf("SELECT * FROM (%s) t ORDER BY %s LIMIT %d", strings.Join(parts, "\n    UNION ALL\n    "), order, f.Limit+1)
		}
		return fmt.Sprintf(`SELECT %s, '', '', 0::float8, 0::float8
FROM (
    %s
) t
%s
ORDER BY %s`, queueColumns, inner, queueJoins, order), q.args, nil
	}
	// Search: the matches are taken from the GIN index into a materialised
	// set of at most SearchCap+1 rows, and only that set is ranked and
	// sorted. Without the fence the planner may walk a date index through
	// the whole table looking for a rare term. The set carries the page's
	// columns, read from the heap rows the bitmap scan visits anyway
	// (joining the matches back to tickets by id cost a millisecond at 1M).
	// Headlines are made for the page's rows only. Parsing message bodies
	// was more than half of a two-word search at 1M tickets, so the snippet
	// comes from the first message (in conversation order, through
	// messages_ticket_idx) whose stored vector matches, and only where the
	// subject does not match already (its highlight shows the hit).
	// The queue is staff-only (queueSQL), so internal notes are searched
	// and may give the snippet.
	tsq := tsQuery(q.arg(f.Query))
	match := "(t.search @@ " + tsq + " OR t.note_search @@ " + tsq + ")"
	// ts_rank rather than ts_rank_cd: both weigh the subject (A) above the
	// description (B) and replies (C), but cover density walks every
	// position of every match's vector, 0.8 ms of a 6 ms search at 1M.
	rank := "(ts_rank(t.search, " + tsq + ") + ts_rank(t.note_search, " + tsq + "))"
	inner := append(append([]string{}, q.where...), match)
	if f.View == ViewResolved {
		inner = append(inner, "day_key(t.resolved_at) && "+resolvedDays)
	}
	var page listQuery
	page.args = q.args
	branches, order, err := queueOrder(&page, f)
	if err != nil {
		return "", nil, err
	}
	where := "true"
	if len(branches) > 0 {
		// The matches are few; one ORed condition is enough here.
		where = "(" + strings.Join(branches, ") OR (") + ")"
	}
	hl := "'StartSel=" + HighlightStart + ", StopSel=" + HighlightStop + ", MaxFragments=1, MaxWords=18, MinWords=6'"
	return fmt.Sprintf(`WITH m AS MATERIALIZED (
    SELECT %s, %s::float8 AS rank FROM tickets t
    WHERE %s
    LIMIT %d
), p AS (
    SELECT * FROM m t
    WHERE %s
    ORDER BY %s
    LIMIT %d
)
SELECT %s, ts_headline('english', t.subject, %s, %s), coalesce(sn.snip, ''), t.rank, (SELECT count(*) FROM m)::float8
FROM p t
%s
LEFT JOIN LATERAL (
    SELECT ts_headline('english', mm.body_text, %s, %s) AS snip
    FROM messages mm
    WHERE mm.ticket_id = t.id AND NOT to_tsvector('english', t.subject) @@ %s
      AND mm.search @@ %s
    ORDER BY mm.created_at, mm.id LIMIT 1
) sn ON true
ORDER BY %s`, queueOwnColumns, rank, strings.Join(inner, "\n      AND "), SearchCap+1,
		where, order, f.Limit+1,
		queueColumns, tsq, hl, queueJoins, tsq, hl, tsq, tsq, order), page.args, nil
}

// Queue returns one page of a view for a staff viewer.
func (db *DB) Queue(ctx context.Context, f QueueQuery) (*QueuePage, error) {
	sql, args, err := db.queueSQL(ctx, &f)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapError(err)
	}
	page := &QueuePage{Sort: f.Sort}
	var hit, snippet string
	var rank, matches float64
	ranks := make([]float64, 0, f.Limit+1)
	sc := newQueueScanner(&hit, &snippet, &rank, &matches)
	out, err := pgx.AppendRows(make([]QueueRow, 0, f.Limit+1), rows, func(row pgx.CollectableRow) (QueueRow, error) {
		t, err := sc.scan(row)
		ranks = append(ranks, rank)
		return QueueRow{Ticket: t, SubjectHit: hit, Snippet: snippet}, err
	})
	if err != nil {
		return nil, mapError(err)
	}
	if err := db.fillNames(ctx, out); err != nil {
		return nil, err
	}
	page.Capped = f.Query != "" && matches > SearchCap
	page.Rows = out
	if len(out) > f.Limit {
		page.Rows = out[:f.Limit]
		last := page.Rows[f.Limit-1]
		c := queueCursor{Sort: f.Sort, ID: last.ID, P: string(last.Priority)}
		switch f.Sort {
		case QueueByDue, QueueByPriority:
			c.At, c.Inf = last.DueAt, last.DueAt == nil
		case QueueByUpdated:
			c.At = &last.UpdatedAt
		case QueueByRelevance:
			c.Rank = ranks[f.Limit-1]
		}
		b, _ := json.Marshal(c)
		page.NextCursor = base64.RawURLEncoding.EncodeToString(b)
	}
	return page, nil
}

// QueueCounts counts every view for the viewer in one round trip. Each
// count stops at CountCap+1 rows (LIMIT inside a subquery), so a view with
// 100,000 open tickets costs the same as one with 1,001: the exact figure is
// only paid for where it is small.
func (db *DB) QueueCounts(ctx context.Context, v *helpdesk.User) (map[QueueView]QueueCount, error) {
	if v == nil || !v.IsStaff() {
		return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	s, err := db.scope(ctx, v)
	if err != nil {
		return nil, err
	}
	var q listQuery
	parts := make([]string, 0, len(QueueViews))
	for _, view := range QueueViews {
		sub := listQuery{args: q.args}
		if err := viewConds(&sub, v, s, view, false); err != nil {
			return nil, err
		}
		q.args = sub.args
		// Resolved is counted in resolved_at order: the scan of
		// tickets_report_resolved_idx stops at the cap whatever the plan.
		// With the page's second range (updated_at) as well, the planner
		// took the two ranges as independent, ANDed both indexes' bitmaps
		// (the week's 100,000 changes) and spent 20-45 ms at 1M tickets on
		// a count that now takes 0.1-0.2 ms; without any order, a generic
		// plan read the table from its start.
		order := ""
		if view == ViewResolved {
			order = " ORDER BY t.resolved_at DESC"
		}
		parts = append(parts, fmt.Sprintf("(SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE %s%s LIMIT %d) x)",
			strings.Join(sub.where, " AND "), order, CountCap+1))
	}
	vals := make([]int64, len(parts))
	dest := make([]any, len(parts))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := db.pool.QueryRow(ctx, "SELECT "+strings.Join(parts, ",\n"), q.args...).Scan(dest...); err != nil {
		return nil, mapError(err)
	}
	out := make(map[QueueView]QueueCount, len(vals))
	for i, view := range QueueViews {
		out[view] = QueueCount{N: int(min(vals[i], CountCap)), Capped: vals[i] > CountCap}
	}
	return out, nil
}

// HiddenTeams returns the restricted teams whose tickets v may not see:
// none for admins, never nil (a nil array would hide everything in
// "team_id <> ALL(...)").
func (db *DB) HiddenTeams(ctx context.Context, v *helpdesk.User) ([]int64, error) {
	s, err := db.scope(ctx, v)
	if err != nil {
		return nil, err
	}
	return nonNil(s.hidden), nil
}

// tsQuery is the websearch query of the parameter ph, made once per
// statement: a scalar subquery is an init plan, run once, where the bare
// call, whose argument is a parameter in a kept (generic) plan, was parsed
// again for every row it was compared with or ranked against (a third of a
// two-word search at 1M tickets).
func tsQuery(ph string) string {
	return "(SELECT websearch_to_tsquery('english', " + ph + "))"
}
