package postgres_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/postgres"
)

// The Resolved search's day condition (postgres.ResolvedDays) is there for
// the GIN index only: the page must hold the rows the query without it
// gives. Both run in one transaction, so they see the same now() and data:
// tickets resolved or closed across and around the 7-day window (some
// "in the future"), reopened ones, resolved again, and tickets resolved
// exactly at the window's first instant and a microsecond either side.
func TestQueueResolvedSearchDaysKeepRows(t *testing.T) {
	t.Parallel()
	s := seed(t)
	raw := s.db.RawPool()
	var req int64
	if err := raw.QueryRow(s.ctx, `SELECT id FROM users WHERE email = 'req@example.com'`).Scan(&req); err != nil {
		t.Fatal(err)
	}
	words := strings.Fields(`laptop battery printer error vpn token screen mouse wifi mail badge door
		monitor dock cable password reset outlook teams calendar license install update crash slow`)
	r := rand.New(rand.NewPCG(20, 480))
	text := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = words[r.IntN(len(words))]
		}
		return strings.Join(w, " ")
	}
	const n = 2000
	var subject, body, note, status []string
	var team []*int64
	var ago []*float64 // resolved this many seconds before now(); nil: never
	for i := range n {
		subject, body = append(subject, text(2+r.IntN(4))), append(body, text(4+r.IntN(10)))
		nt := ""
		if r.IntN(4) == 0 {
			nt = text(2 + r.IntN(4))
		}
		note = append(note, nt)
		switch r.IntN(5) {
		case 0:
			team = append(team, nil)
		case 1:
			team = append(team, &s.secretID)
		default:
			team = append(team, &s.teamID)
		}
		st, secs := "resolved", float64(r.IntN(12*86400))-2*86400 // two days ahead to ten back
		switch x := r.IntN(20); {
		case x < 6:
			st = "closed"
		case x < 8:
			st = "open"
		case x == 8:
			secs = -400 * 86400 // an import dated a year ahead
		}
		switch {
		case i%97 == 0:
			note[i] += " futureword"
			secs = -3 * 86400
		case i%89 == 0:
			note[i] += " edgeword"
		}
		if st == "open" {
			ago = append(ago, nil)
		} else {
			ago = append(ago, &secs)
		}
		status = append(status, st)
	}
	if _, err := raw.Exec(s.ctx, `INSERT INTO tickets (subject, status, team_id, requester_id, search, note_search, resolved_at, closed_at, updated_at)
SELECT x.subject, x.status, x.team, $7,
       setweight(to_tsvector('english', x.subject), 'A') || setweight(to_tsvector('english', x.body), 'B'),
       to_tsvector('english', x.note),
       now() - make_interval(secs => x.ago), CASE WHEN x.status = 'closed' THEN now() - make_interval(secs => x.ago) END,
       coalesce(now() - make_interval(secs => x.ago), now() - interval '30 days')
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::float8[]) x (subject, body, note, status, team, ago)`,
		subject, body, note, status, team, ago, req); err != nil {
		t.Fatal(err)
	}
	// Reopened (the status change clears resolved_at), and some of those
	// resolved again an hour ago: their index entries change with them.
	for _, sql := range []string{
		`UPDATE tickets SET status = 'open', resolved_at = NULL, closed_at = NULL, updated_at = now() - interval '2 days'
WHERE id % 7 = 0 AND status IN ('resolved', 'closed') AND resolved_at > now() - interval '6 days'`,
		`UPDATE tickets SET status = 'resolved', resolved_at = now() - interval '1 hour', updated_at = now() - interval '1 hour'
WHERE id % 3 = 0 AND status = 'open' AND resolved_at IS NULL AND team_id IS NOT NULL`,
		`ANALYZE tickets`,
	} {
		if _, err := raw.Exec(s.ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	var queries []string
	for range 40 {
		switch r.IntN(4) {
		case 0:
			queries = append(queries, words[r.IntN(len(words))])
		case 1:
			queries = append(queries, words[r.IntN(len(words))]+" or "+words[r.IntN(len(words))])
		case 2:
			queries = append(queries, words[r.IntN(len(words))]+" -"+words[r.IntN(len(words))])
		default:
			queries = append(queries, words[r.IntN(len(words))]+" "+words[r.IntN(len(words))])
		}
	}
	queries = append(queries, "edgeword", "futureword", "laptop battery", "nothingmatches")
	cond := "\n      AND day_key(t.resolved_at) && " + postgres.ResolvedDays
	run := func(tx pgx.Tx, sql string, args []any) (out []string, ids []int64) {
		t.Helper()
		rows, err := tx.Query(s.ctx, sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			v, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			out, ids = append(out, fmt.Sprint(v)), append(ids, v[0].(int64))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out, ids
	}
	total, edge, future, dayScans := 0, 0, 0, 0
	for round, setting := range []string{
		"SET LOCAL TimeZone = 'UTC'",
		"SET LOCAL TimeZone = 'Pacific/Chatham'", // +13:45: local days are not UTC days
		"SET LOCAL enable_seqscan = off",
	} {
		tx, err := raw.Begin(s.ctx)
		if err != nil {
			t.Fatal(err)
		}
		// A failed check ends the test inside the loop; the connection must
		// go back to the pool, or closing the pool waits for it.
		defer tx.Rollback(s.ctx) //nolint:errcheck // a rolled back transaction says so
		if _, err := tx.Exec(s.ctx, setting); err != nil {
			t.Fatal(err)
		}
		// The window's first instant (now() is the transaction's), and a
		// microsecond before (id % 3 = 0) and after it.
		if _, err := tx.Exec(s.ctx, `UPDATE tickets SET status = 'resolved',
    resolved_at = now() - interval '7 days' + (id % 3 - 1) * interval '1 microsecond', updated_at = now()
WHERE note_search @@ plainto_tsquery('english', 'edgeword')`); err != nil {
			t.Fatal(err)
		}
		for _, q := range queries {
			for _, v := range []*postgres.QueueQuery{{Viewer: s.admin}, {Viewer: s.agent}} {
				v.View, v.Query, v.Limit = postgres.ViewResolved, q, 200
				sql, args, err := s.db.QueueSQL(s.ctx, *v)
				if err != nil {
					t.Fatal(err)
				}
				plain := strings.Replace(sql, cond, "", 1)
				if plain == sql {
					t.Fatalf("no day condition in the Resolved search:\n%s", sql)
				}
				got, ids := run(tx, sql, args)
				want, _ := run(tx, plain, args)
				if i := firstDiff(got, want); i >= 0 {
					t.Fatalf("round %d, %s searches %q: %d rows, %d without the day condition; row %d:\n%s\nwithout:\n%s",
						round, v.Viewer.Email, q, len(got), len(want), i, at(got, i), at(want, i))
				}
				total += len(got)
				switch q {
				case "edgeword":
					for _, id := range ids {
						if id%3 == 0 {
							t.Fatalf("ticket %d, resolved a microsecond before the window, is listed", id)
						}
					}
					edge += len(ids)
				case "futureword":
					future += len(ids)
				case "laptop battery":
					rows, err := tx.Query(s.ctx, "EXPLAIN "+sql, args...)
					if err != nil {
						t.Fatal(err)
					}
					plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
					if err != nil {
						t.Fatal(err)
					}
					// At 1M tickets the words and the days are one index
					// condition; on this small table the day may be alone.
					for _, line := range plan {
						if strings.Contains(line, "Index Cond:") && strings.Contains(line, "day_key(resolved_at) && $") {
							dayScans++
						}
					}
				}
			}
		}
		if err := tx.Rollback(s.ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Not vacuous: rows were compared, tickets resolved at the window's
	// first instant and after it were listed, those resolved ahead too, and
	// the search index took the day condition.
	if total < 1000 || edge == 0 || future == 0 || dayScans == 0 {
		t.Errorf("compared %d rows, %d at the window's edge, %d resolved ahead, %d plans scanning by day", total, edge, future, dayScans)
	}
}

// firstDiff is the index of the first row where a and b differ, -1 if none.
func firstDiff(a, b []string) int {
	for i := range max(len(a), len(b)) {
		if at(a, i) != at(b, i) {
			return i
		}
	}
	return -1
}

func at(rows []string, i int) string {
	if i < len(rows) {
		return rows[i]
	}
	return "(none)"
}
