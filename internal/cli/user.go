package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"switchboard/internal/app"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
)

// userAddCmd: switchboard user add --email E --name N --role R [--team SLUG]
// [--timezone IANA] [--password-stdin]. Invalid input writes nothing.
func userAddCmd(ctx context.Context, env *app.Env, args []string) (err error) {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "display name (required)")
	role := fs.String("role", "", "requester, agent, lead or admin (required)")
	team := fs.String("team", "", "slug of a team to join")
	tz := fs.String("timezone", "UTC", "IANA time zone, e.g. Europe/Berlin")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args); err != nil {
		return &UsageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return &UsageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	var password string
	if *pwStdin {
		line, err := bufio.NewReader(env.Stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("read password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
		if password == "" {
			return fmt.Errorf("--password-stdin: no password on standard input")
		}
	}
	in := auth.NewUser{Email: *email, Name: *name, Role: helpdesk.Role(*role), TeamSlug: *team, TimeZone: *tz, Password: password}
	// Validate before touching the database, so a typo needs no PostgreSQL.
	if err := auth.ValidateNewUser(&in); err != nil {
		return describe(err)
	}
	db, err := app.OpenMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer closeDatabase(ctx, db, &err)
	u, err := auth.CreateUser(ctx, db.DB, in)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(env.Stdout, "created %s %s <%s> (id %d)\n", u.Role, u.Name, u.Email, u.ID)
	return nil
}
