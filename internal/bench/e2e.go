package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/internal/postgres"
)

func init() { register(Bench{Name: "e2e", Order: 5, Run: benchE2E}) }

// e2eClients is the number of concurrent connections of every path, as
// the wrk runs (8 connections).
const e2eClients = 8

// e2eRun is one measured path.
type e2eRun struct {
	name     string
	requests int           // answered as wanted (303, 201, 250)
	tickets  int           // tickets created
	created  time.Duration // first request to last answer
	endToEnd time.Duration // first request to caught up
	lat      []time.Duration
	app, pg  time.Duration // CPU used from start to caught up
	pgSplit  pgCPU         // pg by kind of process
	// cleanup is PostgreSQL's CPU for the VACUUM and CHECKPOINT after the
	// run: the work its tickets left behind (dead row versions, GIN
	// pending lists, dirty pages), which autovacuum would otherwise do
	// during the next path's run.
	cleanup time.Duration
	// multiXacts were made during the run and its cleanup (read at the
	// checkpoints before and after).
	multiXacts int64
	// born is the node's born-batch counters' growth during the run.
	born       bornStats
	load       string
	statements [][]string
}

// benchE2E: tickets created over HTTP (portal form and API) and SMTP
// against a separate `switchboard serve` process with every worker on, until
// triage, SLA deadlines and notifications have caught up; CPU per ticket of
// that process and of the whole PostgreSQL cluster from /proc; beside it a
// ticket-shaped single-row INSERT into a copy of the tickets table with all
// of its indexes, in the same run.
func benchE2E(ctx context.Context, env *Env) error {
	f, err := setupE2E(ctx, env, e2eClients)
	if err != nil {
		return err
	}
	bin, err := buildSwitchboard(ctx, env.DataDir)
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, f.conn, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	var backend int
	if err := db.RawPool().QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		return err
	}
	// PostgreSQL's CPU is read from /proc: with BENCH_DATABASE_URL on
	// another machine it is not measured (shown as 0).
	postmaster, err := parentPID(backend)
	if err != nil {
		postmaster = 0
		fmt.Fprintln(env.Out, "PostgreSQL is not on this machine: its CPU is not measured")
	}
	_, _ = db.RawPool().Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`)
	vars := map[string]string{
		"DATABASE_URL": f.conn, "SWITCHBOARD_DATA_DIR": filepath.Join(env.DataDir, "e2e-node"),
		"SWITCHBOARD_SECRET_KEY": e2eSecret, "SWITCHBOARD_LOG_LEVEL": "warn",
		"SWITCHBOARD_API_RATE": "100000", "SWITCHBOARD_API_BURST": "1000000",
		"SWITCHBOARD_MAIL_DOMAIN": benchMailDomain, "SWITCHBOARD_MAIL_AUTH": "off",
		"SWITCHBOARD_METRICS_TOKEN": e2eMetricsToken,
	}
	profDir := os.Getenv("BENCH_E2E_PROFILE")
	if profDir != "" {
		if err := os.MkdirAll(profDir, 0o750); err != nil { //nolint:gosec // the directory the user named
			return err
		}
		if vars["SWITCHBOARD_DEBUG_ADDR"], err = freeAddr(ctx); err != nil {
			return err
		}
	}
	srv, err := startServe(ctx, bin, vars)
	if err != nil {
		return err
	}
	if profDir != "" {
		srv.debug, srv.profDir = "http://"+vars["SWITCHBOARD_DEBUG_ADDR"], profDir
	}
	defer srv.stop()
	d := 10 * time.Second

	// The baseline first, on the idle node.
	rawRate, rawPG, err := rawInsertBaseline(ctx, db, postmaster, f.requester, 5*time.Second)
	if err != nil {
		return err
	}
	// Every path starts from the same state: nothing left to vacuum or
	// checkpoint from the setup and the baseline.
	if _, err := cleanUp(ctx, db, postmaster); err != nil {
		return err
	}
	var runs []*e2eRun
	paths, err := e2ePaths()
	if err != nil {
		return err
	}
	for _, p := range paths {
		var run *e2eRun
		switch p {
		case "portal":
			run, err = e2ePortal(ctx, db, srv, postmaster, f, d)
		case "api":
			run, err = e2eAPI(ctx, db, srv, postmaster, f, d, false)
		case "api-key":
			run, err = e2eAPI(ctx, db, srv, postmaster, f, d, true)
		case "smtp":
			run, err = e2eSMTP(ctx, db, srv, postmaster, d)
		}
		if err != nil {
			return err
		}
		runs = append(runs, run)
	}
	printE2E(env.Out, runs, rawRate, rawPG)
	return nil
}

// e2ePaths are the paths to measure, in order: BENCH_E2E_PATHS
// (comma-separated portal, api, smtp), all of them when unset.
func e2ePaths() ([]string, error) {
	v := os.Getenv("BENCH_E2E_PATHS")
	if v == "" {
		v = "portal,api,smtp"
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		switch p = strings.TrimSpace(p); p {
		case "portal", "api", "api-key", "smtp":
			out = append(out, p)
		case "":
		default:
			return nil, fmt.Errorf("BENCH_E2E_PATHS=%q: %q is none of portal, api, api-key, smtp", v, p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("BENCH_E2E_PATHS=%q names none of portal, api, api-key, smtp", v)
	}
	return out, nil
}

// rawInsertBaseline inserts ticket-shaped rows (subject, requester, both
// weighted search vectors) into bench_raw_tickets from 8 workers and returns
// the rate and PostgreSQL's CPU per insert.
func rawInsertBaseline(ctx context.Context, db *postgres.DB, postmaster int, requester int64, d time.Duration) (float64, time.Duration, error) {
	const body = "Since this morning the VPN client disconnects every few minutes; reconnecting works for a while."
	pg0, err := clusterCPU(postmaster)
	if err != nil {
		return 0, 0, err
	}
	var n int
	var mu sync.Mutex
	r, err := rate(ctx, e2eClients, d, func(ctx context.Context, w, i int) error {
		_, err := db.RawPool().Exec(ctx, `INSERT INTO bench_raw_tickets (subject, requester_id, search)
			VALUES ($1, $2, setweight(to_tsvector('english', $1), 'A') || setweight(to_tsvector('english', $3), 'B'))`,
			fmt.Sprintf("VPN drops every few minutes on laptop %d-%d", w, i), requester, body)
		if err == nil {
			mu.Lock()
			n++
			mu.Unlock()
		}
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	pg1, err := clusterCPU(postmaster)
	if err != nil {
		return 0, 0, err
	}
	return r, (pg1 - pg0) / time.Duration(max(n, 1)), nil
}

// e2eCount is BENCH_E2E_COUNT: when set, each measured path sends that
// many requests instead of loading for a fixed time. Arms whose acceptance
// rates differ then process the same work (with a fixed time, the faster
// arm queued more mail than the dispatcher's local queue holds, and its
// overflow took the River path the other arm never took).
func e2eCount() (int, error) {
	v := os.Getenv("BENCH_E2E_COUNT")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("BENCH_E2E_COUNT=%q: want a number of requests above 0", v)
	}
	return n, nil
}

// drive runs op from e2eClients workers until d has passed, or, with n > 0,
// until n calls have started, and returns the latencies of the successful
// calls; the first error ends the run.
func drive(ctx context.Context, d time.Duration, n int, op func(ctx context.Context, w, i int) error) ([]time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	until := time.Now().Add(d)
	var started atomic.Int64
	more := func() bool {
		if n > 0 {
			return started.Add(1) <= int64(n)
		}
		return time.Now().Before(until)
	}
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	for w := range e2eClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := 0; ctx.Err() == nil && more(); i++ {
				start := time.Now()
				if err := op(ctx, w, i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					break
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(all)
	return all, firstErr
}

// measure runs one path: load for d, then wait until caught up, with CPU
// and statement figures from its start.
func measure(ctx context.Context, name string, db *postgres.DB, srv *serveProc, postmaster int, d time.Duration,
	op func(ctx context.Context, w, i int) error) (*e2eRun, error) {
	if err := warmUp(ctx, name, db, postmaster, op); err != nil {
		return nil, err
	}
	from, err := lastTicketID(ctx, db)
	if err != nil {
		return nil, err
	}
	mx0 := nextMultiXact(ctx, db)
	resetStatements(ctx, db)
	run := &e2eRun{name: name, load: loadAvg()}
	app0, err := srv.cpu()
	if err != nil {
		return nil, err
	}
	pg0, err := clusterCPUSplit(postmaster)
	if err != nil {
		return nil, err
	}
	born0, err := srv.bornStats(ctx)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	prof := srv.profile(ctx, name, d)
	n, err := e2eCount()
	if err != nil {
		return nil, err
	}
	if run.lat, err = drive(ctx, d, n, op); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	run.created = time.Since(start)
	if err := <-prof; err != nil {
		return nil, fmt.Errorf("%s: profile: %w", name, err)
	}
	done, err := caughtUp(ctx, db, from, 10*time.Minute)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	run.endToEnd = done.Sub(start)
	if err := detectorCaughtUp(ctx, db, 5*time.Minute); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	app1, err := srv.cpu()
	if err != nil {
		return nil, err
	}
	pg1, err := clusterCPUSplit(postmaster)
	if err != nil {
		return nil, err
	}
	born1, err := srv.bornStats(ctx)
	if err != nil {
		return nil, err
	}
	run.born = born1.sub(born0)
	run.pgSplit = pg1.sub(pg0)
	run.app, run.pg = app1-app0, run.pgSplit.backends+run.pgSplit.background
	run.requests = len(run.lat)
	if err := db.RawPool().QueryRow(ctx, `SELECT count(*) FROM tickets WHERE id > $1`, from).Scan(&run.tickets); err != nil {
		return nil, err
	}
	run.statements = statements(ctx, db, run.tickets, 12)
	if run.cleanup, err = cleanUp(ctx, db, postmaster); err != nil {
		return nil, err
	}
	run.multiXacts = nextMultiXact(ctx, db) - mx0
	if srv.profDir != "" {
		// Every statement by calls per ticket, beside the CPU profile: round
		// trips are most of the app's CPU.
		var b strings.Builder
		table(&b, append([][]string{{"calls", "ms", "statement"}}, statementsBy(ctx, db, run.tickets, 100, "calls", 160)...))
		file := filepath.Join(srv.profDir, "e2e-"+strings.ToLower(strings.Fields(name)[0])+".statements.txt")
		if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
			return nil, err
		}
	}
	return run, nil
}

const e2eBody = "Since this morning the VPN client disconnects every few minutes; reconnecting works for a while.\n\n" +
	"I am on the **office Wi-Fi**, laptop model X1."

// e2ePortal posts the new-ticket form as signed-in employees (303 to the
// ticket's page, not followed).
func e2ePortal(ctx context.Context, db *postgres.DB, srv *serveProc, postmaster int, f *e2eFixture, d time.Duration) (*e2eRun, error) {
	clients := make([]*http.Client, e2eClients)
	for i := range clients {
		var err error
		if clients[i], err = signIn(ctx, srv.base, f.requesters[i%len(f.requesters)]); err != nil {
			return nil, err
		}
	}
	return measure(ctx, "portal form POST /tickets/new", db, srv, postmaster, d, func(ctx context.Context, w, i int) error {
		form := url.Values{"subject": {fmt.Sprintf("VPN drops every few minutes on laptop %d-%d", w, i)},
			"description": {e2eBody}, "urgency": {"high"}, "impact": {"person"}}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.base+"/tickets/new", strings.NewReader(form.Encode()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := clients[w].Do(req)
		if err != nil {
			return err
		}
		defer func() { _ = res.Body.Close() }()
		return expect(res, http.StatusSeeOther)
	})
}

// e2eAPI posts JSON tickets with a staff token; with key, each with its own
// Idempotency-Key, as a client that retries safely sends them.
func e2eAPI(ctx context.Context, db *postgres.DB, srv *serveProc, postmaster int, f *e2eFixture, d time.Duration, key bool) (*e2eRun, error) {
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 2 * e2eClients}}
	name := "API POST /api/v1/tickets"
	if key {
		name = "API+key POST /api/v1/tickets, Idempotency-Key"
	}
	stamp := time.Now().UnixNano()
	return measure(ctx, name, db, srv, postmaster, d, func(ctx context.Context, w, i int) error {
		body, _ := json.Marshal(map[string]any{"subject": fmt.Sprintf("Printer on floor %d jams (%d)", w, i),
			"description": e2eBody, "urgency": "high", "requester_email": f.requesters[i%len(f.requesters)]})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.base+"/api/v1/tickets", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+f.token)
		req.Header.Set("Content-Type", "application/json")
		if key {
			req.Header.Set("Idempotency-Key", fmt.Sprintf("e2e-%d-%d-%d", stamp, w, i))
		}
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer func() { _ = res.Body.Close() }()
		return expect(res, http.StatusCreated)
	})
}

// expect drains a response (the caller closes it) and checks its status.
func expect(res *http.Response, want int) error {
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: %d %.200s", res.Request.Method, res.Request.URL.Path, res.StatusCode, b)
	}
	return nil
}

// e2eSMTP sends corpus mails on persistent SMTP connections, one mail per
// transaction as an MTA does; a request is one mail from MAIL FROM to 250.
func e2eSMTP(ctx context.Context, db *postgres.DB, srv *serveProc, postmaster int, d time.Duration) (*e2eRun, error) {
	corpus, err := mailCorpus()
	if err != nil {
		return nil, err
	}
	conns := make([]*smtp.Client, e2eClients)
	defer func() {
		for _, c := range conns {
			if c != nil {
				_ = c.Quit()
			}
		}
	}()
	stamp := time.Now().UnixNano()
	return measure(ctx, "SMTP to it@ (corpus mails)", db, srv, postmaster, d, func(ctx context.Context, w, i int) error {
		if conns[w] == nil {
			conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", srv.smtp)
			if err != nil {
				return err
			}
			if conns[w], err = smtp.NewClient(conn, "127.0.0.1"); err != nil {
				return err
			}
		}
		n := w*1_000_000 + i
		raw := append([]byte(fmt.Sprintf("Message-ID: <e2e-%d-%d@bench.example>\r\n", stamp, n)), corpus[n%len(corpus)]...)
		return sendOn(conns[w], raw)
	})
}

func printE2E(w io.Writer, runs []*e2eRun, rawRate float64, rawPG time.Duration) {
	load := runs[0].created.Round(time.Second).String() + " of load"
	if n, _ := e2eCount(); n > 0 {
		load = fmt.Sprintf("%d requests (BENCH_E2E_COUNT)", n)
	}
	fmt.Fprintf(w, "%d concurrent clients per path, %s each, against `switchboard serve` (its own process,\n"+
		"every worker on; PostgreSQL with fsync and synchronous commit on). End to end = until every new\n"+
		"ticket is triaged (category, priority, deadlines, assignee) and no triage, mail or notification job is left.\n",
		e2eClients, load)
	rows := [][]string{{"path", "requests", "tickets", "created/s", "end-to-end/s", "p50", "p99",
		"app CPU/ticket", "PG CPU/ticket", "total CPU/ticket", "raw inserts/s ÷ e2e/s", "load avg"}}
	for _, r := range runs {
		per := func(c time.Duration) string {
			return fmt.Sprintf("%.2f ms", float64(c.Microseconds())/1000/float64(max(r.tickets, 1)))
		}
		e2e := float64(r.tickets) / r.endToEnd.Seconds()
		rows = append(rows, []string{r.name, fmt.Sprint(r.requests), fmt.Sprint(r.tickets),
			fmt.Sprintf("%.0f", float64(r.requests)/r.created.Seconds()), fmt.Sprintf("%.0f", e2e),
			ms(pct(r.lat, 50)), ms(pct(r.lat, 99)), per(r.app), per(r.pg), per(r.app + r.pg),
			fmt.Sprintf("%.2f", rawRate/max(e2e, 0.001)), r.load})
	}
	rows = append(rows, []string{"baseline: raw ticket-shaped INSERT (all tickets indexes, search vectors)", "-", "-",
		fmt.Sprintf("%.0f", rawRate), "-", "-", "-", "-", ms(rawPG), ms(rawPG), "1.00", loadAvg()})
	table(w, rows)
	fmt.Fprintln(w, "targets: end to end ≥ 1000/s with p99 ≤ 50 ms; app+PG CPU ≤ 2 ms per ticket; mail ≥ 500/s to triaged ticket")
	printPGSplit(w, runs)
	printBorn(w, runs)
	for _, r := range runs {
		if len(r.statements) == 0 {
			continue
		}
		fmt.Fprintf(w, "\npg_stat_statements, %s (per ticket, top by time):\n", r.name)
		table(w, append([][]string{{"calls", "ms", "statement"}}, r.statements...))
	}
}
