package app

import (
	"context"
	"io"
	"strings"
	"testing"

	"switchboard/internal/config"
)

func newTestEnv(t *testing.T, vars map[string]string, stderr io.Writer) *Env {
	t.Helper()
	getenv := func(k string) string { return vars[k] }
	cfg, err := config.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	return &Env{Config: cfg, Getenv: getenv, Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: stderr, Log: NewLogger(stderr, "error")}
}

// startWorkerNode starts a node on the database conn with every worker on
// and no HTTP or SMTP listener; the test shuts it down at its end.
func startWorkerNode(t *testing.T, conn string) *App {
	t.Helper()
	vars := map[string]string{"DATABASE_URL": conn, "SWITCHBOARD_DATA_DIR": t.TempDir(), "SWITCHBOARD_SMTP_ADDR": "off",
		"SWITCHBOARD_SECRET_KEY": "test-secret-key-0123456789abcdef0123456789", "SWITCHBOARD_LOG_LEVEL": "error"}
	node, err := Start(context.Background(), newTestEnv(t, vars, io.Discard), Options{NoHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Shutdown(context.Background()) })
	return node
}
