package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"switchboard/internal/helpdesk"
	"switchboard/migrations"
)

// Snapshot is an open REPEATABLE READ transaction whose snapshot is exported,
// so pg_dump (--snapshot=ID) dumps exactly the rows that were counted. It
// must stay open until pg_dump has started its own transaction; Close ends it.
type Snapshot struct {
	ID string
	// SchemaVersion is the last applied goose migration.
	SchemaVersion int64
	// ServerVersion is PostgreSQL's server_version_num (e.g. 150018).
	ServerVersion int
	// Rows is the row count of every table in the public schema.
	Rows map[string]int64

	conn *pgxpool.Conn
	tx   pgx.Tx
}

// ExportSnapshot opens the snapshot a backup is taken from and counts the
// rows it sees.
func (db *DB) ExportSnapshot(ctx context.Context) (*Snapshot, error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("backup snapshot: %w", err)
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		conn.Release()
		return nil, fmt.Errorf("backup snapshot: %w", err)
	}
	s := &Snapshot{conn: conn, tx: tx}
	if err := tx.QueryRow(ctx, "SELECT pg_export_snapshot(), current_setting('server_version_num')::int").Scan(&s.ID, &s.ServerVersion); err != nil {
		s.Close(ctx)
		return nil, fmt.Errorf("export snapshot: %w", err)
	}
	if s.SchemaVersion, err = schemaVersion(ctx, tx); err != nil {
		s.Close(ctx)
		return nil, err
	}
	if s.Rows, err = countRows(ctx, tx); err != nil {
		s.Close(ctx)
		return nil, err
	}
	return s, nil
}

// Close ends the snapshot's transaction; calling it again does nothing.
func (s *Snapshot) Close(ctx context.Context) {
	if s.conn == nil {
		return
	}
	_ = s.tx.Rollback(context.WithoutCancel(ctx))
	s.conn.Release()
	s.conn = nil
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// schemaVersion is goose's current version, 0 before any migration.
func schemaVersion(ctx context.Context, q querier) (int64, error) {
	var exists bool
	if err := q.QueryRow(ctx, "SELECT to_regclass('public.goose_db_version') IS NOT NULL").Scan(&exists); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int64
	if err := q.QueryRow(ctx, "SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied").Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}

// publicTables lists the ordinary tables of the public schema.
func publicTables(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// countRows counts every public table exactly; a backup is checked against
// these numbers, so estimates will not do.
func countRows(ctx context.Context, q querier) (map[string]int64, error) {
	tables, err := publicTables(ctx, q)
	if err != nil {
		return nil, err
	}
	counts := make(map[string]int64, len(tables))
	for _, t := range tables {
		var n int64
		if err := q.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{"public", t}.Sanitize()).Scan(&n); err != nil {
			return nil, fmt.Errorf("count rows of %s: %w", t, err)
		}
		counts[t] = n
	}
	return counts, nil
}

// RowCounts counts the rows of every public table (backup verify compares
// them with the manifest).
func (db *DB) RowCounts(ctx context.Context) (map[string]int64, error) {
	return countRows(ctx, db.pool)
}

// SchemaVersion is the last applied migration, 0 on an empty database.
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	return schemaVersion(ctx, db.pool)
}

// Tables lists the tables of the public schema; restore refuses to write
// over a database that has any.
func (db *DB) Tables(ctx context.Context) ([]string, error) {
	return publicTables(ctx, db.pool)
}

// ClearSchema drops everything in the public schema (restore --force): the
// tables, River's tables and the extensions installed there.
func (db *DB) ClearSchema(ctx context.Context) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.Exec(ctx, "DROP SCHEMA public CASCADE"); err != nil {
			return fmt.Errorf("drop schema public: %w", err)
		}
		if _, err := tx.tx.Exec(ctx, "CREATE SCHEMA public"); err != nil {
			return fmt.Errorf("create schema public: %w", err)
		}
		return nil
	})
}

// CreateScratch creates an empty database named name on the same server
// (backup verify restores into it). It needs the CREATEDB privilege.
func (db *DB) CreateScratch(ctx context.Context, name string) error {
	if _, err := db.pool.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42501" {
			return helpdesk.Errorf(helpdesk.EFORBIDDEN, "the database user may not create the scratch database %s (grant CREATEDB, or verify on another server)", name)
		}
		return fmt.Errorf("create scratch database %s: %w", name, err)
	}
	return nil
}

// DropScratch drops a scratch database made by CreateScratch.
func (db *DB) DropScratch(ctx context.Context, name string) error {
	if _, err := db.pool.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop scratch database %s: %w", name, err)
	}
	return nil
}

// LibpqConn turns a connection string pgx accepts into one libpq tools
// (pg_dump, pg_restore) accept, and takes its password out: pgx's own
// pool_* settings are removed, since libpq refuses parameters it does not
// know, and the password is returned apart, for the tool's environment
// (PGPASSWORD): any user of the machine can read a command line (ps), not
// another user's environment. password is "" when conn has none.
func LibpqConn(conn string) (libpq, password string) {
	if u, err := url.Parse(conn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		for k := range q {
			if strings.HasPrefix(k, "pool_") {
				q.Del(k)
			}
		}
		if p := q.Get("password"); p != "" {
			password = p
		}
		q.Del("password")
		u.RawQuery = q.Encode()
		if u.User != nil {
			if p, ok := u.User.Password(); ok {
				password = p
				u.User = url.User(u.User.Username())
			}
		}
		return u.String(), password
	}
	var kept []string
	for _, f := range strings.Fields(conn) {
		switch {
		case strings.HasPrefix(f, "pool_"):
		case strings.HasPrefix(f, "password="):
			password = strings.Trim(strings.TrimPrefix(f, "password="), "'")
		default:
			kept = append(kept, f)
		}
	}
	return strings.Join(kept, " "), password
}

// LatestMigration is the version of the newest embedded migration; a backup
// taken by a newer Switchboard cannot be restored by this one.
func LatestMigration() int64 {
	entries, _ := fs.ReadDir(migrations.FS, ".")
	var latest int64
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		if v, err := strconv.ParseInt(num, 10, 64); err == nil && v > latest {
			latest = v
		}
	}
	return latest
}
