package triage_test

import (
	"sync"
	"testing"

	"switchboard/internal/helpdesk"
	"switchboard/internal/triage"
)

// Tickets triaged in one transaction still get one decision each, on loads
// that count the batch's earlier assignments: capacities hold, the load
// spreads, the surplus queues, and a ticket named twice is triaged once.
func TestTriageBatchDecidesEachTicketOnce(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	s.category("Network", s.team, "network", nil, 0.5)
	var agents []int64
	for _, name := range []string{"alice", "bob", "carol"} {
		agents = append(agents, s.agent(s.team, agentSpec{name: name, skills: map[string]int{"network": 2}, capacity: 3}).ID)
	}
	var ids []int64
	for range 11 {
		ids = append(ids, s.file("VPN drops", "GlobalProtect disconnects.", "Network", helpdesk.ImpactPerson, helpdesk.UrgencyMedium).ID)
	}
	batch := append(append([]int64{}, ids...), ids[0], ids[5])
	if err := s.runner.TriageTogether(s.ctx, batch); err != nil {
		t.Fatal(err)
	}
	s.checkOnce(ids, agents, 3)
}

// Concurrent runs on one node (grouped into batches) and a second runner
// on the same database (another node) triage every ticket exactly once.
// (There is room for all: a queued ticket is meant to be tried again.)
func TestTriageConcurrentRunsOnce(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	s.category("Network", s.team, "network", nil, 0.5)
	var agents []int64
	for _, name := range []string{"alice", "bob", "carol", "dave"} {
		agents = append(agents, s.agent(s.team, agentSpec{name: name, skills: map[string]int{"network": 2}, capacity: 12}).ID)
	}
	var ids []int64
	for range 40 {
		ids = append(ids, s.file("VPN drops", "GlobalProtect disconnects.", "Network", helpdesk.ImpactPerson, helpdesk.UrgencyMedium).ID)
	}
	// A second node: its own batches, the same database.
	other := &triage.Runner{DB: s.db, Classifier: &triage.Classifier{DB: s.db}, NoCache: true}
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(ids))
	for i, id := range ids {
		for n, r := range []*triage.Runner{s.runner, other} {
			if n == 1 && i%2 == 0 {
				continue // every other ticket is also run by the second node
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- r.Run(s.ctx, id)
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s.checkOnce(ids, agents, 12)
}

// checkOnce: one triaged event per ticket; every agent within capacity
// and the assignments spread (nobody more than one ahead of another while
// someone has room); the rest queued.
func (s *seed) checkOnce(ids, agents []int64, capacity int) {
	s.t.Helper()
	for _, id := range ids {
		if n := len(s.events(id, helpdesk.EventTriaged)); n != 1 {
			s.t.Errorf("ticket %d: %d triaged events, want 1", id, n)
		}
	}
	var assigned int
	lo, hi := capacity, 0
	for _, a := range agents {
		var n int
		s.scalar(&n, `SELECT count(*) FROM tickets WHERE assignee_id = $1`, a)
		var load int
		s.scalar(&load, `SELECT open_load FROM agent_profiles WHERE user_id = $1`, a)
		if n > capacity || load != n {
			s.t.Errorf("agent %d: %d tickets, load counter %d, capacity %d", a, n, load, capacity)
		}
		assigned += n
		lo, hi = min(lo, n), max(hi, n)
	}
	want := min(len(ids), capacity*len(agents))
	if assigned != want || hi-lo > 1 {
		s.t.Errorf("%d assigned (want %d), per agent between %d and %d", assigned, want, lo, hi)
	}
}
