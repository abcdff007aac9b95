package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"time"

	"switchboard/internal/app"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

func init() {
	register(Bench{Name: "reports", Order: 45, Run: benchReports})
}

const reportRuns = 30

// liveRuns is how often each rolled-up report's queries are timed live
// (without the rollup) for comparison; they take seconds each at 1M.
const liveRuns = 5

// rolledUp names the cases whose figures come from the daily rollups.
var rolledUp = map[string]bool{"SLA, 30 days": true, "SLA, 1 year": true, "First-contact resolution, 30 days": true, "First-contact resolution, 1 year": true,
	"Reopen rate, 30 days": true, "Satisfaction, 30 days": true, "Deflection, 30 days": true,
	"Agent load, 30 days": true, "Agent load, 1 year": true}

// benchReports measures the report pages and the knowledge-base search on
// the queue benchmark's million tickets (bench_queue, loaded once and
// kept), each beside its bare queries: the store calls the page makes,
// without the handler, the table building and the template around them.
func benchReports(ctx context.Context, env *Env) error {
	conn, err := env.Database(ctx, "bench_queue", !env.Keep)
	if err != nil {
		return err
	}
	if err := ensureQueueData(ctx, env, conn); err != nil {
		return err
	}
	a, err := env.StartApp(ctx, conn, map[string]string{"NO_HTTP": "1"})
	if err != nil {
		return err
	}
	defer a.Shutdown(context.WithoutCancel(ctx))
	if err := a.Jobs.Stop(ctx); err != nil {
		return err
	}
	if err := ensureReportData(ctx, env, a); err != nil {
		return err
	}
	// An admin in Berlin: the whole organisation's figures (a lead's cover
	// only their teams), in a zone that is not UTC.
	if _, err := a.DB.RawPool().Exec(ctx, `INSERT INTO users (email, name, role, time_zone)
VALUES ('bench-admin@load.example', 'Bench Admin', 'admin', 'Europe/Berlin') ON CONFLICT (lower(email)) DO NOTHING`); err != nil {
		return err
	}
	lead, err := a.DB.UserByEmail(ctx, "bench-admin@load.example")
	if err != nil {
		return err
	}
	rec := httptest.NewRecorder()
	if err := a.HTTP.Sessions.SignIn(ctx, rec, httptest.NewRequestWithContext(ctx, http.MethodPost, "/login", nil), lead.ID); err != nil {
		return err
	}
	var cookie *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Value != "" {
			cookie = c
		}
	}
	body := bytes.NewBuffer(make([]byte, 0, 256<<10))
	render := func(path string) func(int) error {
		return func(int) error {
			req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
			req.AddCookie(cookie)
			body.Reset()
			rec := httptest.NewRecorder()
			rec.Body = body
			a.HTTP.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				return fmt.Errorf("GET %s: %d", path, rec.Code)
			}
			return nil
		}
	}
	loc := lead.Location()
	today := time.Now().In(loc)
	end := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	month := helpdesk.ReportFilter{From: end.AddDate(0, 0, -30), To: end, Location: loc}
	year := helpdesk.ReportFilter{From: end.AddDate(-1, 0, 0), To: end, Location: loc}
	yearQ := "?from=" + year.From.Format(time.DateOnly) + "&to=" + end.AddDate(0, 0, -1).Format(time.DateOnly)
	db := a.DB
	bare := func(f func() error) func(int) error { return func(int) error { return f() } }
	cases := []struct {
		name, path string
		bare       func(int) error
	}{
		{"SLA, 30 days", "/reports/sla", bare(func() error {
			_, err := db.ReportSLA(ctx, month)
			return err
		})},
		{"SLA, 1 year", "/reports/sla" + yearQ, bare(func() error {
			_, err := db.ReportSLA(ctx, year)
			return err
		})},
		{"Backlog by age, 30 days", "/reports/backlog", bare(func() error {
			_, err := db.ReportBacklog(ctx, month, time.Now(), []time.Duration{24 * time.Hour, 72 * time.Hour, 168 * time.Hour, 720 * time.Hour})
			return err
		})},
		{"First-contact resolution, 30 days", "/reports/first-contact", bare(func() error { _, err := db.ReportFirstContact(ctx, month); return err })},
		{"First-contact resolution, 1 year", "/reports/first-contact" + yearQ, bare(func() error { _, err := db.ReportFirstContact(ctx, year); return err })},
		{"Reopen rate, 30 days", "/reports/reopened", bare(func() error { _, err := db.ReportReopened(ctx, month); return err })},
		{"Satisfaction, 30 days", "/reports/satisfaction", bare(func() error { _, _, err := db.ReportSatisfaction(ctx, month, 50); return err })},
		{"Deflection, 30 days", "/reports/deflection", bare(func() error { _, err := db.ReportDeflection(ctx, month); return err })},
		{"Searches without article, 30 days", "/reports/searches", bare(func() error {
			_, err := db.ReportSearchesWithoutArticle(ctx, month.From, month.To, 20)
			return err
		})},
		{"Agent load, 30 days", "/reports/load", bare(func() error { _, err := db.ReportLoad(ctx, month); return err })},
		{"Agent load, 1 year", "/reports/load" + yearQ, bare(func() error { _, err := db.ReportLoad(ctx, year); return err })},
		{"KB search page (logged)", "/help?q=printer+driver", bare(func() error {
			_, err := db.KBSearch(ctx, "printer driver", postgres.KBAllWords, true, 20)
			return err
		})},
		{"KB suggestions (typing)", "/help/suggest?subject=laptop+battery+drai", bare(func() error {
			_, err := db.KBSearch(ctx, "laptop battery drai", postgres.KBAnyWord, true, 3)
			return err
		})},
	}
	// Each run starts without rollups: the bare queries are timed computed
	// live from the tickets first, then the rollup is backfilled (timed)
	// and the pages are measured on it.
	if _, err := db.RawPool().Exec(ctx, `UPDATE report_zones SET ready_at = NULL; TRUNCATE report_days, report_load_days`); err != nil {
		return err
	}
	live := map[string]time.Duration{}
	for _, c := range cases {
		if !rolledUp[c.name] {
			continue
		}
		var ds []time.Duration
		for i := 0; i < liveRuns; i++ {
			t0 := time.Now()
			if err := c.bare(i); err != nil {
				return fmt.Errorf("%s live: %w", c.name, err)
			}
			ds = append(ds, time.Since(t0))
		}
		live[c.name] = pct(ds, 50)
	}
	t0 := time.Now()
	st, err := a.Reports.Rollup(ctx)
	if err != nil {
		return err
	}
	var rollupRows, loadRows int
	_ = db.RawPool().QueryRow(ctx, `SELECT (SELECT count(*) FROM report_days), (SELECT count(*) FROM report_load_days)`).Scan(&rollupRows, &loadRows)
	fmt.Fprintf(env.Out, "rollup backfill (zones UTC and %s, %d marked hours): %s, %d rollup rows, %d agent load rows\n",
		loc, st.Hours, time.Since(t0).Round(time.Millisecond), rollupRows, loadRows)
	// The rolled-up agent load must be the live one, day by day.
	for _, f := range []helpdesk.ReportFilter{month, year} {
		rolled, err := db.ReportLoad(ctx, f)
		if err != nil {
			return err
		}
		liveLoad, err := db.ReportLoadLive(ctx, f)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(rolled, liveLoad) {
			return fmt.Errorf("agent load %s..%s: rollup (%d agent-days) differs from live (%d)", f.From, f.To, len(rolled), len(liveLoad))
		}
		fmt.Fprintf(env.Out, "agent load from %s: rollup equals live (%d agent-days)\n", f.From.Format(time.DateOnly), len(rolled))
	}
	rows := [][]string{{"page", "render p50", "render p95", "bare p50", "bare p95", "p50 ratio", "live p50 (no rollup)", "live/rollup"}}
	for _, c := range cases {
		r := render(c.path)
		for i := 0; i < 5; i++ { // warm both paths alike
			if err := r(i); err != nil {
				return err
			}
			if err := c.bare(i); err != nil {
				return err
			}
		}
		rd, bd, err := pairedLatencies(reportRuns, r, c.bare)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		lv, ratio := "-", "-"
		if d, ok := live[c.name]; ok {
			lv, ratio = ms(d), fmt.Sprintf("%.1fx", float64(d)/float64(max(pct(bd, 50), time.Microsecond)))
		}
		rows = append(rows, []string{c.name, ms(pct(rd, 50)), ms(pct(rd, 95)), ms(pct(bd, 50)), ms(pct(bd, 95)),
			fmt.Sprintf("%.2fx", float64(pct(rd, 50))/float64(max(pct(bd, 50), time.Microsecond))), lv, ratio})
	}
	var tickets, articles int
	_ = a.DB.RawPool().QueryRow(ctx, `SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM kb_articles)`).Scan(&tickets, &articles)
	fmt.Fprintf(env.Out, "%d tickets, %d articles; %d runs each, page and bare alternately; page = whole handler in-process (session, filter, queries, table, SVG, template)\n",
		tickets, articles, reportRuns)
	table(env.Out, rows)
	return nil
}

// ensureReportData adds, once, what the loader does not make: articles
// (from ticket subjects and descriptions), help-centre searches,
// deflections and satisfaction ratings.
func ensureReportData(ctx context.Context, env *Env, a *app.App) error {
	var n int
	if err := a.DB.RawPool().QueryRow(ctx, `SELECT count(*) FROM kb_articles`).Scan(&n); err != nil || n > 0 {
		return err
	}
	start := time.Now()
	for _, sql := range []string{
		`INSERT INTO kb_categories (name) VALUES ('Hardware'), ('Access'), ('Network')`,
		`INSERT INTO kb_articles (title, body, body_html, category_id, visibility, published)
SELECT t.subject, m.body_text, '<p>' || m.body_text || '</p>', 1 + t.id % 3,
       CASE WHEN t.id % 10 = 0 THEN 'staff' ELSE 'employees' END, t.id % 50 <> 0
FROM tickets t JOIN LATERAL (SELECT body_text FROM messages WHERE ticket_id = t.id ORDER BY id LIMIT 1) m ON true
WHERE t.id % 500 = 0`,
		`INSERT INTO kb_searches (query, results, created_at)
SELECT (ARRAY['vpn', 'printer', 'wifi badge', 'new monitor', 'payroll login', 'outlook crash'])[1 + g % 6], g % 3,
       now() - make_interval(secs => g * 26)
FROM generate_series(1, 100000) g`,
		`INSERT INTO kb_deflections (article_id, subject, created_at)
SELECT (SELECT min(id) FROM kb_articles), 'deflected', now() - make_interval(secs => g * 130) FROM generate_series(1, 20000) g`,
		`INSERT INTO satisfaction_ratings (ticket_id, resolution_no, rating, comment, created_at)
SELECT id, 1, 1 + id % 5, CASE WHEN id % 4 = 0 THEN 'Thanks for the quick help' ELSE '' END, resolved_at
FROM tickets WHERE resolved_at IS NOT NULL AND id % 20 = 0`,
		`VACUUM (ANALYZE) kb_articles`, `VACUUM (ANALYZE) kb_searches`, `VACUUM (ANALYZE) kb_deflections`,
		`VACUUM (ANALYZE) satisfaction_ratings`, `VACUUM (ANALYZE) tickets`,
	} {
		if _, err := a.DB.RawPool().Exec(ctx, sql); err != nil {
			return fmt.Errorf("report data: %w", err)
		}
	}
	fmt.Fprintf(env.Out, "added articles, searches, deflections and ratings in %s\n", time.Since(start).Round(time.Second))
	return nil
}
