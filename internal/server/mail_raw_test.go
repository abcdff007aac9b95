package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/intake"
)

// TestRawMailDownload: admins download stored mail as an attachment that a
// browser will not render; like every /admin URL, it is the 404 of a
// missing page for agents, leads (the Mail page is admins' only) and
// requesters.
func TestRawMailDownload(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	raw := "From: x@example.com\r\nTo: it@example.com\r\nSubject: hi\r\nMessage-ID: <raw-1@example.com>\r\n\r\n<script>alert(1)</script>\r\n"
	id, _, err := e.App.Mail.Store.Accept(context.Background(), intake.Received{Raw: []byte(raw), Via: "smtp"})
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/admin/mail/%d/raw", id)
	for _, role := range []helpdesk.Role{helpdesk.RoleAgent, helpdesk.RoleLead, helpdesk.RoleRequester} {
		if r := e.SignIn(e.User(role)).Get(path); r.StatusCode != http.StatusNotFound || r.Body == raw {
			t.Errorf("%s: status %d, want 404", role, r.StatusCode)
		}
	}
	r := e.SignIn(e.User(helpdesk.RoleAdmin)).Get(path)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("admin: status %d", r.StatusCode)
	}
	if ct := r.Header.Get("Content-Type"); ct != "message/rfc822" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("Content-Disposition %q, want an attachment", cd)
	}
	if r.Body != raw {
		t.Errorf("body differs from the stored bytes")
	}
	if r := e.Anonymous().Get(path); r.StatusCode == http.StatusOK {
		t.Errorf("anonymous download allowed")
	}
}
