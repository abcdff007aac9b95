package triage

import (
	"time"

	"switchboard/internal/helpdesk"
)

// Absence is why an agent's tickets are being rebalanced.
type Absence string

// Absences.
const (
	AbsenceAway        Absence = "away"
	AbsenceOffline     Absence = "offline"
	AbsenceDeactivated Absence = "deactivated"
	AbsenceShiftEnded  Absence = "shift_ended"
)

// HeldTicket is an open ticket assigned to the absent agent.
type HeldTicket struct {
	ID       int64             `json:"id"`
	Priority helpdesk.Priority `json:"priority"`
	// HasPublicReply is set when the agent has already written to the
	// requester: a conversation is under way with a named person.
	HasPublicReply bool `json:"has_public_reply"`
}

// RebalancePlan splits an absent agent's tickets. Retriage tickets are
// unassigned and routed again; Flag tickets stay with the agent and are
// shown to the team lead. Reasons explains each ticket by ID.
type RebalancePlan struct {
	Retriage []int64          `json:"retriage"`
	Flag     []int64          `json:"flag"`
	Reasons  map[int64]string `json:"reasons"`
}

// Rebalance decides what happens to the tickets of an agent who became
// absent. Untouched tickets go back to triage: the requester has no
// relationship to lose. Tickets the agent already answered stay with them
// and are flagged, since handing over mid-conversation confuses requesters
// and loses context, and the agent is usually back soon. Two exceptions:
// a deactivated agent is not coming back, and a P1 cannot wait, so those go
// back to triage regardless (P1s are also flagged so the lead sees the hand-over).
func Rebalance(why Absence, tickets []HeldTicket) RebalancePlan {
	p := RebalancePlan{Reasons: map[int64]string{}}
	for _, t := range tickets {
		switch {
		case why == AbsenceDeactivated:
			p.Retriage = append(p.Retriage, t.ID)
			p.Reasons[t.ID] = "agent deactivated"
		case t.Priority == helpdesk.P1:
			p.Retriage = append(p.Retriage, t.ID)
			p.Flag = append(p.Flag, t.ID)
			p.Reasons[t.ID] = "P1 cannot wait for the agent (" + string(why) + ")"
		case t.HasPublicReply:
			p.Flag = append(p.Flag, t.ID)
			p.Reasons[t.ID] = "agent already replied to the requester; kept, lead to decide (" + string(why) + ")"
		default:
			p.Retriage = append(p.Retriage, t.ID)
			p.Reasons[t.ID] = "no reply yet; back to triage (" + string(why) + ")"
		}
	}
	return p
}

// BetterOwner reports whether a home agent with the ticket's skill could
// take t now: a stand-in owner from the escalation ladder should then hand
// it over, unless work has started (the caller checks that: a first
// response given, or the stand-in replying).
func BetterOwner(now time.Time, t Ticket, home *Team) bool {
	if t.RequiredSkill == "" || home == nil {
		return false
	}
	c, _ := pick(now, t, home, true)
	return c != nil
}
