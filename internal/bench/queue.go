package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"switchboard/internal/app"
	"switchboard/internal/devdata"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

func init() { register(Bench{Name: "queue", Order: 40, Run: benchQueue}) }

// The staff queue is measured on this many tickets and messages, loaded
// once into the bench_queue database and kept between runs.
const (
	queueTickets  = 1_000_000
	queueMessages = 3_000_000
	queueRuns     = 500
)

// benchQueue measures server-side render time of the dashboard (the whole
// handler: session, access, query, template) beside the bare SQL of the
// same page query, for the Unassigned view, All open by due time, page 50
// of All open, and full-text searches.
func benchQueue(ctx context.Context, env *Env) error {
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
	// Workers would compete for the two cores; nothing here needs them.
	if err := a.Jobs.Stop(ctx); err != nil {
		return err
	}
	agent, cookie, err := queueAgent(ctx, a)
	if err != nil {
		return err
	}
	// One response buffer for every render: a real server streams the page
	// to the socket through a small fixed buffer, and growing a fresh 50 KB
	// recorder each time would be measuring the harness.
	body := bytes.NewBuffer(make([]byte, 0, 256<<10))
	render := func(path string) error {
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
	// The bare query is the page statement alone, built once: the same SQL
	// and arguments the handler sends, without the handler's work around it.
	bare := func(q postgres.QueueQuery) (func(int) error, error) {
		sql, args, err := a.DB.QueueSQL(ctx, q)
		if err != nil {
			return nil, err
		}
		return func(int) error {
			rows, err := a.DB.RawPool().Query(ctx, sql, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				_ = rows.RawValues()
			}
			rows.Close()
			return rows.Err()
		}, nil
	}
	// Page 50 of All open: follow 49 cursors first.
	open := postgres.QueueQuery{Viewer: agent, View: postgres.ViewOpen}
	for i := 0; i < 49; i++ {
		p, err := a.DB.Queue(ctx, open)
		if err != nil {
			return err
		}
		if p.NextCursor == "" {
			return errors.New(`view "All open" has fewer than 50 pages`)
		}
		open.Cursor = p.NextCursor
	}
	host, err := someHostname(ctx, a)
	if err != nil {
		return err
	}
	cases := []struct {
		name, path string
		q          postgres.QueueQuery
		target     time.Duration
	}{
		{"Unassigned (my teams)", "/desk?view=unassigned", postgres.QueueQuery{Viewer: agent, View: postgres.ViewUnassigned}, 20 * time.Millisecond},
		{"All open, by due time", "/desk?view=open&sort=due", postgres.QueueQuery{Viewer: agent, View: postgres.ViewOpen, Sort: postgres.QueueByDue}, 20 * time.Millisecond},
		{"All open, page 50", "/desk?view=open&cursor=" + open.Cursor, open, 20 * time.Millisecond},
		{"Search, hostname", "/desk?view=open&q=" + host, postgres.QueueQuery{Viewer: agent, View: postgres.ViewOpen, Query: host}, 10 * time.Millisecond},
		{"Search, two words (open)", "/desk?view=open&q=printer+error", postgres.QueueQuery{Viewer: agent, View: postgres.ViewOpen, Query: "printer error"}, 50 * time.Millisecond},
		{"Search, two words (resolved)", "/desk?view=resolved&q=laptop+battery", postgres.QueueQuery{Viewer: agent, View: postgres.ViewResolved, Query: "laptop battery"}, 50 * time.Millisecond},
	}
	rows := [][]string{{"query", "render p50", "render p95", "bare SQL p50", "bare SQL p95", "p50 ratio", "p95 ratio", "target", "verdict"}}
	for _, c := range cases {
		bareOp, err := bare(c.q)
		if err != nil {
			return err
		}
		// Warm both paths so that cache state favours neither; then time
		// them alternately.
		for i := 0; i < 20; i++ {
			if err := render(c.path); err != nil {
				return err
			}
			if err := bareOp(i); err != nil {
				return err
			}
		}
		r, b, err := pairedLatencies(queueRuns, func(int) error { return render(c.path) }, bareOp)
		if err != nil {
			return err
		}
		ratio := float64(pct(r, 95)) / float64(max(pct(b, 95), time.Microsecond))
		target := "p95 ≤ " + ms(c.target)
		if !strings.HasPrefix(c.name, "Search") {
			target += ", ≤ 2x bare"
		}
		verdict := "ok"
		switch {
		case pct(r, 95) > c.target:
			verdict = "MISSED: p95"
		case ratio > 2 && !strings.HasPrefix(c.name, "Search"):
			verdict = "MISSED: ratio"
		}
		ratio50 := float64(pct(r, 50)) / float64(max(pct(b, 50), time.Microsecond))
		rows = append(rows, []string{c.name, ms(pct(r, 50)), ms(pct(r, 95)), ms(pct(b, 50)), ms(pct(b, 95)),
			fmt.Sprintf("%.2fx", ratio50), fmt.Sprintf("%.2fx", ratio), target, verdict})
	}
	// The view counts are a separate fragment; shown for completeness.
	cr, err := latencies(queueRuns/4, func(int) error { return render("/desk/counts") })
	if err != nil {
		return err
	}
	rows = append(rows, []string{fmt.Sprintf("View counts (8, capped at %d)", postgres.CountCap), ms(pct(cr, 50)), ms(pct(cr, 95)), "-", "-", "-", "-", "-", "-"})
	fmt.Fprintf(env.Out, "%d tickets, %d runs each, render and bare alternately; render = whole handler in-process (session, access, query, template)\n",
		queueTickets, queueRuns)
	table(env.Out, rows)
	return nil
}

// ensureQueueData loads the data set unless an earlier run left it.
func ensureQueueData(ctx context.Context, env *Env, conn string) error {
	db, err := postgres.Open(ctx, conn, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	var n int
	if err := db.RawPool().QueryRow(ctx, `SELECT count(*) FROM tickets`).Scan(&n); err != nil {
		return err
	}
	if n >= queueTickets {
		fmt.Fprintf(env.Out, "reusing %d loaded tickets (bench_queue database)\n", n)
		return nil
	}
	if n > 0 {
		return fmt.Errorf("bench_queue holds %d tickets, fewer than %d: drop it (or run with a fresh -dir) to reload", n, queueTickets)
	}
	res, err := devdata.Load(ctx, db, devdata.LoadOptions{Tickets: queueTickets, Messages: queueMessages, Corpus: devdata.DefaultCorpus(),
		Seed: 1, Progress: os.Stderr})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "loaded %d tickets and %d messages in %s (COPY, indexes built after)\n", res.Tickets, res.Messages, res.Took.Round(time.Second))
	return nil
}

// queueAgent is a loaded Service desk agent with a session cookie.
func queueAgent(ctx context.Context, a *app.App) (*helpdesk.User, *http.Cookie, error) {
	u, err := a.DB.UserByEmail(ctx, "agent1.service-desk@load.example")
	if err != nil {
		return nil, nil, err
	}
	rec := httptest.NewRecorder()
	if err := a.HTTP.Sessions.SignIn(ctx, rec, httptest.NewRequestWithContext(ctx, http.MethodPost, "/login", nil), u.ID); err != nil {
		return nil, nil, err
	}
	for _, c := range rec.Result().Cookies() {
		if c.Value != "" {
			return u, c, nil
		}
	}
	return nil, nil, fmt.Errorf("no session cookie")
}

// someHostname picks a hostname that occurs in an open ticket's text.
func someHostname(ctx context.Context, a *app.App) (string, error) {
	var h string
	err := a.DB.RawPool().QueryRow(ctx, `SELECT substring(m.body_text from 'lt-[a-z]+-[0-9]{4}')
FROM tickets t JOIN messages m ON m.ticket_id = t.id
WHERE t.status = 'open' AND m.body_text ~ 'lt-[a-z]+-[0-9]{4}' LIMIT 1`).Scan(&h)
	return h, err
}
