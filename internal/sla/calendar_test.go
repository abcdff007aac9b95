package sla

import (
	"testing"
	"time"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

// officeHours is Monday to Friday 09:00-17:00.
func officeHours(loc *time.Location, holidays ...string) Calendar {
	c := Calendar{Location: loc, Holidays: holidays}
	for d := time.Monday; d <= time.Friday; d++ {
		c.Week[d] = []Range{{9 * 60, 17 * 60}}
	}
	return c
}

// everyDay applies one range to all seven days.
func everyDay(loc *time.Location, r Range) Calendar {
	c := Calendar{Location: loc}
	for d := range c.Week {
		c.Week[d] = []Range{r}
	}
	return c
}

func TestAddBusiness(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	ny := mustLoc(t, "America/New_York")
	at := func(loc *time.Location, s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name  string
		cal   Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"inside one day", officeHours(berlin), at(berlin, "2026-03-02 10:00"), 3 * time.Hour, at(berlin, "2026-03-02 13:00")},
		{"friday to monday", officeHours(berlin), at(berlin, "2026-03-06 16:00"), 2 * time.Hour, at(berlin, "2026-03-09 10:00")},
		{"arrives at night", officeHours(berlin), at(berlin, "2026-03-02 23:30"), time.Hour, at(berlin, "2026-03-03 10:00")},
		{"monday holiday skipped", officeHours(berlin, "2026-03-09"), at(berlin, "2026-03-06 16:00"), 2 * time.Hour, at(berlin, "2026-03-10 10:00")},
		{"christmas week", officeHours(berlin, "2026-12-24", "2026-12-25"), at(berlin, "2026-12-23 16:00"), 2 * time.Hour, at(berlin, "2026-12-28 10:00")},
		// 24 business hours from Saturday noon over the spring-forward night
		// is 13:00 on Sunday by the wall clock: that day only had 23 hours.
		{"berlin spring forward 24x7", everyDay(berlin, Range{0, 1440}), at(berlin, "2026-03-28 12:00"), 24 * time.Hour, at(berlin, "2026-03-29 13:00")},
		{"berlin fall back 24x7", everyDay(berlin, Range{0, 1440}), at(berlin, "2026-10-24 12:00"), 24 * time.Hour, at(berlin, "2026-10-25 11:00")},
		{"berlin office hours unaffected by DST", officeHours(berlin), at(berlin, "2026-03-27 16:00"), 2 * time.Hour, at(berlin, "2026-03-30 10:00")},
		{"new york spring forward night shift", everyDay(ny, Range{22 * 60, 6 * 60}), at(ny, "2026-03-07 22:00"), 7 * time.Hour, at(ny, "2026-03-08 06:00")},
		{"new york fall back night shift", everyDay(ny, Range{22 * 60, 6 * 60}), at(ny, "2026-10-31 22:00"), 8 * time.Hour, at(ny, "2026-11-01 05:00")},
		{"empty calendar is 24x7", Calendar{}, at(time.UTC, "2026-03-07 22:00"), 30 * time.Hour, at(time.UTC, "2026-03-09 04:00")},
		{"zero duration", officeHours(berlin), at(berlin, "2026-03-07 22:00"), 0, at(berlin, "2026-03-07 22:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.cal.AddBusiness(tt.start, tt.d); !got.Equal(tt.want) {
				t.Errorf("AddBusiness(%v, %v) = %v, want %v", tt.start, tt.d, got.In(tt.want.Location()), tt.want)
			}
			if tt.d > 0 {
				if got := tt.cal.BusinessBetween(tt.start, tt.want); got != tt.d {
					t.Errorf("BusinessBetween back = %v, want %v", got, tt.d)
				}
			}
		})
	}
}

func TestBusinessBetweenDST(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	ny := mustLoc(t, "America/New_York")
	tests := []struct {
		name string
		cal  Calendar
		a, b time.Time
		want time.Duration
	}{
		{"berlin night shift loses an hour", everyDay(berlin, Range{22 * 60, 6 * 60}),
			time.Date(2026, 3, 28, 20, 0, 0, 0, berlin), time.Date(2026, 3, 29, 8, 0, 0, 0, berlin), 7 * time.Hour},
		{"berlin night shift gains an hour", everyDay(berlin, Range{22 * 60, 6 * 60}),
			time.Date(2026, 10, 24, 20, 0, 0, 0, berlin), time.Date(2026, 10, 25, 8, 0, 0, 0, berlin), 9 * time.Hour},
		{"new york sunday of spring forward", everyDay(ny, Range{0, 1440}),
			time.Date(2026, 3, 8, 0, 0, 0, 0, ny), time.Date(2026, 3, 9, 0, 0, 0, 0, ny), 23 * time.Hour},
		{"office week", officeHours(berlin),
			time.Date(2026, 3, 2, 0, 0, 0, 0, berlin), time.Date(2026, 3, 9, 0, 0, 0, 0, berlin), 40 * time.Hour},
		{"office week with holiday", officeHours(berlin, "2026-03-04"),
			time.Date(2026, 3, 2, 0, 0, 0, 0, berlin), time.Date(2026, 3, 9, 0, 0, 0, 0, berlin), 32 * time.Hour},
		{"reversed is negative", officeHours(berlin),
			time.Date(2026, 3, 2, 12, 0, 0, 0, berlin), time.Date(2026, 3, 2, 10, 0, 0, 0, berlin), -2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.cal.BusinessBetween(tt.a, tt.b); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIsOpenAcrossMidnight(t *testing.T) {
	t.Parallel()
	manila := mustLoc(t, "Asia/Manila")
	// Monday night shift only; the holiday on Tuesday must not cut it short.
	cal := Calendar{Location: manila, Holidays: []string{"2026-03-03"}}
	cal.Week[time.Monday] = []Range{{22 * 60, 6 * 60}}
	tests := []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 3, 2, 21, 59, 0, 0, manila), false},
		{time.Date(2026, 3, 2, 22, 0, 0, 0, manila), true},
		{time.Date(2026, 3, 3, 2, 14, 0, 0, manila), true},
		{time.Date(2026, 3, 3, 5, 59, 0, 0, manila), true},
		{time.Date(2026, 3, 3, 6, 0, 0, 0, manila), false},
		{time.Date(2026, 3, 3, 23, 0, 0, 0, manila), false},
	}
	for _, tt := range tests {
		if got := cal.IsOpen(tt.at); got != tt.want {
			t.Errorf("IsOpen(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
	// A Monday holiday cancels the shift that starts on it.
	cal.Holidays = []string{"2026-03-02"}
	if cal.IsOpen(time.Date(2026, 3, 3, 2, 0, 0, 0, manila)) {
		t.Error("shift starting on a holiday is open")
	}
}

func TestParseRange(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Range{"09:00-17:30": {540, 1050}, "22:00-06:00": {1320, 360}, "00:00-24:00": {0, 1440}} {
		got, err := ParseRange(in)
		if err != nil || got != want || got.String() != in {
			t.Errorf("ParseRange(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "9-5", "25:00-26:00", "09:00-24:30", "09:61-10:00"} {
		if _, err := ParseRange(bad); err == nil {
			t.Errorf("ParseRange(%q) accepted", bad)
		}
	}
}
