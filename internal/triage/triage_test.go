package triage

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"switchboard/internal/helpdesk"
)

func loc(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func weekdays(r Range) [7][]Range {
	var w [7][]Range
	for d := time.Monday; d <= time.Friday; d++ {
		w[d] = []Range{r}
	}
	return w
}

// fixed clock: Tuesday 2026-03-03 10:00 in Berlin (09:00 UTC).
func setup(t *testing.T) (now time.Time, base Agent) {
	t.Helper()
	berlin := loc(t, "Europe/Berlin")
	now = time.Date(2026, 3, 3, 10, 0, 0, 0, berlin)
	base = Agent{ID: 1, Name: "Anna", Location: berlin, Week: weekdays(Range{From: 9 * 60, To: 17 * 60}),
		Skills: map[string]int{"network": 2}, Capacity: 8, Load: 2, Availability: helpdesk.Available, Languages: []string{"de", "en"}, Active: true}
	return now, base
}

func TestEligibilityRulesAlone(t *testing.T) {
	t.Parallel()
	now, base := setup(t)
	manila := loc(t, "Asia/Manila")
	ticket := Ticket{Priority: helpdesk.P3, RequiredSkill: "network"}
	tests := []struct {
		name   string
		change func(a *Agent)
		rule   string
		reason string
	}{
		{"eligible", func(a *Agent) {}, "", ""},
		{"lacks skill", func(a *Agent) { a.Skills = map[string]int{"access": 3} }, RuleSkill, "lacks skill: network"},
		{"away", func(a *Agent) { a.Availability = helpdesk.Away }, RuleAvailable, "away"},
		{"offline", func(a *Agent) { a.Availability = helpdesk.Offline }, RuleAvailable, "offline"},
		{"deactivated", func(a *Agent) { a.Active = false }, RuleActive, "deactivated"},
		// 10:00 Berlin is 17:00 in Manila: the day shift just ended there.
		{"off shift in own zone", func(a *Agent) { a.Location = manila }, RuleShift, "off shift: 17:00 in Asia/Manila"},
		{"time off", func(a *Agent) { a.TimeOff = []DateRange{{"2026-03-02", "2026-03-05"}} }, RuleTimeOff, "on time off until 2026-03-05"},
		{"at capacity", func(a *Agent) { a.Load = 8 }, RuleCapacity, "at capacity 8/8"},
		{"no capacity limit", func(a *Agent) { a.Capacity, a.Load = 0, 40 }, "", ""},
		{"night shift across midnight is off at 10:00", func(a *Agent) { a.Week = weekdays(Range{From: 22 * 60, To: 6 * 60}) }, RuleShift, "off shift: 10:00 in Europe/Berlin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := base
			tt.change(&a)
			got := Check(now, ticket, &a)
			if tt.rule == "" {
				if len(got) != 0 {
					t.Fatalf("rejected: %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Rule != tt.rule || got[0].Reason != tt.reason {
				t.Fatalf("got %+v, want one %s rejection %q", got, tt.rule, tt.reason)
			}
		})
	}
}

func TestNightShiftAcrossMidnight(t *testing.T) {
	t.Parallel()
	manila := loc(t, "Asia/Manila")
	a := Agent{ID: 3, Name: "Rizal", Location: manila, Week: weekdays(Range{From: 22 * 60, To: 6 * 60}), Availability: helpdesk.Available, Active: true}
	// Friday 22:00 shift runs into Saturday 02:14.
	sat := time.Date(2026, 3, 7, 2, 14, 0, 0, manila)
	if !Eligible(sat, Ticket{Priority: helpdesk.P3}, &a) {
		t.Errorf("not eligible Saturday 02:14 after Friday night shift: %+v", Check(sat, Ticket{}, &a))
	}
	if end := ShiftEnd(sat, &a); !end.Equal(time.Date(2026, 3, 7, 6, 0, 0, 0, manila)) {
		t.Errorf("ShiftEnd = %v", end)
	}
	// Saturday night has no shift: next is Monday 22:00.
	if got, want := NextShiftStart(time.Date(2026, 3, 7, 7, 0, 0, 0, manila), &a), time.Date(2026, 3, 9, 22, 0, 0, 0, manila); !got.Equal(want) {
		t.Errorf("NextShiftStart = %v, want %v", got, want)
	}
	a.TimeOff = []DateRange{{"2026-03-09", "2026-03-10"}}
	if got, want := NextShiftStart(time.Date(2026, 3, 7, 7, 0, 0, 0, manila), &a), time.Date(2026, 3, 11, 22, 0, 0, 0, manila); !got.Equal(want) {
		t.Errorf("NextShiftStart after time off = %v, want %v", got, want)
	}
}

func TestDecidePriority(t *testing.T) {
	t.Parallel()
	rules := DefaultPriorityRules()
	tests := []struct {
		name string
		in   PriorityInput
		want helpdesk.Priority
		why  string
	}{
		{"matrix", PriorityInput{Impact: helpdesk.ImpactTeam, Urgency: helpdesk.UrgencyCritical}, helpdesk.P2, "impact team x urgency critical = P2"},
		{"keyword raises", PriorityInput{Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyLow, Subject: "Email OUTAGE!"}, helpdesk.P1, `keyword "outage" raises to P1`},
		{"phrase raises", PriorityInput{Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyLow, Description: "VPN is down for everyone here"}, helpdesk.P1, `keyword "down for everyone" raises to P1`},
		{"no substring match", PriorityInput{Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyLow, Subject: "outages report download"}, helpdesk.P4, "impact person x urgency low = P4"},
		{"vip", PriorityInput{Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyLow, RequesterVIP: true}, helpdesk.P2, "VIP requester raises to P2"},
		{"category minimum", PriorityInput{Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyLow, Category: "security"}, helpdesk.P2, `category "security" minimum raises to P2`},
		{"rules never lower", PriorityInput{Impact: helpdesk.ImpactOrganisation, Urgency: helpdesk.UrgencyCritical, Subject: "phishing", RequesterVIP: true}, helpdesk.P1, "impact organisation x urgency critical = P1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := DecidePriority(rules, tt.in)
			if d.Priority != tt.want || d.Reasons[len(d.Reasons)-1] != tt.why {
				t.Errorf("got %s %q, want %s ending %q", d.Priority, d.Reasons, tt.want, tt.why)
			}
		})
	}
	edited := DefaultPriorityRules()
	edited.Matrix[helpdesk.ImpactPerson][helpdesk.UrgencyLow] = helpdesk.P3
	if d := DecidePriority(edited, PriorityInput{Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyLow}); d.Priority != helpdesk.P3 {
		t.Errorf("edited matrix ignored: %v", d)
	}
}

func TestDecideOutcomes(t *testing.T) {
	t.Parallel()
	now, base := setup(t)
	ny := loc(t, "America/New_York")
	manila := loc(t, "Asia/Manila")
	mk := func(id int64, name string, change func(a *Agent)) Agent {
		a := base
		a.ID, a.Name = id, name
		a.Skills = map[string]int{"network": 2}
		change(&a)
		return a
	}
	due := now.Add(time.Hour)
	p1 := Ticket{Priority: helpdesk.P1, RequiredSkill: "network", FirstResponseDue: due}

	t.Run("P1 avoids the agent leaving before the due time", func(t *testing.T) {
		t.Parallel()
		leaving := mk(1, "Leaving", func(a *Agent) {
			a.Week = weekdays(Range{From: 6 * 60, To: 10*60 + 30})
			a.Load = 0
			a.Skills["network"] = 3
		})
		staying := mk(2, "Staying", func(a *Agent) { a.Load = 6 })
		home := &Team{ID: 1, Name: "Berlin", Agents: []Agent{leaving, staying}}
		d := Decide(now, p1, home, nil)
		if d.Outcome != OutcomeAssigned || d.AgentID != 2 {
			t.Fatalf("got %s %d: %s", d.Outcome, d.AgentID, d.Explanation)
		}
		if len(d.Rejected) != 1 || d.Rejected[0].Rule != RuleSLARisk {
			t.Errorf("rejections %+v", d.Rejected)
		}
		// Alone, the leaving agent still gets it: better than nobody.
		home.Agents = home.Agents[:1]
		if d := Decide(now, p1, home, nil); d.AgentID != 1 {
			t.Errorf("sole eligible agent not chosen: %s", d.Explanation)
		}
	})
	t.Run("round-robin tie-break", func(t *testing.T) {
		t.Parallel()
		a := mk(1, "A", func(a *Agent) { a.LastAssigned = now.Add(-time.Minute) })
		b := mk(2, "B", func(a *Agent) { a.LastAssigned = now.Add(-time.Hour) })
		d := Decide(now, Ticket{Priority: helpdesk.P3, RequiredSkill: "network"}, &Team{Name: "T", Agents: []Agent{a, b}}, nil)
		if d.AgentID != 2 {
			t.Errorf("least recently assigned not chosen: %s", d.Explanation)
		}
	})
	t.Run("language and load count", func(t *testing.T) {
		t.Parallel()
		a := mk(1, "A", func(a *Agent) { a.Languages = []string{"en"} })
		b := mk(2, "B", func(a *Agent) { a.Languages = []string{"es", "en"}; a.Load = 3 })
		d := Decide(now, Ticket{Priority: helpdesk.P3, RequiredSkill: "network", Language: "es"}, &Team{Name: "T", Agents: []Agent{a, b}}, nil)
		if d.AgentID != 2 || d.Parts["language"] != 1 {
			t.Errorf("Spanish speaker not chosen: %s", d.Explanation)
		}
	})
	night := func(a *Agent) { a.Location = ny } // 04:00 in New York
	home := &Team{ID: 1, Name: "New York", Location: ny, Agents: []Agent{mk(1, "Maria", night), mk(2, "Dana", night)},
		OnCall: []OnCallSlot{{AgentID: 2}}}
	manilaTeam := &Team{ID: 3, Name: "Manila", Agents: []Agent{mk(3, "Rizal", func(a *Agent) {
		a.Location = manila
		a.Week = weekdays(Range{From: 13 * 60, To: 22 * 60})
	})}}
	t.Run("follow the sun", func(t *testing.T) {
		t.Parallel()
		tk := p1
		tk.FollowTheSun = true
		d := Decide(now, tk, home, []*Team{home, manilaTeam})
		if d.Outcome != OutcomeFollowTheSun || d.AgentID != 3 || d.TeamID != 3 {
			t.Errorf("got %s %d: %s", d.Outcome, d.AgentID, d.Explanation)
		}
	})
	t.Run("P1 pages on call", func(t *testing.T) {
		t.Parallel()
		d := Decide(now, p1, home, []*Team{manilaTeam})
		if d.Outcome != OutcomeOnCall || d.AgentID != 2 || !d.Notify {
			t.Errorf("got %s %d: %s", d.Outcome, d.AgentID, d.Explanation)
		}
	})
	t.Run("P3 queued until next shift", func(t *testing.T) {
		t.Parallel()
		d := Decide(now, Ticket{Priority: helpdesk.P3, RequiredSkill: "network"}, home, nil)
		want := time.Date(2026, 3, 3, 9, 0, 0, 0, ny)
		if d.Outcome != OutcomeQueued || d.Agent != nil || !d.NextShiftStart.Equal(want) {
			t.Errorf("got %s next %v: %s", d.Outcome, d.NextShiftStart, d.Explanation)
		}
		if !strings.Contains(d.Explanation, "Maria: off shift: 04:00 in America/New_York") {
			t.Errorf("explanation lacks reason: %s", d.Explanation)
		}
		b, err := json.Marshal(d)
		if err != nil || !strings.Contains(string(b), `"outcome":"queued"`) || !strings.Contains(string(b), `"rule":"shift"`) {
			t.Errorf("json %s, %v", b, err)
		}
	})
}

func TestRebalance(t *testing.T) {
	t.Parallel()
	held := []HeldTicket{{1, helpdesk.P3, false}, {2, helpdesk.P3, true}, {3, helpdesk.P1, true}}
	p := Rebalance(AbsenceAway, held)
	if !equal(p.Retriage, 1, 3) || !equal(p.Flag, 2, 3) {
		t.Errorf("away: %+v", p)
	}
	p = Rebalance(AbsenceDeactivated, held)
	if !equal(p.Retriage, 1, 2, 3) || len(p.Flag) != 0 {
		t.Errorf("deactivated: %+v", p)
	}
}

func equal(got []int64, want ...int64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// TestDecisionsNeverBreakRules throws random rosters and tickets at Decide
// and checks that whoever it assigns passes every eligibility rule, and that
// on-call and queued outcomes only happen when nobody at home was eligible.
func TestDecisionsNeverBreakRules(t *testing.T) {
	t.Parallel()
	zones := []*time.Location{loc(t, "Europe/Berlin"), loc(t, "America/New_York"), loc(t, "Asia/Manila"), time.UTC}
	skills := []string{"", "network", "access", "hardware"}
	avail := []helpdesk.Availability{helpdesk.Available, helpdesk.Available, helpdesk.Away, helpdesk.Offline}
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	randTeam := func(id int64) *Team {
		tm := &Team{ID: id, Name: "T", Location: zones[rng.IntN(len(zones))]}
		for i := range 1 + rng.IntN(6) {
			a := Agent{ID: id*100 + int64(i), Name: "A", Location: zones[rng.IntN(len(zones))], Skills: map[string]int{},
				Capacity: rng.IntN(6), Load: rng.IntN(8), Availability: avail[rng.IntN(len(avail))], Active: rng.IntN(8) > 0}
			from := rng.IntN(24) * 60
			a.Week = weekdays(Range{From: from, To: (from + 240 + rng.IntN(8)*60) % 1440})
			for _, s := range skills[1:] {
				if rng.IntN(2) == 0 {
					a.Skills[s] = 1 + rng.IntN(3)
				}
			}
			if rng.IntN(4) == 0 {
				d := base.AddDate(0, 0, rng.IntN(20)).Format("2006-01-02")
				a.TimeOff = []DateRange{{d, base.AddDate(0, 0, 20+rng.IntN(5)).Format("2006-01-02")}}
			}
			tm.Agents = append(tm.Agents, a)
		}
		if rng.IntN(2) == 0 {
			tm.OnCall = []OnCallSlot{{AgentID: tm.Agents[0].ID}}
		}
		return tm
	}
	seen := map[Outcome]int{}
	for n := range 3000 {
		now := base.Add(time.Duration(rng.IntN(30*24*60)) * time.Minute)
		home, other := randTeam(1), randTeam(2)
		tk := Ticket{Priority: helpdesk.Priorities[rng.IntN(4)], RequiredSkill: skills[rng.IntN(len(skills))],
			FirstResponseDue: now.Add(time.Duration(rng.IntN(600)) * time.Minute), FollowTheSun: rng.IntN(2) == 0, CrossRegion: rng.IntN(2) == 0}
		anySkill := tk
		anySkill.RequiredSkill = ""
		d := Decide(now, tk, home, []*Team{other})
		seen[d.Outcome]++
		switch d.Outcome {
		case OutcomeAssigned, OutcomeFollowTheSun:
			if r := Check(now, tk, d.Agent); len(r) > 0 {
				t.Fatalf("case %d: assigned %d despite %+v", n, d.AgentID, r)
			}
			if d.Outcome == OutcomeFollowTheSun && !tk.FollowTheSun {
				t.Fatalf("case %d: follow the sun for a home-only category", n)
			}
		case OutcomeLowerSkill:
			if r := Check(now, anySkill, d.Agent); len(r) > 0 || tk.RequiredSkill == "" || d.TeamID != home.ID {
				t.Fatalf("case %d: lower skill %d despite %+v", n, d.AgentID, r)
			}
			if d.Agent.Skills[tk.RequiredSkill] > 0 && Eligible(now, tk, d.Agent) {
				t.Fatalf("case %d: a skilled agent taken as lower skill", n)
			}
		case OutcomeOtherRegion:
			if r := Check(now, tk, d.Agent); len(r) > 0 || !tk.CrossRegion || d.TeamID == home.ID {
				t.Fatalf("case %d: other region %d despite %+v", n, d.AgentID, r)
			}
		case OutcomeOnCall, OutcomeQueued:
			for i := range home.Agents {
				if Eligible(now, anySkill, &home.Agents[i]) && (tk.Priority == helpdesk.P1 || d.Outcome == OutcomeOnCall || !d.NextShiftStart.After(now) ||
					!tk.FirstResponseDue.After(d.NextShiftStart)) {
					t.Fatalf("case %d: %s while agent %d was eligible: %s", n, d.Outcome, home.Agents[i].ID, d.Explanation)
				}
			}
			if d.Outcome == OutcomeOnCall && tk.Priority != helpdesk.P1 && tk.Priority != helpdesk.P2 {
				t.Fatalf("case %d: paged on call for %s", n, tk.Priority)
			}
			if d.Outcome == OutcomeQueued && (d.Wait == nil || len(d.Wait.Reasons) == 0) {
				t.Fatalf("case %d: queued without a reason: %s", n, d.Explanation)
			}
		default:
			t.Fatalf("case %d: outcome %q", n, d.Outcome)
		}
	}
	// A generator that never reaches some outcome would make this test vacuous.
	for _, o := range []Outcome{OutcomeAssigned, OutcomeFollowTheSun, OutcomeLowerSkill, OutcomeOtherRegion, OutcomeOnCall, OutcomeQueued} {
		if seen[o] == 0 {
			t.Errorf("no %s decisions among random cases: %v", o, seen)
		}
	}
}

// A world's clone memoises shift ends per agent copy: each team's copy keeps
// that team's holidays, and another instant is worked out anew.
func TestClonedWorldShiftEnds(t *testing.T) {
	t.Parallel()
	manila := loc(t, "Asia/Manila")
	base := Agent{ID: 3, Name: "Rizal", Location: manila, Week: weekdays(Range{From: 9 * 60, To: 17 * 60}), Active: true}
	onHoliday := base
	onHoliday.Holidays = []string{"2026-03-09"}
	shared := &world{order: []*Team{{ID: 1, Agents: []Agent{base}}, {ID: 2, Agents: []Agent{onHoliday}}}}
	w := shared.clone()
	mon := time.Date(2026, 3, 9, 10, 0, 0, 0, manila)
	tue := mon.Add(24*time.Hour + 6*time.Hour) // Tuesday 16:00
	for range 2 {                              // the second round answers from the memo
		if got, want := ShiftEnd(mon, &w.order[0].Agents[0]), time.Date(2026, 3, 9, 17, 0, 0, 0, manila); !got.Equal(want) {
			t.Errorf("team 1: ShiftEnd = %v, want %v", got, want)
		}
		if got := ShiftEnd(mon, &w.order[1].Agents[0]); !got.IsZero() {
			t.Errorf("team 2 (a holiday there): ShiftEnd = %v, want off shift", got)
		}
	}
	if got, want := ShiftEnd(tue, &w.order[1].Agents[0]), time.Date(2026, 3, 10, 17, 0, 0, 0, manila); !got.Equal(want) {
		t.Errorf("another instant: ShiftEnd = %v, want %v", got, want)
	}
	if shared.order[0].Agents[0].shift != nil {
		t.Error("the shared world got a memo: batches would race on it")
	}
}
