package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
)

// TestSecondFactorPolicyAndAdminReset: off by default; an admin requires
// it for agents; an agent without one must set one up before the sign-in
// ends; another admin resets a lost factor (audited), never their own.
func TestSecondFactorPolicyAndAdminReset(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	boss, other := e.User(helpdesk.RoleAdmin), e.User(helpdesk.RoleAdmin)
	agent, requester := e.User(helpdesk.RoleAgent), e.User(helpdesk.RoleRequester)

	// Off by default: a password signs in, and the console recommends it for admins.
	wantSignedIn(t, e.SignIn(agent), "default policy")
	ac := e.SignIn(boss)
	page := ac.Get("/admin/security")
	if page.StatusCode != http.StatusOK || !page.Has("#admin-factor-advice") || page.Has("#factor-agent[checked]") {
		t.Fatalf("security page: %d, advice shown %v", page.StatusCode, page.Has("#admin-factor-advice"))
	}
	if r := e.SignIn(agent).Get("/admin/security"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("an agent opened the security settings: %d", r.StatusCode)
	}
	if r := ac.PostForm("/admin/security/second-factor", url.Values{"role": {"agent", "admin", "wizard"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("unknown role accepted: %d", r.StatusCode)
	}
	if r := ac.PostForm("/admin/security/second-factor", url.Values{"role": {"agent"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save policy: %d %s", r.StatusCode, r.Body)
	}
	if page = ac.Get("/admin/security"); !page.Has("#factor-agent[checked]") || page.Has("#factor-requester[checked]") {
		t.Fatal("saved policy not shown")
	}

	// The agent must enrol before the sign-in finishes; requesters are not asked.
	wantSignedIn(t, e.SignIn(requester), "requester under an agent-only policy")
	c := e.Anonymous()
	r := c.PostForm("/login", url.Values{"email": {agent.Email}, "password": {apptest.Password}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login/setup" || !signedOut(c) {
		t.Fatalf("agent without a factor: %d -> %q, want the set-up step and no session yet", r.StatusCode, r.Header.Get("Location"))
	}
	r = c.Get("/login/setup")
	secret := r.Text("#totp-secret")
	if secret == "" {
		t.Fatalf("set-up step: %d\n%s", r.StatusCode, r.Body)
	}
	code, step := totpCode(t, secret, 0)
	if r = c.PostForm("/login/setup", url.Values{"code": {code}}); r.StatusCode != http.StatusOK || r.Doc.Find("#recovery-codes li").Length() != 10 {
		t.Fatalf("enrol: %d", r.StatusCode)
	}
	wantSignedIn(t, c, "after enrolling")
	c = passwordStep(t, e, agent)
	code, _ = totpCode(t, secret, step)
	if r := c.PostForm("/login/verify", url.Values{"code": {code}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("code after enrolment: %d", r.StatusCode)
	}

	// An admin cannot reset their own factors; another admin resets the agent's.
	if r := ac.PostForm("/admin/people/"+strconv.FormatInt(boss.ID, 10)+"/second-factors/reset", nil); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("self reset: %d, want 422", r.StatusCode)
	}
	person := "/admin/people/" + strconv.FormatInt(agent.ID, 10)
	if !ac.Get(person).Has(`#person-factors form[action$="/second-factors/reset"]`) {
		t.Fatal("no reset button on the person page")
	}
	oc := e.SignIn(other)
	if r := oc.PostForm(person+"/second-factors/reset", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", r.StatusCode, r.Body)
	}
	audit := ac.Get("/admin/audit?object=user&object_id=" + strconv.FormatInt(agent.ID, 10))
	if !strings.Contains(audit.Body, "reset_second_factors") || !strings.Contains(audit.Body, other.Name) {
		t.Fatalf("reset not in the audit log:\n%s", audit.Doc.Find("main").Text())
	}
	c = e.Anonymous()
	r = c.PostForm("/login", url.Values{"email": {agent.Email}, "password": {apptest.Password}})
	if r.Header.Get("Location") != "/login/setup" {
		t.Fatalf("after the reset the agent goes to %q, want a fresh set-up", r.Header.Get("Location"))
	}
}
