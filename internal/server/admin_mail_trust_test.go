package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/intake"
)

// deliverFrom stores a mail as the SMTP listener would, from client ip, and
// waits until intake processed it; it returns the status and the verdict.
func deliverFrom(t *testing.T, e *apptest.Env, ip, raw string) (status, result, source string) {
	t.Helper()
	ctx := context.Background()
	id, dup, err := e.App.Mail.Store.Accept(ctx, intake.Received{Raw: []byte(strings.ReplaceAll(raw, "\n", "\r\n")),
		Via: "smtp", Rcpt: []string{"it@helpdesk.localhost"}, ClientIP: ip, HELO: "mx.corp.test", EnvelopeFrom: "x@example.org"})
	if err != nil || dup {
		t.Fatalf("accept: %v (dup %v)", err, dup)
	}
	status = waitStatus(t, e, id)
	if err := e.App.DB.RawPool().QueryRow(ctx, `SELECT coalesce(auth->>'result', ''), coalesce(auth->>'source', '')
		FROM inbound_mail WHERE id = $1`, id).Scan(&result, &source); err != nil {
		t.Fatal(err)
	}
	return status, result, source
}

// TestMailTrustSettings drives /admin/mail/trust as an admin with
// CSRF-checked forms: a bad CIDR comes back with 422, the message at the
// relays field and the input kept, and nothing is saved; a saved
// authserv-id and relay make intake believe that server's
// Authentication-Results on the next mail (it did not before), a saved own
// domain makes an unverified mail claiming it held, and the change is
// audited with before and after. Leads get 404.
func TestMailTrustSettings(t *testing.T) {
	t.Parallel()
	// Local checks ask a DNS server that knows no name: without a believed
	// Authentication-Results header every verdict is "none".
	e := apptest.New(t, apptest.Options{Vars: map[string]string{"SWITCHBOARD_DNS_SERVER": nxdomainServer(t)}})
	ctx := context.Background()
	adm, lead := e.User(helpdesk.RoleAdmin), e.User(helpdesk.RoleLead)
	vouched := func(n int) string {
		return fmt.Sprintf("Authentication-Results: mx.corp.test; dkim=pass header.d=example.org; spf=pass smtp.mailfrom=example.org; dmarc=pass header.from=example.org\n"+
			"From: Olga <olga@example.org>\nTo: it@helpdesk.localhost\nSubject: VPN drops %d\nMessage-ID: <vouched-%d@example.org>\n"+
			"Date: Mon, 2 Jun 2025 10:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\nIt drops every hour.\n", n, n)
	}
	claim := func(n int) string {
		return fmt.Sprintf("From: CEO <ceo@corp.test>\nTo: it@helpdesk.localhost\nSubject: Urgent %d\nMessage-ID: <ceo-%d@corp.test>\n"+
			"Date: Mon, 2 Jun 2025 10:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\nBuy gift cards.\n", n, n)
	}

	// Before: the environment trusts no server and names no own domain.
	if st, res, _ := deliverFrom(t, e, "192.0.2.7", vouched(1)); res == "pass" {
		t.Fatalf("before saving, the relay's results were believed (status %s)", st)
	}
	if st, _, _ := deliverFrom(t, e, "198.51.100.9", claim(1)); st != "ticket" {
		t.Fatalf("before saving, a mail from corp.test is %s, want ticket", st)
	}

	if r := e.SignIn(lead).Get("/admin/mail/trust"); r.StatusCode != http.StatusNotFound {
		t.Errorf("lead: status %d, want 404", r.StatusCode)
	}
	c := e.SignIn(adm)
	page := c.Get("/admin/mail/trust")
	wantStatus(t, page, http.StatusOK)
	if !strings.Contains(page.Doc.Find("#trust-source").Text(), "environment") {
		t.Errorf("page does not say the environment's values are in force: %q", page.Doc.Find("#trust-source").Text())
	}

	bad := url.Values{"authserv_ids": {"mx.corp.test"}, "org_domains": {"corp.test"}, "relays": {"192.0.2.0/24\n10.0.0.0/33"}}
	r := c.PostForm("/admin/mail/trust", bad)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if msg := r.Doc.Find("#relays-error").Text(); !strings.Contains(msg, "10.0.0.0/33") {
		t.Errorf("relays error %q does not name the bad CIDR", msg)
	}
	if got := r.Doc.Find("textarea#relays").Text(); !strings.Contains(got, "10.0.0.0/33") || !strings.Contains(got, "192.0.2.0/24") {
		t.Errorf("relays input not kept: %q", got)
	}
	if got := r.Doc.Find("textarea#authserv_ids").Text(); !strings.Contains(got, "mx.corp.test") {
		t.Errorf("authserv-ids input not kept: %q", got)
	}
	if _, saved, err := e.App.DB.MailTrustSettings(ctx); err != nil || saved {
		t.Fatalf("a rejected form was saved (%v, %v)", saved, err)
	}

	bad.Set("relays", "192.0.2.0/24")
	wantStatus(t, c.PostForm("/admin/mail/trust", bad), http.StatusSeeOther)
	page = c.Get("/admin/mail/trust")
	if !strings.Contains(page.Doc.Find("#trust-source").Text(), "saved") || !strings.Contains(page.Doc.Find("textarea#relays").Text(), "192.0.2.0/24") {
		t.Errorf("page after saving: %q / relays %q", page.Doc.Find("#trust-source").Text(), page.Doc.Find("textarea#relays").Text())
	}

	// After: the next mail from the relay gets that server's verdict, and
	// an unverified mail claiming the own domain is held.
	if st, res, src := deliverFrom(t, e, "192.0.2.7", vouched(2)); res != "pass" || src != "mx.corp.test" {
		t.Errorf("after saving: verdict %q from %q (status %s), want pass from mx.corp.test", res, src, st)
	}
	if _, res, _ := deliverFrom(t, e, "203.0.113.5", vouched(3)); res == "pass" {
		t.Error("results were believed from a client that is not a trusted relay")
	}
	if st, _, _ := deliverFrom(t, e, "198.51.100.9", claim(2)); st != "held" {
		t.Errorf("after saving corp.test as own domain, an unverified mail claiming it is %s, want held", st)
	}

	var n int
	if err := e.App.DB.RawPool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE actor_id = $1 AND object_type = 'setting'
		AND object_id = 'mail_trust' AND before IS NULL AND after->'relays' ? '192.0.2.0/24'`, adm.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d audit entries for the save, want 1", n)
	}
}
