package backup

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

// TestSchedulerKeepsNewest: each run writes a file named by its time, the
// oldest beyond Keep are removed, and a failure shows in Status without
// touching the files kept.
func TestSchedulerKeepsNewest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clock := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	fail := false
	s := &Scheduler{Dir: dir, Every: time.Hour, Keep: 2, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return clock },
		Backup: func(_ context.Context, out string) (*Manifest, error) {
			if fail {
				return nil, errors.New("pg_dump failed: disk full")
			}
			return &Manifest{}, os.WriteFile(out, []byte("backup"), 0o600)
		}}
	for range 3 {
		if err := s.RunNow(context.Background()); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(time.Hour)
	}
	st := s.Status()
	if len(st.Files) != 2 || st.Files[0].Name != "switchboard-20261207T050000Z.sbk" || st.Files[1].Name != "switchboard-20261207T040000Z.sbk" {
		t.Fatalf("kept %+v, want the newest two", st.Files)
	}
	if st.LastOK.IsZero() || st.LastError != "" {
		t.Errorf("status after success: %+v", st)
	}
	fail = true
	if err := s.RunNow(context.Background()); err == nil {
		t.Fatal("a failed backup returned no error")
	}
	st = s.Status()
	if !strings.Contains(st.LastError, "disk full") || len(st.Files) != 2 {
		t.Errorf("status after failure: %+v", st)
	}
	// A restart still shows the failure, until a backup succeeds.
	restarted := &Scheduler{Dir: dir, Every: time.Hour, Keep: 2, Log: s.Log, Now: s.Now, Backup: s.Backup}
	if err := restarted.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer restarted.Stop(context.Background()) //nolint:errcheck // always nil
	if st := restarted.Status(); !strings.Contains(st.LastError, "disk full") || !st.LastErrorAt.Equal(clock) {
		t.Errorf("status after a restart: %+v, want the failure at %s", st, clock)
	}
	fail = false
	if err := restarted.RunNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	again := &Scheduler{Dir: dir, Every: time.Hour, Keep: 2, Log: s.Log, Now: s.Now, Backup: s.Backup}
	if err := again.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer again.Stop(context.Background()) //nolint:errcheck // always nil
	if st := again.Status(); st.LastError != "" {
		t.Errorf("a success did not clear the failure: %+v", st)
	}
}
