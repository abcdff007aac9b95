package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// Daily report rollups (migration 00184). report_days holds the settled
// counts per zone, local day, team, category and priority (and
// report_load_days the daily change of each agent's load, 00186); triggers mark
// the UTC hours whose figures a write changed in report_dirty; RollupReports
// folds the marks in. A report reads rolled-up days that carry no mark and
// computes marked days from the tickets in the same statement, so it is
// exact whether or not the rollup job has run.

// maxReportZones bounds how many zones are rolled up: beyond it a zone is
// read live (exact, slower) rather than adding another copy of the rollup.
const maxReportZones = 24

// rollupLock serialises rollup runs across nodes (pg_advisory_xact_lock key).
const rollupLock = 7_019_184

// rollupCols are report_days' count columns, in the order ticketCounts
// and ratingCounts produce them.
const rollupCols = `created, fr_met, fr_settled, res_met, res_settled, resolved, fcr, reopen_of, reopened, portal, rated1, rated2, rated3, rated4, rated5`

func flag(cond string) string { return "CASE WHEN " + cond + " THEN 1 ELSE 0 END" }

// ticketCounts are one ticket t's contributions to rollupCols: what no
// longer changes without a write to the ticket (a target still ahead for
// an unanswered or unresolved ticket is counted live instead).
var ticketCounts = named([]string{"1",
	flag("t.first_responded_at <= t.first_response_due"),
	flag("t.first_response_due IS NOT NULL AND t.first_responded_at IS NOT NULL"),
	flag("t.resolved_at <= t.resolution_due"),
	flag("t.resolution_due IS NOT NULL AND t.resolved_at IS NOT NULL"),
	flag("t.status IN ('resolved', 'closed')"),
	// First contact: resolved once, never reopened, exactly one public
	// reply by someone other than the requester.
	flag(`t.status IN ('resolved', 'closed') AND t.resolution_count = 1 AND (SELECT count(*) FROM (SELECT 1 FROM messages m
        WHERE m.ticket_id = t.id AND NOT m.internal AND m.author_id <> t.requester_id LIMIT 2) x) = 1`),
	flag("t.resolution_count >= 1"),
	flag("t.resolution_count >= 2 OR (t.resolution_count >= 1 AND t.status NOT IN ('resolved', 'closed'))"),
	flag("t.source = 'portal'"),
	"0", "0", "0", "0", "0"})

// ratingCounts are one rating g's contributions to rollupCols.
var ratingCounts = named([]string{"0", "0", "0", "0", "0", "0", "0", "0", "0", "0",
	flag("g.rating = 1"), flag("g.rating = 2"), flag("g.rating = 3"), flag("g.rating = 4"), flag("g.rating = 5")})

// named gives each of exprs the name of its column in rollupCols.
func named(exprs []string) string {
	cols := strings.Split(rollupCols, ", ")
	out := make([]string, len(exprs))
	for i, e := range exprs {
		out[i] = e + " AS " + cols[i]
	}
	return strings.Join(out, ", ")
}

// sumCols is sum(col)::int for each of rollupCols.
func sumCols() string {
	var out []string
	for _, c := range strings.Split(rollupCols, ", ") {
		out = append(out, "sum("+c+")::int AS "+c)
	}
	return strings.Join(out, ", ")
}

// dirtyDays is the local days in zone z (a placeholder) that hold a marked
// hour; an hour can straddle two local days in a zone with a half-hour
// offset.
func dirtyDays(z string) string {
	return fmt.Sprintf(`SELECT DISTINCT x.day FROM report_dirty h, LATERAL (VALUES ((h.hour AT TIME ZONE %[1]s)::date),
    (((h.hour + interval '59 minutes 59.999999 seconds') AT TIME ZONE %[1]s)::date)) x(day)`, z)
}

// dayRange is the condition "col is in local day d of zone z".
func dayRange(col, d, z string) string {
	return fmt.Sprintf("%[1]s >= (%[2]s::timestamp AT TIME ZONE %[3]s) AND %[1]s < ((%[2]s + 1)::timestamp AT TIME ZONE %[3]s)", col, d, z)
}

// localDate is the date of instant t in the filter's zone.
func localDate(t time.Time, f helpdesk.ReportFilter) string {
	if f.Location != nil {
		t = t.In(f.Location)
	}
	return t.Format(time.DateOnly)
}

// settled is a FROM item "s" with columns day, team_id, category_id,
// priority and rollupCols over the filter's local days: rolled-up days
// without a mark, and marked days computed from tickets and ratings.
func (a *reportArgs) settled(f helpdesk.ReportFilter) string {
	z := a.arg(tzName(f))
	from, to := a.arg(localDate(f.From, f)), a.arg(localDate(f.To, f))
	rdims := strings.Join(append([]string{"true"}, a.dimsOn("r", f)...), " AND ")
	tdims := strings.Join(append([]string{"true"}, a.dims(f)...), " AND ")
	return fmt.Sprintf(`(WITH dirty AS (%[1]s)
    SELECT r.day, r.team_id, r.category_id, r.priority, %[2]s FROM report_days r
    WHERE r.zone = %[3]s AND r.day >= %[4]s::date AND r.day < %[5]s::date AND r.day NOT IN (SELECT day FROM dirty) AND %[6]s
    UNION ALL
    SELECT d.day, t.team_id, t.category_id, t.priority, %[7]s FROM dirty d JOIN tickets t ON %[8]s
    WHERE d.day >= %[4]s::date AND d.day < %[5]s::date AND %[9]s
    UNION ALL
    SELECT d.day, t.team_id, t.category_id, t.priority, %[10]s FROM dirty d JOIN satisfaction_ratings g ON %[11]s
        JOIN tickets t ON t.id = g.ticket_id
    WHERE d.day >= %[4]s::date AND d.day < %[5]s::date AND %[9]s
) s`, dirtyDays(z), "r."+strings.ReplaceAll(rollupCols, ", ", ", r."), z, from, to, rdims,
		ticketCounts, dayRange("t.created_at", "d.day", z), tdims, ratingCounts, dayRange("g.created_at", "d.day", z))
}

// ReportZoneReady reports whether the filter's zone is rolled up. A zone
// nobody read reports in before is requested, for the rollup job to
// backfill; until then its reports are computed live.
func (db *DB) ReportZoneReady(ctx context.Context, f helpdesk.ReportFilter) (bool, error) {
	zone := tzName(f)
	var ready bool
	err := db.pool.QueryRow(ctx, `SELECT ready_at IS NOT NULL FROM report_zones WHERE zone = $1`, zone).Scan(&ready)
	if err == nil || !IsNotFound(mapError(err)) {
		return ready, mapError(err)
	}
	_, err = db.pool.Exec(ctx, `INSERT INTO report_zones (zone) SELECT $1 WHERE (SELECT count(*) FROM report_zones) < $2
ON CONFLICT DO NOTHING`, zone, maxReportZones)
	return false, mapError(err)
}

// RollupStats says what one rollup run did.
type RollupStats struct {
	Backfilled string // the zone backfilled, if any
	Hours      int    // marked hours folded in
	Days       int    // zone-days recomputed
	Pending    bool   // more work is waiting (another zone, more marks)
}

// RollupReports backfills one requested zone, then folds the marked hours
// into every ready zone's days. Runs are serialised by an advisory lock,
// so a zone's backfill and the marks made meanwhile cannot cross.
func (db *DB) RollupReports(ctx context.Context, batch int) (RollupStats, error) {
	var st RollupStats
	err := db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, rollupLock); err != nil {
			return err
		}
		var zone string
		err := tx.tx.QueryRow(ctx, `SELECT zone FROM report_zones WHERE ready_at IS NULL ORDER BY requested_at, zone LIMIT 1`).Scan(&zone)
		if IsNotFound(mapError(err)) {
			return nil
		} else if err != nil {
			return err
		}
		for _, table := range []string{"report_days", "report_load_days"} {
			if _, err := tx.tx.Exec(ctx, `DELETE FROM `+table+` WHERE zone = $1`, zone); err != nil {
				return err
			}
		}
		if _, err := tx.tx.Exec(ctx, recomputeSQL(""), zone); err != nil {
			return fmt.Errorf("backfill %s: %w", zone, err)
		}
		if _, err := tx.tx.Exec(ctx, recomputeLoadSQL(""), zone); err != nil {
			return fmt.Errorf("backfill %s agent load: %w", zone, err)
		}
		st.Backfilled = zone
		_, err = tx.tx.Exec(ctx, `UPDATE report_zones SET ready_at = now() WHERE zone = $1`, zone)
		return err
	})
	if err != nil {
		return st, fmt.Errorf("report rollup backfill: %w", err)
	}
	err = db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, rollupLock); err != nil {
			return err
		}
		// Only the marks this statement sees are taken: a mark committed
		// later stays for the next run, and the recomputation below (a
		// later statement) sees every change whose mark was taken.
		rows, err := tx.tx.Query(ctx, `WITH taken AS (DELETE FROM report_dirty WHERE id IN (SELECT id FROM report_dirty ORDER BY id LIMIT $1)
    RETURNING hour) SELECT DISTINCT hour FROM taken`, batch)
		hours, err := collect(rows, err, func(r pgx.Rows) (time.Time, error) {
			var h time.Time
			return h, r.Scan(&h)
		})
		if err != nil || len(hours) == 0 {
			return err
		}
		st.Hours, st.Pending = len(hours), len(hours) >= batch
		zrows, err := tx.tx.Query(ctx, `SELECT zone FROM report_zones WHERE ready_at IS NOT NULL`)
		zones, err := collect(zrows, err, func(r pgx.Rows) (string, error) {
			var z string
			return z, r.Scan(&z)
		})
		if err != nil {
			return err
		}
		for _, z := range zones {
			var days []string
			drows, err := tx.tx.Query(ctx, `SELECT DISTINCT x.day::text FROM unnest($1::timestamptz[]) h(hour),
    LATERAL (VALUES ((h.hour AT TIME ZONE $2)::date), (((h.hour + interval '59 minutes 59.999999 seconds') AT TIME ZONE $2)::date)) x(day)`, hours, z)
			if days, err = collect(drows, err, func(r pgx.Rows) (string, error) {
				var d string
				return d, r.Scan(&d)
			}); err != nil {
				return err
			}
			if _, err := tx.tx.Exec(ctx, `DELETE FROM report_days WHERE zone = $1 AND day = ANY($2::date[])`, z, days); err != nil {
				return err
			}
			if _, err := tx.tx.Exec(ctx, `DELETE FROM report_load_days WHERE zone = $1 AND day = ANY($2::date[])`, z, days); err != nil {
				return err
			}
			if _, err := tx.tx.Exec(ctx, recomputeSQL("$2"), z, days); err != nil {
				return fmt.Errorf("recompute %s: %w", z, err)
			}
			if _, err := tx.tx.Exec(ctx, recomputeLoadSQL("$2"), z, days); err != nil {
				return fmt.Errorf("recompute %s agent load: %w", z, err)
			}
			st.Days += len(days)
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("report rollup: %w", err)
	}
	if st.Backfilled != "" {
		var more bool
		if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM report_zones WHERE ready_at IS NULL)`).Scan(&more); err != nil {
			return st, mapError(err)
		}
		st.Pending = st.Pending || more
	}
	return st, nil
}

// recomputeSQL inserts zone $1's rows of report_days: for the local days
// in days (a placeholder for a text[] of dates), or every day when days
// is "".
func recomputeSQL(days string) string {
	if days != "" {
		// Driving from the days makes each an index range scan.
		return fmt.Sprintf(`INSERT INTO report_days (zone, day, team_id, category_id, priority, %[1]s)
SELECT $1, day, team_id, category_id, priority, %[2]s FROM (
    SELECT d.day, t.team_id, t.category_id, t.priority, %[3]s
    FROM unnest(%[6]s::date[]) d(day) JOIN tickets t ON %[4]s
    UNION ALL
    SELECT d.day, t.team_id, t.category_id, t.priority, %[5]s
    FROM unnest(%[6]s::date[]) d(day) JOIN satisfaction_ratings g ON %[7]s JOIN tickets t ON t.id = g.ticket_id
) x GROUP BY day, team_id, category_id, priority`, rollupCols, sumCols(), ticketCounts, dayRange("t.created_at", "d.day", "$1"),
			ratingCounts, days, dayRange("g.created_at", "d.day", "$1"))
	}
	return fmt.Sprintf(`INSERT INTO report_days (zone, day, team_id, category_id, priority, %[1]s)
SELECT $1, day, team_id, category_id, priority, %[2]s FROM (
    SELECT (t.created_at AT TIME ZONE $1)::date AS day, t.team_id, t.category_id, t.priority, %[3]s FROM tickets t
    UNION ALL
    SELECT (g.created_at AT TIME ZONE $1)::date, t.team_id, t.category_id, t.priority, %[4]s
    FROM satisfaction_ratings g JOIN tickets t ON t.id = g.ticket_id
) x GROUP BY day, team_id, category_id, priority`, rollupCols, sumCols(), ticketCounts, ratingCounts)
}
