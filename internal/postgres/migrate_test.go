package postgres_test

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"testing"
	"testing/fstest"
	"time"

	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
	"switchboard/migrations"
)

// Helpers land migrations from separate number ranges in any order: a
// database that already has a higher number must still take a lower one that
// arrives later, not refuse to start.
func TestMigrateAppliesLateLowerNumbers(t *testing.T) {
	ctx := context.Background()
	admin := pgtest.AdminConn(t)
	adb, err := postgres.Open(ctx, admin, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer adb.Close()
	name := fmt.Sprintf("t_ooo_%d", time.Now().UnixNano())
	if _, err := adb.Pool.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %q`, name)); err != nil {
		t.Fatal(err)
	}
	if _, err := adb.Pool.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %q`, name)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = adb.Pool.Exec(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name))
	})
	db, err := postgres.Open(ctx, postgres.WithDatabase(admin, name), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// The full set minus the second-to-last migration, as if it had not
	// landed yet.
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(files) < 2 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	late := files[len(files)-2]
	early := fstest.MapFS{}
	for _, f := range files {
		if f == late {
			continue
		}
		b, err := fs.ReadFile(migrations.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		early[f] = &fstest.MapFile{Data: b}
	}
	if err := postgres.MigrateFS(ctx, db.Pool, early, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("migrate without %s: %v", late, err)
	}
	if err := postgres.Migrate(ctx, db.Pool, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("migrate with the late %s: %v", late, err)
	}
	if ok, err := postgres.Migrated(ctx, db.Pool); err != nil || !ok {
		t.Fatalf("migrated = %v, %v", ok, err)
	}
}
