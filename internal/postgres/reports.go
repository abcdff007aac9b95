package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// Report queries. Each reads tickets created in the filter's range through
// tickets_report_created_idx (an index-only range scan: every column they
// touch rides in the index), groups in SQL and returns counts; the report
// package turns counts into tables.

// reportArgs holds the numbered arguments of one report statement.
type reportArgs struct{ args []any }

func (a *reportArgs) arg(v any) string {
	a.args = append(a.args, v)
	return "$" + strconv.Itoa(len(a.args))
}

// ticketFilter is the shared WHERE over tickets t for f.
func (a *reportArgs) ticketFilter(f helpdesk.ReportFilter) string {
	w := []string{"t.created_at >= " + a.arg(f.From), "t.created_at < " + a.arg(f.To)}
	w = append(w, a.dims(f)...)
	return strings.Join(w, " AND ")
}

// dims is the team, category and priority part of the filter over tickets t.
func (a *reportArgs) dims(f helpdesk.ReportFilter) []string { return a.dimsOn("t", f) }

// dimsOn is the team, category and priority part of the filter over the
// table aliased t (tickets or report_days).
func (a *reportArgs) dimsOn(t string, f helpdesk.ReportFilter) []string {
	var w []string
	if f.TeamID != nil {
		w = append(w, t+".team_id = "+a.arg(*f.TeamID))
	}
	if f.Teams != nil {
		w = append(w, t+".team_id = ANY("+a.arg(f.Teams)+"::bigint[])")
	}
	if f.CategoryID != nil {
		w = append(w, t+".category_id = "+a.arg(*f.CategoryID))
	}
	if f.Priority != "" {
		w = append(w, t+".priority = "+a.arg(string(f.Priority)))
	}
	return w
}

func tzName(f helpdesk.ReportFilter) string {
	if f.Location == nil {
		return "UTC"
	}
	return f.Location.String()
}

// SLACount is first-response and resolution attainment of one group.
// Due counts tickets whose outcome is known: answered (or resolved), or
// past the target without it.
type SLACount struct {
	By                           string // "team" or "category"
	Name                         string
	FRMet, FRDue, ResMet, ResDue int
}

// ReportSLA counts SLA attainment by team and by category in one scan
// (grouping sets); By says which grouping a row belongs to.
func (db *DB) ReportSLA(ctx context.Context, f helpdesk.ReportFilter) ([]SLACount, error) {
	ready, err := db.ReportZoneReady(ctx, f)
	if err != nil {
		return nil, err
	}
	var a reportArgs
	var sql string
	if ready {
		// Settled outcomes from the rollup; targets passing for tickets
		// still unanswered or unresolved are counted live (partial indexes).
		in := a.ticketFilter(f)
		sql = fmt.Sprintf(`SELECT CASE WHEN g.by_team THEN 'team' ELSE 'category' END,
    coalesce(CASE WHEN g.by_team THEN tm.name ELSE c.name END, '(none)'), g.fr_met, g.fr_due, g.res_met, g.res_due FROM (
    SELECT GROUPING(u.category_id) = 1 AS by_team, u.team_id, u.category_id, sum(u.fr_met)::int AS fr_met,
        sum(u.fr_due)::int AS fr_due, sum(u.res_met)::int AS res_met, sum(u.res_due)::int AS res_due
    FROM (
        SELECT s.team_id, s.category_id, s.fr_met, s.fr_settled AS fr_due, s.res_met, s.res_settled AS res_due FROM %[1]s
        UNION ALL
        SELECT t.team_id, t.category_id, 0, 1, 0, 0 FROM tickets t
        WHERE %[2]s AND t.first_responded_at IS NULL AND t.first_response_due < now()
        UNION ALL
        SELECT t.team_id, t.category_id, 0, 0, 0, 1 FROM tickets t
        WHERE %[2]s AND t.resolved_at IS NULL AND t.resolution_due < now()
    ) u GROUP BY GROUPING SETS ((u.team_id), (u.category_id))
) g LEFT JOIN teams tm ON g.by_team AND tm.id = g.team_id LEFT JOIN categories c ON NOT g.by_team AND c.id = g.category_id
ORDER BY g.by_team DESC, 2`, a.settled(f), in)
	} else {
		sql = fmt.Sprintf(`SELECT CASE WHEN g.by_team THEN 'team' ELSE 'category' END,
    coalesce(CASE WHEN g.by_team THEN tm.name ELSE c.name END, '(none)'), g.fr_met, g.fr_due, g.res_met, g.res_due FROM (
    SELECT GROUPING(t.category_id) = 1 AS by_team, t.team_id, t.category_id,
        count(*) FILTER (WHERE t.first_responded_at <= t.first_response_due)::int AS fr_met,
        count(*) FILTER (WHERE t.first_response_due IS NOT NULL AND (t.first_responded_at IS NOT NULL OR t.first_response_due < now()))::int AS fr_due,
        count(*) FILTER (WHERE t.resolved_at <= t.resolution_due)::int AS res_met,
        count(*) FILTER (WHERE t.resolution_due IS NOT NULL AND (t.resolved_at IS NOT NULL OR t.resolution_due < now()))::int AS res_due
    FROM tickets t WHERE %s GROUP BY GROUPING SETS ((t.team_id), (t.category_id))
) g LEFT JOIN teams tm ON g.by_team AND tm.id = g.team_id LEFT JOIN categories c ON NOT g.by_team AND c.id = g.category_id
ORDER BY g.by_team DESC, 2`, a.ticketFilter(f))
	}
	rows, err := db.reportQuery(ctx, sql, a.args...)
	return collect(rows, err, func(r pgx.Rows) (SLACount, error) {
		var c SLACount
		return c, r.Scan(&c.By, &c.Name, &c.FRMet, &c.FRDue, &c.ResMet, &c.ResDue)
	})
}

// BacklogCount is the open tickets of one age bucket and priority.
type BacklogCount struct {
	Bucket   int // index into the boundaries given
	Priority string
	N        int
}

// ReportBacklog counts the open tickets created in the range by age (now
// minus creation) against bounds (ascending ages; bucket i is below
// bounds[i], the last bucket is the rest) and priority.
func (db *DB) ReportBacklog(ctx context.Context, f helpdesk.ReportFilter, now time.Time, bounds []time.Duration) ([]BacklogCount, error) {
	var a reportArgs
	secs := make([]float64, len(bounds))
	for i, b := range bounds {
		secs[i] = b.Seconds()
	}
	sql := fmt.Sprintf(`SELECT width_bucket(extract(epoch FROM %s - t.created_at)::float8, %s::float8[]), t.priority, count(*)::int
FROM tickets t WHERE %s AND t.status NOT IN ('resolved', 'closed')
GROUP BY 1, 2`, a.arg(now), a.arg(append([]float64{-1e18}, secs...)), a.ticketFilter(f))
	rows, err := db.reportQuery(ctx, sql, a.args...)
	return collect(rows, err, func(r pgx.Rows) (BacklogCount, error) {
		var c BacklogCount
		err := r.Scan(&c.Bucket, &c.Priority, &c.N)
		c.Bucket-- // width_bucket counts from 1 at the first bound
		return c, err
	})
}

// TeamCount is two counts of one team.
type TeamCount struct {
	Team  string
	N, Of int
}

// ReportFirstContact counts, per team, the resolved tickets created in the
// range (Of) and those resolved at first contact (N): resolved once, never
// reopened, with exactly one public reply by someone other than the
// requester (staff, in practice; messages_public_author_idx serves it).
func (db *DB) ReportFirstContact(ctx context.Context, f helpdesk.ReportFilter) ([]TeamCount, error) {
	ready, err := db.ReportZoneReady(ctx, f)
	if err != nil {
		return nil, err
	}
	var a reportArgs
	if ready {
		sql := fmt.Sprintf(`SELECT coalesce(n.name, '(none)'), g.fcr, g.resolved FROM (
    SELECT s.team_id, sum(s.fcr)::int AS fcr, sum(s.resolved)::int AS resolved FROM %s
    GROUP BY s.team_id HAVING sum(s.resolved) > 0
) g LEFT JOIN teams n ON n.id = g.team_id ORDER BY n.name NULLS LAST`, a.settled(f))
		rows, err := db.reportQuery(ctx, sql, a.args...)
		return collect(rows, err, scanTeamCount)
	}
	sql := fmt.Sprintf(`SELECT coalesce(n.name, '(none)'), g.fcr, g.resolved FROM (
    SELECT t.team_id,
        count(*)::int AS resolved,
        count(*) FILTER (WHERE t.resolution_count = 1 AND (
            SELECT count(*) FROM (SELECT 1 FROM messages m
                WHERE m.ticket_id = t.id AND NOT m.internal AND m.author_id <> t.requester_id LIMIT 2) x) = 1)::int AS fcr
    FROM tickets t WHERE %s AND t.status IN ('resolved', 'closed')
    GROUP BY t.team_id
) g LEFT JOIN teams n ON n.id = g.team_id ORDER BY n.name NULLS LAST`, a.ticketFilter(f))
	rows, err := db.reportQuery(ctx, sql, a.args...)
	return collect(rows, err, scanTeamCount)
}

// ReportReopened counts, per team, the tickets created in the range that
// were resolved at least once (Of) and those reopened after a resolution
// (N): resolved again since, or open now after one.
func (db *DB) ReportReopened(ctx context.Context, f helpdesk.ReportFilter) ([]TeamCount, error) {
	ready, err := db.ReportZoneReady(ctx, f)
	if err != nil {
		return nil, err
	}
	var a reportArgs
	if ready {
		sql := fmt.Sprintf(`SELECT coalesce(n.name, '(none)'), g.reopened, g.resolved FROM (
    SELECT s.team_id, sum(s.reopened)::int AS reopened, sum(s.reopen_of)::int AS resolved FROM %s
    GROUP BY s.team_id HAVING sum(s.reopen_of) > 0
) g LEFT JOIN teams n ON n.id = g.team_id ORDER BY n.name NULLS LAST`, a.settled(f))
		rows, err := db.reportQuery(ctx, sql, a.args...)
		return collect(rows, err, scanTeamCount)
	}
	sql := fmt.Sprintf(`SELECT coalesce(n.name, '(none)'), g.reopened, g.resolved FROM (
    SELECT t.team_id, count(*)::int AS resolved,
        count(*) FILTER (WHERE t.resolution_count >= 2 OR t.status NOT IN ('resolved', 'closed'))::int AS reopened
    FROM tickets t WHERE %s AND t.resolution_count >= 1
    GROUP BY t.team_id
) g LEFT JOIN teams n ON n.id = g.team_id ORDER BY n.name NULLS LAST`, a.ticketFilter(f))
	rows, err := db.reportQuery(ctx, sql, a.args...)
	return collect(rows, err, scanTeamCount)
}

func scanTeamCount(r pgx.Rows) (TeamCount, error) {
	var c TeamCount
	return c, r.Scan(&c.Team, &c.N, &c.Of)
}

// ReportSatisfaction counts the ratings given in the range, by score (index
// 0 is 1 star), for tickets matching the filter's team, category and
// priority, and returns the newest comments.
func (db *DB) ReportSatisfaction(ctx context.Context, f helpdesk.ReportFilter, comments int) ([5]int, []helpdesk.ReportComment, error) {
	var counts [5]int
	ready, err := db.ReportZoneReady(ctx, f)
	if err != nil {
		return counts, nil, err
	}
	if ready {
		var a reportArgs
		err := db.reportQueryRow(ctx, `SELECT coalesce(sum(s.rated1), 0)::int, coalesce(sum(s.rated2), 0)::int, coalesce(sum(s.rated3), 0)::int,
    coalesce(sum(s.rated4), 0)::int, coalesce(sum(s.rated5), 0)::int FROM `+a.settled(f), a.args...).Scan(
			&counts[0], &counts[1], &counts[2], &counts[3], &counts[4])
		if err != nil {
			return counts, nil, mapError(err)
		}
	}
	var a reportArgs
	where := append([]string{"r.created_at >= " + a.arg(f.From), "r.created_at < " + a.arg(f.To)}, a.dims(f)...)
	w := strings.Join(where, " AND ")
	if !ready {
		rows, err := db.reportQuery(ctx, `SELECT r.rating, count(*)::int FROM satisfaction_ratings r JOIN tickets t ON t.id = r.ticket_id
WHERE `+w+` GROUP BY r.rating`, a.args...)
		type rc struct{ rating, n int }
		list, err := collect(rows, err, func(r pgx.Rows) (rc, error) {
			var c rc
			return c, r.Scan(&c.rating, &c.n)
		})
		if err != nil {
			return counts, nil, err
		}
		for _, c := range list {
			if c.rating >= 1 && c.rating <= 5 {
				counts[c.rating-1] = c.n
			}
		}
	}
	rows, err := db.reportQuery(ctx, `SELECT t.number, r.rating, r.comment, coalesce(tm.name, ''), r.created_at
FROM satisfaction_ratings r JOIN tickets t ON t.id = r.ticket_id LEFT JOIN teams tm ON tm.id = t.team_id
WHERE `+w+` AND r.comment <> '' ORDER BY r.created_at DESC LIMIT `+strconv.Itoa(comments), a.args...)
	cs, err := collect(rows, err, func(r pgx.Rows) (helpdesk.ReportComment, error) {
		var c helpdesk.ReportComment
		return c, r.Scan(&c.Number, &c.Rating, &c.Comment, &c.Team, &c.CreatedAt)
	})
	return counts, cs, err
}

// DayCount is two counts of one day (in the filter's time zone).
type DayCount struct {
	Day       time.Time // midnight UTC of the local date
	Deflected int
	Filed     int
}

// ReportDeflection counts, per day, the deflections recorded and the
// tickets filed in the portal. Deflections have no team or priority; a
// category filter applies to both.
func (db *DB) ReportDeflection(ctx context.Context, f helpdesk.ReportFilter) ([]DayCount, error) {
	ready, err := db.ReportZoneReady(ctx, f)
	if err != nil {
		return nil, err
	}
	var a reportArgs
	tz, from, to := a.arg(tzName(f)), a.arg(f.From), a.arg(f.To)
	if ready {
		dw := []string{"d.created_at >= " + from, "d.created_at < " + to}
		if f.CategoryID != nil {
			dw = append(dw, "d.category_id = "+a.arg(*f.CategoryID))
		}
		sql := fmt.Sprintf(`SELECT day, sum(deflected)::int, sum(filed)::int FROM (
    SELECT (d.created_at AT TIME ZONE %[1]s)::date AS day, 1 AS deflected, 0 AS filed FROM kb_deflections d WHERE %[2]s
    UNION ALL
    SELECT s.day, 0, s.portal FROM %[3]s WHERE s.portal > 0
) x GROUP BY day ORDER BY day`, tz, strings.Join(dw, " AND "), a.settled(f))
		rows, err := db.reportQuery(ctx, sql, a.args...)
		return collect(rows, err, func(r pgx.Rows) (DayCount, error) {
			var c DayCount
			return c, r.Scan(&c.Day, &c.Deflected, &c.Filed)
		})
	}
	tw := append([]string{"t.created_at >= " + from, "t.created_at < " + to, "t.source = 'portal'"}, a.dims(f)...)
	dw := []string{"d.created_at >= " + from, "d.created_at < " + to}
	if f.CategoryID != nil {
		dw = append(dw, "d.category_id = "+a.arg(*f.CategoryID))
	}
	sql := fmt.Sprintf(`SELECT day, sum(deflected)::int, sum(filed)::int FROM (
    SELECT (d.created_at AT TIME ZONE %[1]s)::date AS day, 1 AS deflected, 0 AS filed FROM kb_deflections d WHERE %[2]s
    UNION ALL
    SELECT (t.created_at AT TIME ZONE %[1]s)::date, 0, 1 FROM tickets t WHERE %[3]s
) x GROUP BY day ORDER BY day`, tz, strings.Join(dw, " AND "), strings.Join(tw, " AND "))
	rows, err := db.reportQuery(ctx, sql, a.args...)
	return collect(rows, err, func(r pgx.Rows) (DayCount, error) {
		var c DayCount
		return c, r.Scan(&c.Day, &c.Deflected, &c.Filed)
	})
}

// TermCount is a search term and how often it was searched.
type TermCount struct {
	Term string
	N    int
}

// ReportSearchesWithoutArticle lists the help-centre searches in the range
// that found nothing, most frequent first.
func (db *DB) ReportSearchesWithoutArticle(ctx context.Context, from, to time.Time, limit int) ([]TermCount, error) {
	rows, err := db.reportQuery(ctx, `SELECT query, count(*)::int FROM kb_searches
WHERE created_at >= $1 AND created_at < $2 AND results = 0
GROUP BY query ORDER BY count(*) DESC, query LIMIT $3`, from, to, limit)
	return collect(rows, err, func(r pgx.Rows) (TermCount, error) {
		var c TermCount
		return c, r.Scan(&c.Term, &c.N)
	})
}

// collect scans every row with scan and maps errors.
func collect[T any](rows pgx.Rows, err error, scan func(pgx.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapError(err)
		}
		out = append(out, v)
	}
	return out, mapError(rows.Err())
}

// ReportChoice is a team or category a report filter can name.
type ReportChoice struct {
	ID         int64
	Key, Label string // team: slug and name; category: name twice
}

// LedTeamIDs lists the teams user leads.
func (db *DB) LedTeamIDs(ctx context.Context, userID int64) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT team_id FROM team_members WHERE user_id = $1 AND is_lead ORDER BY team_id`, userID)
	ids, err := collect(rows, err, func(r pgx.Rows) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	if ids == nil && err == nil {
		ids = []int64{}
	}
	return ids, err
}

// ReportChoices lists the teams and categories for report filters.
func (db *DB) ReportChoices(ctx context.Context) (teams, categories []ReportChoice, err error) {
	scan := func(r pgx.Rows) (ReportChoice, error) {
		var c ReportChoice
		return c, r.Scan(&c.ID, &c.Key, &c.Label)
	}
	rows, err := db.pool.Query(ctx, `SELECT id, slug, name FROM teams ORDER BY name`)
	if teams, err = collect(rows, err, scan); err != nil {
		return nil, nil, err
	}
	rows, err = db.pool.Query(ctx, `SELECT id, name, name FROM categories ORDER BY name`)
	categories, err = collect(rows, err, scan)
	return teams, categories, err
}

// reportQuery runs one report statement with JIT compilation off, in a
// read-only transaction that ends when the rows are closed. The planner
// cannot estimate the rollup's marked days (usually none), overestimates
// them by orders of magnitude, and at a million tickets would JIT-compile
// statements that then run in a millisecond: 50-150 ms lost per report.
func (db *DB) reportQuery(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
		_ = tx.Rollback(ctx)
		return nil, err
	}
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		_ = tx.Rollback(ctx)
		return nil, err
	}
	return &txRows{Rows: rows, tx: tx, ctx: ctx}, nil
}

// reportQueryRow is reportQuery for one row.
func (db *DB) reportQueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := db.reportQuery(ctx, sql, args...)
	return &txRow{rows: rows, err: err}
}

// txRows ends its transaction when closed.
type txRows struct {
	pgx.Rows
	tx  pgx.Tx
	ctx context.Context
}

// Close closes the rows and ends the (read-only) transaction.
func (r *txRows) Close() {
	r.Rows.Close()
	_ = r.tx.Rollback(context.WithoutCancel(r.ctx))
}

// txRow scans the first row of txRows.
type txRow struct {
	rows pgx.Rows
	err  error
}

// Scan reads the first row into dest, like pgx.Row.
func (r *txRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}
