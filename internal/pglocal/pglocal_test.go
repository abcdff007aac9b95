package pglocal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// needBinaries skips locally, and fails under CI, when no server binaries exist.
func needBinaries(t *testing.T) {
	t.Helper()
	if _, err := FindBinaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// shortTempDir keeps socket paths under the kernel's 107-byte limit.
func shortTempDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "pgl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(d) }) // best effort: a temporary directory
	return d
}

func exec1(t *testing.T, conn, sql string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var out string
	if err := c.QueryRow(ctx, sql, args...).Scan(&out); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		t.Fatal(err)
	}
	return out
}

func TestLifeCycle(t *testing.T) {
	needBinaries(t)
	ctx := context.Background()
	dir := filepath.Join(shortTempDir(t), "pg")

	// First start: initdb, socket only, database created.
	s, err := Start(ctx, Options{Dir: dir, Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	conn := s.ConnString(Database)
	if got := exec1(t, conn, "SHOW listen_addresses"); got != "" {
		t.Errorf("listen_addresses = %q, want empty (no TCP)", got)
	}
	exec1(t, conn, "CREATE TABLE kept (v text)")
	exec1(t, conn, "INSERT INTO kept VALUES ('survives') RETURNING v")

	// A second start on the same directory refuses clearly.
	if _, err := Start(ctx, Options{Dir: dir}); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Start: err = %v, want ErrRunning", err)
	}
	// Open shares the running server instead.
	shared, err := Open(ctx, Options{Dir: dir})
	if err != nil || shared.Owned {
		t.Fatalf("Open while running: owned=%v err=%v", shared != nil && shared.Owned, err)
	}
	if got := exec1(t, shared.ConnString(Database), "SELECT v FROM kept"); got != "survives" {
		t.Errorf("shared read = %q", got)
	}
	_ = shared.Stop(ctx)

	pid := s.cmd.Process.Pid
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if isPostgres(pid) {
		t.Fatalf("postgres pid %d still running after Stop", pid)
	}
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("postmaster.pid left after clean stop: %v", err)
	}

	// Restart reuses the cluster; data survives.
	s, err = Start(ctx, Options{Dir: dir, Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := exec1(t, s.ConnString(Database), "SELECT v FROM kept"); got != "survives" {
		t.Errorf("after restart: %q, want survives", got)
	}
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	// Stale postmaster.pid naming a dead process (as after a power cut).
	stale := strconv.Itoa(deadPid(t)) + "\n" + dir + "\n"
	if err := os.WriteFile(filepath.Join(dir, "postmaster.pid"), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = Start(ctx, Options{Dir: dir, Ephemeral: true})
	if err != nil {
		t.Fatalf("start over stale pid: %v", err)
	}
	if got := exec1(t, s.ConnString(Database), "SELECT v FROM kept"); got != "survives" {
		t.Errorf("after stale pid: %q", got)
	}
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestOrphanAfterCrash starts a detached server (as if its Switchboard had
// been SIGKILLed and the server outlived it) and checks that the next Start
// shuts the orphan down and takes over.
func TestOrphanAfterCrash(t *testing.T) {
	needBinaries(t)
	ctx := context.Background()
	dir := filepath.Join(shortTempDir(t), "pg")
	s, err := Start(ctx, Options{Dir: dir, Ephemeral: true, Detached: true})
	if err != nil {
		t.Fatal(err)
	}
	orphan := s.cmd.Process.Pid
	_ = s.lock.Close() // the crashed process's lock dies with it
	s2, err := Start(ctx, Options{Dir: dir, Ephemeral: true})
	if err != nil {
		t.Fatalf("start over orphan: %v", err)
	}
	defer func() {
		if err := s2.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	if isPostgres(orphan) {
		t.Errorf("orphan postgres %d still running", orphan)
	}
	if s2.cmd.Process.Pid == orphan {
		t.Error("did not start a new server")
	}
}

func TestMissingBinaries(t *testing.T) {
	empty := t.TempDir()
	_, err := findBinaries(empty, filepath.Join(empty, "nothing"))
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"apt-get install postgresql", "DATABASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
}

func TestNewestVersionWins(t *testing.T) {
	needBinaries(t)
	root := t.TempDir()
	real, _ := FindBinaries()
	for _, v := range []string{"9", "15"} {
		d := filepath.Join(root, v, "bin")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		script := "#!/bin/sh\necho 'postgres (PostgreSQL) " + v + ".1'\n"
		if v == "15" {
			script = "#!/bin/sh\nexec " + filepath.Join(real, "postgres") + " \"$@\"\n"
		}
		for _, name := range []string{"postgres", "initdb"} {
			if err := os.WriteFile(filepath.Join(d, name), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := findBinaries("", root)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "15", "bin"); got != want {
		t.Errorf("picked %s, want %s", got, want)
	}
}

func deadPid(t *testing.T) int {
	for pid := 4_000_000; pid > 3_000_000; pid-- {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
			return pid
		}
	}
	t.Fatal("no free pid")
	return 0
}
