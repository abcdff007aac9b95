package server_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
)

// lockMail returns the text of the newest "was this you?" mail to addr and
// the lock link in it; the test fails when there is none.
func lockMail(t *testing.T, e *apptest.Env, addr string) (string, string) {
	t.Helper()
	var raw []byte
	if err := e.App.DB.RawPool().QueryRow(context.Background(), `SELECT raw FROM outbox WHERE kind = 'security' AND to_addr = $1
		ORDER BY id DESC LIMIT 1`, addr).Scan(&raw); err != nil {
		t.Fatalf("no was-this-you mail to %s: %v", addr, err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("no text part: %v", err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			b, _ := io.ReadAll(p) // quoted-printable is decoded by the reader
			link := regexp.MustCompile(`https?://\S+/security/lock/\S+`).FindString(string(b))
			if link == "" {
				t.Fatalf("no lock link in:\n%s", b)
			}
			return string(b), link
		}
	}
}

func securityTeam(t *testing.T, e *apptest.Env) {
	t.Helper()
	if _, err := e.App.DB.RawPool().Exec(context.Background(), `INSERT INTO teams (slug, name, restricted) VALUES ('security', 'Security', true)`); err != nil {
		t.Fatal(err)
	}
}

// A 03:00 sign-in from a stranger's network, with both responses turned
// on: this sign-in gets no session, the person's other sessions end, a
// second factor is required from then on, and the person gets a "was this
// you?" mail whose link locks the account once (signed, single-use).
func TestThreatResponsesAndLockLink(t *testing.T) {
	t.Parallel()
	e := behindProxy(t)
	securityTeam(t, e)
	boss := e.User(helpdesk.RoleAdmin)
	victim := e.User(helpdesk.RoleAgent) // Europe/Berlin
	berlin, _ := time.LoadLocation("Europe/Berlin")
	clock := time.Date(2026, 3, 10, 14, 5, 0, 0, berlin)
	e.App.Security.Now = func() time.Time { return clock }

	admin := e.SignIn(boss)
	wantStatus(t, admin.PostForm("/admin/security/threats", url.Values{"force_second_factor": {"on"}, "end_sessions": {"on"}}),
		http.StatusSeeOther)
	if n := countRows(t, e, `SELECT count(*) FROM audit_log WHERE object_id = $1 AND after->>'end_sessions' = 'true'`,
		auth.SettingThreatResponse); n != 1 {
		t.Error("turning responses on is not audited")
	}
	laptop := e.Anonymous()
	for range 2 {
		wantStatus(t, signInFrom(laptop, e, "198.51.100.7", victim.Email, apptest.Password), http.StatusSeeOther)
	}
	wantStatus(t, laptop.Get("/profile"), http.StatusOK)

	clock = time.Date(2026, 3, 11, 3, 0, 0, 0, berlin)
	thief := e.Anonymous()
	r := signInFrom(thief, e, "203.0.113.50", victim.Email, apptest.Password)
	if r.StatusCode == http.StatusSeeOther {
		t.Fatalf("the suspicious sign-in got through to %s", r.Header.Get("Location"))
	}
	if !strings.Contains(r.Text(".alert, [role=alert]"), "stopped") {
		t.Errorf("refusal says %q", r.Text(".alert, [role=alert]"))
	}
	if got := laptop.Get("/profile"); got.StatusCode == http.StatusOK {
		t.Error("the person's other session was not ended")
	}
	if n := countRows(t, e, `SELECT count(*) FROM forced_second_factors WHERE user_id = $1`, victim.ID); n != 1 {
		t.Error("no second factor forced")
	}
	if n := countRows(t, e, `SELECT count(*) FROM security_events WHERE user_id = $1 AND risk = 'high'
		AND evidence->'responses' IS NOT NULL`, victim.ID); n != 1 {
		t.Error("the event does not record the responses")
	}
	text, link := lockMail(t, e, victim.Email)
	if !strings.Contains(text, "203.0.113.50") || !strings.Contains(text, "03:00") {
		t.Errorf("mail does not say what happened:\n%s", text)
	}
	// A second detection within the hour mails no second link.
	signInFrom(e.Anonymous(), e, "203.0.113.51", victim.Email, apptest.Password)
	if n := countRows(t, e, `SELECT count(*) FROM outbox WHERE kind = 'security' AND to_addr = $1`, victim.Email); n != 1 {
		t.Errorf("%d was-this-you mails, want 1", n)
	}

	// Forged or altered links are refused; the real one asks, then locks once.
	u, _ := url.Parse(link)
	path := u.Path
	tampered := path[:len(path)-3] + "AAA"
	if tampered == path {
		tampered = path[:len(path)-3] + "BBB"
	}
	wantStatus(t, e.Anonymous().Get(tampered), http.StatusNotFound)
	forged, _ := auth.NewLockToken([]byte("not the server key"), time.Now().Add(time.Hour))
	wantStatus(t, e.Anonymous().Get("/security/lock/"+forged), http.StatusNotFound)
	owner := e.Anonymous()
	page := owner.Get(path)
	wantStatus(t, page, http.StatusOK)
	if countRows(t, e, `SELECT count(*) FROM users WHERE id = $1 AND active`, victim.ID) != 1 {
		t.Fatal("opening the link (as a mail scanner would) locked the account")
	}
	wantStatus(t, owner.PostForm(path, nil), http.StatusOK)
	if countRows(t, e, `SELECT count(*) FROM users WHERE id = $1 AND NOT active`, victim.ID) != 1 {
		t.Fatal("the account is not locked")
	}
	if n := countRows(t, e, `SELECT count(*) FROM audit_log WHERE object_id = $1 AND action = 'locked_by_owner'
		AND actor_id = $2 AND before->>'active' = 'true' AND after->>'active' = 'false'`, strconv.FormatInt(victim.ID, 10), victim.ID); n != 1 {
		t.Error("the lock is not audited")
	}
	wantStatus(t, e.Anonymous().PostForm(path, nil), http.StatusNotFound) // single use
	if r := signInFrom(e.Anonymous(), e, "198.51.100.7", victim.Email, apptest.Password); r.StatusCode == http.StatusSeeOther {
		t.Error("a locked account still signs in")
	}
	if n := countRows(t, e, `SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id
		WHERE t.subject = $1 AND m.body_text LIKE '%locked the account%'`, "Suspicious sign-in to "+victim.Email); n != 1 {
		t.Errorf("the Security ticket does not hear of the owner's lock (%d)", n)
	}
	if n := countRows(t, e, `SELECT count(*) FROM tickets WHERE subject = $1`, "Suspicious sign-in to "+victim.Email); n != 1 {
		t.Errorf("%d Security tickets, want 1", n)
	}
}

// With only "require a second factor" on, the suspicious sign-in must set
// one up before it gets a session.
func TestThreatForcesSecondFactor(t *testing.T) {
	t.Parallel()
	e := behindProxy(t)
	boss := e.User(helpdesk.RoleAdmin)
	victim := e.User(helpdesk.RoleAgent)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	clock := time.Date(2026, 3, 10, 14, 5, 0, 0, berlin)
	e.App.Security.Now = func() time.Time { return clock }
	wantStatus(t, e.SignIn(boss).PostForm("/admin/security/threats", url.Values{"force_second_factor": {"on"}}), http.StatusSeeOther)
	wantStatus(t, signInFrom(e.Anonymous(), e, "198.51.100.7", victim.Email, apptest.Password), http.StatusSeeOther)
	clock = time.Date(2026, 3, 11, 3, 0, 0, 0, berlin)
	r := signInFrom(e.Anonymous(), e, "203.0.113.50", victim.Email, apptest.Password)
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/login/setup" {
		t.Errorf("sent to %q, want the second-factor set-up", loc)
	}
}

func apiFrom(t *testing.T, e *apptest.Env, secret, ip string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/api/v1/tickets", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("X-Forwarded-For", ip)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	return res.StatusCode
}

// A token used from a network it never used before (after being used
// elsewhere) opens one Security ticket and mails its owner; a neighbouring
// address of a known network does not.
func TestDetectTokenNewNetwork(t *testing.T) {
	t.Parallel()
	e := behindProxy(t)
	securityTeam(t, e)
	boss := e.User(helpdesk.RoleAdmin)
	agent := e.User(helpdesk.RoleAgent)
	secret, _, err := e.App.Tokens.Create(context.Background(), agent, auth.NewToken{Name: "nightly export"})
	if err != nil {
		t.Fatal(err)
	}
	for _, ip := range []string{"198.51.100.20", "198.51.100.20", "198.51.100.99"} {
		if got := apiFrom(t, e, secret, ip); got != http.StatusOK {
			t.Fatalf("API: %d", got)
		}
	}
	if n := countRows(t, e, `SELECT count(*) FROM security_events`); n != 0 {
		t.Fatalf("use from the token's own network raised %d events", n)
	}
	for _, ip := range []string{"203.0.113.9", "203.0.113.10"} {
		apiFrom(t, e, secret, ip)
	}
	if n := countRows(t, e, `SELECT count(*) FROM security_events WHERE kind = 'token_new_network' AND risk = 'high'
		AND evidence->>'network' = '203.0.113.0/24' AND evidence->>'token' = 'nightly export'`); n != 1 {
		t.Errorf("%d token events, want 1", n)
	}
	subject := "API token of " + agent.Email + " used from a new network"
	if n := countRows(t, e, `SELECT count(*) FROM tickets t JOIN teams tm ON tm.id = t.team_id WHERE t.subject = $1
		AND tm.slug = 'security'`, subject); n != 1 {
		t.Errorf("%d Security tickets for the token", n)
	}
	if text, _ := lockMail(t, e, agent.Email); !strings.Contains(text, "nightly export") {
		t.Errorf("mail does not name the token:\n%s", text)
	}
	// Admins see the detection with its evidence; leads do not.
	page := e.SignIn(boss).Get("/admin/security/events")
	wantStatus(t, page, http.StatusOK)
	if txt := page.Text(`#security-events tr[data-kind="token_new_network"][data-risk="high"]`); !strings.Contains(txt, "203.0.113.0/24") ||
		!strings.Contains(txt, agent.Email) || !strings.Contains(txt, "#") {
		t.Errorf("the detection is not listed with its evidence and ticket: %q", txt)
	}
	wantStatus(t, e.SignIn(e.User(helpdesk.RoleLead)).Get("/admin/security/events"), http.StatusNotFound)
}

// More than 20 audited admin changes within five minutes raise one
// high-risk event and one Security ticket; a handful raise nothing.
func TestDetectAdminBurst(t *testing.T) {
	t.Parallel()
	e := behindProxy(t)
	securityTeam(t, e)
	boss := e.User(helpdesk.RoleAdmin)
	c := e.SignIn(boss)
	for range 5 {
		wantStatus(t, c.PostForm("/admin/access/review", nil), http.StatusSeeOther)
	}
	if n := countRows(t, e, `SELECT count(*) FROM security_events`); n != 0 {
		t.Fatalf("5 admin changes raised %d events", n)
	}
	for range 20 {
		wantStatus(t, c.PostForm("/admin/access/review", nil), http.StatusSeeOther)
	}
	if n := countRows(t, e, `SELECT count(*) FROM security_events WHERE kind = 'admin_burst' AND user_id = $1 AND risk = 'high'`,
		boss.ID); n != 1 {
		t.Errorf("%d burst events, want 1", n)
	}
	if n := countRows(t, e, `SELECT count(*) FROM tickets WHERE subject = $1`, "Burst of admin actions by "+boss.Email); n != 1 {
		t.Errorf("%d burst tickets, want 1", n)
	}
	lockMail(t, e, boss.Email)
}
