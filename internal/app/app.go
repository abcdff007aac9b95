// Package app is Switchboard's composition root: it reads the configuration,
// opens the database (embedded or DATABASE_URL), builds the services, River,
// the HTTP server and the mail listeners, and runs the subcommands. Tests and
// end-to-end checks drive it through Run.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

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
`

// Command is one subcommand's entry point.
type Command func(ctx context.Context, env *Env, args []string) error

// commands maps "serve", "user add", … to their implementations; features
// register theirs in init functions of their own files.
var commands = map[string]Command{}

// Env is what every command gets: the configuration and the process's streams.
type Env struct {
	Config *config.Config
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Log    *slog.Logger
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
	env := &Env{Config: cfg, Getenv: getenv, Stdin: stdin, Stdout: stdout, Stderr: stderr, Log: NewLogger(stderr, cfg.LogLevel)}
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

// NewLogger builds the text logger every command uses.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
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

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
