package intake_test

import (
	"strings"
	"testing"
)

// TestReplyIsOneTransaction: everything a mailed reply writes — the message,
// its sender joining the ticket, the people copied, their event and the
// mail's outcome — is written by one transaction (all rows carry the same
// xmin), so a crash leaves all of it or none.
func TestReplyIsOneTransaction(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	e.mustSend("rita@example.com", []string{"it@" + domain},
		msg("Rita <rita@example.com>", "it@"+domain, "Printer jams", "jam-root@example.com", "The printer jams."))
	e.idle()
	// A vendor answers the thread (proof of having our mail) and copies a colleague.
	e.mustSend("vendor@partner.example", []string{"it@" + domain},
		msg("Vendor <vendor@partner.example>", "it@"+domain, "Re: Printer jams", "jam-reply@partner.example",
			"Try the rear tray.", "In-Reply-To: <jam-root@example.com>", "Cc: Bo <bo@partner.example>"))
	e.idle()
	xids := map[string]string{
		"message":   e.str(`SELECT xmin::text FROM messages WHERE email_message_id = 'jam-reply@partner.example'`),
		"mail":      e.str(`SELECT xmin::text FROM inbound_mail WHERE message_id = 'jam-reply@partner.example'`),
		"sender":    e.str(`SELECT p.xmin::text FROM ticket_participants p JOIN users u ON u.id = p.user_id WHERE u.email = 'vendor@partner.example'`),
		"copied":    e.str(`SELECT p.xmin::text FROM ticket_participants p JOIN users u ON u.id = p.user_id WHERE u.email = 'bo@partner.example'`),
		"cc event":  e.str(`SELECT xmin::text FROM ticket_events WHERE kind = 'participant_added' ORDER BY id DESC LIMIT 1`),
		"the reply": e.str(`SELECT xmin::text FROM ticket_events WHERE kind = 'replied' ORDER BY id DESC LIMIT 1`),
	}
	if st := e.str(`SELECT status FROM inbound_mail WHERE message_id = 'jam-reply@partner.example'`); st != "message" {
		t.Fatalf("reply status %q, want message", st)
	}
	for what, x := range xids {
		if x == "" || x != xids["message"] {
			t.Errorf("%s written by transaction %q, the message by %q: want one transaction", what, x, xids["message"])
		}
	}
}

// TestAckInTicketTransaction: a new ticket by mail and its acknowledgement
// (the outbox mail, its send job and the sender's answer budget) commit in
// one transaction, without an acknowledgement job of its own.
func TestAckInTicketTransaction(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	e.mustSend("rita@example.com", []string{"it@" + domain},
		msg("Rita <rita@example.com>", "it@"+domain, "Monitor flickers", "flicker-root@example.com", "It flickers."))
	e.idle()
	if n := len(e.sink.to("rita@example.com")); n != 1 {
		t.Fatalf("acknowledgements = %d, want 1", n)
	}
	xids := map[string]string{
		// Its first message: triage rewrites the ticket row itself later.
		"ticket": e.str(`SELECT xmin::text FROM messages WHERE email_message_id = 'flicker-root@example.com'`),
		"budget": e.str(`SELECT xmin::text FROM ack_log WHERE sender = 'rita@example.com'`),
		"mail":   e.str(`SELECT xmin::text FROM inbound_mail WHERE message_id = 'flicker-root@example.com'`),
	}
	for what, x := range xids {
		if x == "" || x != xids["ticket"] {
			t.Errorf("%s written by transaction %q, the ticket by %q: want one transaction", what, x, xids["ticket"])
		}
	}
	// The outbox row changes when it is sent; its time (now(), the
	// transaction's start) is the ticket's.
	if n := e.count(`SELECT count(*) FROM outbox o JOIN messages m ON m.created_at = o.created_at
		WHERE o.kind = 'ack' AND m.email_message_id = 'flicker-root@example.com'`); n != 1 {
		t.Errorf("acknowledgements made when the ticket was = %d, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM river_job WHERE kind = 'mail_ack'`); n != 0 {
		t.Errorf("acknowledgement jobs = %d, want none", n)
	}
}

// TestNoAckToUnverifiedStrangers: a stranger whose domain's SPF fails for
// the sending IP gets a ticket but no acknowledgement (it may be a forged
// sender: backscatter); a stranger whose domain vouches for the IP gets one.
func TestNoAckToUnverifiedStrangers(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	e.dns.set("forged.example", "v=spf1 ip4:192.0.2.10 -all") // its servers are elsewhere
	e.mustSend("victim@forged.example", []string{"it@" + domain},
		msg("Victim <victim@forged.example>", "it@"+domain, "Buy now", "spam-1@forged.example", "Cheap pills."))
	e.mustSend("eve@example.com", []string{"it@" + domain},
		msg("Eve <eve@example.com>", "it@"+domain, "VPN drops", "vpn-1@example.com", "Every hour."))
	e.idle()
	if n := e.count(`SELECT count(*) FROM inbound_mail WHERE status = 'ticket'`); n != 2 {
		t.Fatalf("tickets from the two mails = %d, want 2", n)
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE to_addr = 'victim@forged.example'`); n != 0 {
		t.Errorf("mails to an unverified stranger = %d, want 0", n)
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE to_addr = 'eve@example.com' AND kind = 'ack'`); n != 1 {
		t.Errorf("acknowledgements to a verified stranger = %d, want 1", n)
	}
	// The verdict is on each ticket's first message, for staff to see.
	for id, want := range map[string]string{"spam-1@forged.example": "Sender not verified", "vpn-1@example.com": "Sender verified"} {
		if got := e.str(`SELECT sender_check FROM messages WHERE email_message_id = $1`, id); !strings.HasPrefix(got, want) {
			t.Errorf("message of %s says %q, want %q…", id, got, want)
		}
	}
}
