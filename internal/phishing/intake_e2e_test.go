package phishing_test

import (
	"context"
	"testing"

	"switchboard/internal/helpdesk"
	"switchboard/internal/phishing"
	"switchboard/internal/testwait"
)

// TestReportsBySMTP: a mail forwarded to security@ as an attachment and one
// forwarded inline both reach the analysis with the attacker's mail as the
// suspect (not the reporter's), and the API shows the verdict.
func TestReportsBySMTP(t *testing.T) {
	t.Parallel()
	x := setup(t)
	a := x.User(helpdesk.RoleRequester)
	b := x.User(helpdesk.RoleRequester)
	suspect := phishing.MailOf([]string{"From: IT Service Desk <it@examp1e.com>", "To: " + a.Email, "Subject: Your password expires today",
		"Date: Mon, 07 Dec 2026 06:00:00 +0000", "Message-ID: <p1@examp1e.com>", "Content-Type: text/html; charset=utf-8"},
		`<p>Your password expires today. <a href="https://login.examp1e.com/reset">https://login.example.com/reset</a></p>`)
	x.report(t, a.Email, phishing.ForwardAsAttachment(a.Name+" <"+a.Email+">", suspect))
	x.report(t, b.Email, phishing.ForwardInline(b.Name+" <"+b.Email+">", "Payroll <payroll@salary-update.biz>", "Salary adjustment",
		"Your salary was adjusted. Sign in at http://198.51.100.7/payroll/login to confirm your account within 24 hours."))

	for _, tc := range []struct {
		who     *helpdesk.User
		verdict string
		reason  string
		how     string
	}{
		{a, phishing.VerdictMalicious, "imitates our own example.com", phishing.FoundAttachment},
		{b, phishing.VerdictSuspicious, "bare internet address", phishing.FoundInline},
	} {
		n := x.reportBy(t, tc.who.Email)
		v := x.apiTicket(t, n)
		if v.Phishing == nil {
			t.Fatalf("report #%d by %s has no phishing block", n, tc.who.Email)
		}
		if v.Phishing.Verdict != tc.verdict || !has(v.Phishing.Reasons, tc.reason) {
			t.Errorf("report #%d: %s (%d) %q, want %s with %q", n, v.Phishing.Verdict, v.Phishing.Score, v.Phishing.Reasons, tc.verdict, tc.reason)
		}
		if v.Parent != nil {
			t.Errorf("a single report has parent %d", *v.Parent)
		}
		if got := x.count(t, `SELECT count(*) FROM phishing_reports r JOIN tickets t ON t.id = r.ticket_id
			WHERE t.number = $1 AND r.how = $2 AND r.sender <> $3`, n, tc.how, tc.who.Email); got != 1 {
			t.Errorf("report #%d: suspect not found by %s, or the reporter's own mail analysed", n, tc.how)
		}
		// The forwarded mail is not a plain attachment of the ticket.
		if got := x.count(t, `SELECT count(*) FROM attachments a JOIN tickets t ON t.id = a.ticket_id WHERE t.number = $1`, n); got != 0 {
			t.Errorf("report #%d keeps %d attachments anyone on the ticket could open", n, got)
		}
	}
	// An ordinary ticket has no phishing block.
	x.send(t, a.Email, "it@"+mailDomain, []byte("From: "+a.Email+"\r\nTo: it@"+mailDomain+"\r\nSubject: printer\r\nMessage-ID: <printer@example.com>\r\n\r\nThe printer is jammed.\r\n"))
	var n int64
	testwait.UntilNil(t, testwait.Long, "the printer ticket", func() error {
		return x.App.DB.RawPool().QueryRow(context.Background(), `SELECT number FROM tickets WHERE subject = 'printer'`).Scan(&n)
	})
	if v := x.apiTicket(t, n); v.Phishing != nil {
		t.Errorf("an ordinary ticket to it@ has a phishing block: %+v", v.Phishing)
	}
}

// TestSavedTrustSettingsReachAnalysis: the own domains an admin saves in
// the console (overriding the environment's example.com) are the ones the
// analysis protects, as they are for intake.
func TestSavedTrustSettingsReachAnalysis(t *testing.T) {
	t.Parallel()
	x := setup(t)
	ctx := context.Background()
	admin := x.User(helpdesk.RoleAdmin)
	if err := x.App.DB.SaveMailTrustSettings(ctx, admin.ID, helpdesk.MailTrustSettings{AuthServIDs: []string{"mx.example.com"},
		OrgDomains: []string{"corp.test"}, Relays: []string{"127.0.0.1"}}); err != nil {
		t.Fatal(err)
	}
	x.App.Mail.Processor.Trust.Reload()
	a := x.User(helpdesk.RoleRequester)
	suspect := phishing.MailOf([]string{"From: IT Service Desk <it@c0rp.test>", "To: " + a.Email, "Subject: Your password expires today",
		"Date: Mon, 07 Dec 2026 06:00:00 +0000", "Message-ID: <p2@c0rp.test>", "Content-Type: text/plain; charset=utf-8"},
		"Your password expires today. Reset it at https://login.c0rp.test/reset")
	x.report(t, a.Email, phishing.ForwardAsAttachment(a.Name+" <"+a.Email+">", suspect))
	v := x.apiTicket(t, x.reportBy(t, a.Email))
	if v.Phishing == nil || !has(v.Phishing.Reasons, "imitates our own corp.test") {
		t.Fatalf("saved own domain not used by the analysis: %+v", v.Phishing)
	}
}
