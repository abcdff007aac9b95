package postgres

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// Agent load over time (migration 00186). A ticket assigned to an agent
// counts as open at the end of every local day from the day it was created
// until the day before it was resolved. report_load_days holds, per zone
// and day, the change of that count (+1 on a ticket's first counted day,
// -1 on the day it was resolved); summed over all days the changes are the
// tickets open now. So a report reads the changes from its first day on
// and the open tickets now (a small partial index), never the history
// before its range.

// LoadDay is how many tickets assigned to an agent were open at the end
// of one local day.
type LoadDay struct {
	AgentID int64
	Agent   string
	Day     time.Time // midnight UTC of the local date
	N       int
}

// loadChangeRows selects (day, assignee_id, team_id, category_id, priority,
// delta) of the local days in source (a FROM item "d" with a date column
// day) in zone z, for the tickets t that also meet cond: +1 for each ticket
// created that day and not resolved by its end, -1 for each ticket
// resolved that day and created before it. The first branch reads
// tickets_report_created_idx, the second tickets_report_resolved_idx.
func loadChangeRows(source, z, cond string) string {
	return fmt.Sprintf(`SELECT d.day, t.assignee_id, t.team_id, t.category_id, t.priority, 1 AS delta FROM %[1]s JOIN tickets t ON %[2]s
    WHERE t.assignee_id IS NOT NULL AND (t.resolved_at IS NULL OR (t.resolved_at AT TIME ZONE %[4]s)::date > d.day) AND %[5]s
    UNION ALL
    SELECT d.day, t.assignee_id, t.team_id, t.category_id, t.priority, -1 FROM %[1]s JOIN tickets t ON %[3]s
    WHERE t.assignee_id IS NOT NULL AND (t.created_at AT TIME ZONE %[4]s)::date < d.day AND %[5]s`,
		source, dayRange("t.created_at", "d.day", z), dayRange("t.resolved_at", "d.day", z), z, cond)
}

// recomputeLoadSQL inserts zone $1's rows of report_load_days: for the
// local days in days (a placeholder for a text[] of dates), or every day
// when days is "".
func recomputeLoadSQL(days string) string {
	const insert = `INSERT INTO report_load_days (zone, day, agent_id, team_id, category_id, priority, delta)
SELECT $1, day, assignee_id, team_id, category_id, priority, sum(delta)::int FROM (%s) x
GROUP BY day, assignee_id, team_id, category_id, priority HAVING sum(delta) <> 0`
	if days != "" {
		return fmt.Sprintf(insert, loadChangeRows("unnest("+days+"::date[]) d(day)", "$1", "true"))
	}
	return fmt.Sprintf(insert, `SELECT (t.created_at AT TIME ZONE $1)::date AS day, t.assignee_id, t.team_id, t.category_id, t.priority, 1 AS delta
    FROM tickets t WHERE t.assignee_id IS NOT NULL
        AND (t.resolved_at IS NULL OR (t.resolved_at AT TIME ZONE $1)::date > (t.created_at AT TIME ZONE $1)::date)
    UNION ALL
    SELECT (t.resolved_at AT TIME ZONE $1)::date, t.assignee_id, t.team_id, t.category_id, t.priority, -1
    FROM tickets t WHERE t.resolved_at IS NOT NULL AND t.assignee_id IS NOT NULL
        AND (t.resolved_at AT TIME ZONE $1)::date > (t.created_at AT TIME ZONE $1)::date`)
}

// ReportLoad returns, for each agent and local day of the range, how many
// tickets assigned to the agent were open at the end of the day (days
// with none are left out). From the rollup when the filter's zone is
// ready, else live from the tickets.
func (db *DB) ReportLoad(ctx context.Context, f helpdesk.ReportFilter) ([]LoadDay, error) {
	ready, err := db.ReportZoneReady(ctx, f)
	if err != nil {
		return nil, err
	}
	if ready {
		return db.reportLoadRolledUp(ctx, f)
	}
	return db.ReportLoadLive(ctx, f)
}

// loadChange is one agent's change of load on one day; Day nil is the
// agent's tickets open now.
type loadChange struct {
	agentID int64
	agent   string
	day     *time.Time
	n       int
}

// reportLoadRolledUp reads the daily changes after the range's first day
// (rolled up, or computed for days with a mark) and the open tickets now,
// in one statement: the load at the end of day d is the open tickets now
// minus the changes after d.
func (db *DB) reportLoadRolledUp(ctx context.Context, f helpdesk.ReportFilter) ([]LoadDay, error) {
	var a reportArgs
	z := a.arg(tzName(f))
	from := a.arg(localDate(f.From, f))
	rdims := strings.Join(append([]string{"true"}, a.dimsOn("r", f)...), " AND ")
	tdims := strings.Join(append([]string{"true"}, a.dims(f)...), " AND ")
	sql := fmt.Sprintf(`WITH dirty AS (%[1]s)
SELECT c.agent_id, coalesce(u.name, u.email), c.day, c.n FROM (
    SELECT agent_id, day, sum(delta)::int AS n FROM (
        SELECT r.agent_id, r.day, r.delta FROM report_load_days r
        WHERE r.zone = %[2]s AND r.day > %[3]s::date AND r.day NOT IN (SELECT day FROM dirty) AND %[4]s
        UNION ALL
        SELECT x.assignee_id, x.day, x.delta FROM (%[5]s) x
        UNION ALL
        SELECT t.assignee_id, NULL, 1 FROM tickets t WHERE t.resolved_at IS NULL AND t.assignee_id IS NOT NULL AND %[6]s
    ) y GROUP BY agent_id, day
) c JOIN users u ON u.id = c.agent_id`, dirtyDays(z), z, from, rdims,
		loadChangeRows("dirty d", z, "d.day > "+from+"::date AND "+tdims), tdims)
	rows, err := db.reportQuery(ctx, sql, a.args...)
	changes, err := collect(rows, err, func(r pgx.Rows) (loadChange, error) {
		var c loadChange
		return c, r.Scan(&c.agentID, &c.agent, &c.day, &c.n)
	})
	if err != nil {
		return nil, err
	}
	return loadFromChanges(reportDays(f), changes), nil
}

// loadFromChanges turns each agent's open tickets now and daily changes
// after days[0] into the load at the end of each of days: open now minus
// the changes after the day.
func loadFromChanges(days []time.Time, changes []loadChange) []LoadDay {
	type agent struct {
		name  string
		base  int            // open now minus every change after days[0]
		delta map[string]int // by local date
	}
	agents := map[int64]*agent{}
	var ids []int64
	for _, c := range changes {
		a := agents[c.agentID]
		if a == nil {
			a = &agent{name: c.agent, delta: map[string]int{}}
			agents[c.agentID] = a
			ids = append(ids, c.agentID)
		}
		if c.day == nil {
			a.base += c.n
		} else {
			a.base -= c.n
			a.delta[c.day.Format(time.DateOnly)] += c.n
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var out []LoadDay
	for _, id := range ids {
		a := agents[id]
		n := a.base
		for i, d := range days {
			if i > 0 {
				n += a.delta[d.Format(time.DateOnly)]
			}
			if n != 0 {
				out = append(out, LoadDay{AgentID: id, Agent: a.name, Day: d, N: n})
			}
		}
	}
	return out
}

// reportDays lists the local dates of the filter's range, as midnight UTC.
func reportDays(f helpdesk.ReportFilter) []time.Time {
	loc := f.Location
	if loc == nil {
		loc = time.UTC
	}
	var out []time.Time
	for d := f.From.In(loc); d.Before(f.To); d = d.AddDate(0, 0, 1) {
		out = append(out, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC))
	}
	return out
}

// loadSpan is how many of an agent's tickets were open from the day first
// until the day last (nil: still open); local dates.
type loadSpan struct {
	agentID     int64
	agent       string
	first, last time.Time // last zero: unresolved
	n           int
}

// ReportLoadLive is ReportLoad computed from the tickets alone: the spans
// of the tickets assigned to agents that were open at some point of the
// range (those still unresolved, and those resolved since the range began,
// each branch from its own partial index), laid over the range's days. The
// benchmark compares it with the rollup.
func (db *DB) ReportLoadLive(ctx context.Context, f helpdesk.ReportFilter) ([]LoadDay, error) {
	var a reportArgs
	tz := a.arg(tzName(f))
	from, to := a.arg(f.From), a.arg(f.To)
	dims := strings.Join(append([]string{"true"}, a.dims(f)...), " AND ")
	sql := fmt.Sprintf(`SELECT p.assignee_id, coalesce(u.name, u.email), p.first, p.last, p.n FROM (
    SELECT assignee_id, (created_at AT TIME ZONE %[1]s)::date AS first, (resolved_at AT TIME ZONE %[1]s)::date AS last, count(*)::int AS n
    FROM (
        SELECT t.assignee_id, t.created_at, t.resolved_at FROM tickets t
        WHERE t.resolved_at IS NULL AND t.created_at < %[3]s AND t.assignee_id IS NOT NULL AND %[4]s
        UNION ALL
        SELECT t.assignee_id, t.created_at, t.resolved_at FROM tickets t
        WHERE t.resolved_at >= %[2]s AND t.created_at < %[3]s AND t.assignee_id IS NOT NULL AND %[4]s
    ) o GROUP BY 1, 2, 3
) p JOIN users u ON u.id = p.assignee_id ORDER BY p.assignee_id`, tz, from, to, dims)
	rows, err := db.reportQuery(ctx, sql, a.args...)
	spans, err := collect(rows, err, func(r pgx.Rows) (loadSpan, error) {
		var c loadSpan
		var last *time.Time
		err := r.Scan(&c.agentID, &c.agent, &c.first, &last, &c.n)
		if last != nil {
			c.last = *last
		}
		return c, err
	})
	if err != nil {
		return nil, err
	}
	days := reportDays(f)
	var out []LoadDay
	for i := 0; i < len(spans); {
		j := i
		open := make([]int, len(days))
		for ; j < len(spans) && spans[j].agentID == spans[i].agentID; j++ {
			sp := spans[j]
			// Open at the end of day d: filed on or before d, not
			// resolved by the end of d.
			for k, d := range days {
				if !sp.first.After(d) && (sp.last.IsZero() || sp.last.After(d)) {
					open[k] += sp.n
				}
			}
		}
		for k, d := range days {
			if open[k] != 0 {
				out = append(out, LoadDay{AgentID: spans[i].agentID, Agent: spans[i].agent, Day: d, N: open[k]})
			}
		}
		i = j
	}
	return out, nil
}
