package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/admin"
	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
)

// ssoSetup is a node with an OpenID Provider on loopback, configured the
// way an admin would through the console: agents come from the it-staff
// group into the service-desk team, admins from it-admins, accounts are
// made just in time, only corp.example addresses may sign in.
type ssoSetup struct {
	e     *apptest.Env
	p     *apptest.Provider
	admin *helpdesk.User
	ac    *apptest.Client
}

func newSSO(t *testing.T, extra url.Values, more ...apptest.ProviderUser) *ssoSetup {
	t.Helper()
	e := apptest.New(t)
	s := &ssoSetup{e: e, admin: e.User(helpdesk.RoleAdmin)}
	if _, err := e.App.HTTP.Admin.CreateTeam(context.Background(), s.admin, admin.TeamInput{Name: "Service desk", Slug: "service-desk", TimeZone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	s.p = apptest.NewProvider(t, e.URL+"/sso/callback",
		append([]apptest.ProviderUser{
			{Username: "ana", Email: "ana@corp.example", First: "Ana", Last: "Lima", Groups: []string{"everyone", "it-staff"}},
			{Username: "eve", Email: "eve@elsewhere.example", First: "Eve", Last: "Outside"}}, more...)...)
	s.ac = e.SignIn(s.admin)
	form := url.Values{"enabled": {"on"}, "issuer": {s.p.Issuer}, "client_id": {s.p.ClientID}, "client_secret": {s.p.ClientSecret},
		"domains": {"corp.example"}, "claim": {"groups"}, "role_map": {"it-staff = agent\nit-admins = admin"},
		"team_map": {"it-staff = service-desk"}, "jit": {"on"}}
	for k, v := range extra {
		form[k] = v
	}
	if r := s.ac.PostForm("/admin/security/sso", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save SSO settings: %d\n%s", r.StatusCode, r.Doc.Find("main").Text())
	}
	return s
}

// roundTrip walks a browser-like client through /sso/start and the
// provider's own sign-in page, and returns the callback URL the provider
// sends it back to, without opening it.
func (s *ssoSetup) roundTrip(t *testing.T, c *apptest.Client, username string) string {
	t.Helper()
	r := c.Get("/sso/start?next=/profile")
	loc := r.Header.Get("Location")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, s.p.Issuer) {
		t.Fatalf("/sso/start: %d -> %q", r.StatusCode, loc)
	}
	for range 10 {
		if strings.HasPrefix(loc, s.e.URL+"/sso/callback") {
			return loc
		}
		var res *http.Response
		var err error
		if strings.Contains(loc, "/login/username") {
			u, _ := url.Parse(loc)
			res, err = c.HTTP.PostForm(s.p.Issuer+"/login/username", url.Values{"id": {u.Query().Get("authRequestID")},
				"username": {username}, "password": {apptest.ProviderPassword}})
		} else {
			res, err = c.HTTP.Get(loc)
		}
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		next, err := res.Location()
		if err != nil {
			t.Fatalf("provider answered %d at %s without a redirect", res.StatusCode, loc)
		}
		loc = next.String()
	}
	t.Fatalf("no callback after 10 redirects, last %s", loc)
	return ""
}

// callback opens the callback URL and reports whether it signed in.
func callback(t *testing.T, c *apptest.Client, u string) (*apptest.Response, bool) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	r := c.Do(req)
	return r, r.StatusCode == http.StatusSeeOther && r.Header.Get("Location") == "/profile" && !signedOut(c)
}

func TestSSOSignInMapsRoleAndTeamAndRefusesBadTokens(t *testing.T) {
	t.Parallel()
	s := newSSO(t, nil)
	e := s.e
	if r := s.ac.Get("/admin/security"); r.Text("#sso-callback") != e.URL+"/sso/callback" || r.Has(`#client_secret[value^="client-secret"]`) {
		t.Fatal("settings page: wrong callback shown or the secret echoed")
	}
	if !e.Anonymous().Get("/login").Has("#sso-start") {
		t.Fatal("no single sign-on button on the sign-in page")
	}

	// Just-in-time account: agent from the group, member of the team.
	c := e.Anonymous()
	cb := s.roundTrip(t, c, "ana")
	if r, ok := callback(t, c, cb); !ok {
		t.Fatalf("SSO sign-in: %d -> %q\n%s", r.StatusCode, r.Header.Get("Location"), r.Text("#login-error"))
	}
	if r := c.Get("/profile"); !strings.Contains(r.Text("main"), "ana@corp.example") || !strings.Contains(r.Text("main"), "agent") {
		t.Fatalf("profile after SSO: %s", r.Text("main"))
	}
	people := s.ac.Get("/admin/people?q=ana")
	if !strings.Contains(people.Text("main"), "Service desk") {
		t.Fatalf("ana is not in the mapped team: %s", people.Text("main"))
	}

	// The same callback again (replayed state and code) signs nobody in.
	replay := e.Anonymous()
	if r, ok := callback(t, replay, cb); ok || r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replayed callback in another browser: %d", r.StatusCode)
	}
	if r, ok := callback(t, c, cb); ok || r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replayed callback in the same browser: %d", r.StatusCode)
	}
	// A state that is not this flow's.
	c = e.Anonymous()
	cb = s.roundTrip(t, c, "ana")
	u, _ := url.Parse(cb)
	q := u.Query()
	q.Set("state", q.Get("state")+"x")
	u.RawQuery = q.Encode()
	if r, ok := callback(t, c, u.String()); ok || r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong state: %d", r.StatusCode)
	}

	// An ID token for another audience, and an expired one, are refused.
	s.p.WrongAudience(true)
	c = e.Anonymous()
	if r, ok := callback(t, c, s.roundTrip(t, c, "ana")); ok || r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong audience: %d", r.StatusCode)
	}
	s.p.WrongAudience(false)
	s.p.Expired(true)
	c = e.Anonymous()
	if r, ok := callback(t, c, s.roundTrip(t, c, "ana")); ok || r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("expired token: %d", r.StatusCode)
	}
	s.p.Expired(false)

	// Key rotation: the provider signs with a new key and stops publishing
	// the old one; Switchboard fetches the new key set and goes on.
	old := s.p.KeyID()
	if err := s.p.Rotate(); err != nil || s.p.KeyID() == old {
		t.Fatalf("rotate: %v", err)
	}
	c = e.Anonymous()
	if r, ok := callback(t, c, s.roundTrip(t, c, "ana")); !ok {
		t.Fatalf("after key rotation: %d %s", r.StatusCode, r.Text("#login-error"))
	}

	// A domain outside the allowed list gets no account.
	c = e.Anonymous()
	if r, ok := callback(t, c, s.roundTrip(t, c, "eve")); ok || !strings.Contains(r.Text("#login-error"), "domain") {
		t.Fatalf("other domain: %d %q", r.StatusCode, r.Text("#login-error"))
	}
}

func TestSSOOnlyKeepsABreakGlassAdmin(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	boss := e.User(helpdesk.RoleAdmin)
	agent := e.User(helpdesk.RoleAgent)
	p := apptest.NewProvider(t, e.URL+"/sso/callback")
	ac := e.SignIn(boss)
	form := url.Values{"enabled": {"on"}, "issuer": {p.Issuer}, "client_id": {p.ClientID}, "client_secret": {p.ClientSecret}, "only": {"on"}}
	if r := ac.PostForm("/admin/security/sso", form); r.StatusCode != http.StatusUnprocessableEntity || r.Text("#break_glass-error") == "" {
		t.Fatalf("SSO only without a break-glass admin: %d", r.StatusCode)
	}
	form.Set("break_glass", agent.Email)
	if r := ac.PostForm("/admin/security/sso", form); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("an agent as break-glass admin: %d", r.StatusCode)
	}
	bad := url.Values{"enabled": {"on"}, "issuer": {"http://192.0.2.1/"}, "client_id": {"x"}}
	if r := ac.PostForm("/admin/security/sso", bad); r.StatusCode != http.StatusUnprocessableEntity || r.Text("#issuer-error") == "" {
		t.Fatalf("plain-http issuer off loopback: %d", r.StatusCode)
	}
	form.Set("break_glass", boss.Email)
	if r := ac.PostForm("/admin/security/sso", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.StatusCode, r.Doc.Find("main").Text())
	}
	c := e.Anonymous()
	r := c.PostForm("/login", url.Values{"email": {agent.Email}, "password": {apptest.Password}})
	if r.StatusCode != http.StatusForbidden || !signedOut(c) {
		t.Fatalf("password sign-in under SSO only: %d", r.StatusCode)
	}
	wantSignedIn(t, e.SignIn(boss), "break-glass admin")
}
