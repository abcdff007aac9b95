package app

import (
	"context"
	"path/filepath"

	"switchboard/internal/pglocal"
	"switchboard/internal/postgres"
)

// database is an open pool plus, on the embedded default, the cluster.
type database struct {
	*postgres.DB
	pg *pglocal.Server
}

// openDatabase connects to DATABASE_URL, or else to the embedded PostgreSQL
// of the data dir. serve owns the cluster (and refuses if another serve
// does); other commands share a running one or start it just for themselves.
func openDatabase(ctx context.Context, env *Env, forServe bool) (*database, error) {
	cfg := env.Config
	if cfg.DatabaseURL != "" {
		db, err := postgres.Open(ctx, cfg.DatabaseURL, 0)
		if err != nil {
			return nil, err
		}
		return &database{DB: db}, nil
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
	db, err := postgres.Open(ctx, pg.ConnString(pglocal.Database), 0)
	if err != nil {
		_ = pg.Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	return &database{DB: db, pg: pg}, nil
}

// Close releases the pool, then stops the cluster if this process owns it.
func (d *database) Close(ctx context.Context) error {
	d.DB.Close()
	return d.pg.Stop(ctx)
}
