package cli

import (
	"context"
	"flag"
	"os"

	"switchboard/internal/app"
	"switchboard/internal/incident/detect"
)

// incidentsReplayCmd runs the incident detector offline over a CSV of
// tickets, on a scratch state (no database), and prints what it would have
// proposed.
func incidentsReplayCmd(_ context.Context, env *app.Env, args []string) error {
	fs := flag.NewFlagSet("incidents replay", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	file := fs.String("csv", "", "tickets CSV with a header row, optionally gzip-compressed (required)")
	timeCol := fs.String("time-column", "", "column holding each ticket's arrival time, RFC 3339 (required)")
	textCol := fs.String("text-column", "", "column holding the ticket text (required)")
	catCol := fs.String("category-column", "", "column holding the category (optional)")
	if err := fs.Parse(args); err != nil {
		return &UsageError{err.Error()}
	}
	if *file == "" || *timeCol == "" || *textCol == "" || fs.NArg() > 0 {
		return &UsageError{"usage: switchboard incidents replay --csv FILE --time-column C --text-column C [--category-column C]"}
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close() //nolint:errcheck // read-only
	rows, err := detect.ReadRows(f, *timeCol, *textCol, *catCol)
	if err != nil {
		return err
	}
	return detect.WriteReplay(env.Stdout, detect.Replay(rows, detect.Config{}))
}
