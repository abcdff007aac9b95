package triage_test

import (
	"testing"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
	"switchboard/internal/triage"
	"switchboard/internal/triage/classify"
)

func classifyFast() classify.Options { return classify.Options{CalibrationPercent: -1, Workers: 1} }

// An absent agent's untouched tickets go back to triage; tickets they
// already answered stay and are flagged to the lead, once.
func TestRebalance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		absent      func(s *seed, agent *helpdesk.User)
		keepReplied bool
	}{
		{"away", func(s *seed, a *helpdesk.User) {
			s.exec(`UPDATE agent_profiles SET availability = 'away' WHERE user_id = $1`, a.ID)
		}, true},
		{"shift ended", func(s *seed, a *helpdesk.User) {
			// Two hours before the end of a shift that covered now, plus 3h.
			s.runner.Now = func() time.Time { return time.Now().Add(3 * time.Hour) }
		}, true},
		{"deactivated", func(s *seed, a *helpdesk.User) {
			s.exec(`UPDATE users SET active = false WHERE id = $1`, a.ID)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSeed(t)
			s.category("General", s.team, "", nil, 0.5)
			// alice's shift runs from an hour ago for two hours.
			n := time.Now().UTC()
			start := (n.Hour()*60 + n.Minute() + 1440 - 60) % 1440
			hours := &[2]int{start, (start + 120) % 1440}
			alice := s.agent(s.team, agentSpec{name: "alice", hours: hours})
			lena := s.agent(s.team, agentSpec{name: "lena", lead: true, hours: offShiftHours(t, "UTC")})
			var sent alerts
			s.runner.Alert = sent.hook
			quiet := s.file("untouched", "text", "General", "", "")
			talked := s.file("answered", "text", "General", "", "")
			for _, tk := range []*helpdesk.Ticket{quiet, talked} {
				s.triage(tk.ID)
				if a := s.assignee(tk.ID); a == nil || *a != alice.ID {
					t.Fatalf("setup: ticket %d not with alice", tk.ID)
				}
			}
			if _, err := s.tickets.AddMessage(s.ctx, alice, talked.Number, ticket.MessageInput{Body: "On it."}); err != nil {
				t.Fatal(err)
			}
			if res, err := s.runner.Rebalance(s.ctx, 0); err != nil || res.Absent != 0 {
				t.Fatalf("present agent rebalanced: %+v %v", res, err)
			}
			tc.absent(s, alice)
			res, err := s.runner.Rebalance(s.ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if a := s.assignee(quiet.ID); a != nil {
				t.Errorf("untouched ticket still with %d", *a)
			}
			if ev := s.events(quiet.ID, helpdesk.EventAssigned); len(ev) != 1 || ev[0].Reason == "" {
				t.Errorf("unassign events = %+v", ev)
			}
			kept := s.assignee(talked.ID)
			if tc.keepReplied {
				if kept == nil || *kept != alice.ID {
					t.Errorf("answered ticket moved away from alice")
				}
				if len(s.events(talked.ID, triage.EventFlagged)) != 1 || res.Flagged != 1 {
					t.Errorf("answered ticket not flagged once: %+v", res)
				}
				if f := sent.of(triage.EventFlagged); len(f) != 1 || f[0].TicketID != talked.ID || len(f[0].To) != 1 || f[0].To[0] != lena.Email {
					t.Errorf("flag mails = %+v, want one to the lead %s", f, lena.Email)
				}
			} else if kept != nil {
				t.Errorf("deactivated agent still holds the answered ticket")
			}
			// A second sweep does nothing new.
			res2, err := s.runner.Rebalance(s.ctx, 0)
			if err != nil || res2.Retriaged != 0 || res2.Flagged != 0 {
				t.Errorf("second sweep: %+v %v", res2, err)
			}
			if len(s.events(talked.ID, triage.EventFlagged)) > 1 {
				t.Error("flagged twice")
			}
		})
	}
}
