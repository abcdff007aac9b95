package triage

import (
	"strings"
	"testing"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/sla"
)

// ladderWorld is a Sydney team over Easter 2026 (Good Friday 3 April and
// Easter Monday 6 April are holidays; Sydney leaves summer time at 03:00 on
// Sunday 5 April) and a Lisbon team.
type ladderWorld struct {
	syd, lis       *time.Location
	sydney, lisbon *Team
}

func newLadderWorld(t *testing.T) ladderWorld {
	t.Helper()
	w := ladderWorld{syd: loc(t, "Australia/Sydney"), lis: loc(t, "Europe/Lisbon")}
	hols := []string{"2026-04-03", "2026-04-06"}
	mk := func(id int64, name string, l *time.Location, week [7][]Range, skills map[string]int) Agent {
		return Agent{ID: id, Name: name, Location: l, Week: week, Skills: skills, Capacity: 8, Holidays: hols,
			Availability: helpdesk.Available, Active: true}
	}
	ava := mk(1, "Ava Nguyen", w.syd, weekdays(Range{From: 8 * 60, To: 16*60 + 30}), map[string]int{"hardware": 3})
	ava.TimeOff = []DateRange{{"2026-04-01", "2026-04-10"}}
	var nights [7][]Range
	for _, d := range []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday} {
		nights[d] = []Range{{From: 22 * 60, To: 6 * 60}}
	}
	w.sydney = &Team{ID: 1, Name: "Sydney", Location: w.syd,
		Calendar: sla.Calendar{Location: w.syd, Week: weekdays(Range{From: 8 * 60, To: 18 * 60}), Holidays: hols},
		OnCall:   []OnCallSlot{{AgentID: 4}},
		Agents: []Agent{ava,
			mk(2, "Noah Smith", w.syd, weekdays(Range{From: 9 * 60, To: 17*60 + 30}), map[string]int{"access": 3, "software": 2}),
			// Lives in Perth (no summer time), works for Sydney.
			mk(3, "Chloe Martin", loc(t, "Australia/Perth"), weekdays(Range{From: 7 * 60, To: 15 * 60}), map[string]int{"security": 3, "software": 1}),
			mk(4, "Jack Wilson", w.syd, nights, map[string]int{"network": 3, "access": 2}),
		}}
	w.lisbon = &Team{ID: 2, Name: "Lisbon", Location: w.lis, Agents: []Agent{
		{ID: 5, Name: "Inês Costa", Location: w.lis, Week: weekdays(Range{From: 10 * 60, To: 18 * 60}), Skills: map[string]int{"hardware": 3},
			Capacity: 8, Availability: helpdesk.Available, Active: true}}}
	return w
}

// due is the first-response deadline of p arriving at now in Sydney.
func (w ladderWorld) due(now time.Time, p helpdesk.Priority) time.Time {
	d, _ := sla.Clock{Start: now}.Due(w.sydney.Calendar, sla.DefaultPolicies().For(p).FirstResponse)
	return d
}

func (w ladderWorld) decide(now time.Time, tk Ticket) Decision {
	tk.FirstResponseDue = w.due(now, tk.Priority)
	tk.Category = tk.RequiredSkill
	return Decide(now, tk, w.sydney, []*Team{w.sydney, w.lisbon})
}

func TestLadderRungs(t *testing.T) {
	t.Parallel()
	w := newLadderWorld(t)
	at := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, w.syd) }
	t.Run("time off: lower skill takes it", func(t *testing.T) {
		t.Parallel()
		// Thursday 2 April 10:00: Ava, the only hardware person, is on leave.
		d := w.decide(at(4, 2, 10, 0), Ticket{Priority: helpdesk.P3, RequiredSkill: "hardware"})
		if d.Outcome != OutcomeLowerSkill || d.TeamID != 1 || d.Agent == nil || d.Agent.ID == 1 {
			t.Fatalf("got %s %d: %s", d.Outcome, d.AgentID, d.Explanation)
		}
		if !strings.Contains(d.Explanation, "Ava Nguyen: on time off until 2026-04-10") || !strings.Contains(d.Explanation, "Escalated (lower skill)") {
			t.Errorf("explanation: %s", d.Explanation)
		}
		if !d.Outcome.Provisional() {
			t.Error("a lower-skill owner is not provisional")
		}
	})
	t.Run("holiday: waits for the night shift, reason given", func(t *testing.T) {
		t.Parallel()
		// Good Friday 10:00: Noah has the day off; Jack's night shift on
		// Sunday comes before the deadline (Tuesday, after Easter Monday).
		d := w.decide(at(4, 3, 10, 0), Ticket{Priority: helpdesk.P3, RequiredSkill: "access"})
		if d.Outcome != OutcomeQueued || d.Wait == nil || d.Wait.Cause != CauseHoliday {
			t.Fatalf("got %s %+v: %s", d.Outcome, d.Wait, d.Explanation)
		}
		text := d.Wait.Text()
		for _, want := range []string{"no one with Access on shift in Sydney until 22:00 Sun", "Noah Smith off for a public holiday"} {
			if !strings.Contains(text, want) {
				t.Errorf("wait %q lacks %q", text, want)
			}
		}
	})
	t.Run("DST change: the wait ends at local wall time after the change", func(t *testing.T) {
		t.Parallel()
		// Saturday 4 April noon (UTC+11); Jack's Sunday night shift starts at
		// 22:00 UTC+10, after Sydney leaves summer time: 12:00 UTC, not 11:00.
		d := w.decide(at(4, 4, 12, 0), Ticket{Priority: helpdesk.P4, RequiredSkill: "access"})
		want := time.Date(2026, 4, 5, 12, 0, 0, 0, time.UTC)
		if d.Outcome != OutcomeQueued || !d.Wait.Until.Equal(want) || !d.NextShiftStart.Equal(want) {
			t.Fatalf("got %s until %v (next %v), want %v: %s", d.Outcome, d.Wait.Until, d.NextShiftStart, want, d.Explanation)
		}
	})
	t.Run("night shift across midnight: lower skill", func(t *testing.T) {
		t.Parallel()
		// Tuesday 7 April 23:30: only Jack is at work (22:00-06:00).
		d := w.decide(at(4, 7, 23, 30), Ticket{Priority: helpdesk.P2, RequiredSkill: "hardware"})
		if d.Outcome != OutcomeLowerSkill || d.AgentID != 4 {
			t.Fatalf("got %s %d: %s", d.Outcome, d.AgentID, d.Explanation)
		}
	})
	t.Run("other region when allowed", func(t *testing.T) {
		t.Parallel()
		// Thursday 2 April 20:00 Sydney is 11:00 in Lisbon, where Inês works.
		tk := Ticket{Priority: helpdesk.P2, RequiredSkill: "hardware"}
		d := w.decide(at(4, 2, 20, 0), tk)
		if d.Outcome == OutcomeOtherRegion {
			t.Fatalf("crossed regions without the setting: %s", d.Explanation)
		}
		if !strings.Contains(strings.Join(d.Ladder, "; "), "does not cross regions") {
			t.Errorf("ladder does not say why: %q", d.Ladder)
		}
		tk.CrossRegion = true
		d = w.decide(at(4, 2, 20, 0), tk)
		if d.Outcome != OutcomeOtherRegion || d.AgentID != 5 || d.TeamID != 2 {
			t.Fatalf("got %s %d: %s", d.Outcome, d.AgentID, d.Explanation)
		}
	})
	t.Run("remote agent: her own zone", func(t *testing.T) {
		t.Parallel()
		// Wednesday 8 April 08:30 Sydney is 06:30 in Perth: Chloe, the only
		// security person, starts at 07:00 Perth = 09:00 Sydney.
		d := w.decide(at(4, 8, 8, 30), Ticket{Priority: helpdesk.P3, RequiredSkill: "security"})
		if d.Outcome != OutcomeQueued || !d.Wait.Until.Equal(at(4, 8, 9, 0)) {
			t.Fatalf("got %s %+v: %s", d.Outcome, d.Wait, d.Explanation)
		}
		if !strings.Contains(d.Wait.Text(), "no one with Security on shift in Sydney until 09:00 Wed") {
			t.Errorf("wait: %s", d.Wait.Text())
		}
		// At 09:00 Sydney she is on shift and takes it.
		if d := w.decide(at(4, 8, 9, 0), Ticket{Priority: helpdesk.P3, RequiredSkill: "security"}); d.Outcome != OutcomeAssigned || d.AgentID != 3 {
			t.Errorf("at 09:00: %s %d: %s", d.Outcome, d.AgentID, d.Explanation)
		}
	})
	t.Run("on call for a P1, lead alarm for a P4 nobody will reach", func(t *testing.T) {
		t.Parallel()
		// Saturday 11 April 03:00: nobody works; Jack is on call.
		d := w.decide(at(4, 11, 3, 0), Ticket{Priority: helpdesk.P1, RequiredSkill: "hardware"})
		if d.Outcome != OutcomeOnCall || d.AgentID != 4 || !d.Notify {
			t.Fatalf("P1: %s %d: %s", d.Outcome, d.AgentID, d.Explanation)
		}
		// Saturday 4 April 03:00, Ava on leave past the P3's deadline: Jack
		// (lower skill) comes on Sunday night, in time; the lead is the next step.
		d = w.decide(at(4, 4, 3, 0), Ticket{Priority: helpdesk.P3, RequiredSkill: "hardware"})
		if d.Outcome != OutcomeQueued || d.AlarmLead || !strings.Contains(d.Wait.Next, "by 16:00 Tue AEST, the team lead is alerted") {
			t.Fatalf("P3: %s alarm=%v next=%q", d.Outcome, d.AlarmLead, d.Wait.Next)
		}
		// A team with nobody scheduled at all: wait, and alarm the lead now.
		empty := &Team{ID: 9, Name: "Empty", Location: w.syd, Agents: []Agent{{ID: 9, Name: "Gone", Location: w.syd, Active: false}}}
		d = Decide(at(4, 11, 3, 0), Ticket{Priority: helpdesk.P4, RequiredSkill: "hardware", FirstResponseDue: at(4, 14, 3, 0)}, empty, nil)
		if d.Outcome != OutcomeQueued || !d.AlarmLead || d.Wait.Cause != CauseUncovered {
			t.Fatalf("empty team: %s alarm=%v %+v", d.Outcome, d.AlarmLead, d.Wait)
		}
	})
	t.Run("hand-over when the skilled owner is back", func(t *testing.T) {
		t.Parallel()
		tk := Ticket{Priority: helpdesk.P3, RequiredSkill: "hardware"}
		if BetterOwner(at(4, 10, 9, 0), tk, w.sydney) {
			t.Error("better owner while Ava is on leave")
		}
		if !BetterOwner(at(4, 13, 9, 0), tk, w.sydney) {
			t.Error("no better owner on Monday 13 April, Ava back on shift")
		}
	})
}
