package triage

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
)

// Outcome is what triage did with a ticket.
type Outcome string

// Outcomes.
const (
	// OutcomeAssigned: an eligible agent of the ticket's own team took it.
	OutcomeAssigned Outcome = "assigned"
	// OutcomeFollowTheSun: nobody at home was eligible, the category allows
	// other teams, and an agent of a team that is on shift took it.
	OutcomeFollowTheSun Outcome = "follow_the_sun"
	// OutcomeOnCall: a P1 nobody could take; the team's on-call person gets
	// it and must be notified (paged), even though off shift.
	OutcomeOnCall Outcome = "on_call"
	// OutcomeQueued: the ticket waits in the team queue until NextShiftStart,
	// when triage runs again.
	OutcomeQueued Outcome = "queued"
)

// RuleSLARisk marks agents passed over for a P1 because their shift ends
// before its first response is due while someone else's does not.
const RuleSLARisk = "sla_risk"

// Score weights: staying on shift until the deadline matters most, then
// spreading load, then expertise, then speaking the requester's language.
// They sum to 1 so Parts["total"] reads as a percentage.
const (
	weightShift    = 0.35
	weightLoad     = 0.30
	weightSkill    = 0.20
	weightLanguage = 0.15
)

// Decision is the full, explainable result of routing one ticket. It is
// stored as a ticket event and shown in the UI and API, so it marshals to
// JSON; Agent is the in-memory pointer and is left out in favour of AgentID.
type Decision struct {
	Outcome        Outcome            `json:"outcome"`
	Agent          *Agent             `json:"-"`
	AgentID        int64              `json:"agent_id,omitempty"`
	AgentName      string             `json:"agent_name,omitempty"`
	TeamID         int64              `json:"team_id,omitempty"`
	Notify         bool               `json:"notify,omitempty"`
	NextShiftStart time.Time          `json:"next_shift_start,omitzero"`
	Parts          map[string]float64 `json:"parts,omitempty"`
	Rejected       []Rejection        `json:"rejected,omitempty"`
	Explanation    string             `json:"explanation"`
}

type candidate struct {
	a     *Agent
	team  *Team
	parts map[string]float64
}

// Decide routes ticket t at now: to the best eligible agent of home; failing
// that, when t.FollowTheSun, to the best eligible agent of the other teams;
// failing that, a P1 goes to home's on-call person; anything else is queued
// until the next shift of an agent with the skill.
func Decide(now time.Time, t Ticket, home *Team, others []*Team) Decision {
	var d Decision
	best, rejected := pick(now, t, home)
	d.Rejected = rejected
	outcome := OutcomeAssigned
	if best == nil && t.FollowTheSun {
		for _, o := range others {
			if o == nil || o.ID == home.ID {
				continue
			}
			if c, _ := pick(now, t, o); c != nil && (best == nil || better(c, best)) {
				best = c
			}
		}
		outcome = OutcomeFollowTheSun
	}
	if best != nil {
		d.Outcome, d.Agent, d.TeamID, d.Parts = outcome, best.a, best.team.ID, best.parts
		d.AgentID, d.AgentName = best.a.ID, best.a.Name
		d.Explanation = explainAssigned(d, best.team)
		return d
	}
	if t.Priority == helpdesk.P1 {
		if oc := home.OnCallAt(now); oc != nil {
			d.Outcome, d.Agent, d.AgentID, d.AgentName, d.TeamID, d.Notify = OutcomeOnCall, oc, oc.ID, oc.Name, home.ID, true
			d.Explanation = fmt.Sprintf("P1 and nobody in %s can take it now (%d rejections); paging on-call %s.", home.Name, len(d.Rejected), oc.Name)
			return d
		}
	}
	d.Outcome, d.TeamID = OutcomeQueued, home.ID
	d.NextShiftStart = TeamNextShiftStart(now, home, t.RequiredSkill)
	d.Explanation = fmt.Sprintf("Nobody in %s can take it now; queued", home.Name)
	if !d.NextShiftStart.IsZero() {
		d.Explanation += " until the next shift at " + d.NextShiftStart.In(teamLoc(home)).Format("Mon 2006-01-02 15:04 MST")
	} else {
		d.Explanation += "; no agent with the skill has a shift coming: a lead must act"
	}
	d.Explanation += "." + summariseRejections(d.Rejected)
	return d
}

// pick scores every eligible agent of team and returns the best one and
// the rejections.
func pick(now time.Time, t Ticket, team *Team) (*candidate, []Rejection) {
	var rejected []Rejection
	var eligible []*candidate
	for i := range team.Agents {
		a := &team.Agents[i]
		if r := Check(now, t, a); len(r) > 0 {
			rejected = append(rejected, r...)
			continue
		}
		eligible = append(eligible, &candidate{a: a, team: team, parts: score(now, t, a)})
	}
	// A P1 must not go to someone who leaves before its first response is
	// due when anyone else can take it.
	if t.Priority == helpdesk.P1 && !t.FirstResponseDue.IsZero() {
		var stay []*candidate
		for _, c := range eligible {
			if end := ShiftEnd(now, c.a); !end.Before(t.FirstResponseDue) {
				stay = append(stay, c)
			}
		}
		if len(stay) > 0 && len(stay) < len(eligible) {
			for _, c := range eligible {
				if !slices.Contains(stay, c) {
					rejected = append(rejected, Rejection{AgentID: c.a.ID, Name: c.a.Name, Rule: RuleSLARisk,
						Reason: fmt.Sprintf("shift ends %s, before the P1 response is due", ShiftEnd(now, c.a).In(c.a.loc()).Format("15:04 MST"))})
				}
			}
			eligible = stay
		}
	}
	var best *candidate
	for _, c := range eligible {
		if best == nil || better(c, best) {
			best = c
		}
	}
	return best, rejected
}

// better orders candidates: higher total, then least recently assigned
// (round-robin among equals, so ties do not always hit the same person),
// then lower ID for determinism.
func better(x, y *candidate) bool {
	const eps = 1e-9
	if dx := x.parts["total"] - y.parts["total"]; dx > eps || dx < -eps {
		return dx > 0
	}
	if !x.a.LastAssigned.Equal(y.a.LastAssigned) {
		return x.a.LastAssigned.Before(y.a.LastAssigned)
	}
	return x.a.ID < y.a.ID
}

func score(now time.Time, t Ticket, a *Agent) map[string]float64 {
	p := map[string]float64{}
	// Shift: the share of the time until the first response is due that the
	// agent is still at work; 1 when they stay past it.
	p["shift"] = 1
	if left := t.FirstResponseDue.Sub(now); !t.FirstResponseDue.IsZero() && left > 0 {
		p["shift"] = min(1, float64(ShiftEnd(now, a).Sub(now))/float64(left))
	}
	if a.Capacity > 0 {
		p["load"] = max(0, 1-float64(a.Load)/float64(a.Capacity))
	} else {
		p["load"] = 1 / (1 + float64(a.Load)/4)
	}
	p["skill"] = 1
	if t.RequiredSkill != "" {
		p["skill"] = min(1, float64(a.Skills[t.RequiredSkill])/3)
	}
	p["language"] = 1
	if t.Language != "" && !slices.ContainsFunc(a.Languages, func(l string) bool { return strings.EqualFold(l, t.Language) }) {
		p["language"] = 0
	}
	p["total"] = weightShift*p["shift"] + weightLoad*p["load"] + weightSkill*p["skill"] + weightLanguage*p["language"]
	return p
}

func explainAssigned(d Decision, team *Team) string {
	var b strings.Builder
	if d.Outcome == OutcomeFollowTheSun {
		fmt.Fprintf(&b, "Nobody at home could take it; follow the sun to %s: ", team.Name)
	}
	p := d.Parts
	fmt.Fprintf(&b, "assigned to %s (score %.2f: shift %.2f, load %.2f, skill %.2f, language %.2f).",
		d.AgentName, p["total"], p["shift"], p["load"], p["skill"], p["language"])
	b.WriteString(summariseRejections(d.Rejected))
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

func summariseRejections(rs []Rejection) string {
	if len(rs) == 0 {
		return ""
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.Name + ": " + r.Reason
	}
	return " Not chosen: " + strings.Join(parts, "; ") + "."
}

func teamLoc(t *Team) *time.Location {
	if t.Location != nil {
		return t.Location
	}
	return time.UTC
}
