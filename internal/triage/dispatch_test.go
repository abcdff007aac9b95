package triage_test

import (
	"context"
	"fmt"
	"testing"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/testwait"
	"switchboard/internal/triage"
)

// dispatchSeed is a seed whose ticket service hands new tickets to a
// dispatcher; its job client only inserts, so a ticket that went to River
// instead stays untriaged (and shows as a job).
func dispatchSeed(t *testing.T, workers int) (*seed, *triage.Dispatcher) {
	t.Helper()
	s := newSeed(t)
	s.category("Network", s.team, "network", nil, 0.5)
	for _, name := range []string{"alice", "bob"} {
		s.agent(s.team, agentSpec{name: name, skills: map[string]int{"network": 2}, capacity: 100})
	}
	client, err := s.db.NewJobClient(postgres.JobConfig{InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	d := &triage.Dispatcher{Runner: s.runner, Jobs: client, Workers: workers}
	s.tickets.Jobs = client
	s.tickets.Triage = d.Submit
	return s, d
}

func (s *seed) triageJobs(id int64) int {
	s.t.Helper()
	var n int
	s.scalar(&n, `SELECT count(*) FROM river_job WHERE kind = 'triage' AND (args->>'ticket_id')::bigint = $1`, id)
	return n
}

// New tickets are triaged on the creating node after commit, with no
// River job written, fetched or completed for them.
func TestDispatcherTriagesWithoutJobs(t *testing.T) {
	t.Parallel()
	s, d := dispatchSeed(t, 4)
	if err := d.Start(s.ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Stop(context.Background()) }()
	var ids []int64
	for range 12 {
		ids = append(ids, s.file("VPN drops", "GlobalProtect disconnects.", "Network", helpdesk.ImpactPerson, helpdesk.UrgencyMedium).ID)
	}
	testwait.UntilNil(t, testwait.Long, "every ticket triaged", func() error {
		var left int
		s.scalar(&left, `SELECT count(*) FROM tickets WHERE id = ANY($1) AND (triaged_at IS NULL OR assignee_id IS NULL)`, ids)
		if left > 0 {
			return fmt.Errorf("%d of %d tickets not triaged and assigned", left, len(ids))
		}
		return nil
	})
	for _, id := range ids {
		if n := s.triageJobs(id); n != 0 {
			t.Errorf("ticket %d has %d triage jobs, want none", id, n)
		}
		if n := len(s.events(id, helpdesk.EventTriaged)); n != 1 {
			t.Errorf("ticket %d has %d triaged events, want 1", id, n)
		}
	}
}

// A dispatcher that is not running (not started yet, or stopped) hands
// every ticket to River; one stopping hands over what waits in its queue
// and lets the run in progress finish.
func TestDispatcherHandsOverToRiver(t *testing.T) {
	t.Parallel()
	s, d := dispatchSeed(t, 1)
	early := s.file("VPN drops", "Before the node started.", "Network", helpdesk.ImpactPerson, helpdesk.UrgencyMedium).ID
	if n := s.triageJobs(early); n != 1 {
		t.Fatalf("ticket filed before Start: %d triage jobs, want 1", n)
	}
	if err := d.Start(s.ctx); err != nil {
		t.Fatal(err)
	}
	// The one worker's first ticket waits on the agents' profile locks,
	// held here, so the tickets after it stay queued.
	tx, err := s.db.RawPool().Begin(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	if _, err := tx.Exec(s.ctx, `SELECT 1 FROM agent_profiles FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	first := s.file("VPN drops", "Running when the node stops.", "Network", helpdesk.ImpactPerson, helpdesk.UrgencyMedium).ID
	testwait.UntilNil(t, testwait.Long, "the worker waiting on the profile locks", func() error {
		var waiting int
		s.scalar(&waiting, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
		if waiting == 0 {
			return fmt.Errorf("no session waits on a lock")
		}
		return nil
	})
	var queued []int64
	for range 3 {
		queued = append(queued, s.file("VPN drops", "Waiting when the node stops.", "Network", helpdesk.ImpactPerson, helpdesk.UrgencyMedium).ID)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- d.Stop(context.Background()) }()
	testwait.UntilNil(t, testwait.Long, "queued tickets handed to River", func() error {
		for _, id := range queued {
			if s.triageJobs(id) != 1 {
				return fmt.Errorf("ticket %d has no triage job yet", id)
			}
		}
		return nil
	})
	if err := tx.Rollback(s.ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if s.assignee(first) == nil || s.triageJobs(first) != 0 {
		t.Errorf("ticket %d (running at stop): assignee %v, %d jobs; want triaged here, no job", first, s.assignee(first), s.triageJobs(first))
	}
	late := s.file("VPN drops", "After the node stopped.", "Network", helpdesk.ImpactPerson, helpdesk.UrgencyMedium).ID
	if n := s.triageJobs(late); n != 1 {
		t.Errorf("ticket filed after Stop: %d triage jobs, want 1", n)
	}
}
