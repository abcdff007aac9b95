package automation_test

import (
	"testing"
	"time"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
)

// MayActOnCreated judges a new ticket as the drain would: a matching
// condition acts, a rule of another team does not, and what it cannot
// judge at birth (business time, a condition that fails) counts as acting.
func TestMayActOnCreated(t *testing.T) {
	desk, other := int64(1), int64(2)
	tk := &helpdesk.Ticket{Number: 7, Subject: "printer jams", Status: helpdesk.StatusNew, Priority: helpdesk.P3,
		TeamID: &desk, TeamSlug: "desk", RequesterEmail: "rita@example.com", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	rule := func(cond string, team *int64) helpdesk.Rule {
		return helpdesk.Rule{Trigger: helpdesk.TriggerCreated, Enabled: true, Condition: cond, TeamID: team}
	}
	for _, c := range []struct {
		name  string
		rules []helpdesk.Rule
		vip   bool
		want  bool
	}{
		{"no rules", nil, false, false},
		{"text matches", []helpdesk.Rule{rule(`ticket.text contains "printer"`, nil)}, false, true},
		{"description matches", []helpdesk.Rule{rule(`ticket.description contains "toner"`, nil)}, false, true},
		{"nothing matches", []helpdesk.Rule{rule(`ticket.priority == "P1"`, nil), rule(`ticket.requester_vip`, nil)}, false, false},
		{"VIP matches", []helpdesk.Rule{rule(`ticket.requester_vip`, nil)}, true, true},
		{"other team's rule", []helpdesk.Rule{rule(`true`, &other)}, false, false},
		{"own team's rule", []helpdesk.Rule{rule(`true`, &desk)}, false, true},
		{"no tags yet", []helpdesk.Rule{rule(`len(ticket.tags) == 0 && ticket.approval == ""`, nil)}, false, true},
		{"business time", []helpdesk.Rule{rule(`ticket.age_business_days > 100`, nil)}, false, true},
		{"age", []helpdesk.Rule{rule(`ticket.age_hours > 100`, nil)}, false, true},
		{"the clock", []helpdesk.Rule{rule(`now.Hour() > 30`, nil)}, false, true},
		{"condition fails to run", []helpdesk.Rule{rule(`ticket.tags[3] == "x"`, nil)}, false, true},
	} {
		if got := automation.MayActOnCreated(c.rules, tk, "The toner is empty.", c.vip, time.Now()); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
