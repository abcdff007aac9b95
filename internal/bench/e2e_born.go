package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// e2eMetricsToken lets the bench read the node's /metrics.
const e2eMetricsToken = "bench-metrics-token"

// bornStats are the node's born-batch counters (triage/born_metrics.go),
// or their growth over a run.
type bornStats struct {
	batches, tickets, locked, write, commit float64
}

func (b bornStats) sub(o bornStats) bornStats {
	return bornStats{b.batches - o.batches, b.tickets - o.tickets, b.locked - o.locked, b.write - o.write, b.commit - o.commit}
}

// bornStats reads the born-batch counters from the node's /metrics.
func (p *serveProc) bornStats(ctx context.Context) (bornStats, error) {
	var s bornStats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/metrics", nil)
	if err != nil {
		return s, err
	}
	req.Header.Set("Authorization", "Bearer "+e2eMetricsToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return s, err
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return s, fmt.Errorf("GET /metrics: %d %.200s", res.StatusCode, b)
	}
	fields := map[string]*float64{"switchboard_born_batches_total": &s.batches, "switchboard_born_tickets_total": &s.tickets,
		"switchboard_born_locked_seconds_total": &s.locked, "switchboard_born_write_seconds_total": &s.write,
		"switchboard_born_commit_seconds_total": &s.commit}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		if dst := fields[name]; ok && dst != nil {
			if *dst, err = strconv.ParseFloat(v, 64); err != nil {
				return s, fmt.Errorf("/metrics %s: %w", name, err)
			}
		}
	}
	return s, sc.Err()
}

// printBorn shows, for the paths that file tickets born triaged, how long
// each batch held its candidates' profile locks. Batches for the same
// agents hold them one after another, so tickets per batch over the time
// held is the most the node can file for them per second, however many
// cores it has.
func printBorn(w io.Writer, runs []*e2eRun) {
	rows := [][]string{{"path", "batches", "tickets/batch", "locks held/batch", "of which write", "of which commit",
		"bound: tickets/s under the locks"}}
	for _, r := range runs {
		b := r.born
		if b.batches == 0 {
			continue
		}
		per := func(s float64) string { return fmt.Sprintf("%.2f ms", s*1000/b.batches) }
		rows = append(rows, []string{r.name, fmt.Sprintf("%.0f", b.batches), fmt.Sprintf("%.2f", b.tickets/b.batches),
			per(b.locked), per(b.write), per(b.commit), fmt.Sprintf("%.0f", b.tickets/max(b.locked, 1e-9))})
	}
	if len(rows) == 1 {
		return
	}
	fmt.Fprintln(w, "\nNew tickets are filed triaged in batches (one per node at a time) that hold the candidate agents'\n"+
		"profile locks from their first round trip to the end of their commit; batches for the same agents\n"+
		"hold them one after another, so the last column bounds a node's rate for one team (timed by the app:\n"+
		"each span has a round trip more than PostgreSQL holds the locks, so the bound is a little low):")
	table(w, rows)
}
