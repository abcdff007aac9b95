package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/testwait"
)

func TestAdminCreatePerson(t *testing.T) {
	t.Parallel()
	a := admSetup(t)
	c := a.as["admin"]

	form := admVals("name", "Ana Reyes", "email", "ana@example.com", "role", "agent", "timezone", "Asia/Manila",
		"password", "long-enough-pw", "team", admID(a.alpha), "lead", admID(a.alpha))
	r := c.PostForm("/admin/people", form)
	admStatus(t, r, http.StatusSeeOther)
	if a.count(t, `SELECT count(*) FROM users u JOIN team_members tm ON tm.user_id = u.id
		WHERE u.email = 'ana@example.com' AND u.time_zone = 'Asia/Manila' AND tm.team_id = $1 AND tm.is_lead`, a.alpha) != 1 {
		t.Fatal("person not stored with zone and lead membership")
	}
	if a.audits(t, "user", "create") != 1 {
		t.Error("no audit row for the new person")
	}
	if n := a.count(t, "SELECT count(*) FROM audit_log WHERE after::text LIKE '%long-enough-pw%' OR after::text LIKE '%argon2%'"); n != 0 {
		t.Error("the audit log holds a password")
	}

	cases := []struct {
		name, field, msg string
		form             url.Values
	}{
		{"duplicate email", "email", "already exists", admVals("name", "Ana Two", "email", "ANA@example.com", "role", "agent", "timezone", "UTC")},
		{"bad email", "email", "valid email", admVals("name", "X", "email", "not-an-address", "role", "agent", "timezone", "UTC")},
		{"invalid time zone", "timezone", "Unknown time zone", admVals("name", "X", "email", "x@example.com", "role", "agent", "timezone", "Mars/Olympus")},
		{"no name", "name", "Enter a name", admVals("name", " ", "email", "y@example.com", "role", "agent", "timezone", "UTC")},
		{"bad role", "role", "Role must be", admVals("name", "X", "email", "z@example.com", "role", "root", "timezone", "UTC")},
		{"requester in a team", "teams", "Requesters cannot", admVals("name", "X", "email", "w@example.com", "role", "requester", "timezone", "UTC", "team", admID(a.alpha))},
		{"short password", "password", "8 characters", admVals("name", "X", "email", "v@example.com", "role", "agent", "timezone", "UTC", "password", "short")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			users := a.count(t, "SELECT count(*) FROM users")
			r := c.PostForm("/admin/people", tc.form)
			admFieldError(t, r, tc.field, tc.msg)
			admKept(t, r, "name", tc.form.Get("name"))
			if r.Doc.Find("#password").AttrOr("value", "") != "" {
				t.Error("the password was echoed back")
			}
			if a.count(t, "SELECT count(*) FROM users") != users {
				t.Error("a rejected form stored a user")
			}
		})
	}
}

// An invitation shows a one-time link; it sets a password once, signs the
// person out elsewhere, and is dead afterwards.
func TestAdminInviteAndResetLink(t *testing.T) {
	t.Parallel()
	a := admSetup(t)
	c := a.as["admin"]
	r := c.PostForm("/admin/people", admVals("name", "Ben Invited", "email", "ben@example.com", "role", "agent", "timezone", "UTC",
		"team", admID(a.beta)))
	admStatus(t, r, http.StatusOK)
	link := r.Doc.Find("#onetime-link").AttrOr("value", "")
	if !strings.Contains(link, "/reset/") {
		t.Fatalf("no one-time link shown: %q", link)
	}
	path := link[strings.Index(link, "/reset/"):]
	if a.audits(t, "user", "invite") != 1 {
		t.Error("invite not audited")
	}
	if a.count(t, "SELECT count(*) FROM password_tokens WHERE hash = sha256(convert_to($1, 'UTF8'))", strings.TrimPrefix(path, "/reset/")) != 1 {
		t.Error("the token should be stored as its SHA-256 only")
	}
	anon := a.e.Anonymous()
	admStatus(t, anon.Get(path), http.StatusOK)
	admFieldError(t, anon.PostForm(path, admVals("password", "new-password-1", "confirm", "different-1")), "confirm", "differ")
	admStatus(t, anon.PostForm(path, admVals("password", "new-password-1", "confirm", "new-password-1")), http.StatusSeeOther)
	if r := anon.PostForm("/login", admVals("email", "ben@example.com", "password", "new-password-1")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in with the new password: %d", r.StatusCode)
	}
	if r := a.e.Anonymous().Get(path); r.StatusCode != http.StatusNotFound {
		t.Errorf("used link: %d, want 404", r.StatusCode)
	}

	// Reset: a new link for an existing user; the old password works until used.
	var benID int64
	_ = a.e.App.DB.RawPool().QueryRow(context.Background(), "SELECT id FROM users WHERE email = 'ben@example.com'").Scan(&benID)
	r = c.PostForm("/admin/people/"+admID(benID)+"/password-link", nil)
	admStatus(t, r, http.StatusOK)
	link2 := r.Doc.Find("#onetime-link").AttrOr("value", "")
	if link2 == "" || link2 == link {
		t.Fatalf("reset link %q", link2)
	}
	if a.audits(t, "user", "password_reset_link") != 1 {
		t.Error("reset link not audited")
	}
	r = c.PostForm("/admin/people/"+admID(benID)+"/password-link", nil) // a second link kills the first
	link3 := r.Doc.Find("#onetime-link").AttrOr("value", "")
	if r := a.e.Anonymous().Get(link2[strings.Index(link2, "/reset/"):]); r.StatusCode != http.StatusNotFound {
		t.Errorf("superseded link: %d, want 404", r.StatusCode)
	}
	admStatus(t, a.e.Anonymous().Get(link3[strings.Index(link3, "/reset/"):]), http.StatusOK)
	if r := a.e.Anonymous().Get("/reset/not-a-token"); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown token: %d", r.StatusCode)
	}
}

// Deactivation signs the person out at once, everywhere; reactivation lets
// them sign in again.
func TestAdminDeactivate(t *testing.T) {
	t.Parallel()
	a := admSetup(t)
	c := a.as["admin"]
	// An open ticket of theirs that must go back to triage.
	var ticketID int64
	if err := a.e.App.DB.RawPool().QueryRow(context.Background(), `INSERT INTO tickets (subject, requester_id, team_id, assignee_id, status)
		VALUES ('Held', $1, $2, $3, 'open') RETURNING id`, a.reqr.ID, a.alpha, a.agentA.ID).Scan(&ticketID); err != nil {
		t.Fatal(err)
	}
	victim := a.e.SignIn(a.agentA)
	second := a.e.SignIn(a.agentA)
	admStatus(t, victim.Get("/profile"), http.StatusOK)

	r := c.PostForm("/admin/people/"+admID(a.agentA.ID)+"/deactivate", nil)
	admStatus(t, r, http.StatusSeeOther)
	for _, cl := range []*apptest.Client{victim, second} {
		if r := cl.Get("/profile"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Errorf("deactivated user still signed in: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
	}
	if a.count(t, "SELECT count(*) FROM sessions WHERE user_id = $1", a.agentA.ID) != 0 {
		t.Error("sessions were not deleted")
	}
	if a.audits(t, "user", "deactivate") != 1 {
		t.Error("deactivation not audited")
	}
	if a.count(t, "SELECT count(*) FROM river_job WHERE kind = 'rebalance' AND (args->>'agent_id')::bigint = $1", a.agentA.ID) != 1 {
		t.Error("no rebalance job enqueued for the deactivated agent")
	}
	testwait.Until(t, testwait.Long, "the deactivated agent's open ticket handed back to triage", func() bool {
		return a.count(t, "SELECT count(*) FROM tickets WHERE id = $1 AND assignee_id = $2", ticketID, a.agentA.ID) == 0
	})
	page := c.Get("/admin/people/" + admID(a.agentA.ID))
	if !strings.Contains(page.Body, "Deactivated") || !page.Has(`form[action$="/reactivate"]`) {
		t.Error("person page does not show the deactivated state")
	}
	// An admin cannot lock themselves out.
	r = c.PostForm("/admin/people/"+admID(a.admin.ID)+"/deactivate", nil)
	admStatus(t, r, http.StatusUnprocessableEntity)

	admStatus(t, c.PostForm("/admin/people/"+admID(a.agentA.ID)+"/reactivate", nil), http.StatusSeeOther)
	if a.audits(t, "user", "reactivate") != 1 {
		t.Error("reactivation not audited")
	}
	a.e.SignIn(a.agentA) // fails the test if sign-in does not work
}

func TestAdminUpdatePerson(t *testing.T) {
	t.Parallel()
	a := admSetup(t)
	c := a.as["admin"]
	u := "/admin/people/" + admID(a.agentA.ID)
	page := c.Get(u)
	admStatus(t, page, http.StatusOK)
	admKept(t, page, "name", a.agentA.Name)

	r := c.PostForm(u, admVals("name", "Renamed", "role", "lead", "team", admID(a.beta), "lead", admID(a.beta)))
	admStatus(t, r, http.StatusSeeOther)
	if a.count(t, `SELECT count(*) FROM users u JOIN team_members tm ON tm.user_id = u.id
		WHERE u.id = $1 AND u.role = 'lead' AND u.name = 'Renamed' AND tm.team_id = $2 AND tm.is_lead`, a.agentA.ID, a.beta) != 1 ||
		a.count(t, "SELECT count(*) FROM team_members WHERE user_id = $1", a.agentA.ID) != 1 {
		t.Fatal("role and teams not replaced")
	}
	var before, after string
	_ = a.e.App.DB.RawPool().QueryRow(context.Background(),
		"SELECT before::text, after::text FROM audit_log WHERE object_type = 'user' AND action = 'update'").Scan(&before, &after)
	if !strings.Contains(before, `"agent"`) || !strings.Contains(after, `"lead"`) || !strings.Contains(after, "Renamed") {
		t.Errorf("audit before/after: %s -> %s", before, after)
	}

	r = c.PostForm(u, admVals("name", "", "role", "agent"))
	admFieldError(t, r, "name", "Enter a name")
	r = c.PostForm("/admin/people/"+admID(a.admin.ID), admVals("name", "Me", "role", "agent"))
	admFieldError(t, r, "role", "own admin role")
	if a.count(t, "SELECT count(*) FROM users WHERE id = $1 AND role = 'admin'", a.admin.ID) != 1 {
		t.Error("admin demoted themselves")
	}
	if r := c.Get("/admin/people/999999"); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown person: %d", r.StatusCode)
	}
}
