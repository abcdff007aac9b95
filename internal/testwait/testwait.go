// Package testwait is the one way tests wait for something to happen: poll a
// condition until it holds or a deadline passes. Tests run on loaded 2-core
// machines, so a fixed sleep is either too short (flaky) or too long (slow);
// polling ends as soon as the condition holds and fails only after a generous
// deadline. It imports nothing from Switchboard so that every package's tests,
// including those apptest itself depends on, can use it.
package testwait

import (
	"errors"
	"testing"
	"time"
)

// Long is the deadline for conditions that wait on background work (River
// jobs, pollers, another process): generous, because a loaded machine can
// stall a worker for many seconds, and a condition that holds returns at once.
const Long = 90 * time.Second

// maxPause bounds the pause between two checks; the first pauses are shorter
// so a condition that holds almost at once costs almost nothing.
const maxPause = 250 * time.Millisecond

// Until polls cond until it returns true, and fails the test with what when
// timeout passes first. Call it from the test's own goroutine (it calls
// t.Fatalf); cond may call t.Fatal itself for errors that will not go away.
func Until(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	UntilNil(t, timeout, what, func() error {
		if cond() {
			return nil
		}
		return errNotYet
	})
}

// UntilNil polls check until it returns nil, and fails the test with what and
// check's last error when timeout passes first, so the failure says what the
// state was rather than only that it was wrong.
func UntilNil(t testing.TB, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	pause := 10 * time.Millisecond
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			if errors.Is(err, errNotYet) {
				t.Fatalf("timed out after %s waiting for %s", timeout, what)
			}
			t.Fatalf("timed out after %s waiting for %s: %v", timeout, what, err)
		}
		time.Sleep(pause)
		pause = min(2*pause, maxPause)
	}
}

// errNotYet is what Until's condition reports while false; it says nothing
// worth printing.
var errNotYet = errors.New("condition not met")
