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
	if _, err := adb.RawPool().Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %q`, name)); err != nil {
		t.Fatal(err)
	}
	if _, err := adb.RawPool().Exec(ctx, fmt.Sprintf(`CREATE DATABASE %q`, name)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = adb.RawPool().Exec(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name))
	})
	db, err := postgres.Open(ctx, postgres.WithDatabase(admin, name), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// The real set is applied; then a migration arrives with a number below
	// the highest applied one, as when a helper's range is lower than one
	// already landed. (Leaving out a real migration instead breaks as soon
	// as a later one depends on it.)
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(files) < 2 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	early := fstest.MapFS{}
	used := map[string]bool{}
	for _, f := range files {
		b, err := fs.ReadFile(migrations.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		early[f] = &fstest.MapFile{Data: b}
		used[f[:5]] = true
	}
	if err := postgres.MigrateFS(ctx, db.RawPool(), early, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("migrate the real set: %v", err)
	}
	var late string
	for n := 2; n < 100000 && late == ""; n++ {
		if v := fmt.Sprintf("%05d", n); !used[v] && v < files[len(files)-1][:5] {
			late = v + "_late_probe.sql"
		}
	}
	full := fstest.MapFS{late: &fstest.MapFile{Data: []byte(
		"-- +goose Up\nCREATE TABLE late_probe (id int);\n-- +goose Down\nDROP TABLE late_probe;\n")}}
	for f, m := range early {
		full[f] = m
	}
	if err := postgres.MigrateFS(ctx, db.RawPool(), full, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("migrate with the late %s: %v", late, err)
	}
	if _, err := db.RawPool().Exec(ctx, "SELECT id FROM late_probe"); err != nil {
		t.Fatalf("late %s not applied: %v", late, err)
	}
	if ok, err := postgres.Migrated(ctx, db.RawPool()); err != nil || !ok {
		t.Fatalf("migrated = %v, %v", ok, err)
	}
}
