package sla

import (
	"iter"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"
)

// refCalendar is the calendar code as it was before it walked days without
// allocating and answered IsOpen from two days: the reference the faster
// code must equal.
type refCalendar Calendar

func (c refCalendar) dayIntervals(y int, m time.Month, d int) []Interval {
	loc := Calendar(c).loc()
	day := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if slices.Contains(c.Holidays, day.Format(DateLayout)) {
		return nil
	}
	var out []Interval
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
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

func (c refCalendar) Open(t time.Time) iter.Seq[Interval] {
	return func(yield func(Interval) bool) {
		if Calendar(c).AlwaysOpen() {
			yield(Interval{t, farFuture})
			return
		}
		lt := t.In(Calendar(c).loc())
		// Start a day early: yesterday's overnight range may still be open.
		y, m, d := lt.Date()
		var cur Interval
		have := false
		for i := -1; i < maxDays; i++ {
			for _, iv := range c.dayIntervals(y, m, d+i) {
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
			if have && (cur.End.Before(time.Date(y, m, d+i+1, 0, 0, 0, 0, Calendar(c).loc())) || cur.End.Sub(cur.Start) > 7*24*time.Hour) {
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

func (c refCalendar) IsOpen(t time.Time) bool {
	for iv := range c.Open(t) {
		return iv.Start.Equal(t)
	}
	return false
}

func (c refCalendar) NextOpen(t time.Time) Interval {
	for iv := range c.Open(t) {
		return iv
	}
	return Interval{farFuture, farFuture}
}

func (c refCalendar) AddBusiness(start time.Time, d time.Duration) time.Time {
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

// (Zones whose clocks skip midnight, such as America/Havana, are left out:
// there the old code read the day as the one before, see
// TestCalendarDayWhoseMidnightIsSkipped.)
func TestCalendarEqualsReference(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	var zones []*time.Location
	for _, name := range []string{"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Skip(err)
		}
		zones = append(zones, loc)
	}
	// Times around DST changes and midnights, and at random.
	base := []time.Time{time.Date(2026, 3, 8, 6, 30, 0, 0, time.UTC), time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC),
		time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC),
		time.Date(2026, 4, 5, 15, 0, 0, 0, time.UTC), time.Date(2026, 12, 24, 23, 0, 0, 0, time.UTC)}
	for range 3000 {
		c := Calendar{Location: zones[r.IntN(len(zones))]}
		for d := range 7 {
			for range r.IntN(3) {
				from := r.IntN(MinutesPerDay)
				to := 1 + r.IntN(MinutesPerDay)
				if r.IntN(5) == 0 {
					from, to = 0, MinutesPerDay
				}
				c.Week[d] = append(c.Week[d], Range{from, to})
			}
		}
		for range r.IntN(4) {
			c.Holidays = append(c.Holidays, time.Date(2026, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC).Format(DateLayout))
		}
		at := base[r.IntN(len(base))].Add(time.Duration(r.IntN(72*60)-36*60) * time.Minute)
		if r.IntN(3) == 0 {
			at = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour))))
		}
		ref := refCalendar(c)
		if got, want := c.IsOpen(at), ref.IsOpen(at); got != want {
			t.Fatalf("%+v IsOpen(%s) = %v, want %v", c, at, got, want)
		}
		if got, want := c.NextOpen(at), ref.NextOpen(at); !got.Start.Equal(want.Start) || !got.End.Equal(want.End) {
			t.Fatalf("%+v NextOpen(%s) = %v, want %v", c, at, got, want)
		}
		d := time.Duration(r.IntN(100*60)) * time.Minute
		if got, want := c.AddBusiness(at, d), ref.AddBusiness(at, d); !got.Equal(want) {
			t.Fatalf("%+v AddBusiness(%s, %s) = %v, want %v", c, at, d, got, want)
		}
	}
}

// In Havana clocks go from 00:00 straight to 01:00 on the day summer time
// starts (Sunday 8 March 2026): that Sunday has Sunday's hours, not
// Saturday's (time.Date normalises the missing midnight to Saturday 23:00,
// which the calendar once took for the day's date).
func TestCalendarDayWhoseMidnightIsSkipped(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("America/Havana")
	if err != nil {
		t.Skip(err)
	}
	c := Calendar{Location: loc}
	c.Week[time.Saturday] = []Range{{9 * 60, 12 * 60}}
	c.Week[time.Sunday] = []Range{{14 * 60, 16 * 60}}
	sunday10 := time.Date(2026, 3, 8, 10, 0, 0, 0, loc)
	if c.IsOpen(sunday10) {
		t.Errorf("open at %s: Saturday's hours applied on Sunday", sunday10)
	}
	if got, want := c.NextOpen(sunday10).Start, time.Date(2026, 3, 8, 14, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("NextOpen(%s) = %s, want Sunday 14:00 %s", sunday10, got, want)
	}
	c.Holidays = []string{"2026-03-08"}
	if got, want := c.NextOpen(sunday10).Start, time.Date(2026, 3, 14, 9, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("Sunday a holiday: NextOpen(%s) = %s, want next Saturday 09:00 %s", sunday10, got, want)
	}
}
