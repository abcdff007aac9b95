package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
)

// A person sees where they are signed in and signs out one device; nobody
// else's sessions can be ended that way; admins see and end anyone's
// sessions and tokens, audited; leads cannot.
func TestSignedInDevices(t *testing.T) {
	t.Parallel()
	e := behindProxy(t)
	ctx := context.Background()
	u, other := e.User(helpdesk.RoleAgent), e.User(helpdesk.RoleAgent)
	adm, lead := e.User(helpdesk.RoleAdmin), e.User(helpdesk.RoleLead)
	laptop, phone := e.Anonymous(), e.Anonymous()
	wantStatus(t, signInFrom(laptop, e, "198.51.100.40", u.Email, apptest.Password), http.StatusSeeOther)
	wantStatus(t, signInFrom(phone, e, "203.0.113.41", u.Email, apptest.Password), http.StatusSeeOther)
	r := laptop.Get("/profile/devices")
	wantStatus(t, r, http.StatusOK)
	rows := r.Doc.Find("#sessions tbody tr")
	if rows.Length() != 2 || !strings.Contains(r.Text("#sessions"), "203.0.113.41") || !strings.Contains(r.Text("#sessions"), "this device") ||
		!strings.Contains(r.Text("#sessions"), "Password") {
		t.Fatalf("devices page:\n%s", r.Text("#sessions"))
	}
	var phoneID int64
	if err := e.App.DB.RawPool().QueryRow(ctx, `SELECT id FROM sessions WHERE user_id = $1 AND ip = '203.0.113.41'`, u.ID).Scan(&phoneID); err != nil {
		t.Fatal(err)
	}
	// Someone else cannot end it.
	otherC := e.SignIn(other)
	wantStatus(t, otherC.PostForm(fmt.Sprintf("/profile/devices/%d/end", phoneID), nil), http.StatusNotFound)
	wantStatus(t, phone.Get("/profile"), http.StatusOK)
	// The owner can.
	wantStatus(t, laptop.PostForm(fmt.Sprintf("/profile/devices/%d/end", phoneID), nil), http.StatusSeeOther)
	if r := phone.Get("/profile"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the signed-out phone still gets /profile: %d", r.StatusCode)
	}
	wantStatus(t, laptop.Get("/profile"), http.StatusOK)

	// Admins see and end anyone's sessions and tokens.
	secret, _, err := e.App.Tokens.Create(ctx, u, auth.NewToken{Name: "backup script"})
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/admin/people/%d/devices", u.ID)
	wantStatus(t, e.SignIn(lead).Get(page), http.StatusNotFound)
	admC := e.SignIn(adm)
	r = admC.Get(page)
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(r.Text("#tokens"), "backup script") || r.Doc.Find("#sessions tbody tr").Length() != 1 {
		t.Fatalf("admin view:\n%s\n%s", r.Text("#sessions"), r.Text("#tokens"))
	}
	sid, _ := r.Doc.Find("#sessions tbody tr").Attr("data-session")
	tid, _ := r.Doc.Find("#tokens tbody tr").Attr("data-token")
	wantStatus(t, admC.PostForm(page+"/"+sid+"/end", nil), http.StatusSeeOther)
	if r := laptop.Get("/profile"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the session an admin ended goes on: %d", r.StatusCode)
	}
	wantStatus(t, admC.PostForm(fmt.Sprintf("/admin/people/%d/tokens/%s/revoke", u.ID, tid), nil), http.StatusSeeOther)
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/api/v1/tickets", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token still works: %d", res.StatusCode)
	}
	var audits int
	_ = e.App.DB.RawPool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE actor_id = $1 AND action IN ('end', 'revoke')`, adm.ID).Scan(&audits)
	if audits != 2 {
		t.Errorf("%d audit entries for the admin's two actions", audits)
	}
}
