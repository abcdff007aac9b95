package app

import (
	"context"
	"fmt"

	"switchboard/internal/postgres"
)

func init() { commands["migrate"] = migrateCmd }

func migrateCmd(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 {
		return &UsageError{"migrate takes no arguments"}
	}
	db, err := openDatabase(ctx, env, false)
	if err != nil {
		return err
	}
	defer db.Close(context.WithoutCancel(ctx))
	if err := postgres.Migrate(ctx, db.Pool, env.Log); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "migrations applied")
	return nil
}
