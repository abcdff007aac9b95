package cli

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/auth"
	"switchboard/internal/config"
	"switchboard/internal/pglocal"
	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
)

// emptyDatabase creates a database with nothing in it on the test server.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	admin := pgtest.AdminConn(t)
	name := fmt.Sprintf("r_%d", os.Getpid()) + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "_")
	name = name[:min(len(name), 60)]
	ctx := context.Background()
	c, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, admin)
		if err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	return postgres.WithDatabase(admin, name)
}

func rowCounts(t *testing.T, conn string) map[string]int64 {
	t.Helper()
	db, err := postgres.Open(context.Background(), conn, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := db.RowCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// tokenWorks reports whether secret authenticates on conn under the key
// serve would use with vars.
func tokenWorks(t *testing.T, vars map[string]string, conn, secret string) bool {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.EnsureSecret(); err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(context.Background(), conn, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, _, err = (&auth.Tokens{DB: db, Key: cfg.SecretKey}).Authenticate(context.Background(), secret)
	return err == nil
}

// TestBackupRestoreDatabaseURL: a backup of a DATABASE_URL database restores
// into an empty one with the same rows and a working API token (the data
// dir's key travels in the file); restore refuses a non-empty database
// unless --force.
func TestBackupRestoreDatabaseURL(t *testing.T) {
	t.Parallel()
	src := pgtest.NewDatabase(t)
	dir := t.TempDir()
	vars := map[string]string{"DATABASE_URL": src, "SWITCHBOARD_DATA_DIR": filepath.Join(dir, "a"), "SWITCHBOARD_LOG_LEVEL": "error"}
	if out, err := runCmd(t, vars, "", "user", "add", "--email", "ops@example.com", "--name", "Ops", "--role", "admin"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	secret, err := runCmd(t, vars, "", "token", "create", "--email", "ops@example.com")
	if err != nil {
		t.Fatalf("%v: %s", err, secret)
	}
	secret = strings.TrimSpace(secret)
	file := filepath.Join(dir, "helpdesk.backup")
	if out, err := runCmd(t, vars, "", "backup", "--out", file); err != nil || !strings.Contains(out, "backup written") {
		t.Fatalf("backup: %v: %s", err, out)
	}
	want := rowCounts(t, src)

	dst := emptyDatabase(t)
	vars2 := map[string]string{"DATABASE_URL": dst, "SWITCHBOARD_DATA_DIR": filepath.Join(dir, "b"), "SWITCHBOARD_LOG_LEVEL": "error"}
	if out, err := runCmd(t, vars2, "", "restore", "--in", file); err != nil {
		t.Fatalf("restore: %v: %s", err, out)
	}
	if got := rowCounts(t, dst); !reflect.DeepEqual(got, want) {
		t.Errorf("restored rows differ:\n got %v\nwant %v", got, want)
	}
	if !tokenWorks(t, vars2, dst, secret) {
		t.Error("the API token does not work after restore: the secret key did not travel")
	}

	// A second restore finds the database full.
	out, err := runCmd(t, vars2, "", "restore", "--in", file)
	if err == nil || ExitCode(err) == 0 || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore over a full database: err %v, out %s", err, out)
	}
	// --force replaces it: a user added since is gone again. But not under
	// a running node: one holds the job queue's lead, as a node's River
	// client does while it runs.
	if out, err := runCmd(t, vars2, "", "user", "add", "--email", "later@example.com", "--name", "Later", "--role", "agent"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	lead := func(sql string) {
		t.Helper()
		db, err := postgres.Open(context.Background(), dst, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.RawPool().Exec(context.Background(), sql); err != nil {
			t.Fatal(err)
		}
	}
	lead(`INSERT INTO river_leader (elected_at, expires_at, leader_id) VALUES (now(), now() + interval '1 hour', 'another-node')`)
	out, err = runCmd(t, vars2, "", "restore", "--in", file, "--force")
	if err == nil || ExitCode(err) == 0 || !strings.Contains(err.Error(), "node is running") {
		t.Fatalf("restore --force under a running node: err %v, out %s", err, out)
	}
	if got := rowCounts(t, dst); got["users"] != want["users"]+1 {
		t.Errorf("the refused restore changed the database: %d users, want %d", got["users"], want["users"]+1)
	}
	lead(`DELETE FROM river_leader`)
	if out, err := runCmd(t, vars2, "", "restore", "--in", file, "--force"); err != nil {
		t.Fatalf("restore --force: %v: %s", err, out)
	}
	if got := rowCounts(t, dst); got["users"] != want["users"] {
		t.Errorf("after --force: %d users, want %d", got["users"], want["users"])
	}
}

// TestBackupVerify: verify passes a good file and fails, non-zero and
// saying why, on a truncated file and on one whose manifest counts differ
// from what restores.
func TestBackupVerify(t *testing.T) {
	t.Parallel()
	src := pgtest.NewDatabase(t)
	dir := t.TempDir()
	vars := map[string]string{"DATABASE_URL": src, "SWITCHBOARD_DATA_DIR": dir, "SWITCHBOARD_LOG_LEVEL": "error"}
	if out, err := runCmd(t, vars, "", "user", "add", "--email", "ops@example.com", "--name", "Ops", "--role", "admin"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	file := filepath.Join(dir, "good.backup")
	if out, err := runCmd(t, vars, "", "backup", "--out", file); err != nil {
		t.Fatalf("backup: %v: %s", err, out)
	}
	if out, err := runCmd(t, vars, "", "backup", "verify", file); err != nil || !strings.Contains(out, "is good") {
		t.Fatalf("verify of a good backup: %v: %s", err, out)
	}

	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "truncated.backup")
	if err := os.WriteFile(cut, raw[:len(raw)*2/3], 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, vars, "", "backup", "verify", cut)
	if err == nil || ExitCode(err) == 0 || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("verify of a truncated backup: err %v, out %s", err, out)
	}

	// Same dump, manifest claiming one more user: the restore's counts
	// must give it away.
	liar := filepath.Join(dir, "liar.backup")
	rewriteManifest(t, file, liar, func(m map[string]any) {
		tables := m["tables"].(map[string]any)
		tables["users"] = tables["users"].(float64) + 1
	})
	out, err = runCmd(t, vars, "", "backup", "verify", liar)
	if err == nil || !strings.Contains(err.Error(), "users: 1 rows, manifest says 2") {
		t.Errorf("verify with wrong counts: err %v, out %s", err, out)
	}
}

func rewriteManifest(t *testing.T, from, to string, edit func(map[string]any)) {
	t.Helper()
	f, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close() //nolint:errcheck // read only
	var buf bytes.Buffer
	tr, tw := tar.NewReader(f), tar.NewWriter(&buf)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Name == "manifest.json" {
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			edit(m)
			if b, err = json.Marshal(m); err != nil {
				t.Fatal(err)
			}
			hdr.Size = int64(len(b))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBackupRestoreEmbedded: the embedded default backs up with its own
// server's pg_dump and restores into a fresh data dir, key included.
func TestBackupRestoreEmbedded(t *testing.T) {
	t.Parallel()
	if _, err := pglocal.FindBinaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	dir := t.TempDir()
	a := map[string]string{"SWITCHBOARD_DATA_DIR": filepath.Join(dir, "a"), "SWITCHBOARD_LOG_LEVEL": "error"}
	b := map[string]string{"SWITCHBOARD_DATA_DIR": filepath.Join(dir, "b"), "SWITCHBOARD_LOG_LEVEL": "error"}
	if out, err := runCmd(t, a, "", "user", "add", "--email", "ops@example.com", "--name", "Ops", "--role", "admin"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	secret, err := runCmd(t, a, "", "token", "create", "--email", "ops@example.com")
	if err != nil {
		t.Fatalf("%v: %s", err, secret)
	}
	file := filepath.Join(dir, "embedded.backup")
	if out, err := runCmd(t, a, "", "backup", "--out", file); err != nil {
		t.Fatalf("backup: %v: %s", err, out)
	}
	if out, err := runCmd(t, a, "", "backup", "verify", file); err != nil {
		t.Fatalf("verify: %v: %s", err, out)
	}
	if out, err := runCmd(t, b, "", "restore", "--in", file); err != nil {
		t.Fatalf("restore: %v: %s", err, out)
	}
	// Read both clusters' counts and check the token through b's own server.
	counts := func(vars map[string]string) (map[string]int64, string) {
		pg, err := pglocal.Start(context.Background(), pglocal.Options{Dir: filepath.Join(vars["SWITCHBOARD_DATA_DIR"], "pg")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = pg.Stop(context.Background()) })
		return rowCounts(t, pg.ConnString(pglocal.Database)), pg.ConnString(pglocal.Database)
	}
	want, _ := counts(a)
	got, connB := counts(b)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("restored rows differ:\n got %v\nwant %v", got, want)
	}
	if !tokenWorks(t, b, connB, strings.TrimSpace(secret)) {
		t.Error("the API token does not work in the restored data dir")
	}
}
