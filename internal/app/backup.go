package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"switchboard/internal/backup"
	"switchboard/internal/pglocal"
)

// WriteBackup backs db up to out; the scheduled backups use it too.
func WriteBackup(ctx context.Context, env *Env, db *Database, out string) (*backup.Manifest, error) {
	tools, err := BackupTools(db)
	if err != nil {
		return nil, err
	}
	key, err := dataDirKey(env)
	if err != nil {
		return nil, err
	}
	m, err := backup.Create(ctx, tools, backup.Source{DB: db.DB, Conn: db.ConnString(env)}, out, key)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// dataDirKey is the key file Switchboard generated into the data dir, which
// goes into the backup; a key from the environment is the operator's to
// keep and stays out.
func dataDirKey(env *Env) ([]byte, error) {
	if env.Getenv("SWITCHBOARD_SECRET_KEY") != "" {
		return nil, nil
	}
	b, err := os.ReadFile(filepath.Join(env.Config.DataDir, "secret.key"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// BackupTools picks pg_dump and pg_restore: the embedded server's own, or for
// DATABASE_URL those on the PATH (falling back to the server binaries found
// on this machine).
func BackupTools(db *Database) (backup.Tools, error) {
	if !db.Embedded() {
		if _, err := backup.LookPath("pg_dump"); err == nil {
			return backup.Tools{}, nil
		}
	}
	dir, err := pglocal.FindBinaries()
	if err != nil {
		return backup.Tools{}, fmt.Errorf("pg_dump: %w", err)
	}
	// The server binaries may be symlinks (/usr/local/bin/postgres ->
	// /usr/lib/postgresql/15/bin/postgres): pg_dump sits beside the target.
	for _, d := range []string{dir, realDir(filepath.Join(dir, "postgres"))} {
		if st, err := os.Stat(filepath.Join(d, "pg_dump")); err == nil && !st.IsDir() {
			return backup.Tools{Dir: d}, nil
		}
	}
	return backup.Tools{}, nil
}

func realDir(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return filepath.Dir(r)
	}
	return filepath.Dir(p)
}
