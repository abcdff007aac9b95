// Package pgtest gives tests a real PostgreSQL: one server per `go test ./...`
// run and a fresh database per test, cloned from a template migrated once.
//
// The server is the one at TEST_DATABASE_URL when set; otherwise an ephemeral
// cluster started with pglocal in a temp directory and shared by every test
// binary of the run: each binary holds a shared lock while it runs, and the
// last one out stops the server. A failed test keeps its database and logs
// how to reach it. Without PostgreSQL a test skips, or fails when CI=true.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/pglocal"
	"switchboard/internal/postgres"
	"switchboard/migrations"
)

var (
	once      sync.Once
	adminConn string // reaches the "postgres" database of the test server
	template  string
	setupErr  error
	noServer  bool // no server binaries and no TEST_DATABASE_URL
	usersLock *os.File
	runDir    string
	anyFailed bool
	failMu    sync.Mutex
)

// Main wraps testing.M for packages that use New: it lets go of the shared
// server when the package's tests are done. Use it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	teardown(code != 0)
	os.Exit(code)
}

// New returns a pool on a fresh, migrated database of its own.
func New(t testing.TB) *postgres.DB {
	t.Helper()
	conn := NewDatabase(t)
	db, err := postgres.Open(context.Background(), conn, 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// NewDatabase creates a fresh database cloned from the migrated template and
// returns its connection string. It is dropped after the test unless the
// test failed.
func NewDatabase(t testing.TB) string {
	t.Helper()
	ready(t)
	name := "t_" + randomHex(6)
	ctx := context.Background()
	if err := execAdmin(ctx, fmt.Sprintf(`CREATE DATABASE %q TEMPLATE %q`, name, template)); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	conn := postgres.WithDatabase(adminConn, name)
	t.Cleanup(func() {
		if t.Failed() {
			failMu.Lock()
			anyFailed = true
			failMu.Unlock()
			t.Logf("pgtest: kept database of failed test: %s", conn)
			return
		}
		_ = execAdmin(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name))
	})
	return conn
}

// AdminConn returns a connection string to the test server's maintenance
// database, for tests that create databases of their own.
func AdminConn(t testing.TB) string {
	t.Helper()
	ready(t)
	return adminConn
}

// ready starts or joins the run's server once; without PostgreSQL binaries the test
// skips, or fails when CI=true.
func ready(t testing.TB) {
	t.Helper()
	once.Do(setup)
	if setupErr != nil {
		// Only a missing server may skip: a migration that fails on a
		// running one is a defect of the change, not of the machine.
		if os.Getenv("CI") == "true" || !noServer {
			t.Fatalf("pgtest: test database: %v", setupErr)
		}
		t.Skipf("pgtest: no PostgreSQL (set TEST_DATABASE_URL or install the server binaries): %v", setupErr)
	}
}

func setup() {
	ctx := context.Background()
	if url := os.Getenv("TEST_DATABASE_URL"); url != "" {
		adminConn = url
	} else if adminConn, setupErr = startShared(ctx); setupErr != nil {
		return
	}
	setupErr = ensureTemplate(ctx)
}

// startShared starts, or joins, the run's shared ephemeral cluster.
func startShared(ctx context.Context) (string, error) {
	if _, err := pglocal.FindBinaries(); err != nil {
		noServer = true
		return "", err
	}
	root, _ := os.Getwd()
	for dir := root; dir != "/"; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			root = dir
			break
		}
	}
	sum := sha256.Sum256([]byte(root))
	runDir = filepath.Join(os.TempDir(), "sbpg-"+hex.EncodeToString(sum[:4]))
	if err := os.MkdirAll(runDir, 0o755); err != nil { //nolint:gosec // the server user (postgres, when tests run as root) must reach the cluster below it
		return "", err
	}
	start, err := flock(filepath.Join(runDir, "start.lock"), syscall.LOCK_EX)
	if err != nil {
		return "", err
	}
	defer unlock(start)
	if usersLock, err = flock(filepath.Join(runDir, "users.lock"), syscall.LOCK_SH); err != nil {
		return "", err
	}
	dir := filepath.Join(runDir, "pg")
	conn := pglocal.ConnString(dir, "postgres")
	if c, err := pgx.Connect(ctx, conn); err == nil {
		c.Close(ctx)
		return conn, nil // another test binary of this run started it
	}
	// The last binary of an earlier group may have stopped the server and
	// still be exiting, holding the data directory's lock for a moment.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, err = pglocal.Start(ctx, pglocal.Options{Dir: dir, Ephemeral: true, Detached: true, MaxConnections: 300,
			Logger: slog.New(slog.DiscardHandler)})
		if !errors.Is(err, pglocal.ErrRunning) || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		return "", err
	}
	return conn, nil
}

// ensureTemplate creates the migrated template database once per schema
// version; its name carries a hash of the migrations, so a changed schema
// gets a new template.
func ensureTemplate(ctx context.Context) error {
	h := sha256.New()
	_ = fs.WalkDir(migrations.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(migrations.FS, p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return nil
	})
	template = "tmpl_" + hex.EncodeToString(h.Sum(nil)[:6])
	c, err := pgx.Connect(ctx, adminConn)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	// Serialise template creation across the run's test binaries.
	if _, err := c.Exec(ctx, "SELECT pg_advisory_lock(7701)"); err != nil {
		return err
	}
	defer c.Exec(ctx, "SELECT pg_advisory_unlock(7701)") //nolint:errcheck // released on close
	var ready bool
	err = c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", template).Scan(&ready)
	if err != nil || ready {
		return err
	}
	_, _ = c.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, template))
	if _, err := c.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %q`, template)); err != nil {
		return err
	}
	db, err := postgres.Open(ctx, postgres.WithDatabase(adminConn, template), 4)
	if err != nil {
		return err
	}
	err = db.Migrate(ctx, slog.New(slog.DiscardHandler))
	db.Close()
	if err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	_, err = c.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %q WITH IS_TEMPLATE true`, template))
	return err
}

func teardown(failed bool) {
	if usersLock == nil {
		return
	}
	start, err := flock(filepath.Join(runDir, "start.lock"), syscall.LOCK_EX)
	if err != nil {
		return
	}
	defer unlock(start)
	unlock(usersLock)
	last, err := flock(filepath.Join(runDir, "users.lock"), syscall.LOCK_EX|syscall.LOCK_NB)
	if err != nil {
		return // another test binary still uses the server
	}
	defer unlock(last)
	_ = pglocal.StopDir(filepath.Join(runDir, "pg"))
	if failed || anyFailed {
		fmt.Fprintf(os.Stderr, "pgtest: kept the test cluster of a failed run in %s (start it with: pg_ctl -D %s start)\n",
			filepath.Join(runDir, "pg"), filepath.Join(runDir, "pg"))
		return
	}
	// Only the cluster goes; the lock files stay. Another binary may already
	// hold an open start.lock and wait for it: removing the directory would
	// leave it locking a deleted file and failing on users.lock (CI saw it).
	_ = os.RemoveAll(filepath.Join(runDir, "pg"))
}

func execAdmin(ctx context.Context, sql string) error {
	var err error
	for range 5 {
		var c *pgx.Conn
		if c, err = pgx.Connect(ctx, adminConn); err != nil {
			return err
		}
		_, err = c.Exec(ctx, sql)
		c.Close(ctx)
		// "source database is being accessed by other users" can happen for a
		// moment after the template's creator disconnects.
		if err == nil || !strings.Contains(err.Error(), "being accessed") {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

func flock(path string, how int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644) //nolint:gosec // a lock file in the run directory; it holds no data
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		unlock(f)
		return nil, err
	}
	return f, nil
}

// unlock releases a lock taken with flock. The lock file holds no data, so
// closing it has nothing to report.
func unlock(f *os.File) { _ = f.Close() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
