package triage_test

import (
	"strings"
	"testing"

	"switchboard/internal/helpdesk"
	"switchboard/internal/triage"
)

// The ladder end to end on the database: nobody with the skill before the
// deadline and nobody else on shift -> the ticket waits with the reason
// stored and the lead alarmed once; a colleague without the skill on shift
// -> a stand-in owner; the skilled agent on shift -> the stand-in hands over.
func TestTriageLadderStored(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	s.category("Hardware", s.team, "hardware", nil, 0.5)
	lead := s.agent(s.team, agentSpec{name: "lea", lead: true, skills: map[string]int{"network": 1}, hours: offShiftHours(t, "UTC")})
	ava := s.agent(s.team, agentSpec{name: "ava", skills: map[string]int{"hardware": 3}, hours: offShiftHours(t, "UTC")})
	var sent alerts
	s.runner.Alert = sent.hook

	tk := s.file("Laptop will not boot", "Black screen.", "Hardware", helpdesk.ImpactTeam, helpdesk.UrgencyCritical) // P2: due in 4h
	s.triage(tk.ID)
	if a := s.assignee(tk.ID); a != nil {
		t.Fatalf("assigned to %d with nobody on shift", *a)
	}
	var wait string
	s.scalar(&wait, `SELECT coalesce(triage_wait, '') FROM tickets WHERE id = $1`, tk.ID)
	if !strings.Contains(wait, "no one with Hardware on shift in Service Desk until") || !strings.Contains(wait, "the team lead is alerted") {
		t.Errorf("triage_wait = %q", wait)
	}
	if al := sent.of(triage.EventNotified); len(al) != 1 || len(al[0].To) != 1 || al[0].To[0] != lead.Email {
		t.Fatalf("lead alarm = %+v, want one to %s", al, lead.Email)
	}
	s.triage(tk.ID) // a retry must not alarm again
	if n := len(s.events(tk.ID, triage.EventNotified)); n != 1 {
		t.Errorf("%d alarm events after a retry, want 1", n)
	}

	noah := s.agent(s.team, agentSpec{name: "noah", skills: map[string]int{"network": 2}})
	s.triage(tk.ID)
	if a := s.assignee(tk.ID); a == nil || *a != noah.ID {
		t.Fatalf("assignee %v, want noah as the lower-skill stand-in", a)
	}
	var standIn bool
	s.scalar(&standIn, `SELECT triage_stand_in AND triage_wait IS NULL FROM tickets WHERE id = $1`, tk.ID)
	if !standIn {
		t.Error("not marked as a stand-in, or the wait reason stayed")
	}
	if n, err := s.runner.HandOver(s.ctx); err != nil || n != 0 {
		t.Fatalf("hand-over while Ava is off shift: %d, %v", n, err)
	}
	s.exec(`UPDATE agent_hours SET start_minute = 0, end_minute = 1440 WHERE user_id = $1`, ava.ID)
	if n, err := s.runner.HandOver(s.ctx); err != nil || n != 1 {
		t.Fatalf("hand-over with Ava on shift: %d, %v", n, err)
	}
	if a := s.assignee(tk.ID); a != nil {
		t.Errorf("still assigned to %d after the hand-over", *a)
	}
	s.triage(tk.ID)
	if a := s.assignee(tk.ID); a == nil || *a != ava.ID {
		t.Errorf("after the hand-over: assignee %v, want ava", a)
	}
}
