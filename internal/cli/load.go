package cli

import (
	"context"
	"flag"
	"fmt"

	"switchboard/internal/app"
	"switchboard/internal/devdata"
)

// loadCmd: switchboard load --tickets N --messages M [--corpus FILE]
// [--seed S]. Fills the configured database with generated tickets for
// load tests and benchmarks (see Load).
func loadCmd(ctx context.Context, env *app.Env, args []string) (err error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	tickets := fs.Int("tickets", 100_000, "how many tickets to generate")
	messages := fs.Int("messages", 0, "how many messages in total (default: 3 per ticket)")
	corpus := fs.String("corpus", devdata.DefaultCorpus(), "gzip'd CSV of ticket text whose words are used")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return &UsageError{err.Error()}
	}
	if *tickets <= 0 {
		return &UsageError{"--tickets must be positive"}
	}
	if *messages == 0 {
		*messages = 3 * *tickets
	}
	db, err := app.OpenMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer closeDatabase(ctx, db, &err)
	res, err := devdata.Load(ctx, db.DB, devdata.LoadOptions{Tickets: *tickets, Messages: *messages, Corpus: *corpus, Seed: *seed, Progress: env.Stderr})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "loaded %d tickets and %d messages in %s\n", res.Tickets, res.Messages, res.Took.Round(1e9))
	return nil
}
