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
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// e2eRoster is a 16-agent, round-the-clock service desk whose one category
// catches the benchmark's subjects by keyword, so every created ticket is
// categorised, prioritised, given deadlines and assigned: the full triage
// path, not the short "left for a person" one.
var e2eRoster = []string{
	`INSERT INTO teams (slug, name) VALUES ('desk', 'Desk')`,
	`INSERT INTO categories (name, team_id, required_skill, keywords)
		SELECT 'General', id, 'general', '{vpn,printer,laptop,password,email}' FROM teams WHERE slug = 'desk'`,
	`INSERT INTO users (email, name, role) SELECT 'agent' || g || '@example.com', 'Agent ' || g, 'agent' FROM generate_series(1, 16) g`,
	`INSERT INTO agent_profiles (user_id, capacity) SELECT id, 1000000 FROM users WHERE role = 'agent'`,
	`INSERT INTO team_members (team_id, user_id) SELECT t.id, u.id FROM teams t, users u WHERE t.slug = 'desk' AND u.role = 'agent'`,
	`INSERT INTO agent_skills SELECT id, 'general', 2 FROM users WHERE role = 'agent'`,
	`INSERT INTO agent_hours SELECT id, d, 0, 1440 FROM users, generate_series(0, 6) d WHERE role = 'agent'`,
	`INSERT INTO intake_addresses (local_part) VALUES ('it')`,
	// The raw-insert baseline's table: the tickets table's columns,
	// defaults and every one of its indexes (both GIN full-text indexes,
	// the trigram index, the partial queue indexes), without the foreign
	// keys, triggers or anything that reacts to a new row.
	`CREATE TABLE bench_raw_tickets (LIKE tickets INCLUDING ALL)`,
}

const (
	e2eSecret   = "bench-secret-key-0123456789abcdef0123456789"
	e2ePassword = "bench-password-123"
)

// e2eFixture is what the load generator needs: requester accounts with a
// password (one per portal connection) and a staff API token.
type e2eFixture struct {
	conn       string
	requesters []string // emails
	token      string
	requester  int64 // id of the first requester, for the raw baseline
}

// setupE2E makes a fresh database with the roster and accounts, using an
// in-process node whose workers are stopped; it is shut down before the
// measured node starts.
func setupE2E(ctx context.Context, env *Env, clients int) (*e2eFixture, error) {
	conn, err := env.Database(ctx, "bench_e2e", true)
	if err != nil {
		return nil, err
	}
	a, err := env.StartApp(ctx, conn, map[string]string{"NO_HTTP": "1", "SWITCHBOARD_SECRET_KEY": e2eSecret})
	if err != nil {
		return nil, err
	}
	defer a.Shutdown(context.WithoutCancel(ctx))
	if err := a.Jobs.Stop(ctx); err != nil {
		return nil, err
	}
	for _, q := range e2eRoster {
		if _, err := a.DB.RawPool().Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("roster: %w", err)
		}
	}
	f := &e2eFixture{conn: conn}
	for i := range clients {
		email := fmt.Sprintf("employee%d@example.com", i)
		u, err := auth.CreateUser(ctx, a.DB, auth.NewUser{Email: email, Name: fmt.Sprintf("Employee %d", i),
			Role: helpdesk.RoleRequester, Password: e2ePassword})
		if err != nil {
			return nil, err
		}
		if i == 0 {
			f.requester = u.ID
		}
		f.requesters = append(f.requesters, email)
	}
	agent, err := auth.CreateUser(ctx, a.DB, auth.NewUser{Email: "bench-api@example.com", Name: "Bench API",
		Role: helpdesk.RoleAgent})
	if err != nil {
		return nil, err
	}
	if f.token, _, err = a.Tokens.Create(ctx, agent, auth.NewToken{Name: "bench"}); err != nil {
		return nil, err
	}
	return f, nil
}

// signIn returns a client holding a requester's session on base.
func signIn(ctx context.Context, base, email string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"email": {email}, "password": {e2ePassword}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in %s: %d", email, res.StatusCode)
	}
	return c, nil
}

// followUpKinds are the jobs a new ticket or mail causes; the benchmark
// waits until none is left to run.
var followUpKinds = []string{jobs.TriageArgs{}.Kind(), jobs.TriageAlertArgs{}.Kind(), jobs.AutomationArgs{}.Kind(),
	jobs.ChangedArgs{}.Kind(), jobs.ProcessArgs{}.Kind(),
	jobs.AckArgs{}.Kind(), jobs.RefusalArgs{}.Kind(), jobs.SendArgs{}.Kind(), jobs.MentionArgs{}.Kind()}

// caughtUp waits until every ticket since fromID is triaged, no mail is
// left unprocessed and no follow-up job (triage, notifications, mail
// processing) is left to run. It polls every 50 ms with cheap index probes
// (the poll's own cost is part of the PostgreSQL CPU measured) and returns
// when that first held. Tickets are looked at only once nothing is pending:
// with tickets born triaged the look walks every ticket since the last
// untriaged one found (~0.3 ms of PostgreSQL CPU per mail when polled all
// through an SMTP run's queue tail). The look starts from the lowest
// untriaged ticket it found last: tickets are triaged roughly in order, so
// it walks the primary key over the few triaged since (counting all of the
// run's tickets each time cost ~3 ms a poll, ~0.13 ms per ticket).
func caughtUp(ctx context.Context, db *postgres.DB, fromID int64, limit time.Duration) (time.Time, error) {
	deadline := time.Now().Add(limit)
	for {
		var untriaged, pending int
		// Mail not processed yet is no River job while it waits in a
		// node's local queue, and no ticket: its row says so.
		err := db.RawPool().QueryRow(ctx, `SELECT (SELECT count(*) FROM (SELECT FROM river_job
			WHERE state IN ('available', 'running') AND kind = ANY($1) LIMIT 1) j)
			+ (SELECT count(*) FROM (SELECT FROM inbound_mail WHERE status = 'queued' LIMIT 1) q)`,
			followUpKinds).Scan(&pending)
		if err == nil && pending == 0 {
			var low *int64
			err = db.RawPool().QueryRow(ctx, `SELECT min(id) FROM tickets WHERE id > $1 AND triaged_at IS NULL
				AND status NOT IN ('resolved', 'closed')`, fromID).Scan(&low)
			if low != nil {
				untriaged, fromID = 1, *low-1
			}
		}
		if err != nil {
			return time.Time{}, err
		}
		if untriaged == 0 && pending == 0 {
			return time.Now(), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("not caught up after %s: mail or follow-up jobs pending %v, ticket %d untriaged",
				limit, pending > 0, fromID+1)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lastTicketID is the highest ticket id so far.
func lastTicketID(ctx context.Context, db *postgres.DB) (int64, error) {
	var id int64
	err := db.RawPool().QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM tickets`).Scan(&id)
	return id, err
}

// statements returns pg_stat_statements' top entries since its last reset
// (by total time), as rows for the table; empty when the extension is not
// loaded.
func statements(ctx context.Context, db *postgres.DB, per int, top int) [][]string {
	return statementsBy(ctx, db, per, top, "total_exec_time", 90)
}

// statementsBy is statements ordered by a pg_stat_statements column
// (calls or total_exec_time), each cut to width characters.
func statementsBy(ctx context.Context, db *postgres.DB, per, top int, order string, width int) [][]string {
	if order != "calls" {
		order = "total_exec_time"
	}
	rows, err := db.RawPool().Query(ctx, `SELECT calls, total_exec_time, rows, regexp_replace(query, '\s+', ' ', 'g')
		FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
		ORDER BY `+order+` DESC LIMIT $1`, top)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var calls, nrows int64
		var total float64
		var q string
		if rows.Scan(&calls, &total, &nrows, &q) != nil {
			return nil
		}
		if len(q) > width {
			q = q[:width] + "…"
		}
		out = append(out, []string{fmt.Sprintf("%.2f", float64(calls)/float64(max(per, 1))),
			fmt.Sprintf("%.3f", total/float64(max(per, 1))), strings.TrimSpace(q)})
	}
	return out
}

// resetStatements clears pg_stat_statements (no-op without it).
func resetStatements(ctx context.Context, db *postgres.DB) {
	_, _ = db.RawPool().Exec(ctx, `SELECT pg_stat_statements_reset()`)
}
