package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"switchboard/internal/app"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
)

func init() { register(Bench{Name: "api", Order: 30, Run: benchAPI}) }

// apiSeed is how many tickets the list benchmark reads from; the data set
// is kept between runs in the bench_api_list database.
const apiSeed = 200_000

// benchAPI measures the REST API over loopback HTTP against raw SQL from
// the same run: POST /api/v1/tickets with 16 concurrent clients beside
// single-row INSERTs from 16 workers, and GET /api/v1/tickets?limit=50
// latency beside the same page read with one SELECT.
func benchAPI(ctx context.Context, env *Env) error {
	if err := benchAPICreate(ctx, env); err != nil {
		return err
	}
	return benchAPIList(ctx, env)
}

// apiNode is a node serving HTTP on loopback, with River's workers stopped
// (they would compete for the cores; jobs are still enqueued), no rate
// limit, and a staff token.
type apiNode struct {
	a      *app.App
	base   string
	token  string
	user   *helpdesk.User
	client *http.Client
}

func startAPINode(ctx context.Context, env *Env, db string, fresh bool) (*apiNode, error) {
	conn, err := env.Database(ctx, db, fresh)
	if err != nil {
		return nil, err
	}
	a, err := env.StartApp(ctx, conn, map[string]string{"SWITCHBOARD_HTTP_ADDR": "127.0.0.1:0"})
	if err != nil {
		return nil, err
	}
	n := &apiNode{a: a, base: "http://" + a.Addr,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	if err := n.init(ctx); err != nil {
		a.Shutdown(context.WithoutCancel(ctx))
		return nil, err
	}
	return n, nil
}

func (n *apiNode) init(ctx context.Context) error {
	if err := n.a.Jobs.Stop(ctx); err != nil {
		return err
	}
	n.a.API.SetRateLimit(1e9, 1e9)
	const email = "bench-agent@example.com"
	if u, err := n.a.DB.UserByEmail(ctx, email); err == nil {
		n.user = u
	} else if n.user, err = auth.CreateUser(ctx, n.a.DB, auth.NewUser{Email: email, Name: "Bench Agent",
		Role: helpdesk.RoleAgent}); err != nil {
		return err
	}
	var err error
	n.token, _, err = n.a.Tokens.Create(ctx, n.user, auth.NewToken{Name: "bench"})
	return err
}

// call sends one request and fails unless the status is want.
func (n *apiNode) call(ctx context.Context, method, path string, body []byte, want int) error {
	req, err := http.NewRequestWithContext(ctx, method, n.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+n.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := n.client.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return nil
}

func benchAPICreate(ctx context.Context, env *Env) error {
	n, err := startAPINode(ctx, env, "bench_api", true)
	if err != nil {
		return err
	}
	defer n.a.Shutdown(context.WithoutCancel(ctx))
	const clients = 16
	d := 8 * time.Second
	raw, err := rate(ctx, clients, d, func(ctx context.Context, w, i int) error {
		_, err := n.a.DB.RawPool().Exec(ctx, "INSERT INTO tickets (subject, requester_id) VALUES ($1, $2)",
			fmt.Sprintf("raw %d-%d", w, i), n.user.ID)
		return err
	})
	if err != nil {
		return err
	}
	api, err := rate(ctx, clients, d, func(ctx context.Context, w, i int) error {
		body, _ := json.Marshal(map[string]any{
			"subject":     fmt.Sprintf("VPN drops every few minutes on laptop %d-%d", w, i),
			"description": "Since this morning the VPN client disconnects every few minutes; reconnecting works for a while.",
			"urgency":     "high",
		})
		err := n.call(ctx, http.MethodPost, "/api/v1/tickets", body, http.StatusCreated)
		if ctx.Err() != nil {
			return nil // the run's deadline cut a request short
		}
		return err
	})
	if err != nil {
		return err
	}
	table(env.Out, [][]string{
		{fmt.Sprintf("operation (%d concurrent clients, %s each)", clients, d), "rate"},
		{"raw single-row INSERT into tickets", fmt.Sprintf("%.0f /s", raw)},
		{"POST /api/v1/tickets over loopback HTTP (auth, JSON, ticket+message+event+job+notify)", fmt.Sprintf("%.0f /s", api)},
		{"ratio (raw inserts per API create)", fmt.Sprintf("%.2f", raw/api)},
	})
	return nil
}

func benchAPIList(ctx context.Context, env *Env) error {
	n, err := startAPINode(ctx, env, "bench_api_list", !env.Keep)
	if err != nil {
		return err
	}
	defer n.a.Shutdown(context.WithoutCancel(ctx))
	var have int
	if err := n.a.DB.RawPool().QueryRow(ctx, "SELECT count(*) FROM tickets").Scan(&have); err != nil {
		return err
	}
	if have < apiSeed {
		start := time.Now()
		if err := seedTickets(ctx, n, apiSeed-have); err != nil {
			return err
		}
		fmt.Fprintf(env.Out, "seeded %d tickets in %s\n", apiSeed-have, time.Since(start).Round(time.Second))
	}
	const reps = 300
	apiLat, err := latencies(reps, func(int) error {
		return n.call(ctx, http.MethodGet, "/api/v1/tickets?limit=50", nil, http.StatusOK)
	})
	if err != nil {
		return err
	}
	// The baseline: the same page (same joins, order and limit, no
	// visibility rule, no HTTP or JSON) with one SELECT on the pool.
	rawLat, err := latencies(reps, func(int) error {
		rows, err := n.a.DB.RawPool().Query(ctx, `SELECT t.id, t.number, t.subject, t.status, t.priority, t.updated_at,
			c.name, tm.slug, a.email, r.email
			FROM tickets t JOIN users r ON r.id = t.requester_id LEFT JOIN categories c ON c.id = t.category_id
			LEFT JOIN teams tm ON tm.id = t.team_id LEFT JOIN users a ON a.id = t.assignee_id
			ORDER BY t.updated_at DESC, t.id DESC LIMIT 50`)
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		rows.Close()
		return rows.Err()
	})
	if err != nil {
		return err
	}
	table(env.Out, [][]string{
		{fmt.Sprintf("first page of 50, %d tickets, agent token, %d sequential requests", apiSeed, reps), "p50", "p95"},
		{"raw SELECT (same joins and order)", ms(pct(rawLat, 50)), ms(pct(rawLat, 95))},
		{"GET /api/v1/tickets?limit=50 over loopback HTTP", ms(pct(apiLat, 50)), ms(pct(apiLat, 95))},
		{"ratio (API / raw)", fmt.Sprintf("%.2f", float64(pct(apiLat, 50))/float64(pct(rawLat, 50))),
			fmt.Sprintf("%.2f", float64(pct(apiLat, 95))/float64(pct(rawLat, 95)))},
	})
	return nil
}

// seedTickets inserts count tickets spread over two years, with search
// vectors, from 50 requesters, in batches of 50,000.
func seedTickets(ctx context.Context, n *apiNode, count int) error {
	if _, err := n.a.DB.RawPool().Exec(ctx, `INSERT INTO users (email, name, role)
		SELECT 'seed' || g || '@example.com', 'Seed ' || g, 'requester' FROM generate_series(1, 50) g
		ON CONFLICT DO NOTHING`); err != nil {
		return err
	}
	for done := 0; done < count; done += 50_000 {
		batch := min(50_000, count-done)
		if _, err := n.a.DB.RawPool().Exec(ctx, `INSERT INTO tickets (subject, status, priority, requester_id, created_at, updated_at, due_at, search)
			SELECT s.subject, (ARRAY['new','open','pending','on_hold','resolved','closed'])[1 + g % 6],
			       (ARRAY['P1','P2','P3','P4'])[1 + g % 4],
			       (SELECT id FROM users WHERE email = 'seed' || (1 + g % 50) || '@example.com'),
			       s.at, s.at + interval '1 hour', s.at + interval '8 hours', to_tsvector('english', s.subject)
			FROM generate_series(1, $1::int) g,
			LATERAL (SELECT 'Printer ' || g || ' on floor ' || (g % 7) || ' jams' AS subject,
			                now() - (random() * interval '730 days') AS at) s`, batch); err != nil {
			return err
		}
	}
	_, err := n.a.DB.RawPool().Exec(ctx, "ANALYZE tickets")
	return err
}
