package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"switchboard/internal/app"
	"switchboard/internal/postgres"
	"switchboard/internal/triage/classify"
)

// importBatch is how many rows one COPY carries; between batches the
// progress bar moves.
const importBatch = 2000

// importTicketsCmd: switchboard import tickets --csv FILE --text-column C
// --category-column C. It loads historical, resolved tickets for
// categorisation to learn from. They go to their own table, not to tickets:
// they have no requester, must not appear in any queue or start an SLA
// clock, and 40k ticket events would drown the audit trail. The whole file
// commits in one transaction, so a bad row leaves nothing half-imported.
// Categories are not created: a category needs an owning team the file
// cannot name, so labels without a category are listed for an admin.
func importTicketsCmd(ctx context.Context, env *app.Env, args []string) (err error) {
	fs := flag.NewFlagSet("import tickets", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	file := fs.String("csv", "", "CSV file (optionally gzip-compressed) with a header row (required)")
	textCol := fs.String("text-column", "", "column holding the ticket text (required)")
	catCol := fs.String("category-column", "", "column holding the final category (required)")
	if err := fs.Parse(args); err != nil {
		return &UsageError{err.Error()}
	}
	if *file == "" || *textCol == "" || *catCol == "" || fs.NArg() > 0 {
		return &UsageError{"usage: switchboard import tickets --csv FILE --text-column C --category-column C"}
	}
	start := time.Now()
	examples, err := readExamples(*file, *textCol, *catCol)
	if err != nil {
		return err
	}
	db, err := app.OpenMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer closeDatabase(ctx, db, &err)
	bar := newProgress(env.Stdout, len(examples))
	err = db.InTx(ctx, func(tx *postgres.Tx) error {
		rows := make([]postgres.ImportExample, 0, importBatch)
		for i := 0; i < len(examples); i += importBatch {
			rows = rows[:0]
			for _, ex := range examples[i:min(i+importBatch, len(examples))] {
				rows = append(rows, postgres.ImportExample{Text: ex.Text, Category: ex.Label})
			}
			if err := tx.ImportExamples(ctx, rows); err != nil {
				return err
			}
			bar.set(i + len(rows))
		}
		return nil
	})
	bar.done()
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(env.Stdout, "imported %d tickets in %s (%.0f rows/s)\n", len(examples), took.Round(time.Millisecond),
		float64(len(examples))/took.Seconds())
	return reportUnmatched(ctx, env.Stdout, db.DB, examples)
}

func readExamples(path, textCol, catCol string) ([]classify.Example, error) {
	f, err := os.Open(path) //nolint:gosec // the file the operator named with --csv
	if err != nil {
		return nil, err
	}
	defer f.Close() //nolint:errcheck // read only
	return classify.ReadCSV(f, textCol, catCol)
}

// reportUnmatched lists labels that name no category: triage can only use
// the model's suggestion for a category that exists.
func reportUnmatched(ctx context.Context, w io.Writer, db *postgres.DB, examples []classify.Example) error {
	cats, err := db.Categories(ctx)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, c := range cats {
		known[strings.ToLower(c.Name)] = true
	}
	missing := map[string]int{}
	for _, ex := range examples {
		if !known[strings.ToLower(ex.Label)] {
			missing[ex.Label]++
		}
	}
	if len(missing) == 0 {
		return nil
	}
	names := make([]string, 0, len(missing))
	for n := range missing {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "these labels are no category yet; create them (with an owning team) so triage can use them:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-30s %d tickets\n", n, missing[n])
	}
	return nil
}

// progress draws a bar on a terminal and nothing elsewhere, so logs and
// pipes get only the summary line.
type progress struct {
	w     io.Writer
	total int
	on    bool
	last  time.Time
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.on = true
		}
	}
	return p
}

func (p *progress) set(n int) {
	if !p.on || (time.Since(p.last) < 100*time.Millisecond && n < p.total) {
		return
	}
	p.last = time.Now()
	const width = 40
	filled := width
	if p.total > 0 {
		filled = width * n / p.total
	}
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), n, p.total)
}

func (p *progress) done() {
	if p.on {
		fmt.Fprintln(p.w)
	}
}
