package automation

import (
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// MayActOnCreated reports whether one of rules (the enabled ticket.created
// rules: ID, TeamID and Condition) may act on t, a ticket just written
// triaged, with its description and the requester's VIP flag. Such a ticket
// has no tags, participants, approval or parent yet (a caller adding them
// in the creating transaction asks for the drain instead), so its
// conditions are judged here as the drain would judge them, and a ticket
// no rule acts on needs no drain job at all: on a desk whose created rules
// are narrow, most new tickets. A condition that reads the clock (now, a
// ticket's age or idle time, business time: the drain runs a little
// later), fails to compile or fails to run counts as acting: the drain
// judges it (and logs the failure).
func MayActOnCreated(rules []helpdesk.Rule, t *helpdesk.Ticket, description string, vip bool, now time.Time) bool {
	for i := range rules {
		if c := rules[i].Condition; strings.Contains(c, "now") || strings.Contains(c, "_hours") ||
			strings.Contains(c, "_days") {
			return true
		}
	}
	// Empty, not nil, as the drain reads them ('{}').
	rt := &postgres.RuleTicket{Ticket: *t, Description: description, RequesterVIP: vip, Triaged: true,
		Tags: []string{}, Participants: []string{}}
	env := Env{Ticket: ticketEnv(rt, now, nil), Event: helpdesk.TriggerCreated, Now: now}
	for i := range rules {
		r := &rules[i]
		if r.TeamID != nil && (t.TeamID == nil || *t.TeamID != *r.TeamID) {
			continue
		}
		prog, err := program(r)
		if err != nil {
			return true
		}
		if ok, err := Match(prog, &env); err != nil || ok {
			return true
		}
	}
	return false
}
