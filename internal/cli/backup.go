package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"switchboard/internal/app"
	"switchboard/internal/backup"
)

// backupCmd is `switchboard backup --out FILE`.
func backupCmd(ctx context.Context, env *app.Env, args []string) (err error) {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	out := fs.String("out", "", "the backup file to write")
	if err := fs.Parse(args); err != nil {
		return &UsageError{err.Error()}
	}
	if *out == "" || fs.NArg() > 0 {
		return &UsageError{"usage: switchboard backup --out FILE | switchboard backup verify FILE"}
	}
	db, err := app.OpenDatabase(ctx, env)
	if err != nil {
		return err
	}
	defer closeDatabase(ctx, db, &err)
	m, err := app.WriteBackup(ctx, env, db, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "backup written to %s: %s\n", *out, summary(m))
	switch {
	case env.Getenv("SWITCHBOARD_SECRET_KEY") != "":
		fmt.Fprintln(env.Stdout, "note: the secret key comes from SWITCHBOARD_SECRET_KEY and is not in the file; keep it with the backup")
	case !m.SecretKey:
		fmt.Fprintln(env.Stdout, "note: the data dir has no secret key yet (serve creates it), so none is in the file")
	}
	return nil
}

// backupVerifyCmd is `switchboard backup verify FILE`.
func backupVerifyCmd(ctx context.Context, env *app.Env, args []string) (err error) {
	if len(args) != 1 {
		return &UsageError{"usage: switchboard backup verify FILE"}
	}
	a, err := backup.Open(args[0])
	if err != nil {
		return err
	}
	defer a.Close()
	db, err := app.OpenDatabase(ctx, env)
	if err != nil {
		return err
	}
	defer closeDatabase(ctx, db, &err)
	tools, err := app.BackupTools(db)
	if err != nil {
		return err
	}
	if err := backup.Verify(ctx, tools, a, backup.Source{DB: db.DB, Conn: db.ConnString(env)}); err != nil {
		return fmt.Errorf("verify %s: %w", args[0], err)
	}
	fmt.Fprintf(env.Stdout, "backup %s is good: restored into a scratch database, %s\n", args[0], summary(&a.Manifest))
	return nil
}

// restoreCmd is `switchboard restore --in FILE [--force]`.
func restoreCmd(ctx context.Context, env *app.Env, args []string) (err error) {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	in := fs.String("in", "", "the backup file to restore")
	force := fs.Bool("force", false, "replace everything in a database that is not empty")
	if err := fs.Parse(args); err != nil {
		return &UsageError{err.Error()}
	}
	if *in == "" || fs.NArg() > 0 {
		return &UsageError{"usage: switchboard restore --in FILE [--force]"}
	}
	a, err := backup.Open(*in)
	if err != nil {
		return err
	}
	defer a.Close()
	keyPath, err := checkRestoreKey(env, a.SecretKey, *force)
	if err != nil {
		return err
	}
	db, err := app.OpenDatabase(ctx, env)
	if err != nil {
		return err
	}
	defer closeDatabase(ctx, db, &err)
	tools, err := app.BackupTools(db)
	if err != nil {
		return err
	}
	if err := backup.Restore(ctx, tools, a, backup.Source{DB: db.DB, Conn: db.ConnString(env)}, *force); err != nil {
		return fmt.Errorf("restore %s: %w", *in, err)
	}
	if err := db.Migrate(ctx, env.Log); err != nil {
		return fmt.Errorf("restore %s: data restored, but migrations failed: %w", *in, err)
	}
	fmt.Fprintf(env.Stdout, "restored %s: %s\n", *in, summary(&a.Manifest))
	if keyPath != "" {
		if err := replaceKey(keyPath, a.SecretKey); err != nil {
			return fmt.Errorf("restore %s: database restored, but writing the secret key failed: %w", *in, err)
		}
		fmt.Fprintf(env.Stdout, "secret key restored to %s\n", keyPath)
	} else if a.SecretKey == nil {
		fmt.Fprintln(env.Stdout, "the backup holds no secret key: set SWITCHBOARD_SECRET_KEY to the key it was taken with, or API tokens, sessions and stored mailbox passwords will not work")
	}
	return nil
}

// checkRestoreKey decides, before the database is touched, whether the
// backup's secret key goes into the data dir: it returns the path to write,
// or "" when there is nothing to write.
func checkRestoreKey(env *app.Env, key []byte, force bool) (string, error) {
	if key == nil {
		return "", nil
	}
	if env.Getenv("SWITCHBOARD_SECRET_KEY") != "" {
		if !bytes.Equal(bytes.TrimSpace(key), env.Config.SecretKey) {
			fmt.Fprintln(env.Stderr, "warning: SWITCHBOARD_SECRET_KEY differs from the key in the backup; API tokens, sessions and stored mailbox passwords of the backup will not work with it")
		}
		return "", nil
	}
	path := filepath.Join(env.Config.DataDir, "secret.key")
	cur, err := os.ReadFile(path) //nolint:gosec // the data dir's secret key, from the operator's configuration
	switch {
	case errors.Is(err, os.ErrNotExist):
		return path, nil
	case err != nil:
		return "", err
	case bytes.Equal(bytes.TrimSpace(cur), bytes.TrimSpace(key)):
		return "", nil
	case !force:
		return "", fmt.Errorf("%s holds a different secret key than the backup; pass --force to replace it (the old one is kept as secret.key.before-restore)", path)
	}
	return path, nil
}

func replaceKey(path string, key []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil {
		if err := os.Rename(path, path+".before-restore"); err != nil {
			return err
		}
	}
	return os.WriteFile(path, key, 0o600)
}

func summary(m *backup.Manifest) string {
	return fmt.Sprintf("%d tables, %d rows, schema version %d, taken %s, dump %.1f MB",
		len(m.Tables), m.Rows(), m.SchemaVersion, m.CreatedAt.Format(time.RFC3339), float64(m.Dump.Size)/(1<<20))
}
