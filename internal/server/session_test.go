package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/pgtest"
	"switchboard/internal/testwait"
)

// sessionCookie returns the session cookie the client holds for the server.
func sessionCookie(t *testing.T, e *apptest.Env, c *apptest.Client) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(e.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == auth.CookieName {
			return ck
		}
	}
	t.Fatal("no session cookie")
	return nil
}

// withCookie is a fresh client that carries only the given session cookie.
func withCookie(e *apptest.Env, ck *http.Cookie) *apptest.Client {
	c := e.Anonymous()
	u, _ := url.Parse(e.URL)
	c.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
	return c
}

func wantSignedOut(t *testing.T, c *apptest.Client, why string) {
	t.Helper()
	r := c.Get("/tickets")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("%s: GET /tickets = %d %s, want a redirect to /login", why, r.StatusCode, r.Header.Get("Location"))
	}
}

func signedOut(c *apptest.Client) bool {
	r := c.Get("/tickets")
	return r.StatusCode == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), "/login")
}

func wantSignedIn(t *testing.T, c *apptest.Client, why string) {
	t.Helper()
	if r := c.Get("/tickets"); r.StatusCode != http.StatusOK {
		t.Fatalf("%s: GET /tickets = %d, want 200", why, r.StatusCode)
	}
}

func TestSessionRotatesAtSignIn(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	u := e.User(helpdesk.RoleRequester)
	c := e.SignIn(u)
	first := sessionCookie(t, e, c)
	if !first.HttpOnly && first.Value == "" {
		t.Error("empty session cookie")
	}
	// Signing in again, even on a signed-in browser, gives a new id.
	r := c.PostForm("/login", url.Values{"email": {u.Email}, "password": {apptest.Password}})
	wantStatus(t, r, http.StatusSeeOther)
	second := sessionCookie(t, e, c)
	if second.Value == first.Value {
		t.Fatal("session cookie unchanged at sign-in")
	}
	wantSignedIn(t, c, "new cookie")
	wantSignedOut(t, withCookie(e, first), "old session id")
	// The cookie is HttpOnly and SameSite=Lax.
	raw := r.Header.Values("Set-Cookie")
	var set string
	for _, s := range raw {
		if strings.HasPrefix(s, auth.CookieName+"=") {
			set = s
		}
	}
	if !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Lax") {
		t.Errorf("session cookie flags: %q", set)
	}
}

// TestSessionIdleExpiry moves the session's last activity back in the
// database rather than waiting: a one-second limit raced a loaded machine,
// failing "fresh session" whenever a request took longer than the limit.
func TestSessionIdleExpiry(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, apptest.Options{Vars: map[string]string{"SWITCHBOARD_SESSION_IDLE": "1h"}})
	u := e.User(helpdesk.RoleRequester)
	c := e.SignIn(u)
	wantSignedIn(t, c, "fresh session")
	idle := func(d string) {
		t.Helper()
		if _, err := e.App.DB.RawPool().Exec(context.Background(),
			`UPDATE sessions SET last_seen_at = now() - $2::interval WHERE user_id = $1`, u.ID, d); err != nil {
			t.Fatal(err)
		}
		e.App.HTTP.Sessions.Forget() // the node's cache holds what it read before
	}
	idle("59 minutes")
	wantSignedIn(t, c, "after 59 minutes idle with a 1 h limit")
	idle("61 minutes")
	wantSignedOut(t, c, "after 61 minutes idle with a 1 h limit")
}

func TestSessionSignOutEverywhere(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	u := e.User(helpdesk.RoleRequester)
	laptop, phone := e.SignIn(u), e.SignIn(u)
	other := e.SignIn(e.User(helpdesk.RoleRequester))
	wantSignedIn(t, phone, "phone before")
	r := laptop.PostForm("/logout-all", nil)
	wantStatus(t, r, http.StatusSeeOther)
	wantSignedOut(t, laptop, "the device that signed out everywhere")
	wantSignedOut(t, phone, "the other device")
	wantSignedIn(t, other, "another user")
	// Plain sign-out ends only this device.
	a, b := e.SignIn(u), e.SignIn(u)
	wantStatus(t, a.PostForm("/logout", nil), http.StatusSeeOther)
	wantSignedOut(t, a, "signed out")
	wantSignedIn(t, b, "other device after a plain sign-out")
}

func TestSessionDeactivatedUserIsOut(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	u := e.User(helpdesk.RoleRequester)
	c := e.SignIn(u)
	wantSignedIn(t, c, "before")
	// A write straight to the database, as another process would make it:
	// the node hears of it on the auth channel and drops its cached session.
	if _, err := e.App.DB.RawPool().Exec(t.Context(), "UPDATE users SET active = false WHERE id = $1", u.ID); err != nil {
		t.Fatal(err)
	}
	// 5 s: under the 10 s age of the session cache, so only the invalidation can do it.
	testwait.Until(t, 5*time.Second, "deactivated user signed out", func() bool { return signedOut(c) })
	wantSignedOut(t, c, "deactivated")
	r := e.Anonymous().PostForm("/login", url.Values{"email": {u.Email}, "password": {apptest.Password}})
	if r.StatusCode == http.StatusSeeOther {
		t.Error("a deactivated user can sign in")
	}
}

func TestSessionThrottling(t *testing.T) {
	t.Parallel()
	// Separate nodes (and databases) so the per-address counter of one case
	// does not lock the other.
	try := func(e *apptest.Env, email string) []*apptest.Response {
		c := e.Anonymous()
		var out []*apptest.Response
		for range 6 {
			out = append(out, c.PostForm("/login", url.Values{"email": {email}, "password": {"wrong password"}}))
		}
		return out
	}
	e1 := apptest.New(t)
	u := e1.User(helpdesk.RoleRequester)
	known := try(e1, u.Email)
	e2 := apptest.New(t)
	unknown := try(e2, "nobody@example.com")
	for i := range 4 {
		if known[i].StatusCode != http.StatusUnauthorized || known[i].Text(".alert") != unknown[i].Text(".alert") {
			t.Errorf("attempt %d: %d %q vs %d %q", i+1, known[i].StatusCode, known[i].Text(".alert"), unknown[i].StatusCode, unknown[i].Text(".alert"))
		}
	}
	for i := 4; i < 6; i++ {
		k, n := known[i], unknown[i]
		if k.StatusCode != http.StatusTooManyRequests || n.StatusCode != http.StatusTooManyRequests {
			t.Errorf("attempt %d: status %d and %d, want 429", i+1, k.StatusCode, n.StatusCode)
		}
		msg := k.Text(".alert")
		saysHowLong := strings.Contains(msg, "minute") || strings.Contains(msg, "seconds")
		if !strings.Contains(msg, "Please wait") || !saysHowLong {
			t.Errorf("attempt %d: message %q does not say how long to wait", i+1, msg)
		}
		if msg != n.Text(".alert") {
			t.Errorf("attempt %d: %q for an account, %q for none: reveals which exists", i+1, msg, n.Text(".alert"))
		}
	}
	// Even the right password waits now.
	r := e1.Anonymous().PostForm("/login", url.Values{"email": {u.Email}, "password": {apptest.Password}})
	if r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password during lock: %d", r.StatusCode)
	}
}

// TestSessionCacheAcrossNodes: node A caches a checked session; signing out
// everywhere on node B (same database) ends it on A through the auth
// channel, and a role change made on B shows on A.
func TestSessionCacheAcrossNodes(t *testing.T) {
	t.Parallel()
	conn := pgtest.NewDatabase(t)
	a := apptest.New(t, apptest.Options{Conn: conn})
	b := apptest.New(t, apptest.Options{Conn: conn})
	u := a.User(helpdesk.RoleRequester)
	// Without caching on A every check would read the database and the
	// checks below would hold without testing the invalidation.
	testwait.Until(t, testwait.Long, "node A caching sessions", a.App.HTTP.Sessions.Caching)
	onA := a.SignIn(u)
	wantSignedIn(t, onA, "A, first look")
	hits := a.App.HTTP.Sessions.CacheHits()
	wantSignedIn(t, onA, "A, from the cache")
	if a.App.HTTP.Sessions.CacheHits() <= hits {
		t.Fatal("the second request on A was not answered from the session cache")
	}
	if r := onA.Get("/desk"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("requester on /desk: %d", r.StatusCode)
	}
	// B promotes the user to agent: A must stop treating them as a requester.
	if _, err := b.App.DB.RawPool().Exec(t.Context(), "UPDATE users SET role = 'agent' WHERE id = $1", u.ID); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, 5*time.Second, "role change seen on A", func() bool { return onA.Get("/desk").StatusCode == http.StatusOK })
	// The same browser signs out of all devices through B.
	onB := withCookie(b, sessionCookie(t, a, onA))
	wantStatus(t, onB.PostForm("/logout-all", nil), http.StatusSeeOther)
	testwait.Until(t, 5*time.Second, "sign-out on B ends the session on A", func() bool { return signedOut(onA) })
}
