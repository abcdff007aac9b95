package backup

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Scheduler takes a backup into Dir every Every and keeps the newest Keep
// files. It runs inside `switchboard serve` on the embedded default, where
// nobody else backs the database up; with DATABASE_URL the database's own
// operator does. Status tells the admin console how it goes.
type Scheduler struct {
	Dir   string
	Every time.Duration
	Keep  int
	// Backup writes one backup to out.
	Backup func(ctx context.Context, out string) (*Manifest, error)
	Log    *slog.Logger
	// Now is the clock (nil: time.Now); tests step it.
	Now func() time.Time

	mu      sync.Mutex
	lastOK  time.Time
	lastErr string
	errAt   time.Time
	next    time.Time
	stop    context.CancelFunc
	done    chan struct{}
}

// File is one backup in the directory.
type File struct {
	Name  string
	Size  int64
	Taken time.Time
}

// Status is what the admin console shows.
type Status struct {
	Dir         string
	Every       time.Duration
	Keep        int
	LastOK      time.Time // zero: none since start (see Files for older ones)
	LastError   string
	LastErrorAt time.Time
	Next        time.Time
	Files       []File // newest first
}

const prefix, suffix = "switchboard-", ".sbk"

// failureFile, in Dir, keeps the last failure (its time, a newline, the
// error) until a backup succeeds, so that a restart does not hide from the
// admin console that the last scheduled backup failed.
const failureFile = "last-failure.txt"

// firstDelay keeps the first backup off the busy moment of a start.
const firstDelay = time.Minute

// Start plans the first backup (Every after the newest file, or a minute
// from now if that is past or there is none) and runs the schedule.
func (s *Scheduler) Start(ctx context.Context) error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("backup directory: %w", err)
	}
	next := time.Now().Add(firstDelay)
	if files := s.files(); len(files) > 0 {
		if due := files[0].Taken.Add(s.Every); due.After(next) {
			next = due
		}
	}
	s.mu.Lock()
	s.next = next
	s.lastErr, s.errAt = s.readFailure()
	s.mu.Unlock()
	ctx, s.stop = context.WithCancel(context.WithoutCancel(ctx))
	s.done = make(chan struct{})
	go s.loop(ctx)
	return nil
}

// Stop ends the schedule; a backup under way is cancelled (its partial
// file is removed).
func (s *Scheduler) Stop(context.Context) error {
	if s.stop != nil {
		s.stop()
		<-s.done
	}
	return nil
}

func (s *Scheduler) loop(ctx context.Context) {
	defer close(s.done)
	for {
		s.mu.Lock()
		wait := time.Until(s.next)
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		_ = s.RunNow(ctx)
		s.mu.Lock()
		s.next = time.Now().Add(s.Every)
		s.mu.Unlock()
	}
}

// RunNow takes a backup now and prunes old ones; the error is also kept
// for Status.
func (s *Scheduler) RunNow(ctx context.Context) error {
	now := time.Now().UTC()
	if s.Now != nil {
		now = s.Now().UTC()
	}
	out := filepath.Join(s.Dir, prefix+now.Format("20060102T150405Z")+suffix)
	m, err := s.Backup(ctx, out)
	s.mu.Lock()
	defer s.mu.Unlock()
	failure := filepath.Join(s.Dir, failureFile)
	if err != nil {
		s.lastErr, s.errAt = err.Error(), now
		s.Log.Error("scheduled backup failed", "file", out, "err", err)
		if werr := os.WriteFile(failure, []byte(now.Format(time.RFC3339)+"\n"+err.Error()), 0o600); werr != nil {
			s.Log.Warn("keep the backup failure", "file", failure, "err", werr)
		}
		return err
	}
	s.lastOK, s.lastErr = now, ""
	if err := os.Remove(failure); err != nil && !os.IsNotExist(err) {
		s.Log.Warn("remove the old backup failure", "file", failure, "err", err)
	}
	s.Log.Info("scheduled backup written", "file", out, "rows", m.Rows(), "bytes", m.Dump.Size)
	files := s.files()
	for _, f := range files[min(len(files), max(s.Keep, 1)):] {
		if err := os.Remove(filepath.Join(s.Dir, f.Name)); err != nil {
			s.Log.Warn("prune old backup", "file", f.Name, "err", err)
		}
	}
	return nil
}

// readFailure reads the failure a run before a restart left in Dir.
func (s *Scheduler) readFailure() (string, time.Time) {
	b, err := os.ReadFile(filepath.Join(s.Dir, failureFile))
	if err != nil {
		return "", time.Time{}
	}
	at, msg, _ := strings.Cut(string(b), "\n")
	t, _ := time.Parse(time.RFC3339, at)
	return msg, t
}

// Status reports the schedule, the last outcome and the files on disk.
func (s *Scheduler) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Status{Dir: s.Dir, Every: s.Every, Keep: s.Keep, LastOK: s.lastOK, LastError: s.lastErr,
		LastErrorAt: s.errAt, Next: s.next, Files: s.files()}
}

// files lists the scheduled backups, newest first (their names sort by
// time).
func (s *Scheduler) files() []File {
	entries, _ := os.ReadDir(s.Dir)
	var out []File
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) {
			continue
		}
		taken, err := time.Parse("20060102T150405Z", strings.TrimSuffix(strings.TrimPrefix(name, prefix), suffix))
		if err != nil {
			continue
		}
		f := File{Name: name, Taken: taken}
		if info, err := e.Info(); err == nil {
			f.Size = info.Size()
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b File) int { return b.Taken.Compare(a.Taken) })
	return out
}
