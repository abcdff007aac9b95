package corpora

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFindPrefersEnvThenWalksUp(t *testing.T) {
	root := t.TempDir()
	envDir := filepath.Join(root, "env")
	walked := filepath.Join(root, "shared", "test-corpora", "a")
	deep := filepath.Join(root, "repo", "internal", "x")
	for _, d := range []string{filepath.Join(envDir, "a"), walked, deep} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(deep)

	t.Setenv(EnvVar, envDir)
	if p, err := Find("a"); err != nil || p != filepath.Join(envDir, "a") {
		t.Fatalf("with %s: Find = %q, %v", EnvVar, p, err)
	}
	t.Setenv(EnvVar, "")
	if p, err := Find("a"); err != nil || p != walked {
		t.Fatalf("walking up: Find = %q, %v; want %q", p, err, walked)
	}
	if _, err := Find("missing/file"); err == nil {
		t.Fatal("Find of a missing corpus succeeded")
	}
}
