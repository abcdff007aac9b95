package testwait

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// recorder captures Fatalf instead of ending the test, so the failure path can
// be checked too.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	panic(r)
}

// run calls f with a recorder and returns what it failed with ("" if it did not).
func run(f func(tb testing.TB)) (failed string) {
	r := &recorder{}
	defer func() {
		if p := recover(); p != nil && p != any(r) {
			panic(p)
		}
		failed = r.failed
	}()
	f(r)
	return ""
}

func TestUntilReturnsOnceTheConditionHolds(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	if failed := run(func(tb testing.TB) {
		Until(tb, Long, "three checks", func() bool { return n.Add(1) == 3 })
	}); failed != "" {
		t.Fatalf("failed: %s", failed)
	}
	if n.Load() != 3 {
		t.Fatalf("checked %d times, want 3 (it must stop as soon as the condition holds)", n.Load())
	}
}

func TestUntilFailsAfterTheDeadline(t *testing.T) {
	t.Parallel()
	start := time.Now()
	failed := run(func(tb testing.TB) {
		Until(tb, 50*time.Millisecond, "something that never happens", func() bool { return false })
	})
	if !strings.Contains(failed, "something that never happens") {
		t.Fatalf("failure %q does not name what was awaited", failed)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Fatal("gave up before the deadline")
	}
}

func TestUntilNilReportsTheLastState(t *testing.T) {
	t.Parallel()
	failed := run(func(tb testing.TB) {
		UntilNil(tb, 30*time.Millisecond, "the count", func() error { return errors.New("count is 2, want 3") })
	})
	if !strings.Contains(failed, "count is 2, want 3") {
		t.Fatalf("failure %q does not carry the last error", failed)
	}
}
