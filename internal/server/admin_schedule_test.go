package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAdminProfile(t *testing.T) {
	t.Parallel()
	a := admSetup(t)
	c := a.as["admin"]
	u := "/admin/people/" + admID(a.agentA.ID) + "/profile"
	page := c.Get(u)
	admStatus(t, page, http.StatusOK)
	if page.Doc.Find(`#timezone`).AttrOr("list", "") == "" || page.Doc.Find(`datalist option[value="Asia/Manila"]`).Length() != 1 {
		t.Error("the time zone input has no searchable list of IANA zones")
	}

	// Valid: two ranges on Monday, a night shift across midnight on Friday.
	good := admVals("timezone", "Asia/Manila", "hours_1", "09:00-12:00, 13:00-17:00", "hours_5", "22:00-06:00",
		"capacity", "7", "languages", "en, tl", "skill_name", "Network", "skill_level", "3", "skill_name", "vpn", "skill_level", "1",
		"skill_name", "", "skill_level", "1")
	admStatus(t, c.PostForm(u, good), http.StatusSeeOther)
	if a.count(t, "SELECT count(*) FROM agent_hours WHERE user_id = $1", a.agentA.ID) != 3 ||
		a.count(t, "SELECT count(*) FROM agent_hours WHERE user_id = $1 AND weekday = 5 AND start_minute = 1320 AND end_minute = 360", a.agentA.ID) != 1 {
		t.Fatal("hours not stored")
	}
	if a.count(t, "SELECT count(*) FROM agent_skills WHERE user_id = $1 AND skill = 'network' AND level = 3", a.agentA.ID) != 1 ||
		a.count(t, "SELECT count(*) FROM agent_profiles WHERE user_id = $1 AND capacity = 7 AND languages = '{en,tl}'", a.agentA.ID) != 1 ||
		a.count(t, "SELECT count(*) FROM users WHERE id = $1 AND time_zone = 'Asia/Manila'", a.agentA.ID) != 1 {
		t.Fatal("profile not stored")
	}
	if a.audits(t, "agent_profile", "update") != 1 {
		t.Error("profile change not audited")
	}
	page = c.Get(u)
	admKept(t, page, "hours_1", "09:00-12:00, 13:00-17:00")
	admKept(t, page, "hours_5", "22:00-06:00")
	// Preview in both zones: Manila for the agent, Berlin for the admin.
	head := page.Text("#on-shift thead")
	if !strings.Contains(head, "Asia/Manila") || !strings.Contains(head, "Europe/Berlin") {
		t.Errorf("preview header %q lacks both zones", head)
	}
	if rows := page.Doc.Find("#on-shift tbody tr").Length(); rows < 2 || rows > 4 {
		t.Errorf("preview lists %d shifts for a week with Mon (2) and Fri night", rows)
	}
	if !strings.Contains(page.Text("#on-shift tbody"), "22:00") {
		t.Error("the Friday night shift is not in the preview in the agent's zone")
	}

	cases := []struct {
		name, field, msg string
		form             url.Values
	}{
		{"invalid time zone", "timezone", "Unknown time zone", admVals("timezone", "Asia/Atlantis", "capacity", "1")},
		{"overlapping ranges", "hours_2", "overlaps", admVals("timezone", "UTC", "capacity", "1", "hours_2", "09:00-13:00, 12:00-17:00")},
		{"overlap across midnight", "hours_3", "overlaps", admVals("timezone", "UTC", "capacity", "1", "hours_2", "22:00-06:00", "hours_3", "05:00-09:00")},
		{"empty range", "hours_4", "empty", admVals("timezone", "UTC", "capacity", "1", "hours_4", "09:00-09:00")},
		{"not a range", "hours_4", "not a time range", admVals("timezone", "UTC", "capacity", "1", "hours_4", "nine to five")},
		{"negative capacity", "capacity", "negative", admVals("timezone", "UTC", "capacity", "-1")},
		{"skill level", "skill_0", "Level is 1", admVals("timezone", "UTC", "capacity", "1", "skill_name", "x", "skill_level", "4")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.PostForm(u, tc.form)
			admFieldError(t, r, tc.field, tc.msg)
			admKept(t, r, "timezone", tc.form.Get("timezone"))
			// Nothing partial: the valid parts of the form were not saved either.
			if a.count(t, "SELECT count(*) FROM users WHERE id = $1 AND time_zone = 'Asia/Manila'", a.agentA.ID) != 1 ||
				a.count(t, "SELECT count(*) FROM agent_hours WHERE user_id = $1", a.agentA.ID) != 3 {
				t.Error("a rejected form changed the profile")
			}
		})
	}
	if a.audits(t, "agent_profile", "update") != 1 {
		t.Error("rejected forms wrote audit rows")
	}
}

func TestAdminTimeOff(t *testing.T) {
	t.Parallel()
	a := admSetup(t)
	c := a.as["leadA"] // leads manage their own team's time off
	u := "/admin/people/" + admID(a.agentA.ID) + "/time-off"
	admStatus(t, c.PostForm(u, admVals("off_from", "2030-07-01", "off_to", "2030-07-14", "off_note", "Summer")), http.StatusSeeOther)
	if a.count(t, "SELECT count(*) FROM agent_time_off WHERE user_id = $1", a.agentA.ID) != 1 || a.audits(t, "time_off", "create") != 1 {
		t.Fatal("time off not stored and audited")
	}
	admFieldError(t, c.PostForm(u, admVals("off_from", "2030-08-10", "off_to", "2030-08-01")), "off_to", "before the first")
	r := c.PostForm(u, admVals("off_from", "2030-07-10", "off_to", "2030-07-20"))
	admFieldError(t, r, "off_from", "overlaps")
	admKept(t, r, "off_from", "2030-07-10")
	admFieldError(t, c.PostForm(u, admVals("off_from", "", "off_to", "2030-07-20")), "off_from", "first day")
	if a.count(t, "SELECT count(*) FROM agent_time_off") != 1 {
		t.Error("rejected time off was stored")
	}
	var offID int64
	_ = a.e.App.DB.RawPool().QueryRow(t.Context(), "SELECT id FROM agent_time_off").Scan(&offID)
	if r := a.as["leadB"].PostForm(u+"/"+admID(offID)+"/delete", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("leadB deleting alpha's time off: %d", r.StatusCode)
	}
	admStatus(t, c.PostForm(u+"/"+admID(offID)+"/delete", nil), http.StatusSeeOther)
	if a.count(t, "SELECT count(*) FROM agent_time_off") != 0 || a.audits(t, "time_off", "delete") != 1 {
		t.Error("time off not deleted and audited")
	}
}
