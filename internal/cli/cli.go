// Package cli is Switchboard's command line: one table maps each subcommand
// to its function, and Run parses the arguments, loads the configuration and
// calls it. `serve` starts a node through internal/app; the other commands
// open the same database for one job and exit. cmd/switchboard calls Run and
// nothing else; tests call it the same way.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"switchboard/internal/app"
	"switchboard/internal/config"
	"switchboard/internal/helpdesk"
)

// UsageError is a mistake in the command line; it exits with status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// ExitCode maps an error to a process exit status.
func ExitCode(err error) int {
	var u *UsageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

const usage = `usage: switchboard <command> [flags]

commands:
  serve [--demo]            run the web UI, API, mail intake and workers
  migrate                   apply database migrations and exit
  user add --email E --name N --role requester|agent|lead|admin [--team SLUG] [--timezone IANA] [--password-stdin]
  token create --email E [--name LABEL]
  import tickets --csv FILE --text-column C --category-column C
  triage train | eval | simulate
  load --tickets N [--messages M] [--corpus FILE]   fill the database with generated tickets (load tests, benchmarks)
  incidents replay --csv FILE --time-column C --text-column C [--category-column C]
  backup --out FILE | backup verify FILE | restore --in FILE [--force]
`

// Command is one subcommand's entry point.
type Command func(ctx context.Context, env *app.Env, args []string) error

// commands is every subcommand, by the words that name it.
var commands = map[string]Command{
	"serve":            serveCmd,
	"migrate":          migrateCmd,
	"user add":         userAddCmd,
	"token create":     tokenCreateCmd,
	"import tickets":   importTicketsCmd,
	"triage train":     triageTrainCmd,
	"triage eval":      triageEvalCmd,
	"triage simulate":  triageSimulateCmd,
	"load":             loadCmd,
	"incidents replay": incidentsReplayCmd,
	"backup":           backupCmd,
	"backup verify":    backupVerifyCmd,
	"restore":          restoreCmd,
}

// Run parses the subcommand and runs it.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return &UsageError{"no command given"}
		}
		return nil
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	env := &app.Env{Config: cfg, Getenv: getenv, Stdin: stdin, Stdout: stdout, Stderr: stderr, Log: app.NewLogger(stderr, cfg.LogLevel)}
	for _, n := range []int{2, 1} {
		if len(args) >= n {
			if cmd, ok := commands[strings.Join(args[:n], " ")]; ok {
				return cmd(ctx, env, args[n:])
			}
		}
	}
	fmt.Fprint(stderr, usage)
	return &UsageError{fmt.Sprintf("unknown command %q", strings.Join(args, " "))}
}

// describe turns a helpdesk validation error into lines for a terminal.
func describe(err error) error {
	fields := helpdesk.FieldErrors(err)
	if len(fields) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString(helpdesk.ErrorMessage(err))
	for _, f := range fields {
		fmt.Fprintf(&b, "\n  --%s: %s", f.Field, f.Message)
	}
	return errors.New(b.String())
}

// closeDatabase closes a command's database when the command returns. On the
// embedded default that stops the cluster the command started, so a failure is
// joined to the command's own error instead of being lost: the next command
// would find the cluster still running.
func closeDatabase(ctx context.Context, db *app.Database, err *error) {
	*err = errors.Join(*err, db.Close(context.WithoutCancel(ctx)))
}
