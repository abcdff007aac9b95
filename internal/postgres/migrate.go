package postgres

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"switchboard/migrations"
)

// migrateLockID is the advisory lock every node takes before migrating, so two
// nodes starting together apply each migration once.
const migrateLockID = 0x5357_4244 // "SWBD"

// Migrate applies River's migrations and Switchboard's goose migrations,
// holding a PostgreSQL session lock for the whole run.
func Migrate(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) error {
	return migrateFS(ctx, pool, migrations.FS, log)
}

// migrateFS is Migrate with the goose files taken from fsys (tests).
func migrateFS(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS, log *slog.Logger) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLockID); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLockID) //nolint:errcheck // released with the session anyway

	rm, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: quiet(log)})
	if err != nil {
		return err
	}
	res, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	if len(res.Versions) > 0 {
		log.Info("applied river migrations", "count", len(res.Versions))
	}

	db := stdlib.OpenDBFromPool(pool)
	defer db.Close() //nolint:errcheck // hands borrowed connections back to the pool, which stays open
	sub, err := fs.Sub(fsys, ".")
	if err != nil {
		return err
	}
	// Work on different features lands in any order, each with its own
	// range of migration numbers, so a database may have applied a higher
	// number before a lower one arrives; goose applies the late one then.
	provider, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithAllowOutofOrder(true))
	if err != nil {
		return err
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	for _, r := range results {
		log.Info("applied migration", "file", r.Source.Path, "took", r.Duration)
	}
	return nil
}

// Migrated reports whether every embedded migration has been applied; /readyz
// uses it.
func Migrated(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close() //nolint:errcheck // hands borrowed connections back to the pool, which stays open
	provider, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithAllowOutofOrder(true))
	if err != nil {
		return false, err
	}
	pending, err := provider.HasPending(ctx)
	return !pending, err
}

func quiet(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}

// Migrate is Migrate on db's pool.
func (db *DB) Migrate(ctx context.Context, log *slog.Logger) error { return Migrate(ctx, db.pool, log) }

// Migrated is Migrated on db's pool.
func (db *DB) Migrated(ctx context.Context) (bool, error) { return Migrated(ctx, db.pool) }
