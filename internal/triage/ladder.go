package triage

import (
	"fmt"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
)

// Wait is why a queued ticket has no owner yet and what happens next; the
// workspace, the queue and the leads' "waiting for a skill" view show it.
type Wait struct {
	// Skill is the skill nobody on shift has ("" when capacity or hours,
	// not skill, are the reason).
	Skill string `json:"skill,omitempty"`
	// Cause is the main reason, for figures: no_skill_on_shift, holiday,
	// time_off, capacity, no_one_on_shift.
	Cause string `json:"cause"`
	// Until is when someone who can take it comes on shift (zero: nobody
	// is scheduled).
	Until time.Time `json:"until,omitzero"`
	// Reasons are short sentences for people ("no one with Hardware on
	// shift in Sydney until 08:00 Tue", "Ava Nguyen on leave until 10 Apr").
	Reasons []string `json:"reasons"`
	// Next is the next step and NextAt when triage takes it.
	Next   string    `json:"next,omitempty"`
	NextAt time.Time `json:"next_at,omitzero"`
}

// Wait causes.
const (
	CauseNoSkill   = "no_skill_on_shift"
	CauseHoliday   = "holiday"
	CauseTimeOff   = "time_off"
	CauseCapacity  = "capacity"
	CauseNobodyOn  = "no_one_on_shift"
	CauseUncovered = "no_one_scheduled"
)

// Text is the wait as one line: reasons, then the next step.
func (w *Wait) Text() string {
	if w == nil {
		return ""
	}
	s := strings.Join(w.Reasons, "; ")
	if w.Next != "" {
		s += "; " + w.Next
	}
	return s
}

// pagesOnCall: the priorities worth waking someone for. A P3 or P4 whose
// deadline passes at night waits for the morning with the lead alarmed.
func pagesOnCall(p helpdesk.Priority) bool { return p == helpdesk.P1 || p == helpdesk.P2 }

// ladder is the escalation when no skilled home agent can take t now:
//
//  0. a home agent with the skill comes on shift before the deadline: wait
//     for them (not for a P1, which escalates at once);
//  1. an on-shift home agent with a lower level for the skill;
//  2. an on-shift agent of another region with the skill, when the category
//     follows the sun or may cross regions (admin setting);
//  3. for P1 (at once) and P2 (when nobody else comes in time), the team's
//     on-call person, paged;
//  4. waiting until someone comes on shift; when that is after the deadline
//     (or nobody is scheduled), with an alarm to the team lead.
//
// Every rung tried is written into d.Ladder, so the decision explains itself.
func ladder(now time.Time, t Ticket, home *Team, others []*Team, d Decision) Decision {
	due, skill := t.FirstResponseDue, t.RequiredSkill
	inTime := func(at time.Time) bool { return !at.IsZero() && (due.IsZero() || at.Before(due)) }
	skilledAt := TeamNextShiftStart(now, home, skill)
	if skill != "" && t.Priority != helpdesk.P1 && skilledAt.After(now) && inTime(skilledAt) {
		d.Ladder = append(d.Ladder, fmt.Sprintf("0. someone with %s comes on shift at %s, before the deadline: wait", title(skill), when(skilledAt, home, now)))
		return wait(now, t, home, others, d, skilledAt, fmt.Sprintf("if nobody with %s has taken it by %s, the ladder goes on", title(skill), when(due, home, now)), due)
	}
	reach := fmt.Sprintf("nobody with %s in %s can take it before the deadline", title(skill), home.Name)
	if skill == "" {
		reach = fmt.Sprintf("nobody in %s can take it now", home.Name)
	}
	d.Ladder = append(d.Ladder, "0. "+reach)
	if skill != "" {
		if c, _ := pick(now, t, home, false); c != nil {
			d.Ladder = append(d.Ladder, fmt.Sprintf("1. %s (%s level %d) is on shift in %s: takes it until someone with the skill can", c.a.Name, title(skill), c.a.Skills[skill], home.Name))
			return assign(d, OutcomeLowerSkill, c, "Escalated (lower skill): "+reach+"; ")
		}
		d.Ladder = append(d.Ladder, "1. lower skill: nobody else in "+home.Name+" is on shift with room")
	}
	switch {
	case t.FollowTheSun:
		d.Ladder = append(d.Ladder, "2. other regions: nobody with the skill is on shift there either")
	case !t.CrossRegion:
		d.Ladder = append(d.Ladder, fmt.Sprintf("2. other regions: %s does not cross regions (admin setting)", categoryName(t)))
	default:
		if c := pickOthers(now, t, home, others); c != nil {
			d.Ladder = append(d.Ladder, fmt.Sprintf("2. %s of %s has %s and is on shift", c.a.Name, c.team.Name, title(skill)))
			return assign(d, OutcomeOtherRegion, c, "Escalated (other region): "+reach+"; ")
		}
		d.Ladder = append(d.Ladder, "2. other regions: nobody with the skill is on shift there either")
	}
	// Who could take it later: anyone at home, or a skilled agent elsewhere
	// where that is allowed.
	comeAt := TeamNextShiftStart(now, home, "")
	if t.FollowTheSun || t.CrossRegion {
		for _, o := range others {
			if o == nil || o.ID == home.ID {
				continue
			}
			if at := TeamNextShiftStart(now, o, skill); !at.IsZero() && (comeAt.IsZero() || at.Before(comeAt)) {
				comeAt = at
			}
		}
	}
	oc := home.OnCallAt(now)
	if pagesOnCall(t.Priority) && (t.Priority == helpdesk.P1 || !inTime(comeAt)) {
		if oc != nil {
			d.Ladder = append(d.Ladder, fmt.Sprintf("3. on call: %s paged", oc.Name))
			d.Outcome, d.Agent, d.AgentID, d.AgentName, d.TeamID, d.Notify = OutcomeOnCall, oc, oc.ID, oc.Name, home.ID, true
			d.Explanation = fmt.Sprintf("%s and %s (%d rejections); paging on-call %s.", t.Priority, reach, len(d.Rejected), oc.Name) +
				" Ladder: " + strings.Join(d.Ladder, "; ") + "."
			return d
		}
		d.Ladder = append(d.Ladder, "3. on call: nobody is on call for "+home.Name)
	}
	if comeAt.After(now) && inTime(comeAt) {
		next := "if nobody has taken it by " + when(due, home, now) + ", "
		if pagesOnCall(t.Priority) && oc != nil {
			next += "paging on-call " + oc.Name
		} else {
			next += "the team lead is alerted"
		}
		d.Ladder = append(d.Ladder, "4. wait: someone who can take it comes on shift at "+when(comeAt, home, now))
		return wait(now, t, home, others, d, comeAt, next, due)
	}
	d.Ladder = append(d.Ladder, "4. wait, with an alarm to the team lead")
	d.AlarmLead = true
	return wait(now, t, home, others, d, comeAt, "the team lead is alerted now", time.Time{})
}

// wait queues t until at (when someone comes), or sooner: nextAt, when the
// ladder must be climbed again (the deadline).
func wait(now time.Time, t Ticket, home *Team, _ []*Team, d Decision, at time.Time, next string, nextAt time.Time) Decision {
	d.Outcome, d.TeamID, d.Agent = OutcomeQueued, home.ID, nil
	d.NextShiftStart = at
	if !nextAt.IsZero() && nextAt.After(now) && (at.IsZero() || nextAt.Before(at)) {
		d.NextShiftStart = nextAt
	}
	w := explainWait(now, t, home, at)
	w.Next, w.NextAt = next, nextAt
	d.Wait = &w
	d.Explanation = fmt.Sprintf("Nobody in %s can take it now; queued: %s.", home.Name, w.Text())
	if len(d.Ladder) > 0 {
		d.Explanation += " Ladder: " + strings.Join(d.Ladder, "; ") + "."
	}
	d.Explanation += summariseRejections(d.Rejected)
	return d
}

// explainWait names why nobody who fits is at work: the skill's next
// shift, and each skilled agent's absence (leave, holiday, away, full).
func explainWait(now time.Time, t Ticket, home *Team, at time.Time) Wait {
	w := Wait{Skill: t.RequiredSkill, Until: at, Cause: CauseNobodyOn}
	who := "no one"
	if t.RequiredSkill != "" {
		who = "no one with " + title(t.RequiredSkill)
	}
	skilledAt := TeamNextShiftStart(now, home, t.RequiredSkill)
	switch {
	case skilledAt.IsZero():
		w.Reasons = append(w.Reasons, fmt.Sprintf("%s has a shift coming in %s", who, home.Name))
		w.Cause = CauseUncovered
	case skilledAt.After(now):
		w.Reasons = append(w.Reasons, fmt.Sprintf("%s on shift in %s until %s", who, home.Name, when(skilledAt, home, now)))
	}
	if t.RequiredSkill != "" && w.Cause == CauseNobodyOn {
		w.Cause = CauseNoSkill
	}
	var held, off, hol bool
	for i := range home.Agents {
		a := &home.Agents[i]
		if !a.Active || (t.RequiredSkill != "" && a.Skills[t.RequiredSkill] < 1) {
			continue
		}
		until, leave := a.timeOffUntil(now)
		switch {
		case leave:
			off = true
			w.Reasons = append(w.Reasons, fmt.Sprintf("%s on leave until %s", a.Name, civil(until)))
		case a.onHoliday(now):
			hol = true
			w.Reasons = append(w.Reasons, fmt.Sprintf("%s off for a public holiday", a.Name))
		case a.shiftCalendar().IsOpen(now) && a.Availability != helpdesk.Available:
			w.Reasons = append(w.Reasons, fmt.Sprintf("%s is %s", a.Name, a.Availability))
		case a.shiftCalendar().IsOpen(now) && a.Capacity > 0 && a.Load >= a.Capacity:
			held = true
			w.Reasons = append(w.Reasons, fmt.Sprintf("%s at capacity %d/%d", a.Name, a.Load, a.Capacity))
		}
	}
	switch {
	case held:
		w.Cause = CauseCapacity
	case off:
		w.Cause = CauseTimeOff
	case hol:
		w.Cause = CauseHoliday
	}
	return w
}

// when formats t in the team's zone for people: "08:00 Tue AEST", with
// the date when it is a week or more away. The zone is named because the
// text is stored once and read by people in other zones.
func when(t time.Time, team *Team, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	lt := t.In(teamLoc(team))
	if t.Sub(now) >= 6*24*time.Hour {
		return lt.Format("15:04 Mon 2 Jan MST")
	}
	return lt.Format("15:04 Mon MST")
}

// civil turns "2026-04-10" into "10 Apr".
func civil(day string) string {
	if t, err := time.Parse("2006-01-02", day); err == nil {
		return t.Format("2 Jan")
	}
	return day
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func categoryName(t Ticket) string {
	if t.Category != "" {
		return t.Category
	}
	return t.RequiredSkill
}
