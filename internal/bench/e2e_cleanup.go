package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"switchboard/internal/postgres"
)

// cleanUp vacuums the benchmark's database and takes a checkpoint, and
// returns PostgreSQL's CPU for it. Run after every path, it charges that
// path for the work its tickets left behind (dead row versions of triage's
// updates and of finished jobs, GIN pending lists, dirty pages) and starts
// the next path from the same state. Without it, autovacuum and the
// checkpointer did that work during whichever path came next: the API path,
// measured after the portal, paid for the portal's tickets.
func cleanUp(ctx context.Context, db *postgres.DB, postmaster int) (time.Duration, error) {
	if os.Getenv("BENCH_E2E_CLEANUP") == "off" {
		return 0, nil
	}
	c0, err := clusterCPU(postmaster)
	if err != nil {
		return 0, err
	}
	for _, q := range []string{`VACUUM`, `CHECKPOINT`} {
		if _, err := db.RawPool().Exec(ctx, q); err != nil {
			return 0, fmt.Errorf("clean up after a path: %s: %w", q, err)
		}
	}
	c1, err := clusterCPU(postmaster)
	if err != nil {
		return 0, err
	}
	return c1 - c0, nil
}

// nextMultiXact is the cluster's next MultiXact id as of its last
// checkpoint. A MultiXact is made when a second transaction locks a row
// another one holds locked, such as two tickets inserted at once whose
// foreign keys point at the same user (each takes FOR KEY SHARE on it).
func nextMultiXact(ctx context.Context, db *postgres.DB) int64 {
	var n int64
	if err := db.RawPool().QueryRow(ctx, `SELECT next_multixact_id::text::bigint FROM pg_control_checkpoint()`).Scan(&n); err != nil {
		return 0
	}
	return n
}

// printPGSplit shows each path's PostgreSQL CPU per ticket by kind of
// process, and the cleanup after it apart: PG CPU/ticket above is what ran
// during the path (autovacuum included, when it came), the cleanup is the
// rest of its tickets' maintenance, done at once.
func printPGSplit(w io.Writer, runs []*e2eRun) {
	fmt.Fprintln(w, "\nPostgreSQL CPU per ticket by process (background: autovacuum, checkpointer, WAL writer, exited processes);\n"+
		"cleanup: VACUUM + CHECKPOINT after the path, so the next path starts clean:")
	rows := [][]string{{"path", "backends", "background", "PG during run", "cleanup after", "PG incl. cleanup", "app + PG incl. cleanup", "MultiXacts/ticket"}}
	for _, r := range runs {
		per := func(c time.Duration) string {
			return fmt.Sprintf("%.2f ms", float64(c.Microseconds())/1000/float64(max(r.tickets, 1)))
		}
		rows = append(rows, []string{r.name, per(r.pgSplit.backends), per(r.pgSplit.background), per(r.pg),
			per(r.cleanup), per(r.pg + r.cleanup), per(r.app + r.pg + r.cleanup),
			fmt.Sprintf("%.2f", float64(r.multiXacts)/float64(max(r.tickets, 1)))})
	}
	table(w, rows)
}

// e2eWarmup is how long each path runs unmeasured before its measured run.
// The first path measured on a fresh node paid for what any path does once:
// the node's pool connections and their PostgreSQL backends (catalog
// caches, prepared statements) and the new database's first index pages.
// Measured ABBA on one node (13:58 UTC, load 11-15): portal, API, API,
// portal took 1.69, 1.20, 1.24, 1.19 ms of PostgreSQL CPU per ticket.
const e2eWarmup = 3 * time.Second

// warmUp runs op unmeasured for e2eWarmup, waits until its tickets are
// triaged and scanned by the incident detector, and cleans up after it.
// Its calls are numbered from 500,000 so that mails keep unique
// Message-IDs.
func warmUp(ctx context.Context, name string, db *postgres.DB, postmaster int, op func(ctx context.Context, w, i int) error) error {
	from, err := lastTicketID(ctx, db)
	if err != nil {
		return err
	}
	if _, err := drive(ctx, e2eWarmup, 0, func(ctx context.Context, w, i int) error { return op(ctx, w, 500_000+i) }); err != nil {
		return fmt.Errorf("%s: warm-up: %w", name, err)
	}
	if _, err := caughtUp(ctx, db, from, 5*time.Minute); err != nil {
		return fmt.Errorf("%s: warm-up: %w", name, err)
	}
	if err := detectorCaughtUp(ctx, db, 5*time.Minute); err != nil {
		return fmt.Errorf("%s: warm-up: %w", name, err)
	}
	_, err = cleanUp(ctx, db, postmaster)
	return err
}
