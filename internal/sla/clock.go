package sla

import (
	"slices"
	"time"
)

// Pause is one stretch during which the clock stood still (ticket Pending).
// A zero To means the ticket is still paused.
type Pause struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// Clock is an SLA clock: when it started and the ledger of pauses. Resuming
// continues from where the clock stood; it never restarts, so a requester who
// takes a day to answer does not cost the team a day, and a team cannot reset
// its SLA by setting a ticket Pending.
type Clock struct {
	Start  time.Time `json:"start"`
	Pauses []Pause   `json:"pauses,omitempty"`
}

// State is where a clock stands against its target.
type State string

// States. Warning starts at WarnFraction of the target.
const (
	StateOK       State = "ok"
	StateWarning  State = "warning"
	StateBreached State = "breached"
)

// WarnFraction is when a clock turns to warning: 75% of the target used,
// early enough for a lead to act.
const WarnFraction = 0.75

// Paused reports whether the ledger ends in an open pause.
func (c Clock) Paused() bool {
	return len(c.Pauses) > 0 && c.Pauses[len(c.Pauses)-1].To.IsZero()
}

// PauseAt returns the clock with a pause opened at t; pausing a paused clock
// changes nothing.
func (c Clock) PauseAt(t time.Time) Clock {
	if c.Paused() {
		return c
	}
	c.Pauses = append(slices.Clip(c.Pauses), Pause{From: t})
	return c
}

// ResumeAt returns the clock with its open pause closed at t.
func (c Clock) ResumeAt(t time.Time) Clock {
	if !c.Paused() {
		return c
	}
	c.Pauses = slices.Clone(c.Pauses)
	c.Pauses[len(c.Pauses)-1].To = t
	return c
}

// pausedBusiness is the business time spent paused before now (open pause
// counted up to now).
func (c Clock) pausedBusiness(cal Calendar, now time.Time) time.Duration {
	var sum time.Duration
	for _, p := range c.Pauses {
		to := p.To
		if to.IsZero() || to.After(now) {
			to = now
		}
		if to.After(p.From) {
			sum += cal.BusinessBetween(p.From, to)
		}
	}
	return sum
}

// Due returns when target business time will have run on the clock: start +
// target + the business time spent paused. While the clock is paused the due
// time is not yet known; Due then returns it as if the pause ended at its
// start (a lower bound that only moves later) and paused=true, so a UI shows
// "paused" rather than a countdown.
func (c Clock) Due(cal Calendar, target time.Duration) (due time.Time, paused bool) {
	var extra time.Duration
	for _, p := range c.Pauses {
		if !p.To.IsZero() && p.To.After(p.From) {
			extra += cal.BusinessBetween(p.From, p.To)
		}
	}
	return cal.AddBusiness(c.Start, target+extra), c.Paused()
}

// Elapsed is the business time the clock has run by now, pauses excluded.
func (c Clock) Elapsed(cal Calendar, now time.Time) time.Duration {
	if !now.After(c.Start) {
		return 0
	}
	return cal.BusinessBetween(c.Start, now) - c.pausedBusiness(cal, now)
}

// Fraction is Elapsed over target: 0 at start, 1 at the deadline, above 1
// once breached. A non-positive target counts as already due.
func (c Clock) Fraction(cal Calendar, now time.Time, target time.Duration) float64 {
	if target <= 0 {
		return 1
	}
	return float64(c.Elapsed(cal, now)) / float64(target)
}

// StateAt classifies the clock at now against target.
func (c Clock) StateAt(cal Calendar, now time.Time, target time.Duration) State {
	switch f := c.Fraction(cal, now, target); {
	case f >= 1:
		return StateBreached
	case f >= WarnFraction:
		return StateWarning
	}
	return StateOK
}

// Dues are a ticket's two deadlines.
type Dues struct {
	FirstResponse time.Time `json:"first_response_due"`
	Resolution    time.Time `json:"resolution_due"`
	Paused        bool      `json:"paused"`
}

// Recompute returns the deadlines of a clock under a (new) policy and
// calendar. It is what runs when a ticket's priority or team changes: the
// clock keeps its original start and pause ledger, so a ticket raised from P3
// to P1 after two hours is already one hour late, as ITIL expects, rather than
// getting a fresh hour; moving to a team with other hours re-reads the whole
// history in that team's calendar.
func Recompute(c Clock, cal Calendar, p Policy) Dues {
	fr, paused := c.Due(cal, p.FirstResponse)
	res, _ := c.Due(cal, p.Resolution)
	return Dues{FirstResponse: fr, Resolution: res, Paused: paused}
}
