package triage

import (
	"fmt"
	"time"

	"switchboard/internal/helpdesk"
)

// Rule names, stable for filtering in the UI and in tests.
const (
	RuleActive    = "active"
	RuleSkill     = "skill"
	RuleAvailable = "available"
	RuleShift     = "shift"
	RuleTimeOff   = "time_off"
	RuleHoliday   = "holiday"
	RuleCapacity  = "capacity"
)

// Rejection is one failed eligibility rule for one agent; an agent failing
// three rules appears three times, so a lead sees everything to fix at once.
type Rejection struct {
	AgentID int64  `json:"agent_id"`
	Name    string `json:"name"`
	Rule    string `json:"rule"`
	Reason  string `json:"reason"`
}

// Check evaluates every eligibility rule for agent a and ticket t at now and
// returns the failed ones (none = eligible). Each rule is checked on its own
// so the reasons are complete, not just the first.
func Check(now time.Time, t Ticket, a *Agent) []Rejection {
	var out []Rejection
	fail := func(rule, format string, args ...any) {
		out = append(out, Rejection{AgentID: a.ID, Name: a.Name, Rule: rule, Reason: fmt.Sprintf(format, args...)})
	}
	if !a.Active {
		fail(RuleActive, "deactivated")
	}
	if t.RequiredSkill != "" && a.Skills[t.RequiredSkill] < 1 {
		fail(RuleSkill, "lacks skill: %s", t.RequiredSkill)
	}
	switch a.Availability {
	case helpdesk.Available:
	case helpdesk.Away, helpdesk.Offline:
		fail(RuleAvailable, "%s", a.Availability)
	default:
		fail(RuleAvailable, "availability unknown")
	}
	// Time off is its own rule, so the shift check uses the bare weekly hours:
	// someone on leave in their usual hours is not also reported off shift.
	if !a.shiftCalendar().IsOpen(now) {
		fail(RuleShift, "off shift: %s in %s", now.In(a.loc()).Format("15:04"), a.loc())
	}
	if until, off := a.timeOffUntil(now); off {
		fail(RuleTimeOff, "on time off until %s", until)
	}
	if a.onHoliday(now) {
		fail(RuleHoliday, "public holiday %s", now.In(a.loc()).Format("Mon 2 Jan"))
	}
	if a.Capacity > 0 && a.Load >= a.Capacity {
		fail(RuleCapacity, "at capacity %d/%d", a.Load, a.Capacity)
	}
	return out
}

// Eligible reports whether a passes every rule.
func Eligible(now time.Time, t Ticket, a *Agent) bool { return len(Check(now, t, a)) == 0 }

// ShiftEnd returns when the agent's current shift ends (zero if off shift).
func ShiftEnd(now time.Time, a *Agent) time.Time {
	m := a.shift
	if m != nil && !m.at.IsZero() && m.at.Equal(now) {
		return m.end
	}
	var end time.Time
	if iv := a.Calendar().NextOpen(now); iv.Start.Equal(now) {
		end = iv.End
	}
	if m != nil {
		m.at, m.end = now, end
	}
	return end
}

// NextShiftStart returns when the agent next starts a shift at or after now,
// skipping time off; an agent on shift now returns now.
func NextShiftStart(now time.Time, a *Agent) time.Time {
	return a.Calendar().NextOpen(now).Start
}

// TeamNextShiftStart is the earliest next shift start among the team's
// active agents who have skill (any agent when skill is ""); zero when none.
func TeamNextShiftStart(now time.Time, team *Team, skill string) time.Time {
	var best time.Time
	for i := range team.Agents {
		a := &team.Agents[i]
		if !a.Active || (skill != "" && a.Skills[skill] < 1) {
			continue
		}
		if s := NextShiftStart(now, a); best.IsZero() || s.Before(best) {
			best = s
		}
	}
	return best
}
