package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"switchboard/internal/app"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
)

// tokenCreateCmd: switchboard token create --email E [--name LABEL]
// [--scope read|read_write|alerts] [--expires 720h]. It prints the secret, which
// is shown this once.
func tokenCreateCmd(ctx context.Context, env *app.Env, args []string) (err error) {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	email := fs.String("email", "", "the user the token acts as (required)")
	name := fs.String("name", "cli", "a label to recognise the token by")
	scope := fs.String("scope", string(auth.ScopeReadWrite), "read, read_write or alerts (monitoring systems: may only post alerts)")
	expires := fs.Duration("expires", 0, "lifetime, e.g. 720h; 0 means it never expires")
	if err := fs.Parse(args); err != nil {
		return &UsageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return &UsageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *email == "" {
		return &UsageError{"--email is required"}
	}
	if *expires < 0 {
		return &UsageError{"--expires must be positive"}
	}
	// The token's hash is keyed with the server's secret, so this must be
	// the key serve uses: the same environment or data dir.
	if err := env.Config.EnsureSecret(); err != nil {
		return err
	}
	db, err := app.OpenMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer closeDatabase(ctx, db, &err)
	user, err := db.UserByEmail(ctx, *email)
	if err != nil {
		if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
			return fmt.Errorf("no user with email %s", *email)
		}
		return err
	}
	in := auth.NewToken{Name: *name, Scope: auth.Scope(*scope)}
	if *expires > 0 {
		t := time.Now().Add(*expires)
		in.ExpiresAt = &t
	}
	tokens := &auth.Tokens{DB: db.DB, Key: env.Config.SecretKey}
	secret, _, err := tokens.Create(ctx, user, in)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(env.Stdout, secret)
	return nil
}
