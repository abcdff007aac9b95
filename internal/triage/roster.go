package triage

import (
	"slices"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/sla"
)

// Range is a working-hours range in minutes from local midnight; see sla.Range.
type Range = sla.Range

// DateRange is an inclusive span of civil dates ("2006-01-02") in the
// agent's own zone: time off from the first day through the last.
type DateRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Load weights: how much of an agent's capacity one open ticket uses. A P1
// takes an agent's full attention, so it weighs as much as four routine ones.
var loadWeight = map[helpdesk.Priority]int{helpdesk.P1: 4, helpdesk.P2: 2, helpdesk.P3: 1, helpdesk.P4: 1}

// LoadWeight returns the capacity units one open ticket of priority p uses:
// P1=4, P2=2, P3=1, P4=1.
func LoadWeight(p helpdesk.Priority) int {
	if w, ok := loadWeight[p]; ok {
		return w
	}
	return 1
}

// Agent is one person who can take tickets, as triage sees them.
type Agent struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Location is the agent's own IANA zone; Week is read in it. An empty
	// Week means no fixed hours (always on shift), as for Calendar.
	Location *time.Location `json:"-"`
	Week     [7][]Range     `json:"-"`
	TimeOff  []DateRange    `json:"time_off,omitempty"`
	// Holidays are the civil dates ("2006-01-02") of the team's public
	// holidays: nobody works their usual hours on them.
	Holidays []string `json:"holidays,omitempty"`
	// Skills maps a skill to a level 1 (basic) .. 3 (expert).
	Skills map[string]int `json:"skills,omitempty"`
	// Capacity is the weighted number of open tickets (see LoadWeight) the
	// agent can hold; 0 means no limit was set. Load is the current total.
	Capacity     int                   `json:"capacity"`
	Load         int                   `json:"load"`
	Availability helpdesk.Availability `json:"availability"`
	Languages    []string              `json:"languages,omitempty"`
	Active       bool                  `json:"active"`
	LastAssigned time.Time             `json:"last_assigned,omitzero"`

	// shift memoises ShiftEnd on a world's clone, which one batch owns
	// (nil elsewhere): scoring asks it for every candidate of every ticket
	// of the batch, which decides while it holds the profile locks.
	shift *shiftMemo
}

// shiftMemo is ShiftEnd at one instant.
type shiftMemo struct{ at, end time.Time }

// Calendar is the agent's shift pattern as a business calendar, with time
// off as holidays so shift arithmetic skips those days.
func (a *Agent) Calendar() sla.Calendar {
	c := a.shiftCalendar()
	c.Holidays = slices.Clone(a.Holidays)
	for _, r := range a.TimeOff {
		from, err1 := time.Parse(sla.DateLayout, r.From)
		to, err2 := time.Parse(sla.DateLayout, r.To)
		if err1 != nil || err2 != nil {
			continue
		}
		for d := from; !d.After(to) && len(c.Holidays) < 3660; d = d.AddDate(0, 0, 1) {
			c.Holidays = append(c.Holidays, d.Format(sla.DateLayout))
		}
	}
	return c
}

// shiftCalendar is the weekly pattern alone, without time off.
func (a *Agent) shiftCalendar() sla.Calendar {
	return sla.Calendar{Location: a.Location, Week: a.Week}
}

func (a *Agent) loc() *time.Location {
	if a.Location == nil {
		return time.UTC
	}
	return a.Location
}

// timeOffUntil returns the last day of the time off covering t, if any.
func (a *Agent) timeOffUntil(t time.Time) (string, bool) {
	day := t.In(a.loc()).Format(sla.DateLayout)
	for _, r := range a.TimeOff {
		// ISO dates compare correctly as strings.
		if r.From <= day && day <= r.To {
			return r.To, true
		}
	}
	return "", false
}

// onHoliday reports whether t is in the agent's usual hours but those hours
// are cancelled by a team holiday (with the calendar's rule: a night shift
// that started the evening before still runs).
func (a *Agent) onHoliday(t time.Time) bool {
	c := a.shiftCalendar()
	if len(a.Holidays) == 0 || !c.IsOpen(t) {
		return false
	}
	c.Holidays = a.Holidays
	return !c.IsOpen(t)
}

// OnCallSlot puts an agent on call during the open times of Hours (a
// weekly rota in the team's zone); a zero Hours means always on call.
type OnCallSlot struct {
	AgentID int64        `json:"agent_id"`
	Hours   sla.Calendar `json:"-"`
}

// Team is a group of agents with a service calendar and an on-call rota.
type Team struct {
	ID       int64          `json:"id"`
	Name     string         `json:"name"`
	Location *time.Location `json:"-"`
	Calendar sla.Calendar   `json:"-"`
	OnCall   []OnCallSlot   `json:"on_call,omitempty"`
	Agents   []Agent        `json:"agents"`
}

// OnCallAt returns the team's on-call agent at t, if the rota names one who
// is still active.
func (t *Team) OnCallAt(at time.Time) *Agent {
	for _, s := range t.OnCall {
		if !s.Hours.IsOpen(at) {
			continue
		}
		for i := range t.Agents {
			if t.Agents[i].ID == s.AgentID && t.Agents[i].Active {
				return &t.Agents[i]
			}
		}
	}
	return nil
}

// Ticket is what routing needs to know about a ticket.
type Ticket struct {
	ID               int64             `json:"id"`
	Priority         helpdesk.Priority `json:"priority"`
	Category         string            `json:"category"`
	RequiredSkill    string            `json:"required_skill,omitempty"`
	Language         string            `json:"language,omitempty"`
	FirstResponseDue time.Time         `json:"first_response_due"`
	// FollowTheSun is set when the ticket's category may be worked by other
	// teams (the category setting), so off-hours tickets can go where it is day.
	FollowTheSun bool `json:"follow_the_sun,omitempty"`
	// CrossRegion lets the escalation ladder give a ticket of a category
	// outside follow-the-sun to another region's skilled agent when its
	// first-response deadline would otherwise be missed (an admin setting
	// per category).
	CrossRegion bool `json:"cross_region,omitempty"`
}
