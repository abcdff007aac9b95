package cli

import (
	"context"
	"strings"
	"testing"

	"switchboard/internal/auth"
	"switchboard/internal/config"
	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
)

// TestTokenCreate: the printed token authenticates as the user, under the
// data dir's secret key that serve would use.
func TestTokenCreate(t *testing.T) {
	t.Parallel()
	conn := pgtest.NewDatabase(t)
	vars := map[string]string{"DATABASE_URL": conn, "SWITCHBOARD_DATA_DIR": t.TempDir(), "SWITCHBOARD_LOG_LEVEL": "error"}
	if _, err := runCmd(t, vars, "", "token", "create", "--email", "nobody@example.com"); err == nil {
		t.Error("token for an unknown user")
	}
	if _, err := runCmd(t, vars, "", "user", "add", "--email", "ops@example.com", "--name", "Ops", "--role", "agent"); err != nil {
		t.Fatal(err)
	}
	if _, err := runCmd(t, vars, "", "token", "create", "--email", "ops@example.com", "--scope", "admin"); err == nil {
		t.Error("bad scope accepted")
	}
	out, err := runCmd(t, vars, "", "token", "create", "--email", "ops@example.com", "--name", "nagios", "--scope", "read")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	secret := strings.TrimSpace(out)
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.EnsureSecret(); err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(context.Background(), conn, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, tok, err := (&auth.Tokens{DB: db, Key: cfg.SecretKey}).Authenticate(context.Background(), secret)
	if err != nil || u.Email != "ops@example.com" || tok.Scope != auth.ScopeRead || tok.Name != "nagios" {
		t.Fatalf("printed %q: %v %+v %+v", secret, err, u, tok)
	}
}
