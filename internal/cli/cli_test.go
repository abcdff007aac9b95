package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func runCmd(t *testing.T, vars map[string]string, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, func(k string) string { return vars[k] }, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestUserAdd(t *testing.T) {
	t.Parallel()
	conn := pgtest.NewDatabase(t)
	vars := map[string]string{"DATABASE_URL": conn, "SWITCHBOARD_DATA_DIR": t.TempDir(), "SWITCHBOARD_LOG_LEVEL": "error"}
	users := func() int {
		db, err := postgres.Open(context.Background(), conn, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.RawPool().QueryRow(context.Background(), "SELECT count(*) FROM users").Scan(&n); err != nil {
			return 0 // not migrated yet
		}
		return n
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad email", []string{"--email", "not-an-email", "--name", "X", "--role", "agent"}, "--email"},
		{"bad role", []string{"--email", "a@example.com", "--name", "X", "--role", "boss"}, "--role"},
		{"bad time zone", []string{"--email", "a@example.com", "--name", "X", "--role", "agent", "--timezone", "Mars/Olympus"}, "--timezone"},
		{"no name", []string{"--email", "a@example.com", "--role", "agent"}, "--name"},
		{"unknown team", []string{"--email", "a@example.com", "--name", "X", "--role", "agent", "--team", "nope"}, "team"},
	} {
		out, err := runCmd(t, vars, "", append([]string{"user", "add"}, tc.args...)...)
		if err == nil || ExitCode(err) == 0 {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error()+out, tc.want) {
			t.Errorf("%s: message %q does not name %s", tc.name, err.Error(), tc.want)
		}
		if n := users(); n != 0 {
			t.Errorf("%s: %d users written", tc.name, n)
		}
	}
	out, err := runCmd(t, vars, "s3cret-password\n", "user", "add", "--email", "ana@example.com", "--name", "Ana", "--role", "agent",
		"--timezone", "Asia/Manila", "--password-stdin")
	if err != nil {
		t.Fatalf("valid user add: %v %s", err, out)
	}
	if _, err := runCmd(t, vars, "", "user", "add", "--email", "ANA@example.com", "--name", "Ana 2", "--role", "agent"); err == nil {
		t.Error("duplicate email (other case) accepted")
	}
	if n := users(); n != 1 {
		t.Errorf("users = %d, want 1", n)
	}
	if _, err := runCmd(t, vars, "", "frobnicate"); ExitCode(err) != 2 {
		t.Errorf("unknown command exit = %d", ExitCode(err))
	}
}
