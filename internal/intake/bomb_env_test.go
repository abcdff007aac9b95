package intake_test

import (
	"bytes"
	"fmt"
	"net/smtp"
	"strings"
	"sync"
	"testing"
)

// bombMail nests multiparts depth deep and never closes a boundary.
func bombMail(depth int, id string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: mallory@example.org\nTo: it@%s\nSubject: bomb %s\nMessage-ID: <%s@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n", domain, id, id)
	for i := 1; i <= depth; i++ {
		fmt.Fprintf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=\"b%d\"\n\n", i-1, i)
	}
	fmt.Fprintf(&b, "--b%d\nContent-Type: text/plain\n\nreadable text %s\n", depth, id)
	return b.String()
}

// TestMIMEBombsOverSMTP sends the hostile mails of the review (nested
// unclosed boundaries depth 30 and 19, 10,000 parts, a NUL-byte mail) in the
// middle of 200 ordinary mails: every one becomes a ticket, the bombs with a
// parse warning, and the queue drains (idle fails after its deadline).
func TestMIMEBombsOverSMTP(t *testing.T) {
	e := setup(t, nil)
	var parts bytes.Buffer
	fmt.Fprintf(&parts, "From: mallory@example.org\nTo: it@%s\nSubject: many parts\nMessage-ID: <parts@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"x\"\n\n", domain)
	for i := range 10000 {
		fmt.Fprintf(&parts, "--x\nContent-Type: text/plain\n\npart %d\n", i)
	}
	parts.WriteString("--x--\n")
	hostile := []string{bombMail(30, "deep"), bombMail(19, "shallow"), parts.String(),
		msg("nul@example.org", "it@"+domain, "printer\x00 jam", "nul@example.org", "paper\x00 stuck \xff in tray 2")}
	var wg sync.WaitGroup
	errs := make(chan error, 210)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < 200; i += 4 {
				errs <- e.send("user@example.org", []string{"it@" + domain},
					msg("user@example.org", "it@"+domain, fmt.Sprintf("ordinary %d", i), fmt.Sprintf("o%d@example.org", i), "please help"))
			}
		}()
	}
	for _, h := range hostile {
		errs <- smtp.SendMail(e.smtp, nil, "mallory@example.org", []string{"it@" + domain}, []byte(strings.ReplaceAll(h, "\n", "\r\n")))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	e.idle()
	if n := e.count(`SELECT count(*) FROM tickets WHERE subject LIKE 'ordinary %'`); n != 200 {
		t.Errorf("%d ordinary tickets, want 200", n)
	}
	for _, c := range []struct{ subject, text, warning string }{
		{"bomb deep", "readable text deep", "MIME nesting deeper than 20"},
		{"bomb shallow", "readable text shallow", "unterminated multipart"},
		{"many parts", "part 500", "more than 1000 MIME parts"},
		{"printer\uFFFD jam", "stuck", ""},
	} {
		if n := e.count(`SELECT count(*) FROM tickets t JOIN messages m ON m.ticket_id = t.id
			WHERE t.subject = $1 AND m.body_text LIKE '%' || $2 || '%'`, c.subject, c.text); n != 1 {
			t.Errorf("ticket %q with %q: %d", c.subject, c.text, n)
		}
		if c.warning != "" {
			if n := e.count(`SELECT count(*) FROM inbound_mail WHERE subject = $1 AND status = 'ticket'
				AND array_to_string(parse_warnings, ' ') LIKE '%' || $2 || '%'`, c.subject, c.warning); n != 1 {
				t.Errorf("mail %q: no ticket with warning %q", c.subject, c.warning)
			}
		}
	}
}
