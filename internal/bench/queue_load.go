package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/internal/postgres"
)

func init() { register(Bench{Name: "queue-load", Order: 41, Run: benchQueueLoad}) }

// queueLoadClients is the number of concurrent connections, as the
// issue's wrk runs (8 connections, 8 concurrent users).
const queueLoadClients = 8

// benchQueueLoad measures the staff queue as users load it: 8 keep-alive
// HTTP connections requesting the same page for a while, on the queue
// benchmark's million tickets, beside the page's bare query run from 8
// pooled connections for as long. It prints pages/s with p50 and p99 of the
// request, the bare query's rate and latencies, and their ratio.
func benchQueueLoad(ctx context.Context, env *Env) error {
	conn, err := env.Database(ctx, "bench_queue", !env.Keep)
	if err != nil {
		return err
	}
	if err := ensureQueueData(ctx, env, conn); err != nil {
		return err
	}
	a, err := env.StartApp(ctx, conn, map[string]string{"SWITCHBOARD_HTTP_ADDR": "127.0.0.1:0"})
	if err != nil {
		return err
	}
	defer a.Shutdown(context.WithoutCancel(ctx))
	// Nothing here needs the workers; they would compete for the cores.
	if err := a.Jobs.Stop(ctx); err != nil {
		return err
	}
	agent, cookie, err := queueAgent(ctx, a)
	if err != nil {
		return err
	}
	var backend int
	if err := a.DB.RawPool().QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		return err
	}
	postmaster, err := parentPID(backend)
	if err != nil {
		postmaster = 0 // PostgreSQL on another machine: its CPU is not measured
	}
	base := "http://" + a.Addr
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: queueLoadClients, MaxIdleConnsPerHost: queueLoadClients, DisableCompression: true}}
	var pageBytes atomic.Int64 // size of the last page read, for the table
	get := func(ctx context.Context, path string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return err
		}
		req.AddCookie(cookie)
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		n, err := io.Copy(io.Discard, res.Body)
		if err != nil {
			return err
		}
		pageBytes.Store(n)
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %d", path, res.StatusCode)
		}
		return nil
	}
	d := 8 * time.Second
	cases := []struct {
		name, path string
		q          postgres.QueueQuery
	}{
		{"All open, by due time", "/desk?view=open&sort=due", postgres.QueueQuery{Viewer: agent, View: postgres.ViewOpen, Sort: postgres.QueueByDue}},
		{"Unassigned (my teams)", "/desk?view=unassigned", postgres.QueueQuery{Viewer: agent, View: postgres.ViewUnassigned}},
		{"Search, two words (open)", "/desk?view=open&q=printer+error", postgres.QueueQuery{Viewer: agent, View: postgres.ViewOpen, Query: "printer error"}},
		{"Search, two words (resolved)", "/desk?view=resolved&q=laptop+battery", postgres.QueueQuery{Viewer: agent, View: postgres.ViewResolved, Query: "laptop battery"}},
	}
	rows := [][]string{{"page (8 connections)", "pages/s", "p50", "p99", "CPU/page", "KB/page", "bare/s", "bare p50", "bare p99", "CPU/bare", "pages/bare", "by CPU", "load"}}
	for _, c := range cases {
		sql, args, err := a.DB.QueueSQL(ctx, c.q)
		if err != nil {
			return err
		}
		bare := func(ctx context.Context) error {
			rows, err := a.DB.RawPool().Query(ctx, sql, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				_ = rows.RawValues()
			}
			rows.Close()
			return rows.Err()
		}
		page := func(ctx context.Context) error { return get(ctx, c.path) }
		// Warm both: connections, prepared statements, caches.
		for range 2 * queueLoadClients {
			if err := page(ctx); err != nil {
				return err
			}
			if err := bare(ctx); err != nil {
				return err
			}
		}
		load := loadAvg()
		pt, bt, err := alternate(ctx, d, postmaster, page, bare)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		rows = append(rows, []string{c.name, fmt.Sprintf("%.0f", pt.rate()), ms(pct(pt.lat, 50)), ms(pct(pt.lat, 99)), pt.cpuText(),
			fmt.Sprintf("%.1f", float64(pageBytes.Load())/1024), fmt.Sprintf("%.0f", bt.rate()), ms(pct(bt.lat, 50)), ms(pct(bt.lat, 99)), bt.cpuText(),
			fmt.Sprintf("%.0f %%", 100*pt.rate()/bt.rate()), fmt.Sprintf("%.0f %%", 100*bt.cpuPer().Seconds()/pt.cpuPer().Seconds()), load})
	}
	fmt.Fprintf(env.Out, "%d tickets; each page for %s from %d keep-alive HTTP connections (whole handler: session, query, template, HTTP on loopback), and its bare query for as long from %d pooled connections, in turns\n",
		queueTickets, d, queueLoadClients, queueLoadClients)
	table(env.Out, rows)
	fmt.Fprintln(env.Out, `CPU/x = CPU ms per request of this process (server and load generator) + of PostgreSQL, from /proc;
"by CPU" = bare query's CPU ÷ page's CPU, the pages/bare ratio a machine of our own would give.
targets: All open ≥ 3,000 pages/s and ≥ 35 % of the bare query's rate; two-word search p99 ≤ 50 ms`)
	return nil
}

// loadRounds is how many times page and bare query take turns: the box is
// shared, and a busy spell should weigh on both alike.
const loadRounds = 4

// loadTally is what one side of alternate measured.
type loadTally struct {
	lat      []time.Duration // sorted
	wall     time.Duration
	self, pg time.Duration // CPU of this process and of PostgreSQL
}

func (t *loadTally) rate() float64 { return float64(len(t.lat)) / t.wall.Seconds() }

// cpuPer is the CPU per request, this process and PostgreSQL together.
func (t *loadTally) cpuPer() time.Duration {
	return (t.self + t.pg) / time.Duration(max(len(t.lat), 1))
}

func (t *loadTally) cpuText() string {
	n := time.Duration(max(len(t.lat), 1))
	return fmt.Sprintf("%.2f+%.2f ms", float64(t.self/n)/1e6, float64(t.pg/n)/1e6)
}

// alternate runs a and b in turns, loadRounds times each for d/loadRounds,
// from queueLoadClients workers, and returns what each one measured.
func alternate(ctx context.Context, d time.Duration, postmaster int, a, b func(context.Context) error) (*loadTally, *loadTally, error) {
	ta, tb := &loadTally{}, &loadTally{}
	for range loadRounds {
		for _, x := range []struct {
			op func(context.Context) error
			t  *loadTally
		}{{a, ta}, {b, tb}} {
			self0, err := procCPU(os.Getpid(), false)
			if err != nil {
				return nil, nil, err
			}
			pg0, err := clusterCPU(postmaster)
			if err != nil {
				return nil, nil, err
			}
			t0 := time.Now()
			_, l, err := loadRun(ctx, queueLoadClients, d/loadRounds, x.op)
			if err != nil {
				return nil, nil, err
			}
			x.t.wall += time.Since(t0)
			self1, err := procCPU(os.Getpid(), false)
			if err != nil {
				return nil, nil, err
			}
			pg1, err := clusterCPU(postmaster)
			if err != nil {
				return nil, nil, err
			}
			x.t.self += self1 - self0
			x.t.pg += pg1 - pg0
			x.t.lat = append(x.t.lat, l...)
		}
	}
	slices.Sort(ta.lat)
	slices.Sort(tb.lat)
	return ta, tb, nil
}

// loadRun runs op from workers goroutines for d and returns operations per
// second and every operation's latency, sorted.
func loadRun(ctx context.Context, workers int, d time.Duration, op func(ctx context.Context) error) (float64, []time.Duration, error) {
	// The deadline is checked between operations, not imposed on them: a
	// request cut off half-way would only make noise in the server's log.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	end := time.Now().Add(d)
	var mu sync.Mutex
	var all []time.Duration
	var first error
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 4096)
			for ctx.Err() == nil && time.Now().Before(end) {
				t0 := time.Now()
				err := op(ctx)
				if ctx.Err() != nil {
					break // another worker failed
				}
				if err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
					cancel()
					break
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if first != nil {
		return 0, nil, first
	}
	slices.Sort(all)
	return float64(len(all)) / time.Since(start).Seconds(), all, nil
}

func cmpErr(have, err error) error {
	if have != nil {
		return have
	}
	return err
}
