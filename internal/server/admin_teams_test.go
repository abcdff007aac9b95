package server_test

import (
	"net/http"
	"strings"
	"testing"

	"switchboard/internal/apptest"
)

const admICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n" +
	"BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20301225\r\nDTEND;VALUE=DATE:20301227\r\nSUMMARY:Christmas\\, Boxing Day\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20300612\r\nSUMMARY:Independence\r\n  Day\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:3\r\nDTSTART:20300101T090000Z\r\nSUMMARY:A meeting, not a holiday\r\nEND:VEVENT\r\n" +
	"END:VCALENDAR\r\n"

func TestAdminTeams(t *testing.T) {
	t.Parallel()
	a := admSetup(t)
	c := a.as["admin"]
	r := c.PostForm("/admin/teams", admVals("name", "Manila Desk", "slug", "manila", "timezone", "Asia/Manila",
		"hours_1", "08:00-17:00", "hours_6", "22:00-02:00", "restricted", "on"))
	admStatus(t, r, http.StatusSeeOther)
	loc := r.Header.Get("Location")
	var teamID int64
	if err := a.e.App.DB.RawPool().QueryRow(t.Context(), `SELECT id FROM teams WHERE slug = 'manila' AND time_zone = 'Asia/Manila'
		AND restricted AND hours @> '[{"day":1,"start":480,"end":1020},{"day":6,"start":1320,"end":120}]'`).Scan(&teamID); err != nil {
		t.Fatalf("team not stored: %v", err)
	}
	if loc != "/admin/teams/"+admID(teamID) || a.audits(t, "team", "create") != 1 {
		t.Errorf("redirect %q / audit missing", loc)
	}

	for _, tc := range []struct{ name, field, msg, slug, tz, hours string }{
		{"duplicate slug", "slug", "already uses", "alpha", "UTC", ""},
		{"bad slug", "slug", "lower-case", "No Spaces", "UTC", ""},
		{"invalid time zone", "timezone", "Unknown time zone", "ok-slug", "Europe/Gotham", ""},
		{"overlapping hours", "hours_1", "overlaps", "ok-slug", "UTC", "09:00-17:00,16:00-18:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.PostForm("/admin/teams", admVals("name", "Other", "slug", tc.slug, "timezone", tc.tz, "hours_1", tc.hours))
			admFieldError(t, r, tc.field, tc.msg)
			admKept(t, r, "slug", tc.slug)
		})
	}
	if a.count(t, "SELECT count(*) FROM teams WHERE name = 'Other'") != 0 {
		t.Error("a rejected team was stored")
	}

	// Edit: make agentA... first add a member, then mark them lead.
	admStatus(t, c.PostForm("/admin/people/"+admID(a.agentA.ID), admVals("name", a.agentA.Name, "role", "agent",
		"team", admID(a.alpha), "team", admID(teamID))), http.StatusSeeOther)
	tu := "/admin/teams/" + admID(teamID)
	admStatus(t, c.PostForm(tu, admVals("name", "Manila Service Desk", "slug", "manila", "timezone", "Asia/Manila",
		"hours_1", "08:00-17:00", "lead", admID(a.agentA.ID))), http.StatusSeeOther)
	if a.count(t, "SELECT count(*) FROM team_members WHERE team_id = $1 AND user_id = $2 AND is_lead", teamID, a.agentA.ID) != 1 ||
		a.count(t, "SELECT count(*) FROM teams WHERE id = $1 AND NOT restricted AND name = 'Manila Service Desk'", teamID) != 1 {
		t.Error("team edit not stored")
	}
	if a.audits(t, "team", "update") != 1 {
		t.Error("team edit not audited")
	}
	admFieldError(t, c.PostForm(tu, admVals("name", "X", "slug", "alpha", "timezone", "UTC")), "slug", "already uses")

	// Holidays: one by hand, more from an iCalendar file.
	admStatus(t, c.PostForm(tu+"/holidays", admVals("holiday_day", "2030-04-09", "holiday_name", "Day of Valor")), http.StatusSeeOther)
	admFieldError(t, c.PostForm(tu+"/holidays", admVals("holiday_day", "someday")), "holiday_day", "Enter a date")
	r = c.PostMultipart(tu+"/holidays/import", nil, apptest.File{Field: "ics", Name: "ph.ics", Data: []byte(admICS)})
	admStatus(t, r, http.StatusSeeOther)
	if a.count(t, "SELECT count(*) FROM team_holidays WHERE team_id = $1", teamID) != 4 ||
		a.count(t, "SELECT count(*) FROM team_holidays WHERE team_id = $1 AND day = '2030-06-12' AND name = 'Independence Day'", teamID) != 1 ||
		a.count(t, "SELECT count(*) FROM team_holidays WHERE team_id = $1 AND day = '2030-12-26' AND name = 'Christmas, Boxing Day'", teamID) != 1 {
		t.Error("holidays not imported (two-day event, folded summary, timed event skipped)")
	}
	if a.audits(t, "team", "holiday_import") != 1 || a.audits(t, "team", "holiday_add") != 1 {
		t.Error("holiday changes not audited")
	}
	r = c.PostMultipart(tu+"/holidays/import", nil, apptest.File{Field: "ics", Name: "x.ics", Data: []byte("hello")})
	admFieldError(t, r, "ics", "not an iCalendar")
	admStatus(t, c.PostForm(tu+"/holidays/2030-04-09/delete", nil), http.StatusSeeOther)
	if a.count(t, "SELECT count(*) FROM team_holidays WHERE team_id = $1", teamID) != 3 {
		t.Error("holiday not removed")
	}
	page := c.Get(tu)
	if !strings.Contains(page.Text("#holidays"), "Christmas") {
		t.Error("holidays not listed")
	}
}

func TestAdminOnCall(t *testing.T) {
	t.Parallel()
	a := admSetup(t)
	c := a.as["leadA"]
	u := "/admin/teams/" + admID(a.alpha) + "/oncall"
	admStatus(t, c.PostForm(u, admVals("oncall_user", admID(a.agentA.ID), "oncall_start", "2030-03-01T18:00", "oncall_end", "2030-03-02T08:00")),
		http.StatusSeeOther)
	// Berlin is UTC+1 in March: 18:00 local is 17:00 UTC.
	if a.count(t, `SELECT count(*) FROM oncall_shifts WHERE team_id = $1 AND user_id = $2
		AND starts_at = '2030-03-01 17:00:00+00'`, a.alpha, a.agentA.ID) != 1 || a.audits(t, "oncall_shift", "create") != 1 {
		t.Fatal("shift not stored in the team's zone, or not audited")
	}
	for _, tc := range []struct{ name, field, msg, user, start, end string }{
		{"overlap", "oncall_start", "overlaps", admID(a.leadA.ID), "2030-03-02T07:00", "2030-03-02T12:00"},
		{"empty", "oncall_end", "empty", admID(a.agentA.ID), "2030-03-05T09:00", "2030-03-05T09:00"},
		{"not a member", "oncall_user", "member of this team", admID(a.agentB.ID), "2030-04-01T09:00", "2030-04-01T10:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.PostForm(u, admVals("oncall_user", tc.user, "oncall_start", tc.start, "oncall_end", tc.end))
			admFieldError(t, r, tc.field, tc.msg)
			admKept(t, r, "oncall_start", tc.start)
		})
	}
	if a.count(t, "SELECT count(*) FROM oncall_shifts") != 1 {
		t.Error("a rejected shift was stored")
	}
	page := c.Get("/admin/teams/" + admID(a.alpha))
	if page.Has(`form[action="/admin/teams/`+admID(a.alpha)+`"]`) || !page.Has("#oncall form") {
		t.Error("a lead should see the rota form but not the team settings form")
	}
}
