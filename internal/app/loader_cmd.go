package app

import (
	"context"
	"flag"
	"fmt"
	"os"
)

func init() { commands["load"] = loadCmd }

// DefaultCorpus finds the shared ticket corpus beside the checkout, or "".
func DefaultCorpus() string {
	for _, p := range []string{"../shared/test-corpora/it-tickets/endava-kaggle-47k/train.csv.gz",
		"../../shared/test-corpora/it-tickets/endava-kaggle-47k/train.csv.gz",
		"../../../shared/test-corpora/it-tickets/endava-kaggle-47k/train.csv.gz"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// loadCmd: switchboard load --tickets N --messages M [--corpus FILE]
// [--seed S]. Fills the configured database with generated tickets for
// load tests and benchmarks (see Load).
func loadCmd(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	tickets := fs.Int("tickets", 100_000, "how many tickets to generate")
	messages := fs.Int("messages", 0, "how many messages in total (default: 3 per ticket)")
	corpus := fs.String("corpus", DefaultCorpus(), "gzip'd CSV of ticket text whose words are used")
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
	db, err := openMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close(context.WithoutCancel(ctx))
	res, err := Load(ctx, db.DB, LoadOptions{Tickets: *tickets, Messages: *messages, Corpus: *corpus, Seed: *seed, Progress: env.Stderr})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "loaded %d tickets and %d messages in %s\n", res.Tickets, res.Messages, res.Took.Round(1e9))
	return nil
}
