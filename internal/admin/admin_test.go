package admin

import (
	"strings"
	"testing"
	"time"

	"switchboard/internal/helpdesk"
)

func TestParseWeek(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		days  [7]string
		n     int    // ranges kept
		field string // field with an error, "" for none
	}{
		{"two ranges a day", [7]string{1: "09:00-12:00, 13:00-17:00"}, 2, ""},
		{"across midnight", [7]string{5: "22:00-06:00", 6: "06:00-10:00"}, 2, ""},
		{"whole day", [7]string{0: "00:00-24:00"}, 1, ""},
		{"spaces", [7]string{2: " 9:00 - 17:30 "}, 1, ""},
		{"overlap", [7]string{1: "09:00-13:00,12:59-14:00"}, 2, "hours_1"},
		{"night overlaps next morning", [7]string{1: "22:00-06:00", 2: "05:30-09:00"}, 2, "hours_2"},
		{"saturday night into sunday", [7]string{6: "23:00-02:00", 0: "01:00-03:00"}, 2, "hours_6"},
		{"empty", [7]string{3: "10:00-10:00"}, 0, "hours_3"},
		{"garbage", [7]string{4: "morning"}, 0, "hours_4"},
		{"out of range", [7]string{4: "25:00-26:00"}, 0, "hours_4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v helpdesk.Validation
			got := ParseWeek("hours_", tc.days, &v)
			if len(got) != tc.n {
				t.Errorf("kept %d ranges, want %d: %v", len(got), tc.n, got)
			}
			fields := helpdesk.FieldErrors(v.Err())
			if tc.field == "" && len(fields) > 0 {
				t.Errorf("unexpected errors %v", fields)
			}
			if tc.field != "" && (len(fields) == 0 || fields[0].Field != tc.field) {
				t.Errorf("errors %v, want one at %s", fields, tc.field)
			}
		})
	}
	// Round trip through FormatDay.
	var v helpdesk.Validation
	hs := ParseWeek("h", [7]string{1: "09:00-12:00, 22:00-06:00"}, &v)
	if got := FormatDay(hs, 1); got != "09:00-12:00, 22:00-06:00" {
		t.Errorf("FormatDay = %q", got)
	}
}

func TestParseICS(t *testing.T) {
	t.Parallel()
	ics := "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20301231\nSUMMARY:New Year\\'s Eve\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nDTSTART:20300101\nDTEND:20300103\nSUMMARY;LANGUAGE=en:New Year\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nDTSTART;TZID=Asia/Manila:20300105T090000\nSUMMARY:Standup\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nDTSTART;VALUE=DATE:20301231\nSUMMARY:Duplicate\nEND:VEVENT\nEND:VCALENDAR\n"
	got, err := ParseICS([]byte(ics))
	if err != nil {
		t.Fatal(err)
	}
	want := []helpdesk.Holiday{{Day: "2030-12-31", Name: "New Year\\'s Eve"}, {Day: "2030-01-01", Name: "New Year"}, {Day: "2030-01-02", Name: "New Year"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("holiday %d = %v, want %v", i, got[i], want[i])
		}
	}
	if _, err := ParseICS([]byte("<html>")); err == nil {
		t.Error("accepted a non-calendar")
	}
}

func FuzzParseICS(f *testing.F) {
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20301225\r\nDTEND;VALUE=DATE:20310225\r\nSUMMARY:X\r\n y\r\nEND:VEVENT\r\nEND:VCALENDAR"))
	f.Add([]byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;X=\"a:b\";VALUE=DATE:2030\nEND:VEVENT"))
	f.Fuzz(func(t *testing.T, data []byte) {
		hols, err := ParseICS(data)
		if err != nil {
			return
		}
		for _, h := range hols {
			if _, err := time.Parse("2006-01-02", h.Day); err != nil {
				t.Fatalf("bad day %q", h.Day)
			}
			if len([]rune(h.Name)) > 120 {
				t.Fatalf("name too long")
			}
		}
	})
}

func TestCSVSafe(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"=1+1": "'=1+1", "+1": "'+1", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)",
		"\t=x": "'\t=x", "plain": "plain", "": "", "a=b": "a=b"} {
		if got := CSVSafe(in); got != want {
			t.Errorf("CSVSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// The preview uses the agent's zone: 09:00-17:00 in Manila on a Monday is
// 01:00-09:00 UTC, and time off removes days.
func TestNextShifts(t *testing.T) {
	t.Parallel()
	p := &helpdesk.AgentProfile{Person: helpdesk.Person{User: helpdesk.User{TimeZone: "Asia/Manila"}},
		Hours:   []helpdesk.ShiftRange{{Weekday: 1, Start: 540, End: 1020}, {Weekday: 2, Start: 540, End: 1020}},
		TimeOff: []helpdesk.TimeOff{{From: "2030-01-08", To: "2030-01-08"}}}
	now := time.Date(2030, 1, 6, 0, 0, 0, 0, time.UTC) // a Sunday
	got := NextShifts(p, now, 7*24*time.Hour)
	if len(got) != 1 {
		t.Fatalf("got %v, want Monday only (Tuesday is time off)", got)
	}
	if s := got[0].Start.UTC().Format("Mon 15:04"); s != "Mon 01:00" {
		t.Errorf("starts %s UTC", s)
	}
	if strings.TrimSpace(FormatMinutes(90)) != "1h30m" || FormatMinutes(240) != "4h" || FormatMinutes(45) != "45m" {
		t.Error("FormatMinutes")
	}
	for in, want := range map[string]int{"90": 90, "4h": 240, "1h30m": 90, "45m": 45} {
		if got, err := ParseMinutes(in); err != nil || got != want {
			t.Errorf("ParseMinutes(%q) = %d, %v", in, got, err)
		}
	}
}
