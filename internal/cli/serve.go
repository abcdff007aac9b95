package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"switchboard/internal/app"
	"switchboard/internal/devdata"
)

// serveCmd runs everything until SIGINT/SIGTERM, then shuts down in order
// and returns nil (exit 0).
func serveCmd(ctx context.Context, env *app.Env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	demo := fs.Bool("demo", false, "load a demo organisation on first start")
	if err := fs.Parse(args); err != nil {
		return &UsageError{err.Error()}
	}
	env.Log.Info("starting", "config", env.Config.String())
	a, err := app.Start(ctx, env, app.Options{Demo: *demo})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "\nSwitchboard is running at %s\n", env.Config.BaseURL)
	if *demo {
		devdata.PrintLogins(env.Stdout, env.Config.BaseURL)
	} else {
		fmt.Fprintln(env.Stdout, "Add a first admin with: switchboard user add --email you@example.com --name You --role admin --password-stdin")
	}
	<-ctx.Done()
	env.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 9*time.Second)
	defer cancel()
	a.Shutdown(sctx)
	env.Log.Info("stopped")
	return nil
}
