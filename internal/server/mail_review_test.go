package server_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/testwait"
	"switchboard/internal/ticket"
)

// waitStatus waits until the stored mail id leaves the queue and returns its status.
func waitStatus(t *testing.T, e *apptest.Env, id int64) string {
	t.Helper()
	var status string
	testwait.Until(t, testwait.Long, fmt.Sprintf("mail %d processed", id), func() bool {
		if err := e.App.DB.RawPool().QueryRow(context.Background(), `SELECT status FROM inbound_mail WHERE id = $1`, id).Scan(&status); err != nil {
			t.Fatal(err)
		}
		return status != "queued"
	})
	return status
}

func auditCount(t *testing.T, e *apptest.Env, actor *helpdesk.User, id int64, action string) int {
	t.Helper()
	var n int
	if err := e.App.DB.RawPool().QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE actor_id = $1
		AND object_type = 'inbound_mail' AND object_id = $2 AND action = $3 AND before->>'status' <> ''`,
		actor.ID, fmt.Sprint(id), action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMailReviewDecisions drives the review page as its users would, signed
// in with CSRF-checked forms: a mail claiming a staff address with the
// ticket's [#N] is held and listed with its reason and verdict for a lead,
// who releases it into the ticket; another held mail is discarded by an
// admin and then listed with the dropped mail; an ignored auto-reply is made
// a ticket by the admin. Agents get 404, a lead cannot make dropped mail a
// ticket, a cross-site post is refused, and every decision is audited.
func TestMailReviewDecisions(t *testing.T) {
	t.Parallel()
	// Sender checks ask a DNS server on loopback that knows no name: every
	// verdict is "none", at once.
	e := apptest.New(t, apptest.Options{Vars: map[string]string{"SWITCHBOARD_DNS_SERVER": nxdomainServer(t)}})
	ctx := context.Background()
	var desk int64
	if err := e.App.DB.RawPool().QueryRow(ctx, `INSERT INTO teams (slug, name) VALUES ('desk', 'Service desk'), ('lab', 'Lab')
		RETURNING id`).Scan(&desk); err != nil {
		t.Fatal(err)
	}
	inTeam := func(slug string) func(*auth.NewUser) { return func(u *auth.NewUser) { u.TeamSlug = slug } }
	agent, adm := e.User(helpdesk.RoleAgent), e.User(helpdesk.RoleAdmin)
	// Held mail is reviewed by the leads of the team it was for (the team of
	// the ticket it named), not by every lead.
	lead, otherLead := e.User(helpdesk.RoleLead, inTeam("desk")), e.User(helpdesk.RoleLead, inTeam("lab"))
	reqr := e.User(helpdesk.RoleRequester)
	tk, err := e.App.Tickets.Create(ctx, reqr, ticket.CreateInput{Subject: "Printer on floor 2", Description: "It jams.", TeamID: &desk})
	if err != nil {
		t.Fatal(err)
	}
	e.Settle()
	claim := func(mid, body string) string {
		return fmt.Sprintf("From: Agent <%s>\nTo: it@helpdesk.localhost\nSubject: Re: [#%d] Printer on floor 2\n"+
			"Message-ID: <%s>\nDate: Mon, 2 Jun 2025 10:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\n%s\n",
			agent.Email, tk.Number, mid, body)
	}
	held := deliver(t, e, "it@helpdesk.localhost", claim("claim-1@evil.test", "Fixed it, send me your password."))
	held2 := deliver(t, e, "it@helpdesk.localhost", claim("claim-2@evil.test", "Second try."))
	ignored := deliver(t, e, "it@helpdesk.localhost", "From: Olga Away <olga@example.org>\nTo: it@helpdesk.localhost\n"+
		"Subject: Out of office reply does not work\nMessage-ID: <ooo-9@example.org>\nAuto-Submitted: auto-replied\n"+
		"Date: Mon, 2 Jun 2025 10:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\nMy out of office is broken.\n")
	for id, want := range map[int64]string{held: "held", held2: "held", ignored: "ignored"} {
		if s := waitStatus(t, e, id); s != want {
			t.Fatalf("mail %d is %s, want %s", id, s, want)
		}
	}

	ag := e.SignIn(agent)
	if r := ag.Get("/admin/mail/review"); r.StatusCode != http.StatusNotFound {
		t.Errorf("agent: review page status %d, want 404", r.StatusCode)
	}
	if r := ag.PostForm(fmt.Sprintf("/admin/mail/review/%d", held), url.Values{"decision": {"release"}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("agent: release status %d, want 404", r.StatusCode)
	}

	// A lead of another team neither sees, downloads nor decides it.
	ol := e.SignIn(otherLead)
	other := ol.Get("/admin/mail/review")
	wantStatus(t, other, http.StatusOK)
	if other.Has(fmt.Sprintf(`#held tr[data-review="%d"]`, held)) {
		t.Error("held mail for the desk team listed for the lab's lead")
	}
	if r := ol.Get(fmt.Sprintf("/admin/mail/review/%d/raw", held)); r.StatusCode != http.StatusNotFound {
		t.Errorf("other team's lead: raw of held mail status %d, want 404", r.StatusCode)
	}
	ol.PostForm(fmt.Sprintf("/admin/mail/review/%d", held), url.Values{"decision": {"release"}})
	if s := waitStatus(t, e, held); s != "held" {
		t.Fatalf("another team's lead released the mail: it is %s", s)
	}

	ld := e.SignIn(lead)
	page := ld.Get("/admin/mail/review")
	wantStatus(t, page, http.StatusOK)
	row := page.Doc.Find(fmt.Sprintf(`#held tr[data-review="%d"]`, held))
	if row.Length() != 1 {
		t.Fatalf("held mail not listed for the lead:\n%s", page.Doc.Find("#held").Text())
	}
	if r := row.Find(`[data-label="Reason"]`).Text(); !strings.Contains(r, "claims to be "+agent.Email) {
		t.Errorf("reason %q does not say what it claimed", r)
	}
	if v := row.Find(`[data-label="Sender check"]`); !strings.Contains(v.Text(), "Sender not verified") || v.AttrOr("data-verdict", "") != "none" {
		t.Errorf("verdict %q (%s)", v.Text(), v.AttrOr("data-verdict", ""))
	}
	if row.Find(`button[data-decision="release"]`).Length() != 1 || row.Find(`button[data-decision="reject"]`).Length() != 1 {
		t.Error("held row lacks release or discard")
	}
	if page.Has("#dropped") || page.Has(`button[data-decision="ticket"]`) {
		t.Error("a lead sees the dropped mail or make-it-a-ticket")
	}
	if r := ld.Get(fmt.Sprintf("/admin/mail/review/%d/raw", held)); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "send me your password") {
		t.Errorf("lead: raw of held mail status %d", r.StatusCode)
	}
	if r := ld.Get(fmt.Sprintf("/admin/mail/review/%d/raw", ignored)); r.StatusCode != http.StatusNotFound {
		t.Errorf("lead: raw of ignored mail status %d, want 404", r.StatusCode)
	}
	// A lead cannot make dropped mail a ticket: nothing changes.
	ld.PostForm(fmt.Sprintf("/admin/mail/review/%d", ignored), url.Values{"decision": {"ticket"}})
	if s := waitStatus(t, e, ignored); s != "ignored" {
		t.Errorf("a lead's make-it-a-ticket changed the ignored mail to %s", s)
	}
	// A cross-site form post is refused before it decides anything.
	req, _ := http.NewRequest(http.MethodPost, e.URL+fmt.Sprintf("/admin/mail/review/%d", held), strings.NewReader("decision=release"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := ld.Do(req); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site release status %d, want 403", r.StatusCode)
	}
	if s := waitStatus(t, e, held); s != "held" {
		t.Fatalf("cross-site post changed the mail to %s", s)
	}

	// The lead releases it: it goes into the ticket it named.
	r := ld.PostForm(fmt.Sprintf("/admin/mail/review/%d", held), url.Values{"decision": {"release"}})
	wantStatus(t, r, http.StatusSeeOther)
	if s := waitStatus(t, e, held); s != "message" {
		t.Fatalf("released mail is %s, want message", s)
	}
	var onTicket int
	if err := e.App.DB.RawPool().QueryRow(ctx, `SELECT count(*) FROM messages WHERE ticket_id = $1 AND email_message_id = 'claim-1@evil.test'`,
		tk.ID).Scan(&onTicket); err != nil || onTicket != 1 {
		t.Errorf("released mail not on the ticket (%d, %v)", onTicket, err)
	}
	if n := auditCount(t, e, lead, held, "mail_release"); n != 1 {
		t.Errorf("%d audit entries for the release", n)
	}
	// A second decision on the same mail is refused, and says so.
	r = ld.PostForm(fmt.Sprintf("/admin/mail/review/%d", held), url.Values{"decision": {"reject"}})
	if r.StatusCode != http.StatusSeeOther || !strings.Contains(ld.Get("/admin/mail/review").Body, "no longer waiting") {
		t.Errorf("second decision: status %d, no notice", r.StatusCode)
	}

	// The admin discards the other held mail; it is then listed with the
	// dropped mail, where it can still be made a ticket.
	ad := e.SignIn(adm)
	wantStatus(t, ad.PostForm(fmt.Sprintf("/admin/mail/review/%d", held2), url.Values{"decision": {"reject"}}), http.StatusSeeOther)
	if s := waitStatus(t, e, held2); s != "rejected" {
		t.Fatalf("discarded mail is %s", s)
	}
	if n := auditCount(t, e, adm, held2, "mail_reject"); n != 1 {
		t.Errorf("%d audit entries for the discard", n)
	}
	page = ad.Get("/admin/mail/review")
	if page.Has(fmt.Sprintf(`#held tr[data-review="%d"]`, held2)) || !page.Has(fmt.Sprintf(`#dropped tr[data-review="%d"] button[data-decision="ticket"]`, held2)) {
		t.Error("discarded mail not moved to the dropped list")
	}
	// Made a ticket, the discarded mail is a ticket of its own: it never
	// speaks on the ticket it named.
	wantStatus(t, ad.PostForm(fmt.Sprintf("/admin/mail/review/%d", held2), url.Values{"decision": {"ticket"}}), http.StatusSeeOther)
	if s := waitStatus(t, e, held2); s != "ticket" {
		t.Fatalf("discarded mail made a ticket is %s", s)
	}
	var own int
	if err := e.App.DB.RawPool().QueryRow(ctx, `SELECT count(*) FROM messages WHERE email_message_id = 'claim-2@evil.test' AND ticket_id <> $1`,
		tk.ID).Scan(&own); err != nil || own != 1 {
		t.Errorf("discarded mail made a ticket did not get its own ticket (%d, %v)", own, err)
	}
	drow := page.Doc.Find(fmt.Sprintf(`#dropped tr[data-review="%d"]`, ignored))
	if drow.Length() != 1 || !strings.Contains(strings.ToLower(drow.Find(`[data-label="Reason"]`).Text()), "auto") {
		t.Fatalf("ignored auto-reply not listed with its reason:\n%s", page.Doc.Find("#dropped").Text())
	}
	// The admin makes the ignored mail a ticket.
	wantStatus(t, ad.PostForm(fmt.Sprintf("/admin/mail/review/%d", ignored), url.Values{"decision": {"ticket"}}), http.StatusSeeOther)
	if s := waitStatus(t, e, ignored); s != "ticket" {
		t.Fatalf("made-a-ticket mail is %s", s)
	}
	var subject string
	if err := e.App.DB.RawPool().QueryRow(ctx, `SELECT t.subject FROM tickets t JOIN inbound_mail m ON m.ticket_id = t.id WHERE m.id = $1`,
		ignored).Scan(&subject); err != nil || subject != "Out of office reply does not work" {
		t.Errorf("ticket subject %q (%v)", subject, err)
	}
	if n := auditCount(t, e, adm, ignored, "mail_ticket"); n != 1 {
		t.Errorf("%d audit entries for make-it-a-ticket", n)
	}
	if ad.Get("/admin/mail/review").Has(fmt.Sprintf(`tr[data-review="%d"]`, ignored)) {
		t.Error("mail made a ticket is still listed")
	}
}

// nxdomainServer is a DNS server on loopback answering NXDOMAIN to everything.
func nxdomainServer(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeNameError)
		_ = w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe() //nolint:errcheck // ends with Shutdown
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}
