package intake_test

import (
	"strings"
	"testing"

	"switchboard/internal/mail"
)

// TestVERPBounce: our acknowledgement leaves with a signed return path
// (bounces+<id>-<sig>@domain); a delivery report sent to it that quotes
// nothing of the mail (no Message-ID anywhere) still marks that mail failed
// and its recipient bouncing. A report to an altered return path is refused
// at RCPT, and mail to a valid one that is no report makes no ticket.
func TestVERPBounce(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	e.mustSend("bob@example.com", []string{"it@" + domain}, msg("Bob <bob@example.com>", "it@"+domain, "Keyboard", "kb-1@example.com", "keys stuck"))
	e.idle()
	acks := e.sink.to("bob@example.com")
	if len(acks) != 1 {
		t.Fatalf("acks = %d", len(acks))
	}
	path := acks[0].From
	if !strings.HasPrefix(path, "bounces+") || !strings.HasSuffix(path, "@"+domain) {
		t.Fatalf("return path %q is not a signed bounce address", path)
	}
	id, ok := mail.ParseBounceAddress([]byte(secret), path, domain)
	if !ok {
		t.Fatalf("return path %q does not verify", path)
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE id = $1 AND to_addr = 'bob@example.com'`, id); n != 1 {
		t.Fatalf("return path names outbox mail %d, not the acknowledgement to bob", id)
	}
	dsn := func(mid string) string {
		return "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\nTo: " + path + "\nSubject: Undelivered Mail Returned to Sender\n" +
			"Message-ID: <" + mid + ">\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n" +
			"--b\nContent-Type: text/plain\n\nYour message could not be delivered.\n" +
			"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\nFinal-Recipient: rfc822; bob@example.com\nAction: failed\nStatus: 5.1.1\n--b--\n"
	}
	// Altered signature or id: refused before DATA, nothing stored.
	forged := strings.Replace(path, "bounces+", "bounces+1", 1)
	if err := e.send("", []string{forged}, dsn("dsn-forged@mx.example.com")); err == nil || smtpCode(err) < 500 {
		t.Errorf("report to an altered return path: %v, want a 5xx refusal", err)
	}
	e.mustSend("", []string{path}, dsn("dsn-1@mx.example.com"))
	// An auto-responder answering the return path: no ticket, no answer.
	e.mustSend("robot@example.org", []string{path}, msg("Robot <robot@example.org>", path, "Thanks for your mail", "robot-1@example.org", "We got it."))
	e.idle()
	if st := e.str(`SELECT status FROM inbound_mail WHERE message_id = 'dsn-1@mx.example.com'`); st != "bounce" {
		t.Errorf("report: status %q, want bounce", st)
	}
	if n := e.count(`SELECT count(*) FROM users WHERE email = 'bob@example.com' AND bouncing_at IS NOT NULL`); n != 1 {
		t.Error("bob not marked bouncing by a report to the return path")
	}
	if st := e.str(`SELECT status FROM outbox WHERE id = $1`, id); st != "failed" {
		t.Errorf("outbox mail status %q, want failed", st)
	}
	if st := e.str(`SELECT status FROM inbound_mail WHERE message_id = 'robot-1@example.org'`); st != "ignored" {
		t.Errorf("mail to the return path: status %q, want ignored", st)
	}
	if n := e.count(`SELECT count(*) FROM tickets`); n != 1 {
		t.Errorf("tickets = %d, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM inbound_mail WHERE message_id = 'dsn-forged@mx.example.com'`); n != 0 {
		t.Error("report to an altered return path was stored")
	}
}
