package sla

import (
	"testing"
	"time"

	"switchboard/internal/helpdesk"
)

func TestClockPauseLedger(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	cal := officeHours(berlin)
	at := func(day, h, m int) time.Time { return time.Date(2026, 3, day, h, m, 0, 0, berlin) }
	start := Clock{Start: at(2, 9, 0)} // Monday 09:00
	tests := []struct {
		name       string
		clock      Clock
		target     time.Duration
		want       time.Time
		wantPaused bool
	}{
		{"no pause", start, 8 * time.Hour, at(2, 17, 0), false},
		{"pause four hours then resume continues", start.PauseAt(at(2, 10, 0)).ResumeAt(at(2, 14, 0)), 8 * time.Hour, at(3, 13, 0), false},
		{"overnight pause counts only business time", start.PauseAt(at(2, 16, 0)).ResumeAt(at(3, 10, 0)), 8 * time.Hour, at(3, 11, 0), false},
		{"two pauses add up", start.PauseAt(at(2, 10, 0)).ResumeAt(at(2, 11, 0)).PauseAt(at(2, 12, 0)).ResumeAt(at(2, 13, 0)), 4 * time.Hour, at(2, 15, 0), false},
		{"still paused", start.PauseAt(at(2, 10, 0)), 8 * time.Hour, at(2, 17, 0), true},
		{"pause while closed costs nothing", start.PauseAt(at(2, 18, 0)).ResumeAt(at(3, 8, 0)), 8 * time.Hour, at(2, 17, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, paused := tt.clock.Due(cal, tt.target)
			if !got.Equal(tt.want) || paused != tt.wantPaused {
				t.Errorf("Due = %v, %v; want %v, %v", got, paused, tt.want, tt.wantPaused)
			}
		})
	}
}

func TestClockElapsedAndState(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	cal := officeHours(berlin)
	at := func(day, h, m int) time.Time { return time.Date(2026, 3, day, h, m, 0, 0, berlin) }
	c := Clock{Start: at(2, 9, 0)}.PauseAt(at(2, 10, 0)).ResumeAt(at(2, 12, 0))
	tests := []struct {
		now     time.Time
		elapsed time.Duration
		state   State
	}{
		{at(2, 9, 0), 0, StateOK},
		{at(2, 11, 0), time.Hour, StateOK}, // paused since 10:00
		{at(2, 15, 0), 4 * time.Hour, StateOK},
		{at(2, 17, 0), 6 * time.Hour, StateWarning},
		{at(3, 10, 0), 7 * time.Hour, StateWarning},
		{at(3, 11, 0), 8 * time.Hour, StateBreached},
	}
	for _, tt := range tests {
		if got := c.Elapsed(cal, tt.now); got != tt.elapsed {
			t.Errorf("Elapsed(%v) = %v, want %v", tt.now, got, tt.elapsed)
		}
		if got := c.StateAt(cal, tt.now, 8*time.Hour); got != tt.state {
			t.Errorf("StateAt(%v) = %v, want %v", tt.now, got, tt.state)
		}
	}
	// An open pause stops Elapsed growing.
	p := Clock{Start: at(2, 9, 0)}.PauseAt(at(2, 10, 0))
	if a, b := p.Elapsed(cal, at(2, 11, 0)), p.Elapsed(cal, at(4, 11, 0)); a != time.Hour || b != time.Hour {
		t.Errorf("paused clock moved: %v then %v", a, b)
	}
	if f := c.Fraction(cal, at(2, 17, 0), 8*time.Hour); f != 0.75 {
		t.Errorf("Fraction = %v, want 0.75", f)
	}
}

func TestRecomputeOnPriorityAndTeamChange(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	ny := mustLoc(t, "America/New_York")
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, berlin)
	c := Clock{Start: start}
	pols := DefaultPolicies()
	p3 := Recompute(c, officeHours(berlin), pols.For(helpdesk.P3))
	if want := time.Date(2026, 3, 2, 17, 0, 0, 0, berlin); !p3.FirstResponse.Equal(want) {
		t.Errorf("P3 first response due %v, want %v", p3.FirstResponse, want)
	}
	if want := time.Date(2026, 3, 4, 17, 0, 0, 0, berlin); !p3.Resolution.Equal(want) {
		t.Errorf("P3 resolution due %v, want %v", p3.Resolution, want)
	}
	// Raised to P1 later: the clock keeps its start, so the hour is counted from 09:00.
	p1 := Recompute(c, officeHours(berlin), pols.For(helpdesk.P1))
	if want := start.Add(time.Hour); !p1.FirstResponse.Equal(want) {
		t.Errorf("P1 first response due %v, want %v", p1.FirstResponse, want)
	}
	// Moved to New York: 09:00 Berlin is 03:00 there; their day starts at 09:00.
	nyDue := Recompute(c, officeHours(ny), pols.For(helpdesk.P1))
	if want := time.Date(2026, 3, 2, 10, 0, 0, 0, ny); !nyDue.FirstResponse.Equal(want) {
		t.Errorf("NY P1 due %v, want %v", nyDue.FirstResponse, want)
	}
	if pols.For("P9") != pols[helpdesk.P3] {
		t.Error("unknown priority does not fall back to P3")
	}
}
