package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"switchboard/internal/app"
	"switchboard/internal/helpdesk"
	"switchboard/internal/triage"
	"switchboard/internal/triage/classify"
	"switchboard/internal/triage/sim"
)

// inUseWait bounds how long `triage train` waits for running nodes to load
// the new model; they poll every modelPollEvery.
const inUseWait = time.Minute

// triageTrainCmd retrains the categorisation model now, in this process
// (so no node's intake waits for it), stores it as the active model and
// waits until a running node has loaded it.
func triageTrainCmd(ctx context.Context, env *app.Env, args []string) (err error) {
	if len(args) > 0 {
		return &UsageError{"triage train takes no arguments"}
	}
	db, err := app.OpenMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer closeDatabase(ctx, db, &err)
	res, err := triage.Train(ctx, db.DB, classify.Options{})
	if errors.Is(err, triage.ErrTooFewExamples) {
		return err
	} else if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	fmt.Fprintf(env.Stdout, "model %d trained on %d tickets in %s; held-out accuracy=%.4f macro_f1=%.4f n=%d\n",
		res.ModelID, res.Examples, res.Took.Round(time.Millisecond), res.Report.Accuracy, res.Report.MacroF1, res.Report.N)
	running, err := db.NodeRunning(ctx)
	if err != nil {
		return err
	}
	if !running {
		fmt.Fprintln(env.Stdout, "no Switchboard node is running; the model is active and will be used when one starts")
		return nil
	}
	deadline := time.Now().Add(inUseWait)
	for {
		at, err := db.ModelInUseAt(ctx, res.ModelID)
		if err != nil {
			return err
		}
		if at != nil {
			fmt.Fprintf(env.Stdout, "model %d is in use\n", res.ModelID)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("model %d is stored and active, but no node loaded it within %s", res.ModelID, inUseWait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// triageEvalCmd scores the active model on a labelled CSV.
func triageEvalCmd(ctx context.Context, env *app.Env, args []string) (err error) {
	fs := flag.NewFlagSet("triage eval", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	file := fs.String("csv", "", "labelled CSV file, optionally gzip-compressed (required)")
	textCol := fs.String("text-column", "", "column holding the ticket text (required)")
	catCol := fs.String("category-column", "", "column holding the true category (required)")
	if err := fs.Parse(args); err != nil {
		return &UsageError{err.Error()}
	}
	if *file == "" || *textCol == "" || *catCol == "" || fs.NArg() > 0 {
		return &UsageError{"usage: switchboard triage eval --csv FILE --text-column C --category-column C"}
	}
	examples, err := readExamples(*file, *textCol, *catCol)
	if err != nil {
		return err
	}
	db, err := app.OpenDatabase(ctx, env)
	if err != nil {
		return err
	}
	defer closeDatabase(ctx, db, &err)
	row, err := db.ActiveModel(ctx)
	if err != nil {
		if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
			return errors.New("no model trained yet: run `switchboard triage train` first")
		}
		return err
	}
	m, err := classify.UnmarshalModel(row.Model)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "model %d (trained %s on %d tickets)\n", row.ID, row.CreatedAt.UTC().Format(time.RFC3339), row.Examples)
	return classify.Evaluate(m, examples).WriteTable(env.Stdout)
}

// triageSimulateCmd replays arrivals against a roster with each strategy.
func triageSimulateCmd(_ context.Context, env *app.Env, args []string) error {
	fs := flag.NewFlagSet("triage simulate", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	rosterFile := fs.String("roster", "", "roster JSON (required)")
	ticketsFile := fs.String("tickets", "", "arrivals CSV (required)")
	names := make([]string, len(sim.Strategies))
	for i, s := range sim.Strategies {
		names[i] = string(s)
	}
	strategy := fs.String("strategy", "all", "all, or a comma-separated list of: "+strings.Join(names, ", "))
	stress := fs.Int("stress", 0, "instead of a roster, generate N adversarial rosters and check the properties on each")
	seed := fs.Uint64("seed", 1, "first seed of --stress")
	days := fs.Int("days", 7, "days of arrivals per --stress roster")
	if err := fs.Parse(args); err != nil {
		return &UsageError{err.Error()}
	}
	if *stress > 0 {
		return simulateStress(env, *stress, *seed, *days)
	}
	if *rosterFile == "" || *ticketsFile == "" || fs.NArg() > 0 {
		return &UsageError{"usage: switchboard triage simulate --roster FILE --tickets FILE [--strategy " + strings.Join(names, ",") + "] | --stress N [--seed S] [--days D]"}
	}
	strategies := sim.Strategies
	if *strategy != "all" {
		strategies = nil
		for _, s := range strings.Split(*strategy, ",") {
			st := sim.Strategy(strings.TrimSpace(s))
			if !slices.Contains(sim.Strategies, st) {
				return &UsageError{fmt.Sprintf("unknown strategy %q (want %s)", s, strings.Join(names, ", "))}
			}
			strategies = append(strategies, st)
		}
	}
	roster, err := sim.LoadRoster(*rosterFile)
	if err != nil {
		return err
	}
	arrivals, err := sim.LoadArrivals(*ticketsFile)
	if err != nil {
		return err
	}
	var results []sim.Result
	for _, s := range strategies {
		r, err := sim.Run(roster, arrivals, s)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	if err := sim.WriteTable(env.Stdout, results); err != nil {
		return err
	}
	return sim.WriteBreakdown(env.Stdout, results)
}

// simulateStress runs n generated rosters from seed and fails when any
// breaks a property.
func simulateStress(env *app.Env, n int, seed uint64, days int) error {
	var outs []sim.StressOutcome
	bad := 0
	for i := range n {
		o, err := sim.CheckStress(sim.GenerateStress(seed+uint64(i), days))
		if err != nil {
			return err
		}
		if len(o.Violations) > 0 {
			bad++
		}
		outs = append(outs, o)
	}
	sim.WriteStress(env.Stdout, outs)
	if bad > 0 {
		return fmt.Errorf("%d of %d rosters broke a property", bad, n)
	}
	return nil
}
