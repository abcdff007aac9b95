package phishing_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/mail"
	"switchboard/internal/phishing"
	"switchboard/internal/testwait"
)

// TestCampaigns: 30 employees report one campaign within the same minute,
// each copy a little different (their name, a tracking id, the sender's
// local part); 5 others report a different campaign at the same time. The
// first makes one incident with 30 children, the second another with 5.
// Every reporter is thanked once, in the thread of their report, with no
// live link to the attacker.
func TestCampaigns(t *testing.T) {
	t.Parallel()
	x := setup(t)
	type rep struct {
		u   *helpdesk.User
		raw []byte
	}
	var reps []rep
	for i := range 30 {
		u := x.User(helpdesk.RoleRequester, func(n *auth.NewUser) { n.Email = fmt.Sprintf("staff%02d@example.com", i) })
		suspect := phishing.MailOf([]string{fmt.Sprintf("From: Microsoft 365 <alert-%d@m365-security-notice.com>", i), "To: " + u.Email,
			"Subject: Action required: unusual sign-in activity", "Date: Mon, 07 Dec 2026 06:00:00 +0000",
			fmt.Sprintf("Message-ID: <c1-%d@m365-security-notice.com>", i), "Content-Type: text/html; charset=utf-8"},
			fmt.Sprintf(`<p>Dear %s,</p><p>We detected unusual sign-in activity on your account. Verify your account within 24 hours or it will be suspended.</p>`+
				`<p><a href="https://m365-verify-login.com/auth?id=%d">Verify now</a></p>`, u.Name, 7000+i))
		reps = append(reps, rep{u, phishing.ForwardAsAttachment(u.Name+" <"+u.Email+">", suspect)})
	}
	for i := range 5 {
		u := x.User(helpdesk.RoleRequester, func(n *auth.NewUser) { n.Email = fmt.Sprintf("finance%d@example.com", i) })
		suspect := phishing.Multipart([]string{"From: Accounts Payable <ap@invoice-portal.net>", "To: " + u.Email,
			fmt.Sprintf("Subject: Invoice INV-%d overdue", 300+i), "Date: Mon, 07 Dec 2026 06:01:00 +0000"},
			"Please pay the attached invoice today.", [3]string{"INV.docm", "application/vnd.ms-word.document.macroEnabled.12", phishing.OOXML(t, true)})
		reps = append(reps, rep{u, phishing.ForwardAsAttachment(u.Name+" <"+u.Email+">", suspect)})
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(reps))
	for i, r := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			raw := append([]byte(fmt.Sprintf("Message-ID: <report-%d@example.com>\r\n", i)), r.raw...)
			raw = []byte(strings.Replace(string(raw), "\r\nMessage-ID: <", "\r\nX-Original-Message-ID: <", 1))
			errs <- x.sendErr(r.u.Email, "security@"+mailDomain, raw)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	testwait.Until(t, 3*testwait.Long, "35 reports analysed, grouped and linked", func() bool {
		return x.count(t, `SELECT count(*) FROM phishing_reports r JOIN tickets t ON t.id = r.ticket_id
			WHERE r.analysed_at IS NOT NULL AND t.parent_id IS NOT NULL AND r.teachback_at IS NOT NULL`) == 35
	})
	x.quiet(t, "phishing_analyse", "ticket_changed")
	rows, err := x.App.DB.RawPool().Query(ctx, `SELECT p.number, count(*) FROM tickets c JOIN tickets p ON p.id = c.parent_id
		GROUP BY p.number ORDER BY count(*) DESC`)
	if err != nil {
		t.Fatal(err)
	}
	var incidents [][2]int64
	for rows.Next() {
		var n, c int64
		_ = rows.Scan(&n, &c)
		incidents = append(incidents, [2]int64{n, c})
	}
	rows.Close()
	if len(incidents) != 2 || incidents[0][1] != 30 || incidents[1][1] != 5 {
		t.Fatalf("incidents (number, children) %v, want one with 30 and one with 5", incidents)
	}
	inc := x.apiTicket(t, incidents[0][0])
	if inc.ChildrenCount != 30 || !strings.HasPrefix(inc.Subject, "Phishing campaign:") {
		t.Errorf("campaign incident %+v", inc)
	}
	child := x.reportBy(t, "staff07@example.com")
	if v := x.apiTicket(t, child); v.Parent == nil || *v.Parent != incidents[0][0] || v.Phishing == nil || v.Phishing.Verdict != phishing.VerdictMalicious {
		t.Errorf("report #%d: %+v, want parent %d and a malicious verdict", child, v, incidents[0][0])
	}

	var first30 []string
	for _, r := range reps[:30] {
		first30 = append(first30, r.u.Email)
	}
	defer closeCampaign(t, x, incidents[0][0], first30)

	// One thank-you per reporter, threaded on their report, defanged.
	for _, r := range reps {
		var raws [][]byte
		rows, err := x.App.DB.RawPool().Query(ctx, `SELECT raw FROM outbox WHERE kind = 'reply' AND to_addr = $1`, r.u.Email)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var b []byte
			_ = rows.Scan(&b)
			raws = append(raws, b)
		}
		rows.Close()
		if len(raws) != 1 {
			t.Fatalf("%s got %d thank-you mails, want 1", r.u.Email, len(raws))
		}
		p, err := mail.Parse(raws[0])
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(append(p.InReplyTo, p.References...), " "), "example.com") {
			t.Errorf("thank-you to %s does not thread on the report (In-Reply-To %v References %v)", r.u.Email, p.InReplyTo, p.References)
		}
		body := p.Text + p.HTML
		if !strings.Contains(body, "Thank you for reporting") {
			t.Errorf("thank-you to %s: %s", r.u.Email, p.Text)
		}
		for _, live := range []string{"m365-verify-login.com", "m365-security-notice.com", "invoice-portal.net", "https://m365", "href=\"https://m365"} {
			if strings.Contains(body, live) {
				t.Errorf("thank-you to %s carries a live %q:\n%s", r.u.Email, live, p.Text)
			}
		}
	}
}

// closeCampaign: the security team closes the 30-report campaign: every
// reporter gets one notice, the reports and the incident are resolved, and a
// second click sends nothing more. The indicators come as CSV.
func closeCampaign(t *testing.T, x *env, incident int64, reporters []string) {
	t.Helper()
	lead := x.SignIn(x.lead)
	csv := lead.Get(deskPath(incident, "/phishing/indicators.csv"))
	if csv.StatusCode != 200 || !strings.Contains(csv.Body, "host,m365-verify-login.com,m365-verify-login[.]com,30") {
		t.Errorf("indicators CSV: %d\n%s", csv.StatusCode, csv.Body)
	}
	ws := lead.Get(deskPath(incident, ""))
	if !strings.Contains(ws.Text("#campaign-summary"), "30 reports from 30 people") || !strings.Contains(ws.Text("#campaign-indicators"), "m365-verify-login[.]com") {
		t.Errorf("campaign panel: %q / %q", ws.Text("#campaign-summary"), ws.Text("#campaign-indicators"))
	}
	for range 2 {
		if res := lead.PostForm(deskPath(incident, "/phishing/close"), nil); res.StatusCode != 303 {
			t.Fatalf("close campaign: %d %s", res.StatusCode, res.Body)
		}
	}
	x.quiet(t, "ticket_changed", "phishing_analyse")
	for _, r := range reporters {
		if n := x.count(t, `SELECT count(*) FROM outbox WHERE kind = 'reply' AND to_addr = $1 AND convert_from(raw, 'UTF8') LIKE '%campaign you reported%'`, r); n != 1 {
			t.Errorf("%s got %d campaign notices, want 1", r, n)
		}
	}
	if n := x.count(t, `SELECT count(*) FROM tickets c JOIN tickets p ON p.id = c.parent_id WHERE p.number = $1 AND c.status = 'resolved'`, incident); n != 30 {
		t.Errorf("%d of 30 reports resolved", n)
	}
}

func (x *env) sendErr(from, rcpt string, raw []byte) error {
	ar := "Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com; dmarc=pass header.from=example.com\r\n"
	return smtpSend(x.smtp, from, rcpt, append([]byte(ar), raw...))
}
