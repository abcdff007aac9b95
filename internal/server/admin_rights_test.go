package server_test

import (
	"net/http"
	"testing"
)

// Agents and requesters get 404 for every /admin URL, GET or POST; leads
// reach only their own teams' people and rotas; every write is checked on
// the server, not just hidden in the page.
func TestAdminRights(t *testing.T) {
	t.Parallel()
	a := admSetup(t)
	get := []string{"/admin", "/admin/people", "/admin/people/" + admID(a.agentA.ID), "/admin/people/" + admID(a.agentA.ID) + "/profile",
		"/admin/teams", "/admin/teams/" + admID(a.alpha), "/admin/categories", "/admin/priorities", "/admin/mail",
		"/admin/audit", "/admin/audit.csv"}
	post := []string{"/admin/people", "/admin/people/" + admID(a.agentA.ID), "/admin/people/" + admID(a.agentA.ID) + "/deactivate",
		"/admin/people/" + admID(a.agentA.ID) + "/password-link", "/admin/people/" + admID(a.agentA.ID) + "/profile",
		"/admin/people/" + admID(a.agentA.ID) + "/time-off", "/admin/teams", "/admin/teams/" + admID(a.alpha),
		"/admin/teams/" + admID(a.alpha) + "/holidays", "/admin/teams/" + admID(a.alpha) + "/oncall", "/admin/categories",
		"/admin/priorities/matrix", "/admin/priorities/sla", "/admin/mail/addresses", "/admin/mail/mailboxes", "/admin/mail/policy"}
	for _, role := range []string{"agent", "requester"} {
		c := a.as[role]
		for _, u := range get {
			if r := c.Get(u); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s GET %s: %d, want 404", role, u, r.StatusCode)
			}
		}
		for _, u := range post {
			if r := c.PostForm(u, admVals("name", "x")); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s POST %s: %d, want 404", role, u, r.StatusCode)
			}
		}
	}
	if r := a.e.Anonymous().Get("/admin/people"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("signed out GET /admin/people: %d, want a redirect to sign in", r.StatusCode)
	}

	// Leads: their own team's people and rota yes, everything else 404.
	lead := a.as["leadA"]
	for _, u := range []string{"/admin/people", "/admin/people/" + admID(a.agentA.ID), "/admin/people/" + admID(a.agentA.ID) + "/profile",
		"/admin/teams", "/admin/teams/" + admID(a.alpha)} {
		admStatus(t, lead.Get(u), http.StatusOK)
	}
	for _, u := range []string{"/admin/people/" + admID(a.agentB.ID), "/admin/people/" + admID(a.agentB.ID) + "/profile",
		"/admin/teams/" + admID(a.beta), "/admin/categories", "/admin/priorities", "/admin/mail", "/admin/audit", "/admin/audit.csv"} {
		if r := lead.Get(u); r.StatusCode != http.StatusNotFound {
			t.Errorf("leadA GET %s: %d, want 404", u, r.StatusCode)
		}
	}
	people := lead.Get("/admin/people")
	if people.Has(`tr[data-user="`+admID(a.agentB.ID)+`"]`) || !people.Has(`tr[data-user="`+admID(a.agentA.ID)+`"]`) {
		t.Error("leadA's people list should hold alpha's members only")
	}
	if people.Has("#add-person") {
		t.Error("leads must not see the add-person form")
	}
	// Admin-only writes refused for a lead, even on their own team's member.
	before := a.audits(t, "user", "deactivate")
	for _, u := range []string{"/admin/people/" + admID(a.agentA.ID) + "/deactivate", "/admin/people/" + admID(a.agentA.ID) + "/password-link",
		"/admin/teams/" + admID(a.alpha), "/admin/people"} {
		if r := lead.PostForm(u, admVals("name", "Hijack", "role", "admin", "email", "x@example.com", "slug", "x", "timezone", "UTC")); r.StatusCode != http.StatusNotFound {
			t.Errorf("leadA POST %s: %d, want 404", u, r.StatusCode)
		}
	}
	if a.audits(t, "user", "deactivate") != before || a.count(t, "SELECT count(*) FROM users WHERE active AND id = $1", a.agentA.ID) != 1 {
		t.Error("a lead's refused write changed something")
	}
	// Schedule of another team's member: 404 and nothing saved.
	r := lead.PostForm("/admin/people/"+admID(a.agentB.ID)+"/profile", admVals("timezone", "Asia/Tokyo", "capacity", "3"))
	if r.StatusCode != http.StatusNotFound {
		t.Errorf("leadA editing beta's agent: %d, want 404", r.StatusCode)
	}
	if a.count(t, "SELECT count(*) FROM users WHERE id = $1 AND time_zone = 'Asia/Tokyo'", a.agentB.ID) != 0 {
		t.Error("leadA changed beta's agent")
	}
	r = lead.PostForm("/admin/teams/"+admID(a.beta)+"/oncall", admVals("oncall_user", admID(a.agentB.ID),
		"oncall_start", "2030-01-01T09:00", "oncall_end", "2030-01-01T17:00"))
	if r.StatusCode != http.StatusNotFound {
		t.Errorf("leadA editing beta's rota: %d, want 404", r.StatusCode)
	}
	// leadB is a lead too, but not of alpha.
	if r := a.as["leadB"].Get("/admin/people/" + admID(a.agentA.ID) + "/profile"); r.StatusCode != http.StatusNotFound {
		t.Errorf("leadB GET alpha's agent profile: %d, want 404", r.StatusCode)
	}
	// Own team's member: allowed, and audited.
	r = lead.PostForm("/admin/people/"+admID(a.agentA.ID)+"/profile", admVals("timezone", "Asia/Manila", "capacity", "5",
		"hours_1", "09:00-17:00"))
	admStatus(t, r, http.StatusSeeOther)
	if a.count(t, "SELECT count(*) FROM audit_log WHERE object_type = 'agent_profile' AND actor_id = $1", a.leadA.ID) != 1 {
		t.Error("the lead's change was not audited")
	}
}
