package backup

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"switchboard/internal/postgres"
)

// Tools says where pg_dump and pg_restore are: a directory (the embedded
// default's server binaries) or, when Dir is empty, the PATH.
type Tools struct{ Dir string }

func (t Tools) path(name string) (string, error) {
	if t.Dir != "" {
		return filepath.Join(t.Dir, name), nil
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s not found on PATH; install the PostgreSQL client tools (Debian/Ubuntu: apt-get install postgresql-client) in a version at least that of the server", name)
	}
	return p, nil
}

// run runs a PostgreSQL tool and returns its error with what it printed.
func (t Tools) run(ctx context.Context, name string, args ...string) (string, error) {
	return t.runAt(ctx, name, "", args...)
}

// runAt runs a PostgreSQL tool against conn (a connection string: "" for
// none), which it gets as its first argument, --dbname, with the password
// in the environment rather than on the command line.
func (t Tools) runAt(ctx context.Context, name, conn string, args ...string) (string, error) {
	p, err := t.path(name)
	if err != nil {
		return "", err
	}
	// An unreachable server should fail the command, not hang it.
	env := append(os.Environ(), "PGCONNECT_TIMEOUT=15")
	if conn != "" {
		libpq, password := postgres.LibpqConn(conn)
		args = append([]string{"--dbname=" + libpq}, args...)
		if password != "" {
			env = append(env, "PGPASSWORD="+password)
		}
	}
	cmd := exec.CommandContext(ctx, p, args...) //nolint:gosec // pg_dump/pg_restore with our own arguments
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = env
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s failed: %w\n%s", name, err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// Source is the database a backup is taken from or restored into: an open
// pool for Switchboard's own queries and the same database's connection
// string for pg_dump and pg_restore.
type Source struct {
	DB   *postgres.DB
	Conn string
}

// Create writes a backup of src to out: it counts every table inside an
// exported snapshot, has pg_dump dump that same snapshot, and writes the
// manifest, the dump and key (nil: none) into one file, atomically.
func Create(ctx context.Context, tools Tools, src Source, out string, key []byte) (*Manifest, error) {
	version, err := tools.run(ctx, "pg_dump", "--version")
	if err != nil {
		return nil, err
	}
	snap, err := src.DB.ExportSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer snap.Close(ctx)
	if snap.SchemaVersion == 0 {
		return nil, errors.New("the database has no Switchboard schema; nothing to back up (run switchboard migrate first?)")
	}
	dir := filepath.Dir(out)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("backup directory: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, ".switchboard-dump-")
	if err != nil {
		return nil, fmt.Errorf("backup directory: %w", err)
	}
	defer os.RemoveAll(tmp) //nolint:errcheck // best effort: a leftover temp dir is harmless
	dump := filepath.Join(tmp, dumpName)
	if _, err := tools.runAt(ctx, "pg_dump", src.Conn, "--format=custom", "--snapshot="+snap.ID, "--file="+dump); err != nil {
		return nil, err
	}
	snap.Close(ctx)
	m := &Manifest{Format: Format, CreatedAt: time.Now().UTC().Truncate(time.Second),
		SchemaVersion: snap.SchemaVersion, ServerVersion: snap.ServerVersion,
		PgDump: strings.TrimSpace(version), Tables: snap.Rows, SecretKey: key != nil}
	m.Dump.Name = dumpName
	if m.Dump.Size, m.Dump.SHA256, err = fileSum(dump); err != nil {
		return nil, err
	}
	if err := writeArchive(out, m, dump, key); err != nil {
		return nil, err
	}
	return m, nil
}

// ErrNotEmpty is returned by Restore when the target database already has
// tables and force is off.
var ErrNotEmpty = errors.New("the database is not empty")

// ErrNodeRunning is returned by Restore when a Switchboard node is running
// on the target database.
var ErrNodeRunning = errors.New("a Switchboard node is running on this database (its job queue has a leader): stop every `switchboard serve` that uses it, then restore; a node that died holds the lead for about 15 seconds more")

// Restore loads a's dump into dst, which must be empty unless force is set
// (then everything in its public schema is dropped first). pg_restore runs
// as one transaction, so a failed restore leaves nothing half-loaded. The
// caller runs migrations afterwards.
func Restore(ctx context.Context, tools Tools, a *Archive, dst Source, force bool) error {
	if latest := postgres.LatestMigration(); a.Manifest.SchemaVersion > latest {
		return fmt.Errorf("the backup has schema version %d, newer than this Switchboard knows (%d); restore it with the version that made it or a newer one", a.Manifest.SchemaVersion, latest)
	}
	tables, err := dst.DB.Tables(ctx)
	if err != nil {
		return err
	}
	if len(tables) > 0 {
		if !force {
			return fmt.Errorf("%w: it has %d tables (%s); restore writes only into an empty database, or pass --force to replace everything in it", ErrNotEmpty, len(tables), sample(tables))
		}
		// Not even --force replaces the data under a running node: it
		// would go on working on tables dropped and restored beneath it.
		if slices.Contains(tables, "river_leader") {
			running, err := dst.DB.NodeRunning(ctx)
			if err != nil {
				return err
			}
			if running {
				return ErrNodeRunning
			}
		}
		if err := dst.DB.ClearSchema(ctx); err != nil {
			return err
		}
	}
	if _, err := tools.runAt(ctx, "pg_restore", dst.Conn, "--no-owner", "--no-privileges", "--exit-on-error",
		"--single-transaction", a.dumpPath); err != nil {
		return err
	}
	return checkRows(ctx, dst.DB, a.Manifest.Tables)
}

// Verify restores a into a scratch database created beside src's, compares
// every table's row count with the manifest, and drops the scratch database.
func Verify(ctx context.Context, tools Tools, a *Archive, src Source) error {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "switchboard_verify_" + hex.EncodeToString(b)
	if err := src.DB.CreateScratch(ctx, name); err != nil {
		return err
	}
	defer src.DB.DropScratch(context.WithoutCancel(ctx), name) //nolint:errcheck // best effort; the name is unique
	conn := postgres.WithDatabase(src.Conn, name)
	db, err := postgres.Open(ctx, conn, 2)
	if err != nil {
		return fmt.Errorf("open scratch database: %w", err)
	}
	defer db.Close()
	return Restore(ctx, tools, a, Source{DB: db, Conn: conn}, false)
}

// checkRows compares the restored tables with the manifest's counts.
func checkRows(ctx context.Context, db *postgres.DB, want map[string]int64) error {
	got, err := db.RowCounts(ctx)
	if err != nil {
		return err
	}
	var bad []string
	for _, t := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[t]; !ok {
			bad = append(bad, fmt.Sprintf("%s: missing", t))
		} else if g != want[t] {
			bad = append(bad, fmt.Sprintf("%s: %d rows, manifest says %d", t, g, want[t]))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("restored data differs from the manifest: %s", strings.Join(bad, "; "))
	}
	return nil
}

func sample(tables []string) string {
	if len(tables) > 3 {
		return strings.Join(tables[:3], ", ") + ", …"
	}
	return strings.Join(tables, ", ")
}

// LookPath finds a PostgreSQL tool on the PATH.
func LookPath(name string) (string, error) { return exec.LookPath(name) }
