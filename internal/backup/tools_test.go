package backup

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPasswordNotOnCommandLine runs a stand-in pg_dump that records its
// arguments and environment: the database password must reach it in
// PGPASSWORD, never in its arguments, which every user can read with ps.
func TestPasswordNotOnCommandLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seen := filepath.Join(dir, "seen")
	script := "#!/bin/sh\nprintf 'args=%s\\npassword=%s\\n' \"$*\" \"$PGPASSWORD\" > " + seen + "\n"
	if err := os.WriteFile(filepath.Join(dir, "pg_dump"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	tools := Tools{Dir: dir}
	if _, err := tools.runAt(context.Background(), "pg_dump", "postgres://sb:hunter2-secret@db.example:5432/switchboard?pool_max_conns=4", "--format=custom"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(seen)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	if !strings.Contains(got, "args=--dbname=postgres://sb@db.example:5432/switchboard --format=custom\n") {
		t.Errorf("pg_dump got %q", got)
	}
	if strings.Contains(strings.SplitN(got, "\n", 2)[0], "hunter2") || !strings.Contains(got, "password=hunter2-secret\n") {
		t.Errorf("the password is on the command line or missing from PGPASSWORD: %q", got)
	}
}
