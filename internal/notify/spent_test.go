package notify

import (
	"strconv"
	"testing"
	"time"
)

// Senders that hit the hourly limit once and never write again (forged
// ones, say) do not pile up: the set holds about what the last hour spent,
// and still knows every sender whose budget is spent now.
func TestSpentSendersStayBounded(t *testing.T) {
	t.Parallel()
	var s spentSenders
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n, perHour = 20000, 3600 // one new sender a second for 5.5 hours
	var now time.Time
	for i := range n {
		now = start.Add(time.Duration(i) * time.Second)
		s.store("robot"+strconv.Itoa(i)+"@example.com", now.Add(time.Hour), now)
		if got := s.size(); got > 2*perHour+minSweep {
			t.Fatalf("after %d senders the set holds %d, want at most %d", i+1, got, 2*perHour+minSweep)
		}
	}
	for i := n - perHour + 1; i < n; i++ {
		if !s.spent("robot"+strconv.Itoa(i)+"@example.com", now) {
			t.Fatalf("sender %d, spent until %s, is forgotten at %s", i, start.Add(time.Duration(i)*time.Second+time.Hour), now)
		}
	}
	if s.spent("robot0@example.com", now) {
		t.Fatal("the first sender is still spent 5.5 hours later")
	}
}
