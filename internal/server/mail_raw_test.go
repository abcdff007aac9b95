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

// TestRawMailDownload: staff download stored mail as an attachment that a
// browser will not render; requesters get the 404 of a missing page.
func TestRawMailDownload(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	raw := "From: x@example.com\r\nTo: it@example.com\r\nSubject: hi\r\nMessage-ID: <raw-1@example.com>\r\n\r\n<script>alert(1)</script>\r\n"
	id, _, err := e.App.Mail.Store.Accept(context.Background(), intake.Received{Raw: []byte(raw), Via: "smtp"})
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/admin/mail/%d/raw", id)
	r := e.SignIn(e.User(helpdesk.RoleAgent)).Get(path)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("staff: status %d", r.StatusCode)
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
	if r := e.SignIn(e.User(helpdesk.RoleRequester)).Get(path); r.StatusCode != http.StatusNotFound {
		t.Errorf("requester: status %d, want 404", r.StatusCode)
	}
	if r := e.Anonymous().Get(path); r.StatusCode == http.StatusOK {
		t.Errorf("anonymous download allowed")
	}
}
