// Package corpora finds the shared test corpora (real mail, tickets, XSS
// vectors) that live beside the repository in ../shared/test-corpora, or
// wherever SWITCHBOARD_CORPORA points. It imports only the standard library
// so any package, test or not, can use it.
package corpora

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// EnvVar names the environment variable that overrides where the corpora are.
const EnvVar = "SWITCHBOARD_CORPORA"

// Find returns the path of rel (a file or directory, slash-separated,
// relative to the corpora root; "" for the root itself): first under
// $SWITCHBOARD_CORPORA, then under shared/test-corpora in the working
// directory and every parent of it, so the repository finds the corpora
// beside it wherever it is cloned and whichever package runs.
func Find(rel string) (string, error) {
	rel = filepath.FromSlash(rel)
	var tried []string
	if dir := os.Getenv(EnvVar); dir != "" {
		tried = append(tried, filepath.Join(dir, rel))
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			tried = append(tried, filepath.Join(dir, "shared", "test-corpora", rel))
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	for _, p := range tried {
		if _, err := os.Stat(p); err == nil { //nolint:gosec // corpus lookup, paths chosen by the developer
			return p, nil
		}
	}
	if len(tried) == 0 {
		return "", fmt.Errorf("test corpus %q not found: no working directory and %s unset", rel, EnvVar)
	}
	return "", fmt.Errorf("test corpus %q not found in %d places (first %s); set %s", rel, len(tried), tried[0], EnvVar)
}

// Path is Find for tests: a missing corpus skips the test locally, but fails
// it under CI=true, so CI can never pass by silently testing nothing.
func Path(t testing.TB, rel string) string {
	t.Helper()
	p, err := Find(rel)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return p
}
