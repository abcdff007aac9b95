package intake_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"switchboard/internal/intake"
	"switchboard/internal/mail"
)

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	d := newDNSServer(t)
	key := newDKIMKey(t, d, "example.com")
	d.set("_dmarc.example.com", "v=DMARC1; p=reject")
	d.set("example.net", "v=spf1 ip4:127.0.0.1 -all")
	d.set("_dmarc.corp.example", "v=DMARC1; p=quarantine")
	res := intake.NewResolver(d.addr)
	ctx := context.Background()
	plain := msg("ann@example.com", "it@"+domain, "printer", "p1@example.com", "the printer is broken")
	signed := strings.ReplaceAll(key.sign(t, plain), "\n", "\r\n")
	local := net.ParseIP("127.0.0.1")
	foreign := net.ParseIP("192.0.2.7")
	trusted := []string{"mx.corp.example"}
	for _, tc := range []struct {
		name   string
		in     mail.AuthInput
		result string
		reason string
	}{
		{"DKIM pass", mail.AuthInput{Raw: []byte(signed), FromDomain: "example.com", ClientIP: foreign, MailFrom: "ann@example.com"},
			mail.AuthPass, "Sender verified by DKIM for example.com"},
		{"DKIM of a subdomain aligns relaxed", mail.AuthInput{Raw: []byte(signed), FromDomain: "mail.example.com"},
			mail.AuthPass, "DKIM for example.com"},
		{"body changed after signing", mail.AuthInput{Raw: []byte(strings.Replace(signed, "is broken", "is fine", 1)),
			FromDomain: "example.com", ClientIP: foreign}, mail.AuthFail, "DMARC policy of example.com not met"},
		{"no signature, DMARC reject", mail.AuthInput{Raw: []byte(plain), FromDomain: "example.com", ClientIP: foreign},
			mail.AuthFail, "not met"},
		{"SPF pass aligned", mail.AuthInput{Raw: []byte(plain), FromDomain: "example.net", ClientIP: local, HELO: "mx.example.net",
			MailFrom: "bob@example.net"}, mail.AuthPass, "Sender verified by SPF for example.net"},
		{"SPF -all from a foreign IP", mail.AuthInput{Raw: []byte(plain), FromDomain: "example.net", ClientIP: foreign,
			HELO: "mx.evil.test", MailFrom: "bob@example.net"}, mail.AuthFail, "SPF of example.net fails"},
		{"SPF pass of another domain does not align", mail.AuthInput{Raw: []byte(plain), FromDomain: "example.com",
			ClientIP: local, MailFrom: "x@example.net"}, mail.AuthFail, ""},
		{"unknown domain", mail.AuthInput{Raw: []byte(plain), FromDomain: "nowhere.test", ClientIP: foreign, MailFrom: "a@nowhere.test"},
			mail.AuthNone, ""},
		{"trusted Authentication-Results", mail.AuthInput{FromDomain: "corp.example", AuthServIDs: trusted, TrustResults: true,
			Raw: []byte("Authentication-Results: mx.corp.example;\r\n dkim=pass header.d=corp.example; dmarc=pass header.from=corp.example\r\n" + plain)},
			mail.AuthPass, "Sender verified by DMARC for corp.example"},
		{"Authentication-Results not from the relay", mail.AuthInput{FromDomain: "corp.example", AuthServIDs: trusted, TrustResults: false,
			Raw: []byte("Authentication-Results: mx.corp.example; dmarc=pass header.from=corp.example\r\n" + plain)},
			mail.AuthFail, "corp.example not met"},
		{"Authentication-Results of an untrusted id", mail.AuthInput{FromDomain: "corp.example", AuthServIDs: trusted, TrustResults: true,
			Raw: []byte("Authentication-Results: mx.evil.test; dmarc=pass header.from=corp.example\r\n" + plain)},
			mail.AuthFail, "corp.example not met"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := mail.Authenticate(ctx, res, tc.in)
			all := v.Summary() + " | " + strings.Join(v.Reasons, " | ")
			if v.Result != tc.result || !strings.Contains(all, tc.reason) {
				t.Errorf("verdict %s (%s), want %s with %q", v.Result, all, tc.result, tc.reason)
			}
		})
	}
	// One resolver, one question: the cache answers the second burst of lookups.
	before := d.queries("_dmarc.example.com")
	for range 5 {
		mail.Authenticate(ctx, res, mail.AuthInput{Raw: []byte(plain), FromDomain: "example.com"})
	}
	if n := d.queries("_dmarc.example.com"); n != before {
		t.Errorf("DMARC record asked %d more times, want 0 (cached)", n-before)
	}
}

func TestStripAuthResults(t *testing.T) {
	t.Parallel()
	raw := "Authentication-Results: mx.corp.example; dmarc=pass\r\nReceived: from x\r\nAuthentication-Results: mx.corp.example;\r\n\tdkim=pass header.d=corp.example\r\nAuthentication-Results: other.example; spf=pass\r\nSubject: hi\r\n\r\nAuthentication-Results: mx.corp.example; body text\r\n"
	out, n := mail.StripAuthResults([]byte(raw), []string{"MX.corp.example"}, false)
	if n != 2 || strings.Count(string(out), "mx.corp.example") != 1 || !strings.Contains(string(out), "other.example") ||
		!strings.Contains(string(out), "Subject: hi\r\n\r\nAuthentication-Results: mx.corp.example; body text") {
		t.Errorf("strip all: %d, %q", n, out)
	}
	out, n = mail.StripAuthResults([]byte(raw), []string{"mx.corp.example"}, true)
	if n != 1 || !strings.HasPrefix(string(out), "Authentication-Results: mx.corp.example; dmarc=pass\r\nReceived") ||
		strings.Contains(string(out), "dkim=pass") {
		t.Errorf("keep first: %d, %q", n, out)
	}
}
