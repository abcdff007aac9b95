package app

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"

	"switchboard/internal/pglocal"
	"switchboard/internal/postgres"
)

// Database is an open pool plus, on the embedded default, the cluster.
type Database struct {
	*postgres.DB
	pg *pglocal.Server
}

// openDatabase connects to DATABASE_URL, or else to the embedded PostgreSQL
// of the data dir. serve owns the cluster (and refuses if another serve
// does); other commands share a running one or start it just for themselves.
func openDatabase(ctx context.Context, env *Env, forServe bool) (*Database, error) {
	cfg := env.Config
	if cfg.DatabaseURL != "" {
		db, err := postgres.Open(ctx, cfg.DatabaseURL, poolSize(cfg.DatabaseURL))
		if err != nil {
			return nil, err
		}
		return &Database{DB: db}, nil
	}
	opts := pglocal.Options{Dir: filepath.Join(cfg.DataDir, "pg"), Logger: env.Log}
	var pg *pglocal.Server
	var err error
	if forServe {
		pg, err = pglocal.Start(ctx, opts)
	} else {
		pg, err = pglocal.Open(ctx, opts)
	}
	if err != nil {
		return nil, err
	}
	db, err := postgres.Open(ctx, pg.ConnString(pglocal.Database), poolSize(""))
	if err != nil {
		_ = pg.Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	return &Database{DB: db, pg: pg}, nil
}

// OpenMigrated is how every command but serve starts: the same database as
// serve, brought up to the current schema. The caller closes it.
func OpenMigrated(ctx context.Context, env *Env) (*Database, error) {
	db, err := openDatabase(ctx, env, false)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		_ = db.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return db, nil
}

// Close releases the pool, then stops the cluster if this process owns it.
func (d *Database) Close(ctx context.Context) error {
	d.DB.Close()
	return d.pg.Stop(ctx)
}

// poolSize is the connection pool's size unless the connection string sets
// pool_max_conns. pgxpool's default (the CPU count, 4 here) starves a node
// whose HTTP handlers, SMTP sessions and two River queues of 20 workers all
// need connections; 25 per node leaves room for four nodes on PostgreSQL's
// default of 100.
func poolSize(conn string) int32 {
	if strings.Contains(conn, "pool_max_conns") {
		return 0
	}
	return 25
}

// OpenDatabase opens the configured database for a command other than serve,
// without migrating it (migrate does that itself). The caller closes it.
func OpenDatabase(ctx context.Context, env *Env) (*Database, error) {
	return openDatabase(ctx, env, false)
}

// ConnString is the connection string of the database, for libpq tools
// (pg_dump, pg_restore).
func (d *Database) ConnString(env *Env) string {
	if d.pg != nil {
		return d.pg.ConnString(pglocal.Database)
	}
	return env.Config.DatabaseURL
}

// Embedded reports whether this is the embedded PostgreSQL of the data dir.
func (d *Database) Embedded() bool { return d.pg != nil }
