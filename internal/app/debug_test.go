package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"switchboard/internal/config"
)

// SWITCHBOARD_DEBUG_ADDR serves Go's profiles on their own listener; the
// bench takes its CPU profiles of `switchboard serve` through it.
func TestDebugListenerServesProfiles(t *testing.T) {
	t.Parallel()
	a := &App{Env: &Env{Config: &config.Config{DebugAddr: "127.0.0.1:0"}, Log: slog.New(slog.DiscardHandler)}}
	if err := a.startDebug(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.debug.stop(context.Background()) })
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+a.DebugAddr+"/debug/pprof/goroutine?debug=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "goroutine profile") {
		t.Fatalf("GET goroutine profile: %d %.200s", res.StatusCode, b)
	}
}
