package pgtest

import (
	"context"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

// Each test gets its own migrated database: a write in one is invisible to
// the other.
func TestIsolatedMigratedDatabases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := New(t), New(t)
	if _, err := a.RawPool().Exec(ctx, "INSERT INTO teams (slug, name) VALUES ('only-a', 'A')"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.RawPool().QueryRow(ctx, "SELECT count(*) FROM teams WHERE slug = 'only-a'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("database b sees a's row")
	}
	// River's tables came with the template.
	if err := a.RawPool().QueryRow(ctx, "SELECT count(*) FROM river_job").Scan(&n); err != nil {
		t.Fatalf("river tables missing: %v", err)
	}
}
