package cli

import (
	"context"
	"fmt"

	"switchboard/internal/app"
)

func migrateCmd(ctx context.Context, env *app.Env, args []string) (err error) {
	if len(args) > 0 {
		return &UsageError{"migrate takes no arguments"}
	}
	db, err := app.OpenDatabase(ctx, env)
	if err != nil {
		return err
	}
	defer closeDatabase(ctx, db, &err)
	if err := db.Migrate(ctx, env.Log); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "migrations applied")
	return nil
}
