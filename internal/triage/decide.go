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
	// OutcomeLowerSkill (ladder rung 1): nobody with the skill will be on
	// shift before the deadline; an on-shift agent of the team with a lower
	// level for it (possibly none recorded) takes it.
	OutcomeLowerSkill Outcome = "lower_skill"
	// OutcomeOtherRegion (rung 2): an on-shift agent of another team with
	// the skill takes a ticket whose category does not follow the sun but
	// may cross regions when its deadline would otherwise be missed.
	OutcomeOtherRegion Outcome = "other_region"
	// OutcomeOnCall (rung 3): a P1 or P2 nobody could take in time; the
	// team's on-call person gets it and must be notified (paged).
	OutcomeOnCall Outcome = "on_call"
	// OutcomeQueued: the ticket waits in the team queue until NextShiftStart,
	// when triage runs again; Wait says why and what happens next (rung 4
	// raises an alarm to the team lead).
	OutcomeQueued Outcome = "queued"
)

// Provisional reports whether the outcome is a stand-in owner that a
// better one (a home agent with the skill) may take over from while work
// has not started.
func (o Outcome) Provisional() bool {
	return o == OutcomeLowerSkill || o == OutcomeOtherRegion || o == OutcomeOnCall
}

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
	// Ladder lists the escalation rungs tried, in order, each with why it
	// did or did not apply; empty when a skilled owner took the ticket.
	Ladder []string `json:"ladder,omitempty"`
	// Wait explains a queued ticket: why nobody owns it and what is next.
	Wait *Wait `json:"wait,omitempty"`
	// AlarmLead asks the runner to alert the team lead (the last rung).
	AlarmLead   bool   `json:"alarm_lead,omitempty"`
	Explanation string `json:"explanation"`
}

type candidate struct {
	a     *Agent
	team  *Team
	parts map[string]float64
}

// Decide routes ticket t at now: to the best eligible agent of home with
// the skill; failing that, when t.FollowTheSun, to the best eligible agent
// of the other teams; failing that, up the escalation ladder (ladder.go).
func Decide(now time.Time, t Ticket, home *Team, others []*Team) Decision {
	var d Decision
	best, rejected := pick(now, t, home, true)
	d.Rejected = rejected
	if best != nil {
		return assign(d, OutcomeAssigned, best, "")
	}
	if t.FollowTheSun {
		if c := pickOthers(now, t, home, others); c != nil {
			return assign(d, OutcomeFollowTheSun, c, "")
		}
	}
	return ladder(now, t, home, others, d)
}

// pickOthers is the best eligible agent with the skill in any team but home.
func pickOthers(now time.Time, t Ticket, home *Team, others []*Team) *candidate {
	var best *candidate
	for _, o := range others {
		if o == nil || o.ID == home.ID {
			continue
		}
		if c, _ := pick(now, t, o, true); c != nil && (best == nil || better(c, best)) {
			best = c
		}
	}
	return best
}

// assign fills d for candidate c; step, when set, opens the explanation
// with the ladder rung that was taken.
func assign(d Decision, o Outcome, c *candidate, step string) Decision {
	d.Outcome, d.Agent, d.TeamID, d.Parts = o, c.a, c.team.ID, c.parts
	d.AgentID, d.AgentName = c.a.ID, c.a.Name
	d.Explanation = step + explainAssigned(d, c.team)
	return d
}

// pick scores every eligible agent of team and returns the best one and
// the rejections.
// With skilled false the skill rule is waived (the ladder's lower-skill
// rung); the score still ranks higher levels first.
func pick(now time.Time, t Ticket, team *Team, skilled bool) (*candidate, []Rejection) {
	var rejected []Rejection
	var eligible []*candidate
	check := t
	if !skilled {
		check.RequiredSkill = ""
	}
	for i := range team.Agents {
		a := &team.Agents[i]
		if r := Check(now, check, a); len(r) > 0 {
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
