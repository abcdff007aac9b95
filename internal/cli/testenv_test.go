package cli

import (
	"io"
	"strings"
	"testing"

	"switchboard/internal/app"
	"switchboard/internal/config"
)

func newTestEnv(t *testing.T, vars map[string]string, stderr io.Writer) *app.Env {
	t.Helper()
	getenv := func(k string) string { return vars[k] }
	cfg, err := config.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	return &app.Env{Config: cfg, Getenv: getenv, Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: stderr, Log: app.NewLogger(stderr, "error")}
}
