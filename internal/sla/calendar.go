// Package sla holds Switchboard's pure service-level arithmetic: business
// calendars (weekly hours in an IANA zone plus holidays), SLA targets per
// priority, and clocks with a pause ledger. Nothing here touches a database
// or reads the wall clock; callers pass "now" so results are reproducible.
package sla

import (
	"fmt"
	"iter"
	"slices"
	"time"
)

// MinutesPerDay bounds Range values.
const MinutesPerDay = 24 * 60

// Range is an opening interval in minutes from local midnight. When To <= From
// the range crosses midnight and ends at To on the next day, so a night shift
// 22:00-06:00 is Range{From: 1320, To: 360}. {0, 1440} is the whole day.
type Range struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// ParseRange reads "HH:MM-HH:MM" ("24:00" allowed as an end).
func ParseRange(s string) (Range, error) {
	var h1, m1, h2, m2 int
	if _, err := fmt.Sscanf(s, "%d:%d-%d:%d", &h1, &m1, &h2, &m2); err != nil {
		return Range{}, fmt.Errorf("range %q: want HH:MM-HH:MM", s)
	}
	r := Range{h1*60 + m1, h2*60 + m2}
	if h1 < 0 || h1 > 23 || m1 < 0 || m1 > 59 || h2 < 0 || h2 > 24 || m2 < 0 || m2 > 59 || r.To > MinutesPerDay {
		return Range{}, fmt.Errorf("range %q: time out of range", s)
	}
	return r, nil
}

// String formats the range as "HH:MM-HH:MM".
func (r Range) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", r.From/60, r.From%60, r.To/60, r.To%60)
}

// DateLayout is the layout of civil dates (holidays, time off).
const DateLayout = "2006-01-02"

// Calendar is when a team (or an agent) is at work. Week is indexed by
// time.Weekday and read in Location's wall-clock time, so "09:00" stays 09:00
// across DST changes. Holidays are civil dates ("2006-01-02") in Location; a
// holiday cancels the ranges that start on it (a night shift starting the
// evening before still runs to its end). The zero Calendar is open 24x7.
type Calendar struct {
	Location *time.Location
	Week     [7][]Range
	Holidays []string
}

// AlwaysOpen reports whether the calendar has no weekly hours at all, which
// means 24x7 (holidays are ignored: a 24x7 service has no days off).
func (c Calendar) AlwaysOpen() bool {
	for _, d := range c.Week {
		if len(d) > 0 {
			return false
		}
	}
	return true
}

func (c Calendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// Interval is a half-open span of absolute time [Start, End).
type Interval struct{ Start, End time.Time }

// maxDays bounds every walk forward so a calendar that is never open (all
// days holidays) cannot loop forever; ten years is beyond any SLA.
const maxDays = 3660

// farFuture is what a never-open calendar answers for a due time.
var farFuture = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// appendDayIntervals appends the opening intervals that start on the civil
// date (y, m, d) in the calendar's zone to out, sorted by start. Wall-clock
// construction through time.Date is what makes DST right: a 09:00-17:00 day
// is 8 real hours except when a transition falls inside it. Callers reuse
// out for every day they walk. The weekday and the holiday's date are those of the civil
// date, read in UTC: no zone lookup, and the right day even where clocks
// skip midnight (time.Date in the zone then gives 23:00 the day before).
func (c Calendar) appendDayIntervals(out []Interval, y int, m time.Month, d int) []Interval {
	loc := c.loc()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if len(c.Holidays) > 0 {
		var buf [len(DateLayout)]byte
		date := day.AppendFormat(buf[:0], DateLayout)
		for _, h := range c.Holidays {
			if h == string(date) {
				return out
			}
		}
	}
	n := len(out)
	for _, r := range c.Week[day.Weekday()] {
		s := time.Date(y, m, d, 0, r.From, 0, 0, loc)
		ed := d
		if r.To <= r.From {
			ed++
		}
		e := time.Date(y, m, ed, 0, r.To, 0, 0, loc)
		if e.After(s) {
			out = append(out, Interval{s, e})
		}
	}
	if len(out)-n > 1 {
		slices.SortStableFunc(out[n:], func(a, b Interval) int { return a.Start.Compare(b.Start) })
	}
	return out
}

// Open yields the calendar's merged opening intervals that end after t,
// clipped to start no earlier than t, in time order.
func (c Calendar) Open(t time.Time) iter.Seq[Interval] {
	return func(yield func(Interval) bool) {
		if c.AlwaysOpen() {
			yield(Interval{t, farFuture})
			return
		}
		lt := t.In(c.loc())
		// Start a day early: yesterday's overnight range may still be open.
		y, m, d := lt.Date()
		var cur Interval
		have := false
		var buf [4]Interval
		for i := -1; i < maxDays; i++ {
			for _, iv := range c.appendDayIntervals(buf[:0], y, m, d+i) {
				if !iv.End.After(t) {
					continue
				}
				if iv.Start.Before(t) {
					iv.Start = t
				}
				switch {
				case !have:
					cur, have = iv, true
				case !iv.Start.After(cur.End):
					if iv.End.After(cur.End) {
						cur.End = iv.End
					}
				default:
					if !yield(cur) {
						return
					}
					cur = iv
				}
			}
			// Every later interval starts after the next local midnight, so
			// cur is final once it ends before that.
			// A calendar open round the clock through its ranges would
			// otherwise merge for maxDays; a week-long piece is plenty.
			if have && (cur.End.Before(time.Date(y, m, d+i+1, 0, 0, 0, 0, c.loc())) || cur.End.Sub(cur.Start) > 7*24*time.Hour) {
				if !yield(cur) {
					return
				}
				have = false
			}
		}
		if have {
			yield(cur)
		}
	}
}

// IsOpen reports whether t falls in business time.
func (c Calendar) IsOpen(t time.Time) bool {
	if c.AlwaysOpen() {
		return true
	}
	// Open's first interval starts at t exactly when an interval of t's
	// local day or the day before (the first two Open reads) holds t: later
	// days start after t. That needs no merging of the days after; it holds
	// for ranges within a day, as ParseRange and agent_hours make them.
	if c.plainRanges() {
		y, m, d := t.In(c.loc()).Date()
		var buf [4]Interval
		for i := -1; i <= 0; i++ {
			for _, iv := range c.appendDayIntervals(buf[:0], y, m, d+i) {
				if !iv.Start.After(t) && iv.End.After(t) {
					return true
				}
			}
		}
		return false
	}
	for iv := range c.Open(t) {
		return iv.Start.Equal(t)
	}
	return false
}

// plainRanges reports whether every range starts within its day and ends
// by the next midnight ({0..1439}-{1..1440}, or crossing midnight).
func (c Calendar) plainRanges() bool {
	for _, day := range c.Week {
		for _, r := range day {
			if r.From < 0 || r.From >= MinutesPerDay || r.To < 0 || r.To > MinutesPerDay {
				return false
			}
		}
	}
	return true
}

// NextOpen returns the start of the next business time at or after t, and the
// end of that open interval.
func (c Calendar) NextOpen(t time.Time) Interval {
	for iv := range c.Open(t) {
		return iv
	}
	return Interval{farFuture, farFuture}
}

// AddBusiness returns the instant when d of business time has passed after
// start. A start outside business hours begins counting at the next opening.
func (c Calendar) AddBusiness(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	for iv := range c.Open(start) {
		n := iv.End.Sub(iv.Start)
		if d <= n {
			return iv.Start.Add(d)
		}
		d -= n
	}
	return farFuture
}

// BusinessBetween returns the business time in [a, b); negative when b < a.
func (c Calendar) BusinessBetween(a, b time.Time) time.Duration {
	if b.Before(a) {
		return -c.BusinessBetween(b, a)
	}
	var sum time.Duration
	for iv := range c.Open(a) {
		if !iv.Start.Before(b) {
			break
		}
		end := iv.End
		if end.After(b) {
			end = b
		}
		sum += end.Sub(iv.Start)
	}
	return sum
}
