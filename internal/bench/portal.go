package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

func init() { register(Bench{Name: "portal", Order: 40, Run: benchPortal}) }

// benchPortal: a requester's pages over real HTTP (session lookup, keyset
// list query, templ render) among 50,000 tickets of other people, against
// the bare SQL each page needs, measured in the same run on the same pool.
func benchPortal(ctx context.Context, env *Env) error {
	conn, err := env.Database(ctx, "bench_portal", true)
	if err != nil {
		return err
	}
	a, err := env.StartApp(ctx, conn, map[string]string{"SWITCHBOARD_HTTP_ADDR": "127.0.0.1:0"})
	if err != nil {
		return err
	}
	defer a.Shutdown(context.WithoutCancel(ctx))
	if err := a.Jobs.Stop(ctx); err != nil { // measure the pages, not triage
		return err
	}
	const password = "bench-password-123"
	me, err := auth.CreateUser(ctx, a.DB, auth.NewUser{Email: "me@example.com", Name: "Me", Role: helpdesk.RoleRequester, Password: password})
	if err != nil {
		return err
	}
	other, err := auth.CreateUser(ctx, a.DB, auth.NewUser{Email: "other@example.com", Name: "Other", Role: helpdesk.RoleRequester})
	if err != nil {
		return err
	}
	// 50,000 tickets of someone else, 300 of mine; searchable text.
	if _, err := a.DB.RawPool().Exec(ctx, `INSERT INTO tickets (subject, requester_id, status, updated_at, search)
		SELECT 'Ticket ' || g || CASE WHEN g % 7 = 0 THEN ' printer' ELSE ' laptop' END,
		       CASE WHEN g % 167 = 0 THEN $1::bigint ELSE $2::bigint END,
		       CASE WHEN g % 5 = 0 THEN 'resolved' ELSE 'open' END,
		       now() - make_interval(mins => g),
		       to_tsvector('english', 'Ticket ' || g || CASE WHEN g % 7 = 0 THEN ' printer' ELSE ' laptop' END)
		FROM generate_series(1, 50000) g`, me.ID, other.ID); err != nil {
		return err
	}
	if _, err := a.DB.RawPool().Exec(ctx, "ANALYZE"); err != nil {
		return err
	}
	mine, err := a.Tickets.Create(ctx, me, ticket.CreateInput{Subject: "Printer error 42", Description: "The printer shows **error 42**."})
	if err != nil {
		return err
	}
	for i := range 10 {
		if _, err := a.Tickets.AddMessage(ctx, me, mine.Number, ticket.MessageInput{Body: fmt.Sprintf("Update %d: still broken.", i)}); err != nil {
			return err
		}
	}
	base := "http://" + a.Addr
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	login, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(url.Values{"email": {me.Email}, "password": {password}}.Encode()))
	if err != nil {
		return err
	}
	login.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := client.Do(login)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("sign in: %d", res.StatusCode)
	}
	get := func(path string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return err
		}
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			return err
		}
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %d", path, res.StatusCode)
		}
		return nil
	}
	sqlList := func(query string) func(int) error {
		return func(int) error {
			args := []any{me.ID}
			where := "t.requester_id = $1 AND t.status NOT IN ('resolved', 'closed')"
			if query != "" {
				where += " AND t.search @@ websearch_to_tsquery('english', $2)"
				args = append(args, query)
			}
			rows, err := a.DB.RawPool().Query(ctx, `SELECT t.number, t.subject, t.status, t.priority, a.name, t.updated_at
				FROM tickets t LEFT JOIN users a ON a.id = t.assignee_id WHERE `+where+`
				ORDER BY t.updated_at DESC, t.id DESC LIMIT 26`, args...)
			if err != nil {
				return err
			}
			rows.Close()
			return rows.Err()
		}
	}
	sqlTicket := func(int) error {
		var id int64
		if err := a.DB.RawPool().QueryRow(ctx, "SELECT id FROM tickets WHERE number = $1", mine.Number).Scan(&id); err != nil {
			return err
		}
		rows, err := a.DB.RawPool().Query(ctx, "SELECT body_html, created_at FROM messages WHERE ticket_id = $1 AND NOT internal ORDER BY created_at, id", id)
		if err != nil {
			return err
		}
		rows.Close()
		return rows.Err()
	}
	const n = 400
	rows := [][]string{{"page (" + fmt.Sprint(n) + " sequential requests, alternating with bare SQL)", "p50", "p95", "bare SQL p50", "ratio p50"}}
	for _, c := range []struct {
		name, path string
		sql        func(int) error
	}{
		{"GET /tickets (My tickets, 300 of 50k)", "/tickets", sqlList("")},
		{"GET /tickets?q=printer (search)", "/tickets?q=printer", sqlList("printer")},
		{fmt.Sprintf("GET /tickets/%d (11 messages)", mine.Number), fmt.Sprintf("/tickets/%d", mine.Number), sqlTicket},
	} {
		if err := get(c.path); err != nil { // warm up, and fail early
			return err
		}
		if err := c.sql(0); err != nil {
			return err
		}
		// Alternately, so that a slow spell of the machine weighs on both.
		page, raw, err := pairedLatencies(n, func(int) error { return get(c.path) }, c.sql)
		if err != nil {
			return err
		}
		rows = append(rows, []string{c.name, ms(pct(page, 50)), ms(pct(page, 95)), ms(pct(raw, 50)),
			fmt.Sprintf("%.1fx", float64(pct(page, 50))/float64(max(pct(raw, 50), time.Microsecond)))})
	}
	table(env.Out, rows)
	fmt.Fprintln(env.Out, strings.TrimSpace(`
The page figure includes the session lookup, the visibility-checked keyset
query, templ rendering and HTTP on loopback; bare SQL is the list or
conversation query alone.`))
	return nil
}
