package notify

import (
	"sync"
	"time"
)

// spentSenders remembers senders whose answer budget is spent, until the
// earliest moment it can free up, so the rest of a burst is turned away
// without a query. Senders are outside input (a forged From costs nothing),
// so an entry may not outlive its use: a lookup drops its own expired entry,
// and a store sweeps out every expired one whenever the map has doubled
// since the last sweep. That keeps it under twice the senders spent within
// the last hour (plus minSweep), at an amortised cost of O(1) a store.
type spentSenders struct {
	mu      sync.Mutex
	until   map[string]time.Time
	sweepAt int // the size at which the next store sweeps
}

// minSweep is the size below which a store never sweeps.
const minSweep = 64

// spent reports whether sender's budget is known to be spent at now.
func (s *spentSenders) spent(sender string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	until, ok := s.until[sender]
	if ok && !now.Before(until) {
		delete(s.until, sender)
		return false
	}
	return ok
}

// store marks sender's budget spent until until.
func (s *spentSenders) store(sender string, until, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.until == nil {
		s.until = map[string]time.Time{}
	}
	s.until[sender] = until
	if len(s.until) < s.sweepAt {
		return
	}
	for k, u := range s.until {
		if !now.Before(u) {
			delete(s.until, k)
		}
	}
	s.sweepAt = max(2*len(s.until), minSweep)
}

// size is how many senders are remembered.
func (s *spentSenders) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.until)
}
