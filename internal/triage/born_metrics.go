package triage

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// A born batch holds its candidates' profile locks from its first round
// trip to the end of its commit, and every next batch for those agents
// (on any node) waits for them: on one node, batches for a team hold them
// one after another, so tickets per batch over the time held bounds how
// many tickets a team can be filed per second. These counters let an
// operator (and the end-to-end benchmark) see that bound and where it goes.
var (
	bornBatches = promauto.NewCounter(prometheus.CounterOpts{Name: "switchboard_born_batches_total",
		Help: "Batches of new tickets filed triaged in one transaction."})
	bornTickets = promauto.NewCounter(prometheus.CounterOpts{Name: "switchboard_born_tickets_total",
		Help: "New tickets filed triaged by those batches."})
	bornLocked = promauto.NewCounter(prometheus.CounterOpts{Name: "switchboard_born_locked_seconds_total",
		Help: "Time the batches held their candidates' profile locks: from the locks taken to the commit's end."})
	bornDecide = promauto.NewCounter(prometheus.CounterOpts{Name: "switchboard_born_decide_seconds_total",
		Help: "Of that, the time deciding who takes each ticket."})
	bornWrite = promauto.NewCounter(prometheus.CounterOpts{Name: "switchboard_born_write_seconds_total",
		Help: "Of that, the time writing the tickets (the insert round trip)."})
	bornCommit = promauto.NewCounter(prometheus.CounterOpts{Name: "switchboard_born_commit_seconds_total",
		Help: "Of that, the time committing."})
)

// bornTimes are the moments of one batch that the counters above add up.
type bornTimes struct {
	locked, decided, written, committing time.Time
}

// count adds a committed batch of n tickets (every moment set).
func (b bornTimes) count(n int) {
	end := time.Now()
	bornBatches.Inc()
	bornTickets.Add(float64(n))
	bornLocked.Add(end.Sub(b.locked).Seconds())
	bornDecide.Add(b.decided.Sub(b.locked).Seconds())
	bornWrite.Add(b.written.Sub(b.decided).Seconds())
	bornCommit.Add(end.Sub(b.committing).Seconds())
}
