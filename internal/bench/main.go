// Command bench is `make bench`: it starts its own PostgreSQL (or uses
// BENCH_DATABASE_URL), runs every registered benchmark and prints, for each,
// the measured figure beside a baseline measured in the same run, and their
// ratio. Benchmarks register themselves in init functions of their files.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/app"
	"switchboard/internal/config"
	"switchboard/internal/pglocal"
	"switchboard/internal/postgres"
)

// Bench is one registered benchmark.
type Bench struct {
	Name  string
	Order int // lower runs first
	Run   func(ctx context.Context, env *Env) error
}

var benches []Bench

// register adds a benchmark; called from init functions.
func register(b Bench) { benches = append(benches, b) }

// Env is what every benchmark gets.
type Env struct {
	Out     io.Writer
	DataDir string
	Keep    bool   // keep large loaded data sets between runs
	admin   string // maintenance connection string
	Log     *slog.Logger
}

func main() {
	only := flag.String("only", "", "comma-separated benchmark names to run (default: all)")
	dir := flag.String("dir", "var/bench", "data directory for the benchmark cluster and data sets")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *only, *dir); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, only, dir string) (err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	env := &Env{Out: os.Stdout, DataDir: abs, Keep: true, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if url := os.Getenv("BENCH_DATABASE_URL"); url != "" {
		env.admin = url
	} else {
		// A durable cluster (fsync and synchronous commit on), like production.
		pg, err := pglocal.Start(ctx, pglocal.Options{Dir: filepath.Join(abs, "pg"), MaxConnections: 200, Logger: env.Log,
			// The end-to-end benchmark reports per-statement cost from it.
			Settings: []string{"shared_preload_libraries=pg_stat_statements"}})
		if err != nil {
			return err
		}
		// A cluster left running would hold the next run's data directory.
		defer func() { err = errors.Join(err, pg.Stop(context.WithoutCancel(ctx))) }()
		env.admin = pg.ConnString("postgres")
	}
	slices.SortStableFunc(benches, func(a, b Bench) int { return a.Order - b.Order })
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		if n != "" {
			want[n] = true
		}
	}
	fmt.Fprintf(env.Out, "Switchboard benchmarks — %s, %s\n", time.Now().UTC().Format(time.RFC3339), machine())
	for _, b := range benches {
		if len(want) > 0 && !want[b.Name] {
			continue
		}
		fmt.Fprintf(env.Out, "\n== %s ==\n", b.Name)
		start := time.Now()
		if err := b.Run(ctx, env); err != nil {
			return fmt.Errorf("%s: %w", b.Name, err)
		}
		fmt.Fprintf(env.Out, "(%s took %s)\n", b.Name, time.Since(start).Round(time.Second))
	}
	return nil
}

// Database creates (or, with keep, reuses) a migrated database and returns
// its connection string.
func (e *Env) Database(ctx context.Context, name string, fresh bool) (string, error) {
	c, err := pgx.Connect(ctx, e.admin)
	if err != nil {
		return "", err
	}
	defer c.Close(ctx)
	var exists bool
	if err := c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists && fresh {
		if _, err := c.Exec(ctx, fmt.Sprintf(`DROP DATABASE %q WITH (FORCE)`, name)); err != nil {
			return "", err
		}
		exists = false
	}
	if !exists {
		if _, err := c.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %q`, name)); err != nil {
			return "", err
		}
	}
	conn := postgres.WithDatabase(e.admin, name)
	db, err := postgres.Open(ctx, conn, 4)
	if err != nil {
		return "", err
	}
	defer db.Close()
	return conn, db.Migrate(ctx, slog.New(slog.DiscardHandler))
}

// StartApp runs a full node on conn (no HTTP listener unless addr is set).
func (e *Env) StartApp(ctx context.Context, conn string, vars map[string]string) (*app.App, error) {
	all := map[string]string{
		"DATABASE_URL":           conn,
		"SWITCHBOARD_DATA_DIR":   filepath.Join(e.DataDir, "node"),
		"SWITCHBOARD_SMTP_ADDR":  "off",
		"SWITCHBOARD_SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
		"SWITCHBOARD_LOG_LEVEL":  "warn",
		"SWITCHBOARD_HTTP_ADDR":  "127.0.0.1:0",
	}
	for k, v := range vars {
		all[k] = v
	}
	getenv := func(k string) string { return all[k] }
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, err
	}
	_, noHTTP := vars["NO_HTTP"]
	return app.Start(ctx, &app.Env{Config: cfg, Getenv: getenv, Stdin: strings.NewReader(""), Stdout: io.Discard,
		Stderr: os.Stderr, Log: e.Log}, app.Options{NoHTTP: noHTTP || vars["SWITCHBOARD_HTTP_ADDR"] == ""})
}

// QuietApp is a fresh database named name with a node on it whose River
// workers are stopped: benchmarks that drive a service directly measure that
// service, not background jobs competing for the same two cores. The caller
// shuts it down.
func (e *Env) QuietApp(ctx context.Context, name string) (*app.App, error) {
	conn, err := e.Database(ctx, name, true)
	if err != nil {
		return nil, err
	}
	a, err := e.StartApp(ctx, conn, map[string]string{"NO_HTTP": "1"})
	if err != nil {
		return nil, err
	}
	if err := a.Jobs.Stop(ctx); err != nil {
		a.Shutdown(context.WithoutCancel(ctx))
		return nil, err
	}
	// New tickets are triaged in-process after commit: stopped, the
	// dispatcher enqueues their jobs instead, which nothing works.
	if err := a.TriageDispatch.Stop(ctx); err != nil {
		a.Shutdown(context.WithoutCancel(ctx))
		return nil, err
	}
	return a, nil
}

func machine() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	n := strings.Count(string(b), "processor\t:")
	return fmt.Sprintf("%d CPUs", n)
}
